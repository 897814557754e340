/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, window_start_year, year]
description: >
  For each area-year of the roster and each counting window start (the national
  five-year periods 2011, 2016, 2021, ... and every phase start of the plans), the
  numerator and denominator of sw_staff_trained_pct (docs/contract.md §3), counted per
  unit: the distinct staff and collaborators of a unit (facility_id of the training
  record) who completed a course ending between the window start and the year, at most
  the unit's staff_social_work, summed over the area's active units that report
  staff_social_work. A record without a unit of the roster counts nowhere.
*/
with windows as (
    select distinct
        k.national_period_start
        + k.national_period_years * cast(floor((a.year - k.national_period_start) / k.national_period_years) as integer)
            as window_start_year,
    from intermediate.int_facility_area_years as a
    cross join seeds.calendar as k

    union

    select distinct cast(phase_start as integer) as window_start_year,
    from seeds.plan_targets
),

first_completions as (
    select
        t.facility_id,
        w.window_start_year,
        t.person_key,
        min(t.year) as first_year,
    from staging.stg_training as t
    inner join windows as w
        on t.year >= w.window_start_year
    where t.completed and t.role in ('staff', 'collaborator') and t.facility_id is not null
    group by t.facility_id, w.window_start_year, t.person_key
),

-- the trained persons of each unit, window and year, counted once per unit-year of the
-- roster rather than once per area the unit counts in
unit_trained as (
    select
        u.facility_id,
        w.window_start_year,
        u.year,
        count(f.person_key) as trained_person_count,
    from (
        select distinct facility_id, year,
        from intermediate.int_facility_areas
        where staff_social_work is not null
    ) as u
    inner join windows as w
        on w.window_start_year <= u.year
    left join first_completions as f
        on f.facility_id = u.facility_id
        and f.window_start_year = w.window_start_year
        and f.first_year <= u.year
    group by u.facility_id, w.window_start_year, u.year
),

-- one row per area, unit, window and year: int_facility_areas holds one row per area, unit
-- and year (its grain, a blocking check before this model is built)
unit_years as (
    select
        a.geography,
        a.area_level,
        a.province_code,
        a.district_key,
        t.window_start_year,
        a.year,
        a.staff_social_work,
        t.trained_person_count,
    from intermediate.int_facility_areas as a
    inner join unit_trained as t
        on t.facility_id = a.facility_id
        and t.year = a.year
    where a.staff_social_work is not null
)

select
    geography,
    area_level,
    province_code,
    district_key,
    window_start_year,
    year,
    sum(least(trained_person_count, staff_social_work)) as trained_worker_count,
    sum(trained_person_count) as trained_person_count,
    sum(staff_social_work) as sw_staff_count,
from unit_years
group by geography, area_level, province_code, district_key, window_start_year, year
