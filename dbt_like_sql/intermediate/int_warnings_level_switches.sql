/* @model
materialized: table
grain: [check_name, subject]
description: >
  Warnings level_switch (marts.data_quality_warnings): a province-year-group whose kept
  beneficiary rows are province-level in some months and district/commune-level in others,
  and likewise a district whose rows are district-level in some months and commune-level
  in others (each month uses the finest level it has).
*/
-- Only scopes with a coarse row can switch: the months are collected for those alone, not
-- over every commune row of the history.
with coarse_scopes as (
    select distinct
        province_list,
        province_code,
        '' as scope_key,
        year,
        group_code,
    from intermediate.int_beneficiaries_levelled
    where report_level = 'province'

    union

    select distinct
        province_list,
        province_code,
        district_key as scope_key,
        year,
        group_code,
    from intermediate.int_beneficiaries_levelled
    where report_level = 'district' and district_key <> ''
),

level_months as (
    select distinct
        l.province_list,
        l.province_code,
        '' as scope_key,
        l.year,
        l.group_code,
        l.period_month,
        l.report_level = 'province' as is_coarse,
    from intermediate.int_beneficiaries_levelled as l
    semi join coarse_scopes as c
        on l.province_list = c.province_list
        and l.province_code = c.province_code
        and c.scope_key = ''
        and l.year = c.year
        and l.group_code = c.group_code

    union

    select distinct
        l.province_list,
        l.province_code,
        l.district_key as scope_key,
        l.year,
        l.group_code,
        l.period_month,
        l.report_level = 'district' as is_coarse,
    from intermediate.int_beneficiaries_levelled as l
    semi join coarse_scopes as c
        on l.province_list = c.province_list
        and l.province_code = c.province_code
        and l.district_key = c.scope_key
        and l.year = c.year
        and l.group_code = c.group_code
    where l.report_level in ('district', 'commune') and l.district_key <> ''
),

level_periods as (
    select
        province_list,
        province_code,
        scope_key,
        year,
        group_code,
        string_agg(case when is_coarse then cast(period_month as varchar) end, ', ' order by period_month) as coarse_months,
        string_agg(case when not is_coarse then cast(period_month as varchar) end, ', ' order by period_month) as fine_months,
    from level_months
    group by province_list, province_code, scope_key, year, group_code
    having bool_or(is_coarse) and bool_or(not is_coarse)
)

select
    'level_switch' as check_name,
    l.province_list || ':' || l.province_code || '/' || l.scope_key || '/' || cast(l.year as varchar) || '/' || l.group_code as subject,
    'warning' as severity,
    'as_reported' as geography,
    l.province_list,
    l.province_code,
    l.year,
    cast(null as varchar) as indicator_code,
    'beneficiaries' as source,
    case
        when l.scope_key = '' then to_json({
            'group_code': l.group_code,
            'province_level_months': l.coarse_months,
            'lower_level_months': l.fine_months
        })
        else to_json({
            'group_code': l.group_code,
            'district': l.scope_key,
            'district_level_months': l.coarse_months,
            'commune_level_months': l.fine_months
        })
    end as figures,
    case when l.scope_key = '' then '' else l.scope_key || ', ' end
        || 'nhóm ' || l.group_code || ', năm ' || cast(l.year as varchar) || ': báo cáo '
        || case when l.scope_key = '' then 'cấp tỉnh' else 'cấp huyện' end || ' các tháng ' || l.coarse_months
        || ', ' || case when l.scope_key = '' then 'cấp huyện/xã' else 'cấp xã' end || ' các tháng ' || l.fine_months
        || '; mỗi tháng dùng cấp chi tiết nhất có số liệu' as message_body,
from level_periods as l
