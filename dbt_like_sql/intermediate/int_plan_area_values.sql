/* @model
materialized: table
grain: [plan_id, indicator_code, window_start_year, year]
description: >
  The indicator values each plan is judged on. A province plan uses its own province
  as reported up to 2024 and, from 2025 (yearly values are dated 31 December, after
  the reform of 1 July 2025), the province of the 34-province list it belongs to;
  when that province was formed by a merger the basis is 'successor'. A district plan
  uses only the data of its district (pre-2025 district names), never the province.
  The plan's district is resolved to one official district when the seeds load
  (models/seeds.py); a data row's district matches it by name without the type prefix
  (Huyện, Thị xã, Thành phố, Quận, TX., TP.), and, where two districts of the province
  share that name (Huyện and Thành phố Cao Lãnh), by type too: a row naming only
  'Cao Lãnh' matches neither. So 'Thị xã Thuận An' (before 2020) matches the plan of
  'Thành phố Thuận An'.
*/
with merged as (
    select
        successor_code,
        count(*) as old_province_count,
    from seeds.provinces
    where province_list = 'old'
    group by successor_code
),

plans as (
    select
        p.plan_id,
        p.plan_level,
        p.province_code,
        pr.successor_code,
        m.old_province_count > 1 as is_merged,
        p.district_type_key,
        p.district_bare_key,
        p.district_bare_is_unique,
    from seeds.plans as p
    inner join seeds.provinces as pr
        on pr.province_list = 'old'
        and pr.province_code = p.province_code
    inner join merged as m
        on m.successor_code = pr.successor_code
),

values_named as (
    select
        v.*,
        regexp_replace(v.district_key, '^(huyện|thị xã|thành phố|quận|tx\.|tp\.)\s*', '') as district_bare_key,
        case regexp_extract(v.district_key, '^(huyện|thị xã|thành phố|quận|tx\.|tp\.)', 1)
            when '' then null
            when 'tx.' then 'thị xã'
            when 'tp.' then 'thành phố'
            else regexp_extract(v.district_key, '^(huyện|thị xã|thành phố|quận|tx\.|tp\.)', 1)
        end as district_type_key,
    from intermediate.int_indicator_area_values as v
)

select
    p.plan_id,
    v.indicator_code,
    v.window_start_year,
    v.year,
    v.geography,
    v.area_level,
    v.province_code,
    v.district_key,
    case when v.geography = 'current' and p.is_merged then 'successor' else 'same' end as geography_basis,
    v.numerator,
    v.denominator,
    v.value,
    v.months_reported,
from plans as p
cross join seeds.calendar as k
inner join values_named as v
    on (
        p.plan_level = 'province'
        and v.area_level = 'province'
        and (
            (v.geography = 'as_reported' and v.year < k.reform_year and v.province_code = p.province_code)
            or (v.geography = 'current' and v.year >= k.reform_year and v.province_code = p.successor_code)
        )
    )
    or (
        p.plan_level = 'district'
        and v.area_level = 'district'
        and v.geography = 'as_reported'
        and v.province_code = p.province_code
        and v.district_bare_key = p.district_bare_key
        and (p.district_bare_is_unique or v.district_type_key = p.district_type_key)
    )
