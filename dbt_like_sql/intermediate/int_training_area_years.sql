/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, year]
description: >
  Completed trainings per area and year (the year of the course end date), counted as
  distinct (person, end date) completions, for area-years with any training record.
*/
select
    c.geography,
    c.area_level,
    c.province_code,
    c.district_key,
    c.year,
    count(distinct case when c.is_completed and c.role_group = 'worker' then c.person_key || '|' || cast(c.end_date as varchar) end) as worker_trained_count,
    count(distinct case when c.is_completed and c.role_group = 'family' then c.person_key || '|' || cast(c.end_date as varchar) end) as family_trained_count,
    count(*) as record_count,
from intermediate.int_training_completions as c
group by c.geography, c.area_level, c.province_code, c.district_key, c.year
