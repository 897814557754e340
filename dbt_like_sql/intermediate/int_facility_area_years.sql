/* @model
materialized: table
grain: [geography, area_level, province_code, district_key, year]
description: >
  Yearly roster figures per area, counting active units of the year's snapshot.
columns:
  sa_facility_count: active social assistance facilities (unit_type sa_*)
  sa_accessible_count: of which meeting minimum accessibility
  sa_residents_count: people cared for at year end in those facilities
  sw_scope_unit_count: active units of type sa_*, health or education
  sw_service_unit_count: of which providing social work services
  unit_count: active units of any type
  sw_staffed_unit_count: of which with at least one staff member assigned to social work
  sw_staff_count: Σ staff_social_work over active units
*/
select
    a.geography,
    a.area_level,
    a.province_code,
    a.district_key,
    a.year,
    count(distinct case when a.is_social_assistance then a.facility_id end) as sa_facility_count,
    count(distinct case when a.is_social_assistance and a.meets_accessibility then a.facility_id end) as sa_accessible_count,
    sum(case when a.is_social_assistance then a.residents end) as sa_residents_count,
    count(distinct case when a.is_sw_scope then a.facility_id end) as sw_scope_unit_count,
    count(distinct case when a.is_sw_scope and a.provides_social_work then a.facility_id end) as sw_service_unit_count,
    count(distinct a.facility_id) as unit_count,
    count(distinct case when a.has_sw_staff then a.facility_id end) as sw_staffed_unit_count,
    sum(a.staff_social_work) as sw_staff_count,
from intermediate.int_facility_areas as a
group by a.geography, a.area_level, a.province_code, a.district_key, a.year
