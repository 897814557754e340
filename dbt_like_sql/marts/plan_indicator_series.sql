/* @model
materialized: table
grain: [plan_id, indicator_code, year]
description: >
  The yearly series of each measurable indicator of each plan, on the geography the
  plan is judged on: what the scorecard charts show. For sw_staff_trained_pct the
  counting window starts at the plan's phase that contains the year.
*/
with phase_starts as (
    select distinct
        plan_id,
        cast(phase_start as integer) as phase_start,
    from seeds.plan_targets
),

plan_years as (
    select distinct
        v.plan_id,
        v.indicator_code,
        v.year,
        k.national_period_start
        + k.national_period_years * cast(floor((v.year - k.national_period_start) / k.national_period_years) as integer)
            as national_window_start_year,
    from intermediate.int_plan_area_values as v
    cross join seeds.calendar as k
),

chosen_windows as (
    select
        v.plan_id,
        v.indicator_code,
        v.year,
        case
            when v.indicator_code = 'sw_staff_trained_pct'
                then coalesce(max(s.phase_start), v.national_window_start_year)
            else v.national_window_start_year
        end as window_start_year,
    from plan_years as v
    left join phase_starts as s
        on s.plan_id = v.plan_id
        and s.phase_start <= v.year
    group by v.plan_id, v.indicator_code, v.year, v.national_window_start_year
)

select
    v.plan_id,
    v.indicator_code,
    v.year,
    v.window_start_year,
    v.geography_basis,
    v.numerator,
    v.denominator,
    v.value,
    v.months_reported,
    v.months_reported = 12 as is_complete_year,
from intermediate.int_plan_area_values as v
inner join chosen_windows as w
    on w.plan_id = v.plan_id
    and w.indicator_code = v.indicator_code
    and w.year = v.year
    and w.window_start_year = v.window_start_year
