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
-- annual/monthly rule below decides between them) without ranking every row: only the
-- rows whose key hash occurs more than once in a year (a key reported again, or the rare
-- hash collision of two keys) are ranked on the full key, and the rows that lose are left
-- out of the rest. Every step keeps year in its keys, so that a build of some years
-- (partition_by) reads only their rows.
-- DuckDB materialises a common table expression read in several places, every column of
-- millions of rows: so `keyed` (every column, the rows kept) is read once, and the
-- searches read `keys`, the same key expressions over the key columns only, not
-- materialised either: each search computes them from the raw table again, which costs
-- less (in time and memory) than writing them out for every row once. A name is trimmed
-- and lowered before the empty string replaces a missing one, so that DuckDB works once
-- per distinct name of a column segment rather than once per row.
with keyed as (
    select
        b.*,
        coalesce(lower(trim(b.district)), '') as district_key,
        coalesce(lower(trim(b.commune)), '') as commune_key,
        cast(coalesce(b.month, 12) as integer) as period_month,
        b.month is null as is_annual,
    from raw.beneficiaries as b
),

keys as not materialized (
    select
        k.*,
        hash(k.province_list, k.province_code, k.district_key, k.commune_key, k.year, k.period_month, k.is_annual, k.group_code)
            as key_hash,
    from (
        select
            b.file_name,
            b.row_number,
            b.province_list,
            b.province_code,
            b.year,
            b.group_code,
            coalesce(lower(trim(b.district)), '') as district_key,
            coalesce(lower(trim(b.commune)), '') as commune_key,
            cast(coalesce(b.month, 12) as integer) as period_month,
            b.month is null as is_annual,
        from raw.beneficiaries as b
    ) as k
),

repeated_hashes as (
    select year, key_hash,
    from keys
    group by year, key_hash
    having count(*) > 1
),

-- every version of a key reported more than once but the latest (later file, then later row)
superseded as (
    select k.*,
    from keys as k
    semi join repeated_hashes as h on h.year is not distinct from k.year and h.key_hash = k.key_hash
    qualify row_number() over (
        partition by k.province_list, k.province_code, k.district_key, k.commune_key, k.year, k.period_month, k.is_annual, k.group_code
        order by k.file_name desc, k.row_number desc
    ) > 1
),

current_rows as (
    select k.*,
    from keyed as k
    anti join superseded as s
        on s.file_name = k.file_name
        and s.row_number = k.row_number
        and s.province_list is not distinct from k.province_list
        and s.province_code is not distinct from k.province_code
        and s.district_key = k.district_key
        and s.commune_key = k.commune_key
        and s.year is not distinct from k.year
        and s.period_month = k.period_month
        and s.is_annual = k.is_annual
        and s.group_code is not distinct from k.group_code
),

-- the unit-year-groups having an annual report (few: most units report monthly)
annual_units as (
    select distinct province_list, province_code, district_key, commune_key, year, group_code,
    from keys
    where is_annual
),

-- the latest annual and the latest monthly row of each unit-year-group having both: the
-- kind whose latest row comes from the later file (then the later row) is the unit's
-- report. The latest row of a kind is the current version of its key, so the rows of
-- those units are aggregated, not ranked.
mixed_units as (
    select
        k.province_list,
        k.province_code,
        k.district_key,
        k.commune_key,
        k.year,
        k.group_code,
        max(case when k.is_annual then k.file_name end) as annual_file,
        max(case when k.is_annual then k.file_name || chr(1) || lpad(cast(k.row_number as varchar), 12, '0') end)
            as annual_position,
        max(case when not k.is_annual then k.file_name end) as monthly_file,
        max(case when not k.is_annual then k.file_name || chr(1) || lpad(cast(k.row_number as varchar), 12, '0') end)
            as monthly_position,
    from keys as k
    semi join annual_units as a
        on a.province_list is not distinct from k.province_list
        and a.province_code is not distinct from k.province_code
        and a.district_key = k.district_key
        and a.commune_key = k.commune_key
        and a.year is not distinct from k.year
        and a.group_code is not distinct from k.group_code
    group by k.province_list, k.province_code, k.district_key, k.commune_key, k.year, k.group_code
    having bool_or(not k.is_annual)
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
