/* @model
materialized: table
grain: [check_name, subject]
description: >
  Data-quality warnings (docs/contract.md §4) in the spirit of DHIS2 validation rules:
  they do not stop a build, but every one is listed here, shown as a warning asset
  check and in the scorecard. Each names its geography, the province list, code and
  name (code 15 is Yên Bái on the old list and Lào Cai on the new), the year, the
  indicator or source, its figures and a message in Vietnamese. Checks: province totals
  that differ from the sum of their districts or communes, provinces that switch
  between province- and district-level reports within a year, units that sent both an
  annual and monthly reports for a year, units missing from the latest month of a year
  (in both geographies; a unit that reported under an old province before 1 July 2025
  is not expected in its successor's later months), roster cells left empty, training
  records with an empty or unknown role, no end date or no known unit, year-on-year
  outliers between complete years (modified z-score above 3.5; not where a counting
  window restarts by design), percentages over 100 (a defect), old province names on
  rows dated after the reform, and files with rejected rows.
audits:
  - name: level_difference
    description: province rows agree with the sum of their district/commune rows
    sql: select * from marts.data_quality_warnings where check_name = 'level_difference'
  - name: level_switch
    description: no province switches between province- and district-level reports within a year
    sql: select * from marts.data_quality_warnings where check_name = 'level_switch'
  - name: annual_monthly_overlap
    description: no unit sends both an annual report and monthly reports for one year
    sql: select * from marts.data_quality_warnings where check_name = 'annual_monthly_overlap'
  - name: incomplete_latest_month
    description: every unit that reported in a year also reported in its latest month
    sql: select * from marts.data_quality_warnings where check_name = 'incomplete_latest_month'
  - name: empty_cell
    description: no roster cell an indicator needs is empty
    sql: select * from marts.data_quality_warnings where check_name = 'empty_cell'
  - name: training_records_counted
    description: every training record has a known role, an end date and, for staff, a unit of the roster
    sql: select * from marts.data_quality_warnings where check_name in ('training_unknown_role', 'training_no_end_date', 'training_unknown_unit')
  - name: yoy_outlier
    description: no year-on-year change between complete years is an outlier (modified z-score > 3.5)
    sql: select * from marts.data_quality_warnings where check_name = 'yoy_outlier'
  - name: pct_over_100
    description: no percentage's numerator exceeds its denominator
    sql: select * from marts.data_quality_warnings where check_name = 'pct_over_100'
  - name: province_remapped
    description: rows dated after 1 July 2025 name the new provinces
    sql: select * from marts.data_quality_warnings where check_name = 'province_remapped'
  - name: rejected_rows
    description: no file had rows rejected
    sql: select * from marts.data_quality_warnings where check_name = 'rejected_rows'
*/
with level_difference as (
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
),

-- a province-year-group whose kept rows are province-level in some periods and
-- district/commune-level in others, and likewise a district whose rows are district-level
-- in some periods and commune-level in others
level_months as (
    select distinct
        province_list,
        province_code,
        '' as scope_key,
        year,
        group_code,
        period_month,
        report_level = 'province' as is_coarse,
    from intermediate.int_beneficiaries_levelled

    union

    select distinct
        province_list,
        province_code,
        district_key as scope_key,
        year,
        group_code,
        period_month,
        report_level = 'district' as is_coarse,
    from intermediate.int_beneficiaries_levelled
    where report_level in ('district', 'commune') and district_key <> ''
),

level_periods as (
    select
        province_list,
        province_code,
        scope_key,
        year,
        group_code,
        string_agg(case when is_coarse then cast(period_month as varchar) end, ', ' order by period_month) as coarse_months,
        string_agg(case when not is_coarse then cast(period_month as varchar) end, ', ' order by period_month) as fine_months,
    from level_months
    group by province_list, province_code, scope_key, year, group_code
    having bool_or(is_coarse) and bool_or(not is_coarse)
),

