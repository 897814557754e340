-- Proposal (not applied): body for dbt_like_sql/staging/stg_beneficiaries.sql without the row_number() window.
-- Keys seen more than once are grouped (hash aggregate) and only their winner kept; same table as the
-- current model on the national benchmark data (EXCEPT ALL empty both ways); CTAS 20.9 s instead of 28.8 s.
with keyed as (
    select
        b.*,
        lower(trim(coalesce(b.district, ''))) as district_key,
        lower(trim(coalesce(b.commune, ''))) as commune_key,
        cast(coalesce(b.month, 12) as integer) as period_month,
    from raw.beneficiaries as b
),

versions as (
    -- keys reported more than once (a later file supersedes an earlier one): the winner
    select
        province_list, province_code, district_key, commune_key, year, period_month, group_code,
        max({'file_name': file_name, 'row_number': row_number}) as winner,
    from keyed
    group by province_list, province_code, district_key, commune_key, year, period_month, group_code
    having count(*) > 1
)

select
    r.province_list,
    r.province_code,
    r.province_remapped,
    r.district,
    r.district_key,
    r.commune,
    r.commune_key,
    case
        when r.commune is not null then 'commune'
        when r.district is not null then 'district'
        else 'province'
    end as report_level,
    cast(r.year as integer) as year,
    r.period_month,
    r.month is null as is_annual_report,
    r.group_code,
    cast(r.in_difficulty as bigint) as in_difficulty,
    cast(r.served as bigint) as served,
    cast(r.comprehensive as bigint) as comprehensive,
    cast(r.case_managed as bigint) as case_managed,
    cast(r.emergency_cases as bigint) as emergency_cases,
    cast(r.emergency_assisted as bigint) as emergency_assisted,
    cast(r.monthly_allowance as bigint) as monthly_allowance,
    r.file_name,
    r.row_number,
from keyed as r
left join versions as v
    on v.province_list = r.province_list
    and v.province_code = r.province_code
    and v.district_key = r.district_key
    and v.commune_key = r.commune_key
    and v.year = r.year
    and v.period_month = r.period_month
    and v.group_code = r.group_code
where v.winner is null
    or v.winner = {'file_name': r.file_name, 'row_number': r.row_number}
