/* @model
materialized: table
grain: [check_name, subject]
description: >
  Warnings pct_over_100 (marts.data_quality_warnings): a percentage indicator whose
  numerator exceeds its denominator, in either geography. It is an error, not a warning:
  the published value is wrong (a defect of the definition or of the data).
*/
select
    'pct_over_100' as check_name,
    v.indicator_code || '/' || v.geography || '/' || v.province_code || '/' || cast(v.year as varchar) as subject,
    'error' as severity,
    v.geography,
    case when v.geography = 'as_reported' and v.year < k.reform_year then 'old' else 'new' end as province_list,
    v.province_code,
    v.year,
    v.indicator_code,
    'indicators' as source,
    to_json({ 'value': round(v.value, 4), 'numerator': v.numerator, 'denominator': v.denominator }) as figures,
    v.indicator_code || ' năm ' || cast(v.year as varchar) || ' là ' || cast(round(v.value, 2) as varchar) || ' % ('
        || cast(v.numerator as varchar) || ' / ' || cast(v.denominator as varchar)
        || '), vượt 100 %: lỗi định nghĩa hoặc số liệu cần sửa' as message_body,
from intermediate.int_indicator_values as v
inner join seeds.indicators as i on v.indicator_code = i.indicator_code
cross join seeds.calendar as k
where i.measure_type = 'percentage' and v.numerator > v.denominator
