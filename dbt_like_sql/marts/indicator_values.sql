/* @model
materialized: table
grain: [indicator_code, geography, province_code, year]
description: >
  One value per indicator, geography, province and year (docs/contract.md §4). as_reported
  names the province as the rows do (the 63 provinces up to 2024; a yearly value is
  dated 31 December, so from 2025 the 34 provinces); current maps every year onto the
  34 provinces so a series continues across the 2025 reform. sw_staff_trained_pct
  counts persons trained since the start of the national five-year period.
audits:
  - accepted_values: {column: geography, vocabulary: geographies}
  - accepted_range:
      name: percentages_between_0_and_100
      column: value
      min_value: 0
      max_value: 100
      where: "indicator_code in (select indicator_code from seeds.indicators where measure_type = 'percentage')"
  - accepted_range:
      name: counts_not_negative
      column: value
      min_value: 0
      where: "indicator_code not in (select indicator_code from seeds.indicators where measure_type = 'percentage')"
  - match_regex: {name: province_code_two_digits, column: province_code, pattern: '^\d{2}$'}
*/
select
    v.indicator_code,
    v.geography,
    v.province_code,
    v.province_name,
    v.year,
    v.numerator,
    v.denominator,
    v.value,
    v.months_reported,
    v.is_complete_year,
from intermediate.int_indicator_values as v
