/* @model
materialized: table
grain: [indicator_code, geography, area_level, province_code, district_key, window_start_year, year]
description: >
  Every indicator of docs/contract.md §3 for every area (provinces in both geographies,
  pre-2025 districts as reported) and year, from summed numerators and denominators.
  Only sw_staff_trained_pct depends on a counting window (the phase start); the other
  indicators carry the start of the national five-year period of their year.
  Rows whose denominator is zero or not reported are left out (no data). No percentage
  is capped: each is 0-100 by its definition, and a value over 100 is a defect listed
  in marts.data_quality_warnings.
*/
with training_extent as (
    select
        cast(extract(year from max(end_date)) as integer) as latest_year,
        cast(extract(month from max(end_date)) as integer) as latest_month,
    from staging.stg_training
),


ratios as (
    select 'served_pct' as indicator_code, geography, area_level, province_code, district_key, year,
        served_count as numerator, served_base_count as denominator, 100.0 as scale, latest_month as months_reported,
    from intermediate.int_beneficiary_area_years
    union all
    select 'comprehensive_pct', geography, area_level, province_code, district_key, year,
        comprehensive_count, comprehensive_base_count, 100.0, latest_month,
    from intermediate.int_beneficiary_area_years
    union all
    select 'case_managed_pct', geography, area_level, province_code, district_key, year,
        case_managed_count, case_managed_base_count, 100.0, latest_month,
    from intermediate.int_beneficiary_area_years
    union all
    select 'emergency_timely_pct', geography, area_level, province_code, district_key, year,
        emergency_assisted_count, emergency_cases_count, 100.0, latest_month,
    from intermediate.int_beneficiary_area_years
    union all
    select 'facility_accessible_pct', geography, area_level, province_code, district_key, year,
        sa_accessible_count, sa_accessibility_reported_count, 100.0, 12,
    from intermediate.int_facility_area_years
    union all
    select 'facility_residents_avg', geography, area_level, province_code, district_key, year,
        sa_residents_count, sa_residents_reported_count, 1.0, 12,
    from intermediate.int_facility_area_years
    union all
    select 'sw_service_units_pct', geography, area_level, province_code, district_key, year,
        sw_service_unit_count, sw_scope_unit_count, 100.0, 12,
    from intermediate.int_facility_area_years
    union all
    select 'sw_staffed_units_pct', geography, area_level, province_code, district_key, year,
        sw_staffed_unit_count, sw_staff_reported_unit_count, 100.0, 12,
    from intermediate.int_facility_area_years
    union all
    select 'units_two_degree_pct', geography, area_level, province_code, district_key, year,
        two_degree_unit_count, unit_count, 100.0, 12,
    from intermediate.int_degree_units
),

counts as (
    select 'allowance_recipients' as indicator_code, geography, area_level, province_code, district_key, year,
        allowance_count as numerator, latest_month as months_reported,
    from intermediate.int_beneficiary_area_years
    union all
    select 'staff_trained_per_year', geography, area_level, province_code, district_key, year,
        worker_trained_count, case when year = e.latest_year then e.latest_month else 12 end,
    from intermediate.int_training_area_years cross join training_extent as e
    union all
    select 'family_trained_per_year', geography, area_level, province_code, district_key, year,
        family_trained_count, case when year = e.latest_year then e.latest_month else 12 end,
    from intermediate.int_training_area_years cross join training_extent as e
),

windowless as (
    select
        r.indicator_code, r.geography, r.area_level, r.province_code, r.district_key, r.year,
        cast(r.numerator as double) as numerator,
        cast(r.denominator as double) as denominator,
        r.scale * r.numerator / r.denominator as value,
        r.months_reported,
    from ratios as r
    where r.denominator > 0 and r.numerator is not null

    union all

    select
        c.indicator_code, c.geography, c.area_level, c.province_code, c.district_key, c.year,
        cast(c.numerator as double) as numerator,
        cast(null as double) as denominator,
        cast(c.numerator as double) as value,
        c.months_reported,
    from counts as c
    where c.numerator is not null
)

select
    w.indicator_code,
    w.geography,
    w.area_level,
    w.province_code,
    w.district_key,
    k.national_period_start
    + k.national_period_years * cast(floor((w.year - k.national_period_start) / k.national_period_years) as integer)
        as window_start_year,
    w.year,
    w.numerator,
    w.denominator,
    w.value,
    cast(w.months_reported as integer) as months_reported,
from windowless as w
cross join seeds.calendar as k

union all

select
    'sw_staff_trained_pct' as indicator_code,
    t.geography,
    t.area_level,
    t.province_code,
    t.district_key,
    t.window_start_year,
    t.year,
    cast(t.trained_worker_count as double) as numerator,
    cast(t.sw_staff_count as double) as denominator,
    100.0 * t.trained_worker_count / t.sw_staff_count as value,
    12 as months_reported,
from intermediate.int_trained_workers_since as t
where t.sw_staff_count > 0