level_switch as (
    select
        'level_switch' as check_name,
        l.province_list || ':' || l.province_code || '/' || l.scope_key || '/' || cast(l.year as varchar) || '/' || l.group_code as subject,
        'warning' as severity,
        'as_reported' as geography,
        l.province_list,
        l.province_code,
        l.year,
        cast(null as varchar) as indicator_code,
        'beneficiaries' as source,
        case
            when l.scope_key = '' then to_json({
                'group_code': l.group_code,
                'province_level_months': l.coarse_months,
                'lower_level_months': l.fine_months
            })
            else to_json({
                'group_code': l.group_code,
                'district': l.scope_key,
                'district_level_months': l.coarse_months,
                'commune_level_months': l.fine_months
            })
        end as figures,
        case when l.scope_key = '' then '' else l.scope_key || ', ' end
            || 'nhóm ' || l.group_code || ', năm ' || cast(l.year as varchar) || ': báo cáo '
            || case when l.scope_key = '' then 'cấp tỉnh' else 'cấp huyện' end || ' các tháng ' || l.coarse_months
            || ', ' || case when l.scope_key = '' then 'cấp huyện/xã' else 'cấp xã' end || ' các tháng ' || l.fine_months
            || '; mỗi tháng dùng cấp chi tiết nhất có số liệu' as message_body,
    from level_periods as l
),

report_overlaps as (
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
),

incomplete as (
    select
        'incomplete_latest_month' as check_name,
        y.geography || '/' || y.province_code || '/' || cast(y.year as varchar) as subject,
        'warning' as severity,
        y.geography,
        case when y.geography = 'as_reported' and y.year < 2025 then 'old' else 'new' end as province_list,
        y.province_code,
        y.year,
        cast(null as varchar) as indicator_code,
        'beneficiaries' as source,
        to_json({
            'units_reporting': y.units_reporting,
            'units_in_latest_month': y.units_in_latest_month,
            'units_missing': y.units_reporting - y.units_in_latest_month,
            'latest_month': y.latest_month
        }) as figures,
        cast(y.units_reporting - y.units_in_latest_month as varchar) || ' trong ' || cast(y.units_reporting as varchar)
            || ' đơn vị báo cáo năm ' || cast(y.year as varchar) || ' không có số liệu tháng ' || cast(y.latest_month as varchar)
            || '; số liệu các tháng trước của các đơn vị này không được cộng vào số cuối kỳ' as message_body,
    from intermediate.int_beneficiary_area_years as y
    where y.area_level = 'province' and y.units_in_latest_month < y.units_reporting
),

empty_counts as (
    select geography, province_code, year, 'facility_accessible_pct' as indicator_code, 'meets_accessibility' as column_name,
        sa_accessibility_unreported_count as unit_count, sa_facility_count as all_count,
    from intermediate.int_facility_area_years
where area_level = 'province'
    union all
    select geography, province_code, year, 'facility_residents_avg', 'residents',
        sa_residents_unreported_count, sa_facility_count,
    from intermediate.int_facility_area_years
where area_level = 'province'
    union all
    select geography, province_code, year, 'sw_service_units_pct', 'provides_social_work',
        sw_scope_unreported_count, sw_scope_unit_count + sw_scope_unreported_count,
    from intermediate.int_facility_area_years
where area_level = 'province'
    union all
    select geography, province_code, year, 'sw_staffed_units_pct', 'staff_social_work',
        sw_staff_unreported_count, unit_count,
    from intermediate.int_facility_area_years
where area_level = 'province'
    union all
    select geography, province_code, year, 'sw_staff_trained_pct', 'staff_social_work',
        sw_staff_unreported_count, unit_count,
    from intermediate.int_facility_area_years
where area_level = 'province'
),

