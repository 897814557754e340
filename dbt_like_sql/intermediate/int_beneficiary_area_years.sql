/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, year]
description: >
  Yearly beneficiary figures per area with the period semantics of CONTRACT §2.2.
  Stocks (in_difficulty, served, comprehensive, case_managed, monthly_allowance) are
  the sum of the area's rows in the latest month of the year for which the area has
  any row; flows (emergency_cases, emergency_assisted) are summed over the months.
  Ratio numerators and denominators are summed only over rows reporting both.
columns:
  latest_month: the month whose rows give the stocks
  served_count: Σ served over rows of the latest month that report served and in_difficulty
  served_base_count: Σ in_difficulty over the same rows
  comprehensive_count: Σ comprehensive where comprehensive and in_difficulty are reported
  comprehensive_base_count: Σ in_difficulty over the same rows
  case_managed_count: Σ case_managed where case_managed and in_difficulty are reported
  case_managed_base_count: Σ in_difficulty over the same rows
  emergency_assisted_count: Σ emergency_assisted over the year where both flows are reported
  emergency_cases_count: Σ emergency_cases over the same rows
  allowance_count: Σ monthly_allowance of the latest month (NULL when nobody reported it)
  units_reporting: reporting units with any row in the year
  units_in_latest_month: of which with a row in the latest month (fewer is a completeness warning)
*/
with latest as (
    select
        geography,
        area_level,
        province_code,
        district_key,
        year,
        max(period_month) as latest_month,
    from intermediate.int_beneficiary_area_rows
    group by geography, area_level, province_code, district_key, year
)

select
    r.geography,
    r.area_level,
    r.province_code,
    r.district_key,
    r.year,
    l.latest_month,
    sum(case when r.period_month = l.latest_month and r.served is not null and r.in_difficulty is not null then r.served end) as served_count,
    sum(case when r.period_month = l.latest_month and r.served is not null and r.in_difficulty is not null then r.in_difficulty end) as served_base_count,
    sum(case when r.period_month = l.latest_month and r.comprehensive is not null and r.in_difficulty is not null then r.comprehensive end) as comprehensive_count,
    sum(case when r.period_month = l.latest_month and r.comprehensive is not null and r.in_difficulty is not null then r.in_difficulty end) as comprehensive_base_count,
    sum(case when r.period_month = l.latest_month and r.case_managed is not null and r.in_difficulty is not null then r.case_managed end) as case_managed_count,
    sum(case when r.period_month = l.latest_month and r.case_managed is not null and r.in_difficulty is not null then r.in_difficulty end) as case_managed_base_count,
    sum(case when r.emergency_cases is not null and r.emergency_assisted is not null then r.emergency_assisted end) as emergency_assisted_count,
    sum(case when r.emergency_cases is not null and r.emergency_assisted is not null then r.emergency_cases end) as emergency_cases_count,
    sum(case when r.period_month = l.latest_month then r.monthly_allowance end) as allowance_count,
    count(distinct r.unit_key) as units_reporting,
    count(distinct case when r.period_month = l.latest_month then r.unit_key end) as units_in_latest_month,
from intermediate.int_beneficiary_area_rows as r
inner join latest as l
    on l.geography = r.geography
    and l.area_level = r.area_level
    and l.province_code = r.province_code
    and l.district_key = r.district_key
    and l.year = r.year
group by r.geography, r.area_level, r.province_code, r.district_key, r.year, l.latest_month
