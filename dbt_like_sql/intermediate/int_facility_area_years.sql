/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, year]
description: >
  Yearly roster figures per area, counting active units of the year's snapshot. An
  empty cell is not reported (docs/contract.md §3): a unit whose cell an indicator
  needs is left out of that indicator's numerator and denominator, and counted in the
  matching *_unreported_count (a completeness warning).
*/
-- int_facility_areas holds one row per area, unit and year (its grain, a blocking check
-- before this model is built): a unit is counted once per area-year without count(distinct).
select
    a.geography,
    a.area_level,
    a.province_code,
    a.district_key,
    a.year,
    count(case when a.is_social_assistance then a.facility_id end) as sa_facility_count,
    count(case when a.is_social_assistance and a.meets_accessibility is not null then a.facility_id end) as sa_accessibility_reported_count,
    count(case when a.is_social_assistance and a.meets_accessibility then a.facility_id end) as sa_accessible_count,
    count(case when a.is_social_assistance and a.meets_accessibility is null then a.facility_id end) as sa_accessibility_unreported_count,
    count(case when a.is_social_assistance and a.residents is not null then a.facility_id end) as sa_residents_reported_count,
    sum(case when a.is_social_assistance then a.residents end) as sa_residents_count,
    count(case when a.is_social_assistance and a.residents is null then a.facility_id end) as sa_residents_unreported_count,
    count(case when a.is_sw_scope and a.provides_social_work is not null then a.facility_id end) as sw_scope_unit_count,
    count(case when a.is_sw_scope and a.provides_social_work then a.facility_id end) as sw_service_unit_count,
    count(case when a.is_sw_scope and a.provides_social_work is null then a.facility_id end) as sw_scope_unreported_count,
    count(a.facility_id) as unit_count,
    count(case when a.staff_social_work is not null then a.facility_id end) as sw_staff_reported_unit_count,
    count(case when a.staff_social_work >= 1 then a.facility_id end) as sw_staffed_unit_count,
    count(case when a.staff_social_work is null then a.facility_id end) as sw_staff_unreported_count,
    sum(a.staff_social_work) as sw_staff_count,
from intermediate.int_facility_areas as a
group by a.geography, a.area_level, a.province_code, a.district_key, a.year