empty_cells as (
    select
        'empty_cell' as check_name,
        e.indicator_code || '/' || e.geography || '/' || e.province_code || '/' || cast(e.year as varchar) as subject,
        'warning' as severity,
        e.geography,
        case when e.geography = 'as_reported' and e.year < 2025 then 'old' else 'new' end as province_list,
        e.province_code,
        e.year,
        e.indicator_code,
        'facilities' as source,
        to_json({ 'column': e.column_name, 'units_left_out': e.unit_count, 'units': e.all_count }) as figures,
        cast(e.unit_count as varchar) || ' trong ' || cast(e.all_count as varchar) || ' cơ sở năm ' || cast(e.year as varchar)
            || ' để trống ô ' || e.column_name || ', không được tính vào tử số và mẫu số của chỉ tiêu ' || e.indicator_code as message_body,
    from empty_counts as e
    where e.unit_count > 0
),

roster_units as (
    select distinct facility_id,
    from staging.stg_facilities
),

training_problems as (
    select
        'training_unknown_role' as check_name, t.province_list, t.province_code, t.year, count(*) as record_count,
        'bản ghi đào tạo không có hoặc không rõ đối tượng tham gia; không được tính vào chỉ tiêu nào' as what,
    from staging.stg_training as t
    where t.role is null or t.role not in ('staff', 'collaborator', 'family')
    group by t.province_list, t.province_code, t.year
    union all
    select
        'training_no_end_date', t.province_list, t.province_code, t.year, count(*),
        'bản ghi đào tạo không có ngày kết thúc; không được tính vào chỉ tiêu nào',
    from staging.stg_training as t
    where t.end_date is null
    group by t.province_list, t.province_code, t.year
    union all
    select
        'training_unknown_unit', t.province_list, t.province_code, t.year, count(*),
        'bản ghi hoàn thành khóa học của cán bộ, cộng tác viên không gắn với cơ sở nào trong danh sách cơ sở; không được tính vào tỷ lệ nhân viên công tác xã hội được đào tạo',
    from staging.stg_training as t
    left join roster_units as u on u.facility_id = t.facility_id
    where t.completed and t.role in ('staff', 'collaborator') and t.end_date is not null and u.facility_id is null
    group by t.province_list, t.province_code, t.year
),

training_warnings as (
    select
        p.check_name,
        p.province_list || ':' || p.province_code || '/' || coalesce(cast(p.year as varchar), '') as subject,
        'warning' as severity,
        'as_reported' as geography,
        p.province_list,
        p.province_code,
        p.year,
        case when p.check_name = 'training_unknown_unit' then 'sw_staff_trained_pct' end as indicator_code,
        'training' as source,
        to_json({ 'records_left_out': p.record_count }) as figures,
        coalesce('năm ' || cast(p.year as varchar) || ': ', '') || cast(p.record_count as varchar) || ' ' || p.what as message_body,
    from training_problems as p
),

-- year-on-year changes between consecutive complete years; sw_staff_trained_pct counts
-- from the start of each national five-year period, so its first year of a period
-- (2016, 2021, ...) restarts by design and is not compared with the year before
changes as (
    select
        v.indicator_code,
        v.province_code,
        v.year,
        v.value,
        v.value - lag(v.value) over (partition by v.indicator_code, v.province_code order by v.year) as change,
        lag(v.year) over (partition by v.indicator_code, v.province_code order by v.year) as previous_year,
    from marts.indicator_values as v
    where v.geography = 'current' and v.is_complete_year
),

comparable_changes as (
    select c.*,
    from changes as c
    where c.change is not null
        and c.previous_year = c.year - 1
        and not (c.indicator_code = 'sw_staff_trained_pct' and (c.year - 2011) % 5 = 0)
),

change_stats as (
    select
        indicator_code,
        median(change) as median_change,
    from comparable_changes
    group by indicator_code
),

change_mad as (
    select
        c.indicator_code,
        s.median_change,
        median(abs(c.change - s.median_change)) as mad,
    from comparable_changes as c
    inner join change_stats as s on s.indicator_code = c.indicator_code
    group by c.indicator_code, s.median_change
),

