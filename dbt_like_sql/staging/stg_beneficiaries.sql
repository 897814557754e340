/* @model
materialized: incremental
partition_by: year
grain: [province_list, province_code, district_key, commune_key, year, period_month, group_code]
description: >
  Beneficiary counts as currently reported: one row per reporting unit, period and
  group, where a row from a later file (lexical file-name order) supersedes the same
  key from an earlier file. An annual report (empty month) counts as month 12.
columns:
  province_list: which official list names the province (old = 63 provinces before 1 July 2025, new = 34 after)
  province_code: two-digit official code in that list
  district: district as written (pre-2025 reports), NULL for province- or commune-only rows
  district_key: district name as written, lower case ('' when none); 'Huyện Cao Lãnh' and 'Thành phố Cao Lãnh' are two districts
  commune: commune as written, NULL unless commune-level
  commune_key: commune name as written, lower case ('' when none)
  report_level: province, district or commune - the finest unit the row names
  period_month: month of the period; 12 for an annual report
  group_code: beneficiary group (elderly, disabled, children, mental_illness, hiv, other)
  in_difficulty: people in especially difficult circumstances (stock)
  served: of whom provided suitable social assistance services (stock)
  comprehensive: of whom provided comprehensive services (stock)
  case_managed: counselled, supported or case-managed (stock)
  emergency_cases: people facing sudden hardship in the period (flow)
  emergency_assisted: of whom assisted in time (flow)
  monthly_allowance: people receiving the monthly social allowance (stock)
  file_name: the file this row comes from
  row_number: 1-based data row in that file
*/
-- The supersede rule without ranking every row: rows are counted per year and hash of
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
    from raw.beneficiaries as b
),

counted as (
    select
        k.*,
        count(*) over (
            partition by k.year, hash(
                k.province_list, k.province_code, k.district_key, k.commune_key, k.year, k.period_month, k.group_code
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
        partition by c.province_list, c.province_code, c.district_key, c.commune_key, c.year, c.period_month, c.group_code
        order by c.file_name desc, c.row_number desc
    ) = 1
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
    r.month is null as is_annual_report,
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
from current_rows as r
