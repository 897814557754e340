/* @model
materialized: table
grain: [check_name, subject]
description: >
  Warnings annual_monthly_overlap (marts.data_quality_warnings): a unit that sent both an
  annual report and monthly reports for a year and group; the later file's report is kept
  and the rows it replaces are counted.
*/
select
    'annual_monthly_overlap' as check_name,
    s.province_list || ':' || s.province_code || '/' || s.district_key || '/' || s.commune_key || '/' || cast(s.year as varchar) || '/' || s.group_code as subject,
    'warning' as severity,
    'as_reported' as geography,
    s.province_list,
    s.province_code,
    s.year,
    cast(null as varchar) as indicator_code,
    'beneficiaries' as source,
    to_json({
        'group_code': s.group_code,
        'district': max(s.district),
        'commune': max(s.commune),
        'kept_report': case when bool_or(s.is_annual_report) then 'monthly' else 'annual' end,
        'kept_file': max(s.replaced_by_file),
        'replaced_rows': count(*),
        'replaced_files': string_agg(distinct s.file_name, ', ' order by s.file_name)
    }) as figures,
    coalesce(max(s.commune) || ', ', '') || coalesce(max(s.district) || ', ', '') || 'nhóm ' || s.group_code || ', năm ' || cast(s.year as varchar)
        || ': có cả báo cáo năm và báo cáo tháng; dùng báo cáo '
        || case when bool_or(s.is_annual_report) then 'tháng' else 'năm' end || ' của tệp sau (' || max(s.replaced_by_file) || '), bỏ '
        || cast(count(*) as varchar) || ' dòng của ' || string_agg(distinct s.file_name, ', ' order by s.file_name) as message_body,
from staging.stg_beneficiaries as s
where s.replaced_by_file is not null
group by s.province_list, s.province_code, s.district_key, s.commune_key, s.year, s.group_code
