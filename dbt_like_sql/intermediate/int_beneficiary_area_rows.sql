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
with mapped as (
    select
        l.*,
        p.successor_code,
    from intermediate.int_beneficiaries_levelled as l
    inner join seeds.provinces as p
        on p.province_list = l.province_list
        and p.province_code = l.province_code
),

areas as (
    select
        'as_reported' as geography,
        'province' as area_level,
        case when m.year >= 2025 then m.successor_code else m.province_code end as area_province_code,
        '' as area_district_key,
        m.*,
    from mapped as m

    union all

    select
        'current' as geography,
        'province' as area_level,
        m.successor_code as area_province_code,
        '' as area_district_key,
        m.*,
    from mapped as m

    union all

    select
        'as_reported' as geography,
        'district' as area_level,
        m.province_code as area_province_code,
        m.district_key as area_district_key,
        m.*,
    from mapped as m
    where m.district_key <> '' and m.province_list = 'old'
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
