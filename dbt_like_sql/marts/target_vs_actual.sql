/* @model
materialized: table
grain: [target_id]
description: >
  One row per target of data/seeds/plan_targets.csv (docs/contract.md §4): the plan's target
  against the actual value on the plan's geography, with the status of docs/contract.md §4.
  While the target year has no data, progress from the baseline to the latest value
  is judged with the anticipated-progress ratio of UN ESCAP / Open SDG (methodology 2),
  time measured to the end of the latest month reported (docs/contract.md §3, §4).
  Conflicting targets (two values stated for the same indicator and phase) are both
  listed; the stricter one decides the status of both.
audits:
  - not_null:
      name: not_null_target_keys
      columns: [plan_id, indicator_code, phase_start, phase_end, target_year, status]
  - accepted_values: {column: status, vocabulary: statuses}
  - accepted_values: {column: comparator, vocabulary: comparators}
  - accepted_values: {column: geography_basis, vocabulary: geography_bases}
  - accepted_values: {column: plan_level, vocabulary: plan_levels}
  - row_count: {name: one_row_per_target, equal_to_rows_of: seeds.plan_targets}
  - is_null:
      name: progress_ratio_only_for_progress_statuses
      columns: [progress_ratio]
      where: "status not in ('on_track', 'acceleration_needed', 'off_track', 'deteriorating')"
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
        coalesce(m.is_merged, false) and p.plan_level = 'province' as is_merged,
        sp.province_name as successor_name,
        i.measure_type = 'per_year' as is_per_year,
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
    left join seeds.provinces as sp on sp.province_list = 'new' and sp.province_code = pr.successor_code
),

-- the plan's yearly values; time is the end of the latest month reported, in years
-- (December 2025 is 2025.0, nine months of 2026 are 2025.75)
observations as (
    select
        t.target_id,
        v.year,
        v.value,
        v.months_reported,
        v.months_reported = 12 as is_complete,
        v.year - 1 + cast(v.months_reported as double) / 12 as time_point,
        v.geography_basis,
    from targets as t
    cross join seeds.calendar as k
    inner join intermediate.int_plan_area_values as v
        on v.plan_id = t.plan_id
        and v.indicator_code = t.indicator_code
        and v.window_start_year = case
            when t.indicator_code = 'sw_staff_trained_pct' then t.phase_start
            else k.national_period_start
                + k.national_period_years
                * cast(floor((v.year - k.national_period_start) / k.national_period_years) as integer)
        end
    where t.is_measurable
),

summary as (
    select
        t.target_id,
        count(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year then 1 end) as phase_year_count,
        coalesce(max(case when o.year = t.target_year and o.is_complete then 1 else 0 end) = 1, false) as has_target_year,
        max(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year then o.year end) as latest_year,
        max(case when o.year < t.phase_start then o.year end) as pre_phase_year,
        min(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year then o.year end) as first_phase_year,
        avg(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year and o.is_complete then o.value end) as phase_mean,
        count(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year and o.is_complete then 1 end) as complete_year_count,
        min(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year and o.is_complete then o.year end) as first_complete_year,
        max(case when o.year between t.phase_start and t.phase_end and o.year <= t.target_year and o.is_complete then o.year end) as last_complete_year,
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
        s.complete_year_count,
        s.first_complete_year,
        s.last_complete_year,
        case when t.is_per_year then s.last_complete_year else s.latest_year end as actual_year,
        case when t.is_per_year then (case when s.last_complete_year is not null then 12 end) else la.months_reported end as actual_months,
        la.time_point as latest_time,
        coalesce(s.pre_phase_year, s.first_phase_year) as baseline_year,
        ba.time_point as baseline_time,
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
        -- g(x0 -> x*, T - t0) and g(x0 -> xt, t - t0) of the progress method
        case
            when p.baseline_value = 0 then (p.decisive_target_value - p.baseline_value) / (p.target_year - p.baseline_time)
            else power(p.decisive_target_value / p.baseline_value, 1.0 / (p.target_year - p.baseline_time)) - 1
        end as target_growth,
        case
            when p.latest_time = p.baseline_time then null
            when p.baseline_value = 0 then (p.latest_value - p.baseline_value) / (p.latest_time - p.baseline_time)
            else power(p.latest_value / p.baseline_value, 1.0 / (p.latest_time - p.baseline_time)) - 1
        end as actual_growth,
        not p.is_per_year and p.is_merged and p.baseline_year < k.reform_year and p.actual_year >= k.reform_year
            or p.is_per_year and p.is_merged and p.first_complete_year < k.reform_year
            and p.last_complete_year >= k.reform_year as crosses_merger,
    from points as p
    cross join seeds.calendar as k
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
            else j.actual_growth / nullif(j.target_growth, 0)
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
            when r.is_per_year and r.complete_year_count = 0 then 'insufficient_data'
            when not r.is_per_year and r.baseline_year = r.actual_year then 'insufficient_data'
            when not r.is_per_year and r.baseline_meets then 'deteriorating'
            when not r.is_per_year and r.target_growth = 0 then
                case
                    when abs(r.latest_value - r.decisive_target_value) > abs(r.baseline_value - r.decisive_target_value) then 'deteriorating'
                    else 'off_track'
                end
            when r.progress_ratio >= 0.95 then 'on_track'
            when r.progress_ratio >= 0.6 then 'acceleration_needed'
            when r.progress_ratio >= 0 or r.is_per_year then 'off_track'
            when r.progress_ratio < 0 then 'deteriorating'
            else 'off_track'
        end as status,
        -- the pace still needed and where the current pace leads, while the target year has no complete data
        case
            when not r.is_measurable or r.has_target_year or r.phase_year_count = 0 then null
            when r.is_per_year then
                case
                    when r.complete_year_count > 0 and r.target_year > r.last_complete_year
                        then (r.decisive_target_value * (r.complete_year_count + r.target_year - r.last_complete_year)
                            - r.phase_mean * r.complete_year_count) / (r.target_year - r.last_complete_year)
                end
            when r.latest_value = 0 then (r.decisive_target_value - r.latest_value) / (r.target_year - r.latest_time)
            else 100.0 * (power(r.decisive_target_value / r.latest_value, 1.0 / (r.target_year - r.latest_time)) - 1)
        end as required_annual_change,
        case
            when not r.is_measurable or r.has_target_year or r.phase_year_count = 0 then null
            when r.is_per_year then r.phase_mean
            when r.baseline_value = 0 then r.latest_value + r.actual_growth * (r.target_year - r.latest_time)
            else r.latest_value * power(1 + r.actual_growth, r.target_year - r.latest_time)
        end as projected_value,
    from rated as r
),

described as (
    select
        s.*,
        case
            when s.actual_months < 12 then cast(s.actual_months as varchar) || ' months of ' || cast(s.actual_year as varchar)
            else cast(s.actual_year as varchar)
        end as actual_when,
        case
            when s.is_per_year then 'mean of ' || cast(s.complete_year_count as varchar) || ' complete year'
                || case when s.complete_year_count = 1 then ' ' else 's ' end
                || cast(s.first_complete_year as varchar)
                || case when s.complete_year_count > 1 then '–' || cast(s.last_complete_year as varchar) else '' end
                || ': ' || cast(round(s.actual_value, 2) as varchar)
        end as mean_text,
        case
            when s.crosses_merger then '; the series crosses the 1 July 2025 merger: values from 2025 are of '
                || coalesce(s.successor_name, 'the successor province') || ', a larger population'
            else ''
        end as merger_text,
    from statused as s
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
    s.actual_months,
    s.baseline_value,
    s.baseline_year,
    case when s.target_value <> 0 then 100.0 * s.actual_value / s.target_value end as achievement_pct,
    coalesce(
        s.actual_geography_basis,
        case when s.is_merged and s.target_year >= k.reform_year then 'successor' else 'same' end
    ) as geography_basis,
    s.status,
    s.progress_ratio,
    s.required_annual_change,
    s.projected_value,
    coalesce(s.crosses_merger, false) as crosses_merger,
    case s.status
        when 'not_measurable' then 'indicator not measured by the warehouse (no source ingested)'
        when 'no_data' then 'no data in ' || cast(s.phase_start as varchar) || '-' || cast(s.phase_end as varchar) || ' for the plan''s geography'
        when 'achieved' then coalesce(s.mean_text, cast(round(s.actual_value, 2) as varchar) || ' in ' || s.actual_when)
            || ' meets ' || s.comparator || ' ' || cast(s.decisive_target_value as varchar) || s.merger_text
        when 'not_achieved' then coalesce(s.mean_text, cast(round(s.actual_value, 2) as varchar) || ' in ' || s.actual_when)
            || ' misses ' || s.comparator || ' ' || cast(s.decisive_target_value as varchar) || s.merger_text
        when 'insufficient_data' then
            case
                when s.is_per_year then 'no complete year in the phase yet (latest ' || cast(s.actual_year as varchar) || ' incomplete), no mean'
                else 'one observation (' || s.actual_when || '), no rate of progress yet'
            end
        else
            case
                when s.is_per_year then s.mean_text || ', target ' || s.comparator || ' ' || cast(s.decisive_target_value as varchar)
                    || ' a year by ' || cast(s.target_year as varchar)
                else 'latest ' || cast(round(s.latest_value, 2) as varchar) || ' (' || s.actual_when || ')'
                    || coalesce(', baseline ' || cast(round(s.baseline_value, 2) as varchar) || ' (' || cast(s.baseline_year as varchar) || ')', '')
                    || ', target ' || s.comparator || ' ' || cast(s.decisive_target_value as varchar) || ' by ' || cast(s.target_year as varchar)
                    || case
                        when s.target_growth = 0 and not s.baseline_meets and not s.actual_meets
                            then '; the target equals the baseline, so no rate of progress exists: the latest value is '
                                || case when s.status = 'deteriorating' then 'further from' else 'no further from' end || ' the target than the baseline'
                        else ''
                    end
            end
            || coalesce(', r = ' || cast(round(s.progress_ratio, 2) as varchar), '')
            || s.merger_text
    end as status_reason,
from described as s
cross join seeds.calendar as k
