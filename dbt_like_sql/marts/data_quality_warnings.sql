/* @model
materialized: table
group: marts
grain: [check_name, subject]
description: >
  Data-quality warnings in the spirit of DHIS2 validation rules: they do not stop a
  build, but every one is listed here, shown as a warning asset check and in the
  scorecard. Checks: province totals that differ from the sum of their districts or
  communes, units missing from the latest month of a year, year-on-year outliers
  (modified z-score above 3.5), percentages over 100 (published capped at 100), old province names on rows
  dated after the reform, and files with rejected rows.
columns:
  check_name: level_difference, incomplete_latest_month, yoy_outlier, pct_over_100, province_remapped or rejected_rows
  subject: what the warning is about, unique within the check
  source: raw source concerned (beneficiaries, facilities, training) or indicators
  province_code: province concerned (code of the list named in the data), NULL if none
  year: year concerned, NULL if none
  indicator_code: indicator concerned, NULL if none
  message: the warning in words, with the figures
audits:
  - name: level_difference
    description: province rows agree with the sum of their district/commune rows
    sql: select * from marts.data_quality_warnings where check_name = 'level_difference'
  - name: incomplete_latest_month
    description: every unit that reported in a year also reported in its latest month
    sql: select * from marts.data_quality_warnings where check_name = 'incomplete_latest_month'
  - name: yoy_outlier
    description: no year-on-year change is an outlier (modified z-score > 3.5)
    sql: select * from marts.data_quality_warnings where check_name = 'yoy_outlier'
  - name: pct_over_100
    description: no percentage's numerator exceeds its denominator (the value is capped at 100)
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
        'beneficiaries' as source,
        d.province_code,
        d.year,
        cast(null as varchar) as indicator_code,
        'province row (' || d.file_name || ' row ' || cast(d.row_number as varchar) || ') in_difficulty ' || coalesce(cast(d.province_in_difficulty as varchar), 'empty')
            || ' vs district/commune sum ' || coalesce(cast(d.lower_in_difficulty as varchar), 'empty')
            || ' for ' || d.group_code || ' ' || cast(d.period_month as varchar) || '/' || cast(d.year as varchar) || '; the sum is used' as message,
    from intermediate.int_level_differences as d
    where d.province_in_difficulty is distinct from d.lower_in_difficulty
        or d.province_served is distinct from d.lower_served
        or d.province_monthly_allowance is distinct from d.lower_monthly_allowance
),

incomplete as (
    select
        'incomplete_latest_month' as check_name,
        y.geography || '/' || y.province_code || '/' || cast(y.year as varchar) as subject,
        'beneficiaries' as source,
        y.province_code,
        y.year,
        cast(null as varchar) as indicator_code,
        cast(y.units_reporting - y.units_in_latest_month as varchar) || ' of ' || cast(y.units_reporting as varchar)
            || ' reporting units have no row in month ' || cast(y.latest_month as varchar) || ' of ' || cast(y.year as varchar)
            || '; their earlier months are not added to the stocks' as message,
    from intermediate.int_beneficiary_area_years as y
    where y.geography = 'as_reported' and y.area_level = 'province' and y.units_in_latest_month < y.units_reporting
),

changes as (
    select
        v.indicator_code,
        v.province_code,
        v.year,
        v.value,
        v.value - lag(v.value) over (partition by v.indicator_code, v.province_code order by v.year) as change,
    from marts.indicator_values as v
    where v.geography = 'current'
),

change_stats as (
    select
        indicator_code,
        median(change) as median_change,
    from changes
    where change is not null
    group by indicator_code
),

change_mad as (
    select
        c.indicator_code,
        s.median_change,
        median(abs(c.change - s.median_change)) as mad,
    from changes as c
    inner join change_stats as s on s.indicator_code = c.indicator_code
    where c.change is not null
    group by c.indicator_code, s.median_change
),

outliers as (
    select
        'yoy_outlier' as check_name,
        c.indicator_code || '/' || c.province_code || '/' || cast(c.year as varchar) as subject,
        'indicators' as source,
        c.province_code,
        c.year,
        c.indicator_code,
        c.indicator_code || ' changed by ' || cast(round(c.change, 2) as varchar) || ' to ' || cast(round(c.value, 2) as varchar)
            || ' in ' || cast(c.year as varchar) || ' (modified z-score ' || cast(round(0.6745 * (c.change - m.median_change) / m.mad, 1) as varchar) || ')' as message,
    from changes as c
    inner join change_mad as m on m.indicator_code = c.indicator_code
    where m.mad > 0 and abs(0.6745 * (c.change - m.median_change) / m.mad) > 3.5
),

over_100 as (
    select
        'pct_over_100' as check_name,
        v.indicator_code || '/' || v.geography || '/' || v.province_code || '/' || cast(v.year as varchar) as subject,
        'indicators' as source,
        v.province_code,
        v.year,
        v.indicator_code,
        v.indicator_code || ' would be ' || cast(round(100.0 * v.numerator / v.denominator, 2) as varchar) || ' % ('
            || cast(v.numerator as varchar) || ' / ' || cast(v.denominator as varchar) || ') in '
            || v.geography || ' ' || cast(v.year as varchar) || '; published as 100' as message,
    from marts.indicator_values as v
    where right(v.indicator_code, 4) = '_pct' and v.numerator > v.denominator
),

remapped as (
    select 'beneficiaries' as source, province_code, year, file_name, count(*) as row_count,
    from staging.stg_beneficiaries where province_remapped group by province_code, year, file_name
    union all
    select 'facilities', province_code, year, file_name, count(*),
    from staging.stg_facilities where province_remapped group by province_code, year, file_name
    union all
    select 'training', province_code, year, file_name, count(*),
    from staging.stg_training where province_remapped group by province_code, year, file_name
),

remapped_warnings as (
    select
        'province_remapped' as check_name,
        r.source || '/' || r.file_name || '/' || r.province_code || '/' || cast(r.year as varchar) as subject,
        r.source,
        r.province_code,
        r.year,
        cast(null as varchar) as indicator_code,
        cast(r.row_count as varchar) || ' rows of ' || r.file_name || ' dated after 1 July 2025 name a pre-reform province; counted in its successor ' || r.province_code as message,
    from remapped as r
),

rejected as (
    select
        'rejected_rows' as check_name,
        f.source || '/' || f.file_name || '/' || f.sha256 as subject,
        f.source,
        cast(null as varchar) as province_code,
        cast(null as integer) as year,
        cast(null as varchar) as indicator_code,
        case
            when f.status = 'rejected' then f.file_name || ': file rejected: ' || coalesce(f.message, '')
            else f.file_name || ': ' || cast(f.rows_rejected as varchar) || ' of ' || cast(f.rows_read as varchar) || ' rows rejected (see audit.rejected_rows)'
        end as message,
    from audit.ingested_files as f
    where f.rows_rejected > 0 or f.status = 'rejected'
)

select * from level_difference
union all select * from incomplete
union all select * from outliers
union all select * from over_100
union all select * from remapped_warnings
union all select * from rejected
