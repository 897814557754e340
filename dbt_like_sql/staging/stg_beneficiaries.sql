/* @model
materialized: incremental
partition_by: year
grain: [province_list, province_code, district_key, commune_key, year, period_month, is_annual_report, group_code]
description: >
  Beneficiary counts as currently reported: one row per reporting unit, period and
  group, where a row from a later file (lexical file-name order) supersedes the same
  key from an earlier file. An annual report (empty month) counts as month 12. Where a
  unit has both an annual report and monthly rows for one year and group, the report
  of the later file replaces the other for the whole unit-year-group (docs/contract.md
  §2.2): the replaced rows stay here, marked by replaced_by_file, and count nowhere.
*/
-- The supersede rule (an annual row and a December row are different reports here: the
-- annual/monthly rule below decides between them) without ranking every row: rows are counted per year and hash of
-- their key, and only the rows whose hash occurs more than once (a key reported again,
-- or the rare hash collision of two keys) are ranked on the full key. Both steps keep
-- year in their partitions, so that a build of some years (partition_by) reads only
-- their rows.
with keyed as (
    select
        b.*,
        lower(trim(coalesce(b.district, ''))) as district_key,
        lower(trim(coalesce(b.commune, ''))) as commune_key,
        cast(coalesce(b.month, 12) as integer) as period_month,
        b.month is null as is_annual,
    from raw.beneficiaries as b
),

counted as (
    select
        k.*,
        count(*) over (
            partition by k.year, hash(
                k.province_list, k.province_code, k.district_key, k.commune_key, k.year, k.period_month, k.is_annual, k.group_code
            )
        ) as rows_with_key_hash,
    from keyed as k
),

current_rows as (
    -- the only version of its key
    select c.*,
    from counted as c
    where c.rows_with_key_hash = 1

    union all

    -- the latest version of a key reported more than once (later file, then later row)
    select c.*,
    from counted as c
    where c.rows_with_key_hash > 1
    qualify row_number() over (
        partition by c.province_list, c.province_code, c.district_key, c.commune_key, c.year, c.period_month, c.is_annual, c.group_code
        order by c.file_name desc, c.row_number desc
    ) = 1
),

-- the latest annual and the latest monthly row of each unit-year-group having both: the
-- kind whose latest row comes from the later file (then the later row) is the unit's
-- report. The latest row of a kind is the current version of its key, so every row is
-- aggregated (an aggregate per unit, not a window over millions of rows).
mixed_units as (
    select
        c.province_list,
        c.province_code,
        c.district_key,
        c.commune_key,
        c.year,
        c.group_code,
        max(case when c.is_annual then c.file_name end) as annual_file,
        max(case when c.is_annual then c.file_name || chr(1) || lpad(cast(c.row_number as varchar), 12, '0') end)
            as annual_position,
        max(case when not c.is_annual then c.file_name end) as monthly_file,
        max(case when not c.is_annual then c.file_name || chr(1) || lpad(cast(c.row_number as varchar), 12, '0') end)
            as monthly_position,
    from counted as c
    group by c.province_list, c.province_code, c.district_key, c.commune_key, c.year, c.group_code
    having bool_or(c.is_annual) and bool_or(not c.is_annual)
),

unit_reports as (
    select
        c.*,
        u.annual_file,
        u.annual_position,
        u.monthly_file,
        u.monthly_position,
    from current_rows as c
    left join mixed_units as u
        on c.province_list is not distinct from u.province_list
        and c.province_code is not distinct from u.province_code
        and c.district_key = u.district_key
        and c.commune_key = u.commune_key
        and c.year is not distinct from u.year
        and c.group_code is not distinct from u.group_code
)

select
    r.province_list,
    r.province_code,
    r.province_remapped,
    r.district,
    r.district_key,
    r.commune,
    r.commune_key,
    case
        when r.commune is not null then 'commune'
        when r.district is not null then 'district'
        else 'province'
    end as report_level,
    cast(r.year as integer) as year,
    r.period_month,
    r.is_annual as is_annual_report,
    r.group_code,
    cast(r.in_difficulty as bigint) as in_difficulty,
    cast(r.served as bigint) as served,
    cast(r.comprehensive as bigint) as comprehensive,
    cast(r.case_managed as bigint) as case_managed,
    cast(r.emergency_cases as bigint) as emergency_cases,
    cast(r.emergency_assisted as bigint) as emergency_assisted,
    cast(r.monthly_allowance as bigint) as monthly_allowance,
    r.file_name,
    r.row_number,
    case
        when r.annual_file is null or r.monthly_file is null then null
        when r.is_annual and r.monthly_position > r.annual_position then r.monthly_file
        when not r.is_annual and r.annual_position > r.monthly_position then r.annual_file
    end as replaced_by_file,
from unit_reports as r
