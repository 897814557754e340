/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, facility_id, year]
description: >
  Active units (status = active) of each year's roster placed in the areas they count
  for, in the same geographies as int_beneficiary_area_years: as_reported (from 2025
  on the new provinces, since a roster is dated 31 December), current (the 34
  provinces) and pre-2025 districts as reported.
*/
with active as (
    select *,
    from staging.stg_facilities
    where is_active
),

areas as (
    select
        g.geography,
        'province' as area_level,
        g.area_province_code,
        '' as area_district_key,
        a.*,
    from active as a
    cross join seeds.calendar as k
    inner join intermediate.int_province_geographies as g
        on g.province_list = a.province_list
        and g.province_code = a.province_code
        and g.is_after_reform = (a.year >= k.reform_year)

    union all

    select
        'as_reported' as geography,
        'district' as area_level,
        a.province_code as area_province_code,
        a.district_key as area_district_key,
        a.*,
    from active as a
    where a.district_key <> '' and a.province_list = 'old'
)

select
    a.geography,
    a.area_level,
    a.area_province_code as province_code,
    a.area_district_key as district_key,
    a.facility_id,
    a.year,
    a.unit_type,
    a.is_social_assistance,
    a.unit_type in ('health', 'education') or a.is_social_assistance as is_sw_scope,
    a.provides_social_work,
    a.meets_accessibility,
    a.residents,
    a.staff_social_work,
from areas as a
