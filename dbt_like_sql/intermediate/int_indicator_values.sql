/* @model
materialized: table
grain: [indicator_code, geography, province_code, year]
description: >
  The province values of marts.indicator_values, before they are published: one value per
  indicator, geography, province and year, sw_staff_trained_pct counted since the start of
  the national five-year period. The data-quality warnings on the published values
  (int_warnings_yoy_outliers, int_warnings_pct_over_100) read it, so no intermediate model
  reads a mart.
*/
select
    v.indicator_code,
    v.geography,
    v.province_code,
    p.province_name,
    v.year,
    v.numerator,
    v.denominator,
    v.value,
    v.months_reported,
    v.months_reported = 12 as is_complete_year,
from intermediate.int_indicator_area_values as v
cross join seeds.calendar as k
inner join seeds.provinces as p
    on p.province_code = v.province_code
    and p.province_list = case when v.geography = 'as_reported' and v.year < k.reform_year then 'old' else 'new' end
where v.area_level = 'province'
    and v.window_start_year
    = k.national_period_start
    + k.national_period_years * cast(floor((v.year - k.national_period_start) / k.national_period_years) as integer)
