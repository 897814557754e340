/* @model
materialized: table
grain: [record_id]
description: >
  Training records, one per person and course, the row from the lexically latest
  file winning. The person is known only by a salted hash (person_key).
*/
-- Only the records whose id occurs more than once are ranked (no window over every row).
with repeated_ids as (
    select record_id,
    from raw.training
    group by record_id
    having count(*) > 1
),

-- every version of a record but the latest (later file, then later row)
superseded as (
    select t.file_name, t.row_number, t.record_id,
    from raw.training as t
    semi join repeated_ids as r on r.record_id is not distinct from t.record_id
    qualify row_number() over (
        partition by t.record_id
        order by t.file_name desc, t.row_number desc
    ) > 1
),

current_rows as (
    select t.*,
    from raw.training as t
    anti join superseded as s
        on s.record_id is not distinct from t.record_id
        and s.file_name = t.file_name
        and s.row_number = t.row_number
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
from current_rows as r
