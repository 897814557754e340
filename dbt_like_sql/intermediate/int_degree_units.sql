/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, year]
description: >
  Active units of each area-year with at least two distinct persons who completed an
  intermediate or higher course (intermediate, college, university, postgraduate)
  ending on or before that year, linked to the unit by the training record's facility.
*/
with first_degrees as (
    select
        facility_id,
        person_key,
        min(year) as first_year,
    from staging.stg_training
    where completed and is_degree_course and facility_id is not null and role in ('staff', 'collaborator', 'family')
    group by facility_id, person_key
),

unit_years as (
    select
        a.geography,
        a.area_level,
        a.province_code,
        a.district_key,
        a.year,
        a.facility_id,
        count(d.person_key) as degree_person_count,
    from intermediate.int_facility_areas as a
    left join first_degrees as d
        on d.facility_id = a.facility_id
        and d.first_year <= a.year
    group by a.geography, a.area_level, a.province_code, a.district_key, a.year, a.facility_id
)

select
    geography,
    area_level,
    province_code,
    district_key,
    year,
    count(case when degree_person_count >= 2 then 1 end) as two_degree_unit_count,
    count(*) as unit_count,
from unit_years
group by geography, area_level, province_code, district_key, year
