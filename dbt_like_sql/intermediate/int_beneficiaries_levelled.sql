/* @model
materialized: incremental
partition_by: year
grain: [province_list, province_code, district_key, commune_key, year, period_month, group_code]
description: >
  Beneficiary rows after the level rule of docs/contract.md §2.2, resolved per period (a
  month, or the whole year for an annual row) and per province as named in the rows:
  a province-level row is dropped where the province has district- or commune-level
  rows for the same period and group (they would double-count), and a district row is
  dropped where that district has commune-level rows for the period. A period with
  only province-level rows keeps them, so a province that switches level in mid-year
  loses no month. Rows replaced by a unit's other report (annual or monthly) are left
  out. The dropped totals are compared with the sums in int_level_differences. Where a
  row comes from (file_name, row_number, names as written) is in
  staging.stg_beneficiaries: the row of the same grain whose replaced_by_file is null.
*/
-- Rows replaced by a unit's other report count nowhere (replaced_by_file). The staging
-- table is read in each place rather than through one common table expression, which
-- DuckDB would materialise whole (every column of millions of rows) before filtering.
-- Commune rows, nearly all of them, are kept without looking up the covers.
with covers_in as (
    select province_list, province_code, district_key, year, group_code, period_month, is_annual_report, report_level,
    from staging.stg_beneficiaries
    where replaced_by_file is null and report_level <> 'province'
),

-- the periods for which finer rows exist: every district/commune row covers its province
-- (scope ''), and a commune row also covers its district
covers as (
    select distinct province_list, province_code, '' as scope_key, year, group_code, period_month, is_annual_report,
    from covers_in

    union

    select distinct province_list, province_code, district_key as scope_key, year, group_code, period_month, is_annual_report,
    from covers_in
    where report_level = 'commune' and district_key <> ''
),

cover_years as (
    select
        province_list,
        province_code,
        scope_key,
        year,
        group_code,
        bool_or(is_annual_report) as has_annual_cover,
    from covers
    group by province_list, province_code, scope_key, year, group_code
),

kept_rows as (
    select s.*,
    from staging.stg_beneficiaries as s
    where s.replaced_by_file is null and s.report_level = 'commune'

    union all

    select s.*,
    from staging.stg_beneficiaries as s
    left join cover_years as y
        on y.province_list = s.province_list
        and y.province_code = s.province_code
        and y.scope_key = s.district_key
        and y.year = s.year
        and y.group_code = s.group_code
    left join covers as m
        on m.province_list = s.province_list
        and m.province_code = s.province_code
        and m.scope_key = s.district_key
        and m.year = s.year
        and m.group_code = s.group_code
        and m.period_month = s.period_month
        and not m.is_annual_report
    where s.replaced_by_file is null and s.report_level <> 'commune' and (
        y.scope_key is null
        or not (s.is_annual_report or y.has_annual_cover or m.scope_key is not null)
    )
)

-- the lineage columns stay in staging: writing them again for every row costs about a
-- quarter of this model's time
select
    province_list,
    province_code,
    province_remapped,
    district_key,
    commune_key,
    report_level,
    year,
    period_month,
    is_annual_report,
    group_code,
    in_difficulty,
    served,
    comprehensive,
    case_managed,
    emergency_cases,
    emergency_assisted,
    monthly_allowance,
from kept_rows
