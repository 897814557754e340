/* @model
materialized: table
grain: [check_name, subject]
description: >
  Warnings level_difference (marts.data_quality_warnings): a province-level beneficiary row
  whose in_difficulty, served or monthly_allowance differs from the sum of the district or
  commune rows of the same period and group (the sum is what counts).
*/
select
    'level_difference' as check_name,
    d.province_list || ':' || d.province_code || '/' || cast(d.year as varchar) || '/' || cast(d.period_month as varchar) || '/' || d.group_code as subject,
    'warning' as severity,
    'as_reported' as geography,
    d.province_list,
    d.province_code,
    d.year,
    cast(null as varchar) as indicator_code,
    'beneficiaries' as source,
    to_json({
        'group_code': d.group_code,
        'month': d.period_month,
        'file_name': d.file_name,
        'row_number': d.row_number,
        'province_in_difficulty': d.province_in_difficulty,
        'lower_in_difficulty': d.lower_in_difficulty,
        'province_served': d.province_served,
        'lower_served': d.lower_served,
        'province_monthly_allowance': d.province_monthly_allowance,
        'lower_monthly_allowance': d.lower_monthly_allowance
    }) as figures,
    'nhóm ' || d.group_code || ', tháng ' || cast(d.period_month as varchar) || '/' || cast(d.year as varchar)
        || ': dòng cấp tỉnh (' || d.file_name || ' dòng ' || cast(d.row_number as varchar) || ') báo '
        || coalesce(cast(d.province_in_difficulty as varchar), 'trống') || ' người có hoàn cảnh đặc biệt khó khăn, tổng các huyện/xã là '
        || coalesce(cast(d.lower_in_difficulty as varchar), 'trống') || '; dùng tổng các huyện/xã' as message_body,
from intermediate.int_level_differences as d
where d.province_in_difficulty is distinct from d.lower_in_difficulty
    or d.province_served is distinct from d.lower_served
    or d.province_monthly_allowance is distinct from d.lower_monthly_allowance
