/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, window_start_year, year]
description: >
  For each area-year of the roster and each counting window start (the national
  five-year periods 2011, 2016, 2021, ... and every phase start of the plans), the
  distinct staff and collaborators who completed a course ending between the window
  start and the year. The numerator of sw_staff_trained_pct.
columns:
  window_start_year: first year of the counting window (the phase start)
  trained_worker_count: distinct persons who completed a course ending in [window_start_year, year]
  sw_staff_count: Σ staff_social_work of the area's active units in the year (the denominator)
*/
with windows as (
    select distinct 2011 + 5 * cast(floor((year - 2011) / 5.0) as integer) as window_start_year,
    from intermediate.int_facility_area_years

    union

    select distinct cast(phase_start as integer) as window_start_year,
    from seeds.plan_targets
),

first_completions as (
    select
        c.geography,
        c.area_level,
        c.province_code,
        c.district_key,
        w.window_start_year,
        c.person_key,
        min(c.year) as first_year,
    from intermediate.int_training_completions as c
    inner join windows as w
        on c.year >= w.window_start_year
    where c.is_completed and c.role_group = 'worker'
    group by c.geography, c.area_level, c.province_code, c.district_key, w.window_start_year, c.person_key
),

firsts_per_year as (
    select
        geography,
        area_level,
        province_code,
        district_key,
        window_start_year,
        first_year,
        count(*) as person_count,
    from first_completions
    group by geography, area_level, province_code, district_key, window_start_year, first_year
)

select
    f.geography,
    f.area_level,
    f.province_code,
    f.district_key,
    w.window_start_year,
    f.year,
    coalesce(sum(p.person_count), 0) as trained_worker_count,
    f.sw_staff_count,
from intermediate.int_facility_area_years as f
inner join windows as w
    on w.window_start_year <= f.year
left join firsts_per_year as p
    on p.geography = f.geography
    and p.area_level = f.area_level
    and p.province_code = f.province_code
    and p.district_key = f.district_key
    and p.window_start_year = w.window_start_year
    and p.first_year <= f.year
group by f.geography, f.area_level, f.province_code, f.district_key, w.window_start_year, f.year, f.sw_staff_count
