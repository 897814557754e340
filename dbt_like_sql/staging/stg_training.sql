/* @model
materialized: table
grain: [record_id]
description: >
  Training records, one per person and course, the row from the lexically latest
  file winning. The person is known only by a salted hash (person_key).
columns:
  record_id: record code
  person_key: HMAC-SHA256 of the national ID with the warehouse salt; the ID itself is never stored
  year: year of the end date (a training record is dated at its end date)
  role: staff, collaborator or family
  course_level: short_course, intermediate, college, university or postgraduate
  is_degree_course: intermediate or higher (a diploma course, not a short training)
*/
with ranked as (
    select
        t.*,
        row_number() over (
            partition by t.record_id
            order by t.file_name desc, t.row_number desc
        ) as version_rank,
    from raw.training as t
)

select
    r.record_id,
    r.person_key,
    r.province_list,
    r.province_code,
    r.province_remapped,
    r.facility_id,
    r.role,
    r.course_level,
    r.course_level in ('intermediate', 'college', 'university', 'postgraduate') as is_degree_course,
    cast(r.start_date as date) as start_date,
    cast(r.end_date as date) as end_date,
    cast(extract(year from r.end_date) as integer) as year,
    r.completed,
    r.file_name,
    r.row_number,
from ranked as r
where r.version_rank = 1
