/* @model
materialized: incremental
partition_by: year
grain: [geography, area_level, province_code, district_key, year]
description: >
  Yearly beneficiary figures per area with the period semantics of docs/contract.md §2.2, from
  the levelled rows (int_beneficiaries_levelled) placed in the areas they count for.
  Province areas exist in two geographies: as_reported (the province named in the rows;
  a yearly value is dated 31 December, so from 2025 on the province of the new
  34-province list) and current (every year mapped onto the 34 provinces). District
  areas (pre-2025 districts as named, old province list, as_reported only) serve
  district-level plans. Stocks (in_difficulty, served, comprehensive, case_managed,
  monthly_allowance) are the sum of the area's rows in the latest month of the year for
  which the area has any row; flows (emergency_cases, emergency_assisted) are summed
  over the months. Ratio numerators and denominators are summed only over rows
  reporting both.
*/
-- The levelled rows are summed per district (as named) and month, and per district and
-- year, then added up per area. A reporting unit lies in one district of one named
-- province, so the units counted per district add up to the distinct units of an area.
-- Every step keeps year in its grouping (no join on a year-level aggregate), so that a
-- build of some years (partition_by) reads only their rows.
with district_totals as (
    select
        province_list,
        province_code,
        district_key,
        year,
        period_month,
        grouping(period_month) = 1 as is_year_total,
        sum(case when served is not null and in_difficulty is not null then served end) as served_count,
        sum(case when served is not null and in_difficulty is not null then in_difficulty end) as served_base_count,
        sum(case when comprehensive is not null and in_difficulty is not null then comprehensive end) as comprehensive_count,
        sum(case when comprehensive is not null and in_difficulty is not null then in_difficulty end) as comprehensive_base_count,
        sum(case when case_managed is not null and in_difficulty is not null then case_managed end) as case_managed_count,
        sum(case when case_managed is not null and in_difficulty is not null then in_difficulty end) as case_managed_base_count,
        sum(case when emergency_cases is not null and emergency_assisted is not null then emergency_assisted end) as emergency_assisted_count,
        sum(case when emergency_cases is not null and emergency_assisted is not null then emergency_cases end) as emergency_cases_count,
        sum(monthly_allowance) as allowance_count,
        -- the reporting units: in one district (as named) of one named province, a
        -- unit is its commune ('' for the district's or the province's own row)
        count(distinct commune_key) as unit_count,
    from intermediate.int_beneficiaries_levelled
    group by grouping sets (
        (province_list, province_code, district_key, year, period_month),
        (province_list, province_code, district_key, year)
    )
),

-- each district's totals in the areas they count in: the province in both geographies,
-- and the district itself (as_reported) for districts of the old list
area_district_totals as (
    select
        g.geography,
        'province' as area_level,
        g.area_province_code,
        '' as area_district_key,
        d.*,
    from district_totals as d
    cross join seeds.calendar as k
    inner join intermediate.int_province_geographies as g
        on g.province_list = d.province_list
        and g.province_code = d.province_code
        and g.is_after_reform = (d.year >= k.reform_year)

    union all

    select
        'as_reported' as geography,
        'district' as area_level,
        d.province_code as area_province_code,
        d.district_key as area_district_key,
        d.*,
    from district_totals as d
    where d.district_key <> '' and d.province_list = 'old'
),

area_totals as (
    select
        geography,
        area_level,
        area_province_code as province_code,
        area_district_key as district_key,
        province_list as row_province_list,
        year,
        period_month,
        is_year_total,
        sum(served_count) as served_count,
        sum(served_base_count) as served_base_count,
        sum(comprehensive_count) as comprehensive_count,
        sum(comprehensive_base_count) as comprehensive_base_count,
        sum(case_managed_count) as case_managed_count,
        sum(case_managed_base_count) as case_managed_base_count,
        sum(emergency_assisted_count) as emergency_assisted_count,
        sum(emergency_cases_count) as emergency_cases_count,
        sum(allowance_count) as allowance_count,
        sum(unit_count) as unit_count,
    from area_district_totals
    group by geography, area_level, area_province_code, area_district_key, province_list, year, period_month, is_year_total
),

area_latest_months as (
    select
        t.*,
        max(t.period_month) over (
            partition by t.geography, t.area_level, t.province_code, t.district_key, t.year
        ) as latest_month,
    from area_totals as t
),

area_latest_lists as (
    select
        t.*,
        case
            when t.year > k.reform_year or (t.year = k.reform_year and t.latest_month >= k.reform_month) then 'new'
            else 'old'
        end as latest_province_list,
    from area_latest_months as t
    cross join seeds.calendar as k
)

select
    geography,
    area_level,
    province_code,
    district_key,
    year,
    latest_month,
    sum(case when period_month = latest_month then served_count end) as served_count,
    sum(case when period_month = latest_month then served_base_count end) as served_base_count,
    sum(case when period_month = latest_month then comprehensive_count end) as comprehensive_count,
    sum(case when period_month = latest_month then comprehensive_base_count end) as comprehensive_base_count,
    sum(case when period_month = latest_month then case_managed_count end) as case_managed_count,
    sum(case when period_month = latest_month then case_managed_base_count end) as case_managed_base_count,
    sum(case when is_year_total then emergency_assisted_count end) as emergency_assisted_count,
    sum(case when is_year_total then emergency_cases_count end) as emergency_cases_count,
    sum(case when period_month = latest_month then allowance_count end) as allowance_count,
    cast(sum(case when is_year_total and row_province_list = latest_province_list then unit_count end) as bigint) as units_reporting,
    cast(sum(case when period_month = latest_month then unit_count end) as bigint) as units_in_latest_month,
from area_latest_lists
group by geography, area_level, province_code, district_key, year, latest_month
