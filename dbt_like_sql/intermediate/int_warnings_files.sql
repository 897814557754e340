/* @model
materialized: table
grain: [check_name, subject]
description: >
  Warnings on the raw files (marts.data_quality_warnings): province_remapped, rows of a
  file dated after 1 July 2025 that name an old province (counted in its successor), per
  source, file, province and year; and rejected_rows, files rejected whole or with
  rejected rows (audit.ingested_files).
*/
with remapped_rows as (
    select 'beneficiaries' as source, province_list, province_code, year, file_name,
    from staging.stg_beneficiaries
    where province_remapped
    union all
    select 'facilities', province_list, province_code, year, file_name,
    from staging.stg_facilities
    where province_remapped
    union all
    select 'training', province_list, province_code, year, file_name,
    from staging.stg_training
    where province_remapped
),

remapped as (
    select source, province_list, province_code, year, file_name, count(*) as row_count,
    from remapped_rows
    group by source, province_list, province_code, year, file_name
)

select
    'province_remapped' as check_name,
    r.source || '/' || r.file_name || '/' || r.province_code || '/' || cast(r.year as varchar) as subject,
    'warning' as severity,
    'as_reported' as geography,
    r.province_list,
    r.province_code,
    r.year,
    cast(null as varchar) as indicator_code,
    r.source,
    to_json({ 'file_name': r.file_name, 'rows': r.row_count }) as figures,
    cast(r.row_count as varchar) || ' dòng của tệp ' || r.file_name
        || ' ghi ngày sau 1/7/2025 nhưng dùng tên tỉnh cũ; được tính vào tỉnh mới' as message_body,
from remapped as r

union all

select
    'rejected_rows' as check_name,
    f.source || '/' || f.file_name || '/' || f.sha256 as subject,
    'warning' as severity,
    cast(null as varchar) as geography,
    cast(null as varchar) as province_list,
    cast(null as varchar) as province_code,
    cast(null as integer) as year,
    cast(null as varchar) as indicator_code,
    f.source,
    to_json({
        'file_name': f.file_name,
        'status': f.status,
        'rows_read': f.rows_read,
        'rows_rejected': f.rows_rejected
    }) as figures,
    case
        when f.status = 'rejected' then f.file_name || ': tệp bị loại: ' || coalesce(f.message, '')
        else f.file_name || ': ' || cast(f.rows_rejected as varchar) || ' trong ' || cast(f.rows_read as varchar)
            || ' dòng bị loại (xem audit.rejected_rows)'
    end as message_body,
from audit.ingested_files as f
where f.rows_rejected > 0 or f.status = 'rejected'
