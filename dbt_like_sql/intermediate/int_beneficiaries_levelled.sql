/* @model
materialized: incremental
partition_by: year
grain: [province_list, province_code, district_key, commune_key, year, period_month, group_code]
description: >
  Beneficiary rows after the level rule of CONTRACT §2.2, resolved per province as
  named in the rows: where a province-year-group has district- or commune-level rows,
  its province-level rows are dropped (they would double-count), and where a district
  has commune-level rows, its district-level rows are dropped. The dropped totals are
  compared with the sums in int_level_differences.
columns:
  unit_key: the reporting unit (province, district or commune) as named in the row
*/
with finest as (
    select
        province_list,
        province_code,
        year,
        group_code,
        max(case when report_level <> 'province' then 1 else 0 end) as has_lower_rows,
    from staging.stg_beneficiaries
    group by province_list, province_code, year, group_code
),

district_with_communes as (
    select distinct
        province_list,
        province_code,
        district_key,
        year,
        group_code,
    from staging.stg_beneficiaries
    where report_level = 'commune' and district_key <> ''
)

select
    s.*,
    s.province_list || ':' || s.province_code || ':' || s.district_key || ':' || s.commune_key as unit_key,
from staging.stg_beneficiaries as s
inner join finest as f
    on f.province_list = s.province_list
    and f.province_code = s.province_code
    and f.year = s.year
    and f.group_code = s.group_code
left join district_with_communes as d
    on d.province_list = s.province_list
    and d.province_code = s.province_code
    and d.district_key = s.district_key
    and d.year = s.year
    and d.group_code = s.group_code
where not (s.report_level = 'province' and f.has_lower_rows = 1)
    and not (s.report_level = 'district' and d.district_key is not null)
