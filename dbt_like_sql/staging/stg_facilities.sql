/* @model
materialized: table
grain: [facility_id, year]
description: >
  Roster of social assistance facilities and other units: one snapshot row per unit
  and year, the row from the lexically latest file winning.
*/
with ranked as (
    select
        f.*,
        row_number() over (
            partition by f.facility_id, f.year
            order by f.file_name desc, f.row_number desc
        ) as version_rank,
    from raw.facilities as f
)

select
    r.facility_id,
    cast(r.year as integer) as year,
    r.name,
    r.province_list,
    r.province_code,
    r.province_remapped,
    r.district,
    lower(trim(coalesce(r.district, ''))) as district_key,
    r.ownership,
    r.unit_type,
    left(r.unit_type, 3) = 'sa_' as is_social_assistance,
    cast(r.capacity as bigint) as capacity,
    cast(r.residents as bigint) as residents,
    r.provides_social_work,
    r.meets_accessibility,
    cast(r.staff_total as bigint) as staff_total,
    cast(r.staff_social_work as bigint) as staff_social_work,
    r.status,
    r.status = 'active' as is_active,
    r.file_name,
    r.row_number,
from ranked as r
where r.version_rank = 1
