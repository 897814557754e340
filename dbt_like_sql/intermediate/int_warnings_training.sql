/* @model
materialized: table
grain: [check_name, subject]
description: >
  Warnings on training records counted in no indicator (marts.data_quality_warnings), per
  province (as named) and year of the end date: training_unknown_role (an empty or
  unknown role), training_no_end_date, and training_unknown_unit (a completed course of
  staff or a collaborator whose facility_id is not on the roster: left out of
  sw_staff_trained_pct).
*/
with roster_units as (
    select distinct facility_id,
    from staging.stg_facilities
),

problems as (
    select 'training_unknown_role' as check_name, t.province_list, t.province_code, t.year,
    from staging.stg_training as t
    where t.role is null or t.role not in ('staff', 'collaborator', 'family')
    union all
    select 'training_no_end_date', t.province_list, t.province_code, t.year,
    from staging.stg_training as t
    where t.end_date is null
    union all
    select 'training_unknown_unit', t.province_list, t.province_code, t.year,
    from staging.stg_training as t
    left join roster_units as u on u.facility_id = t.facility_id
    where t.completed and t.role in ('staff', 'collaborator') and t.end_date is not null and u.facility_id is null
),

counts as (
    select check_name, province_list, province_code, year, count(*) as record_count,
    from problems
    group by check_name, province_list, province_code, year
)

select
    c.check_name,
    c.province_list || ':' || c.province_code || '/' || coalesce(cast(c.year as varchar), '') as subject,
    'warning' as severity,
    'as_reported' as geography,
    c.province_list,
    c.province_code,
    c.year,
    case when c.check_name = 'training_unknown_unit' then 'sw_staff_trained_pct' end as indicator_code,
    'training' as source,
    to_json({ 'records_left_out': c.record_count }) as figures,
    coalesce('năm ' || cast(c.year as varchar) || ': ', '') || cast(c.record_count as varchar) || ' '
        || case c.check_name
            when 'training_unknown_role' then 'bản ghi đào tạo không có hoặc không rõ đối tượng tham gia; không được tính vào chỉ tiêu nào'
            when 'training_no_end_date' then 'bản ghi đào tạo không có ngày kết thúc; không được tính vào chỉ tiêu nào'
            else 'bản ghi hoàn thành khóa học của cán bộ, cộng tác viên không gắn với cơ sở nào trong danh sách cơ sở; '
                || 'không được tính vào tỷ lệ nhân viên công tác xã hội được đào tạo'
        end as message_body,
from counts as c