outliers as (
    select
        'yoy_outlier' as check_name,
        c.indicator_code || '/' || c.province_code || '/' || cast(c.year as varchar) as subject,
        'warning' as severity,
        'current' as geography,
        'new' as province_list,
        c.province_code,
        c.year,
        c.indicator_code,
        'indicators' as source,
        to_json({
            'value': round(c.value, 4),
            'change': round(c.change, 4),
            'median_change': round(m.median_change, 4),
            'mad': round(m.mad, 4),
            'modified_z_score': round(0.6745 * (c.change - m.median_change) / m.mad, 2)
        }) as figures,
        c.indicator_code || ' thay đổi ' || cast(round(c.change, 2) as varchar) || ' so với năm ' || cast(c.year - 1 as varchar)
            || ', thành ' || cast(round(c.value, 2) as varchar) || ' năm ' || cast(c.year as varchar)
            || ' (điểm z hiệu chỉnh ' || cast(round(0.6745 * (c.change - m.median_change) / m.mad, 1) as varchar) || ')' as message_body,
    from comparable_changes as c
    inner join change_mad as m on m.indicator_code = c.indicator_code
    where m.mad > 0 and abs(0.6745 * (c.change - m.median_change) / m.mad) > 3.5
),

over_100 as (
    select
        'pct_over_100' as check_name,
        v.indicator_code || '/' || v.geography || '/' || v.province_code || '/' || cast(v.year as varchar) as subject,
        'error' as severity,
        v.geography,
        case when v.geography = 'as_reported' and v.year < 2025 then 'old' else 'new' end as province_list,
        v.province_code,
        v.year,
        v.indicator_code,
        'indicators' as source,
        to_json({ 'value': round(v.value, 4), 'numerator': v.numerator, 'denominator': v.denominator }) as figures,
        v.indicator_code || ' năm ' || cast(v.year as varchar) || ' là ' || cast(round(v.value, 2) as varchar) || ' % ('
            || cast(v.numerator as varchar) || ' / ' || cast(v.denominator as varchar)
            || '), vượt 100 %: lỗi định nghĩa hoặc số liệu cần sửa' as message_body,
    from marts.indicator_values as v
    inner join seeds.indicators as i on v.indicator_code = i.indicator_code
    where i.measure_type = 'percentage' and v.numerator > v.denominator
),

remapped as (
    select 'beneficiaries' as source, province_list, province_code, year, file_name, count(*) as row_count,
    from staging.stg_beneficiaries
where province_remapped
group by province_list, province_code, year, file_name
    union all
    select 'facilities', province_list, province_code, year, file_name, count(*),
    from staging.stg_facilities
where province_remapped
group by province_list, province_code, year, file_name
    union all
    select 'training', province_list, province_code, year, file_name, count(*),
    from staging.stg_training
where province_remapped
group by province_list, province_code, year, file_name
),

remapped_warnings as (
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
),

rejected as (
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
),

all_warnings as (
    select *, from level_difference
    union all
    select *, from level_switch
    union all
    select *, from report_overlaps
    union all
    select *, from incomplete
    union all
    select *, from empty_cells
    union all
    select *, from training_warnings
    union all
    select *, from outliers
    union all
    select *, from over_100
    union all
    select *, from remapped_warnings
    union all
    select *, from rejected
)

select
    w.check_name as "check",
    w.check_name,
    w.subject,
    w.severity,
    w.geography,
    w.province_list,
    w.province_code,
    p.province_name,
    w.year,
    w.indicator_code,
    w.source,
    cast(w.figures as varchar) as figures,
    coalesce(p.province_name || ' (' || w.province_code || ', danh sách ' || case w.province_list when 'old' then '63 tỉnh cũ' else '34 tỉnh mới' end || '): ', '')
        || w.message_body as message,
from all_warnings as w
left join seeds.provinces as p
    on p.province_list = w.province_list
    and p.province_code = w.province_code
