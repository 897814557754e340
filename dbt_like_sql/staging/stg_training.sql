/* @model
materialized: table
grain: [record_id]
description: >
  Training records, one per person and course, the row from the lexically latest
  file winning. The person is known only by a salted hash (person_key).
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
