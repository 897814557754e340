/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, unit_key, year, period_month, group_code]
description: >
  Levelled beneficiary rows placed in the areas they count for. Province areas exist
  in two geographies: as_reported (the province named in the rows; a yearly value is
  dated 31 December, so from 2025 on the province of the new 34-province list) and
  current (every year mapped onto the 34 provinces). District areas (pre-2025 district
  names, as reported) serve district-level plans.
columns:
  geography: as_reported or current
  area_level: province or district
  province_code: two-digit code of the area's province in the list of its geography and year
  district_key: district of a district area ('' for a province area)
  unit_key: the reporting unit, for completeness checks
*/
with areas as (
    select
        g.geography,
        'province' as area_level,
        g.area_province_code,
        '' as area_district_key,
        l.*,
    from intermediate.int_beneficiaries_levelled as l
    inner join intermediate.int_province_geographies as g
        on g.province_list = l.province_list
        and g.province_code = l.province_code
        and g.is_after_reform = (l.year >= 2025)

    union all

    select
        'as_reported' as geography,
        'district' as area_level,
        l.province_code as area_province_code,
        l.district_key as area_district_key,
        l.*,
    from intermediate.int_beneficiaries_levelled as l
    where l.district_key <> '' and l.province_list = 'old'
)

select
    a.geography,
    a.area_level,
    a.area_province_code as province_code,
    a.area_district_key as district_key,
    a.unit_key,
    a.year,
    a.period_month,
    a.group_code,
    a.in_difficulty,
    a.served,
    a.comprehensive,
    a.case_managed,
    a.emergency_cases,
    a.emergency_assisted,
    a.monthly_allowance,
from areas as a
