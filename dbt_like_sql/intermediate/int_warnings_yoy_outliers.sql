/* @model
materialized: table
grain: [check_name, subject]
description: >
  Warnings yoy_outlier (marts.data_quality_warnings): a year-on-year change of an indicator
  between consecutive complete years, on the 34 provinces, whose modified z-score (against
  the median and the median absolute deviation of that indicator's changes) is above 3.5.
  sw_staff_trained_pct counts from the start of each national five-year period, so its
  first year of a period (2016, 2021, ...) restarts by design and is not compared with the
  year before.
*/
with changes as (
    select
        v.indicator_code,
        v.province_code,
        v.year,
        v.value,
        v.value - lag(v.value) over (partition by v.indicator_code, v.province_code order by v.year) as change,
        lag(v.year) over (partition by v.indicator_code, v.province_code order by v.year) as previous_year,
    from intermediate.int_indicator_values as v
    where v.geography = 'current' and v.is_complete_year
),

comparable_changes as (
    select c.*,
    from changes as c
    cross join seeds.calendar as k
    where c.change is not null
        and c.previous_year = c.year - 1
        and not (c.indicator_code = 'sw_staff_trained_pct' and (c.year - k.national_period_start) % k.national_period_years = 0)
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
)

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
