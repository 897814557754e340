/* @model
materialized: table
group: indicators
grain: [target_id]
description: >
  One row per target of data/seeds/plan_targets.csv (CONTRACT §4): the plan's target
  against the actual value on the plan's geography, with the status of CONTRACT §4.
  While the target year has no data, progress from the baseline to the latest value
  is judged with the anticipated-progress ratio of UN ESCAP / Open SDG (methodology 2).
  Conflicting targets (two values stated for the same indicator and phase) are both
  listed; the stricter one decides the status of both.
columns:
  target_id: the target's row in data/seeds/plan_targets.csv
  province_code: the plan's own province, old 63-province list
  decisive_target_value: the target value that decides the status (the stricter of conflicting targets)
  actual_value: value in the target year or, while it has no data, in the latest year of the phase with data; for per-year indicators the mean over the phase's years with data
  actual_year: the year of actual_value (for per-year indicators the latest year averaged)
  baseline_value: latest value before the phase starts, or the first in the phase
  achievement_pct: 100 · actual_value / target_value
  geography_basis: same, or successor when the actual comes (or, without data, would come) from the province the plan's province merged into
  status: achieved, not_achieved, on_track, acceleration_needed, off_track, deteriorating, insufficient_data, no_data or not_measurable
  progress_ratio: the ratio r of the progress method when it decided the status, else NULL
  status_reason: the figures behind the status, in words
*/
with merged_provinces as (
    select
        successor_code,
        count(*) > 1 as is_merged,
    from seeds.provinces
    where province_list = 'old'
    group by successor_code
),

targets as (
    select
        t.target_id,
        t.plan_id,
        p.plan_level,
        p.province_code,
        p.province_name,
        t.indicator_code,
        cast(t.phase_start as integer) as phase_start,
        cast(t.phase_end as integer) as phase_end,
        cast(t.target_year as integer) as target_year,
        t.comparator,
        cast(t.target_value as double) as target_value,
        t.unit,
        t.is_conflicting,
        i.source <> 'not_ingested' as is_measurable,
        coalesce(m.is_merged, false) as is_merged,
        right(t.indicator_code, 9) = '_per_year' as is_per_year,
        case
            when t.is_conflicting and t.comparator in ('>=', '>')
                then max(case when t.is_conflicting then cast(t.target_value as double) end) over (partition by t.plan_id, t.indicator_code, t.phase_start, t.phase_end, t.target_year, t.comparator)
            when t.is_conflicting and t.comparator = '<='
                then min(case when t.is_conflicting then cast(t.target_value as double) end) over (partition by t.plan_id, t.indicator_code, t.phase_start, t.phase_end, t.target_year, t.comparator)
            else cast(t.target_value as double)
        end as decisive_target_value,
    from seeds.plan_targets as t
    inner join seeds.plans as p on p.plan_id = t.plan_id
    inner join seeds.indicators as i on i.indicator_code = t.indicator_code
    left join seeds.provinces as pr on pr.province_list = 'old' and pr.province_code = p.province_code
    left join merged_provinces as m on m.successor_code = pr.successor_code
),

observations as (
    select
        t.target_id,
        v.year,
        v.value,
        v.geography_basis,
    from targets as t
    inner join intermediate.int_plan_area_values as v
        on v.plan_id = t.plan_id
        and v.indicator_code = t.indicator_code
        and v.window_start_year = case
            when t.indicator_code = 'sw_staff_trained_pct' then t.phase_start
            else 2011 + 5 * cast(floor((v.year - 2011) / 5.0) as integer)
        end
    where t.is_measurable
),

summary as (
    select
        t.target_id,
        count(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year then 1 end) as phase_year_count,
        max(case when o.year = t.target_year then 1 else 0 end) = 1 as has_target_year,
        max(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year then o.year end) as latest_year,
        max(case when o.year < t.phase_start then o.year end) as pre_phase_year,
        min(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year then o.year end) as first_phase_year,
        avg(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year then o.value end) as phase_mean,
    from targets as t
    left join observations as o on o.target_id = t.target_id
    group by t.target_id
),

points as (
    select
        t.*,
        s.phase_year_count,
        s.has_target_year,
        s.phase_mean,
        s.latest_year as actual_year,
        coalesce(s.pre_phase_year, s.first_phase_year) as baseline_year,
        la.value as latest_value,
        la.geography_basis as actual_geography_basis,
        ba.value as baseline_value,
    from targets as t
    inner join summary as s on s.target_id = t.target_id
    left join observations as la on la.target_id = t.target_id and la.year = s.latest_year
    left join observations as ba on ba.target_id = t.target_id and ba.year = coalesce(s.pre_phase_year, s.first_phase_year)
),

