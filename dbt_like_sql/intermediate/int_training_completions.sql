/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, record_id]
description: >
  Training records placed in the areas they count for (province of the record, dated
  at its end date: from 2025 on as_reported names the new provinces; districts through
  the roster district of the unit the person works at, pre-2025 only). A record without
  an end date has no year and counts nowhere.
*/
with records as (
    select
        t.*,
        case
            when t.role in ('staff', 'collaborator') then 'worker'
            when t.role = 'family' then 'family'
        end as role_group,
    from staging.stg_training as t
),

facility_districts as (
    select
        facility_id,
        province_code,
        district_key,
        row_number() over (partition by facility_id order by year desc) as recency,
    from staging.stg_facilities
    where district_key <> '' and province_list = 'old'
),

areas as (
    select
        g.geography,
        'province' as area_level,
        g.area_province_code,
        '' as area_district_key,
        r.*,
    from records as r
    cross join seeds.calendar as k
    inner join intermediate.int_province_geographies as g
        on g.province_list = r.province_list
        and g.province_code = r.province_code
        and g.is_after_reform = (r.year >= k.reform_year)

    union all

    select
        'as_reported' as geography,
        'district' as area_level,
        d.province_code as area_province_code,
        d.district_key as area_district_key,
        r.*,
    from records as r
    cross join seeds.calendar as k
    inner join facility_districts as d
        on d.facility_id = r.facility_id
        and d.recency = 1
    where r.year < k.reform_year
)

select
    a.geography,
    a.area_level,
    a.area_province_code as province_code,
    a.area_district_key as district_key,
    a.record_id,
    a.person_key,
    a.facility_id,
    a.role_group,
    a.course_level,
    a.is_degree_course,
    a.end_date,
    a.year,
    coalesce(a.completed, false) as is_completed,
from areas as a
