/* @model
materialized: incremental
partition_by: year
grain: [province_list, province_code, year, period_month, group_code]
description: >
  Where a province reported both a province-level row and district/commune rows for
  the same period (year and month) and group, the province row's in_difficulty, served and
  monthly_allowance against the sum of the lower-level rows (the sum is what counts).
*/
with province_rows as (
    select *,
    from staging.stg_beneficiaries
    where report_level = 'province' and replaced_by_file is null
),

lower_sums as (
    select
        province_list,
        province_code,
        year,
        period_month,
        group_code,
        sum(in_difficulty) as lower_in_difficulty,
        sum(served) as lower_served,
        sum(monthly_allowance) as lower_monthly_allowance,
    from intermediate.int_beneficiaries_levelled
    where report_level <> 'province'
    group by province_list, province_code, year, period_month, group_code
)

select
    p.province_list,
    p.province_code,
    p.year,
    p.period_month,
    p.group_code,
    p.in_difficulty as province_in_difficulty,
    l.lower_in_difficulty,
    p.served as province_served,
    l.lower_served,
    p.monthly_allowance as province_monthly_allowance,
    l.lower_monthly_allowance,
    p.file_name,
    p.row_number,
from province_rows as p
inner join lower_sums as l
    on l.province_list = p.province_list
    and l.province_code = p.province_code
    and l.year = p.year
    and l.period_month = p.period_month
    and l.group_code = p.group_code
