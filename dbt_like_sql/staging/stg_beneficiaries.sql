/* @model
materialized: table
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
with ranked as (
    select
        b.*,
        row_number() over (
            partition by
                b.province_list, b.province_code,
                lower(trim(coalesce(b.district, ''))), lower(trim(coalesce(b.commune, ''))),
                b.year, coalesce(b.month, 12), b.group_code
            order by b.file_name desc, b.row_number desc
        ) as version_rank,
    from raw.beneficiaries as b
)
select
    r.province_list,
    r.province_code,
    r.province_remapped,
    r.district,
    lower(trim(coalesce(r.district, ''))) as district_key,
    r.commune,
    lower(trim(coalesce(r.commune, ''))) as commune_key,
    case
        when r.commune is not null then 'commune'
        when r.district is not null then 'district'
        else 'province'
    end as report_level,
    cast(r.year as integer) as year,
    cast(coalesce(r.month, 12) as integer) as period_month,
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
from ranked as r
where r.version_rank = 1
