/* @model
materialized: table
grain: [check_name, subject]
description: >
  Warnings on values left out of the counts (marts.data_quality_warnings), per province
  and year in both geographies: incomplete_latest_month, units that reported in a year but
  not in its latest month (a unit that reported under an old province before 1 July 2025
  is not expected in its successor's later months), and empty_cell, roster cells an
  indicator needs left empty.
*/
with facility_years as (
    select *,
    from intermediate.int_facility_area_years
    where area_level = 'province'
),

empty_counts as (
    select geography, province_code, year, 'facility_accessible_pct' as indicator_code, 'meets_accessibility' as column_name,
        sa_accessibility_unreported_count as unit_count, sa_facility_count as all_count,
    from facility_years
    union all
    select geography, province_code, year, 'facility_residents_avg', 'residents', sa_residents_unreported_count, sa_facility_count,
    from facility_years
    union all
    select geography, province_code, year, 'sw_service_units_pct', 'provides_social_work',
        sw_scope_unreported_count, sw_scope_unit_count + sw_scope_unreported_count,
    from facility_years
    union all
    select geography, province_code, year, 'sw_staffed_units_pct', 'staff_social_work', sw_staff_unreported_count, unit_count,
    from facility_years
    union all
    select geography, province_code, year, 'sw_staff_trained_pct', 'staff_social_work', sw_staff_unreported_count, unit_count,
    from facility_years
),

missing as (
    select
        'incomplete_latest_month' as check_name,
        y.geography || '/' || y.province_code || '/' || cast(y.year as varchar) as subject,
        y.geography,
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

    union all

    select
        'empty_cell',
        e.indicator_code || '/' || e.geography || '/' || e.province_code || '/' || cast(e.year as varchar),
        e.geography,
        e.province_code,
        e.year,
        e.indicator_code,
        'facilities',
        to_json({ 'column': e.column_name, 'units_left_out': e.unit_count, 'units': e.all_count }),
        cast(e.unit_count as varchar) || ' trong ' || cast(e.all_count as varchar) || ' cơ sở năm ' || cast(e.year as varchar)
            || ' để trống ô ' || e.column_name || ', không được tính vào tử số và mẫu số của chỉ tiêu ' || e.indicator_code,
    from empty_counts as e
    where e.unit_count > 0
)

select
    m.check_name,
    m.subject,
    'warning' as severity,
    m.geography,
    case when m.geography = 'as_reported' and m.year < k.reform_year then 'old' else 'new' end as province_list,
    m.province_code,
    m.year,
    m.indicator_code,
    m.source,
    m.figures,
    m.message_body,
from missing as m
cross join seeds.calendar as k