judged as (
    select
        p.*,
        case when p.is_per_year then p.phase_mean else p.latest_value end as actual_value,
        case p.comparator
            when '>=' then (case when p.is_per_year then p.phase_mean else p.latest_value end) >= p.decisive_target_value
            when '>' then (case when p.is_per_year then p.phase_mean else p.latest_value end) > p.decisive_target_value
            when '<=' then (case when p.is_per_year then p.phase_mean else p.latest_value end) <= p.decisive_target_value
            when '=' then (case when p.is_per_year then p.phase_mean else p.latest_value end) = p.decisive_target_value
        end as actual_meets,
        case p.comparator
            when '>=' then p.baseline_value >= p.decisive_target_value
            when '>' then p.baseline_value > p.decisive_target_value
            when '<=' then p.baseline_value <= p.decisive_target_value
            when '=' then p.baseline_value = p.decisive_target_value
        end as baseline_meets,
    from points as p
),

rated as (
    select
        j.*,
        case
            when not j.is_measurable or j.phase_year_count = 0 or j.has_target_year or j.actual_meets then null
            when j.is_per_year then
                case
                    when j.comparator = '<=' then
                        case when j.actual_value > 0 then j.decisive_target_value / j.actual_value end
                    when j.decisive_target_value > 0 then j.actual_value / j.decisive_target_value
                end
            when j.baseline_year = j.actual_year or j.baseline_meets then null
            else
                (case
                    when j.baseline_value = 0 then (j.latest_value - j.baseline_value) / (j.actual_year - j.baseline_year)
                    else power(j.latest_value / j.baseline_value, 1.0 / (j.actual_year - j.baseline_year)) - 1
                end)
                / nullif(case
                    when j.baseline_value = 0 then (j.decisive_target_value - j.baseline_value) / (j.target_year - j.baseline_year)
                    else power(j.decisive_target_value / j.baseline_value, 1.0 / (j.target_year - j.baseline_year)) - 1
                end, 0)
        end as progress_ratio,
    from judged as j
),

statused as (
    select
        r.*,
        case
            when not r.is_measurable then 'not_measurable'
            when r.phase_year_count = 0 then 'no_data'
            when r.has_target_year and r.actual_meets then 'achieved'
            when r.has_target_year then 'not_achieved'
            when r.actual_meets then 'on_track'
            when not r.is_per_year and r.baseline_year = r.actual_year then 'insufficient_data'
            when not r.is_per_year and r.baseline_meets then 'deteriorating'
            when r.progress_ratio >= 0.95 then 'on_track'
            when r.progress_ratio >= 0.6 then 'acceleration_needed'
            when r.progress_ratio >= 0 or r.is_per_year then 'off_track'
            when r.progress_ratio < 0 then 'deteriorating'
            else 'off_track'
        end as status,
    from rated as r
)

select
    s.target_id,
    s.plan_id,
    s.plan_level,
    s.province_code,
    s.province_name,
    s.indicator_code,
    s.phase_start,
    s.phase_end,
    s.target_year,
    s.comparator,
    s.target_value,
    s.unit,
    s.is_conflicting,
    s.decisive_target_value,
    s.actual_value,
    s.actual_year,
    s.baseline_value,
    s.baseline_year,
    case when s.target_value <> 0 then 100.0 * s.actual_value / s.target_value end as achievement_pct,
    coalesce(
        s.actual_geography_basis,
        case when s.is_merged and s.target_year >= 2025 and s.plan_level = 'province' then 'successor' else 'same' end
    ) as geography_basis,
    s.status,
    s.progress_ratio,
    case s.status
        when 'not_measurable' then 'indicator not measured by the warehouse (no source ingested)'
        when 'no_data' then 'no data in ' || cast(s.phase_start as varchar) || '-' || cast(s.phase_end as varchar) || ' for the plan''s geography'
        when 'achieved' then cast(round(s.actual_value, 2) as varchar) || ' in ' || cast(s.actual_year as varchar) || ' meets ' || s.comparator || ' ' || cast(s.decisive_target_value as varchar)
        when 'not_achieved' then cast(round(s.actual_value, 2) as varchar) || ' in ' || cast(s.actual_year as varchar) || ' misses ' || s.comparator || ' ' || cast(s.decisive_target_value as varchar)
        when 'insufficient_data' then 'one observation (' || cast(s.actual_year as varchar) || '), no rate of progress yet'
        else 'latest ' || cast(round(s.actual_value, 2) as varchar) || ' (' || cast(s.actual_year as varchar) || ')'
            || coalesce(', baseline ' || cast(round(s.baseline_value, 2) as varchar) || ' (' || cast(s.baseline_year as varchar) || ')', '')
            || ', target ' || s.comparator || ' ' || cast(s.decisive_target_value as varchar) || ' by ' || cast(s.target_year as varchar)
            || coalesce(', r = ' || cast(round(s.progress_ratio, 2) as varchar), '')
    end as status_reason,
from statused as s
