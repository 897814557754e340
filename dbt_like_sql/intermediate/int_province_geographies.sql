/* @model
materialized: table
grain: [province_list, province_code, is_after_reform, geography]
description: >
  Where the rows of a province, as named in the data, count in each geography. A yearly
  value is dated 31 December: up to 2024 as_reported keeps the province as named (the
  63-province list); from 2025 on, and in the current geography for every year, rows
  count in the province of the 34-province list that the named province belongs to.
*/
with periods as (
    select false as is_after_reform,
    union all
    select true as is_after_reform,
),

geographies as (
    select 'as_reported' as geography,
    union all
    select 'current' as geography,
)

select
    p.province_list,
    p.province_code,
    r.is_after_reform,
    g.geography,
    case
        when g.geography = 'as_reported' and not r.is_after_reform then p.province_code
        else p.successor_code
    end as area_province_code,
from seeds.provinces as p
cross join periods as r
cross join geographies as g
