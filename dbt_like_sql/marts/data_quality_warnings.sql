/* @model
materialized: table
grain: [check_name, subject]
description: >
  Data-quality warnings (docs/contract.md §4) in the spirit of DHIS2 validation rules:
  they do not stop a build, but every one is listed here, shown as a warning asset
  check and in the scorecard. Each names its geography, the province list, code and
  name (code 15 is Yên Bái on the old list and Lào Cai on the new), the year, the
  indicator or source, its figures and a message in Vietnamese. Checks: province totals
  that differ from the sum of their districts or communes, provinces that switch
  between province- and district-level reports within a year, units that sent both an
  annual and monthly reports for a year, units missing from the latest month of a year
  (in both geographies; a unit that reported under an old province before 1 July 2025
  is not expected in its successor's later months), roster cells left empty, training
  records with an empty or unknown role, no end date or no known unit, year-on-year
  outliers between complete years (modified z-score above 3.5; not where a counting
  window restarts by design), percentages over 100 (a defect), old province names on
  rows dated after the reform, and files with rejected rows.
audits:
  - name: level_difference
    description: province rows agree with the sum of their district/commune rows
    sql: select * from marts.data_quality_warnings where check_name = 'level_difference'
  - name: level_switch
    description: no province switches between province- and district-level reports within a year
    sql: select * from marts.data_quality_warnings where check_name = 'level_switch'
  - name: annual_monthly_overlap
    description: no unit sends both an annual report and monthly reports for one year
    sql: select * from marts.data_quality_warnings where check_name = 'annual_monthly_overlap'
  - name: incomplete_latest_month
    description: every unit that reported in a year also reported in its latest month
    sql: select * from marts.data_quality_warnings where check_name = 'incomplete_latest_month'
  - name: empty_cell
    description: no roster cell an indicator needs is empty
    sql: select * from marts.data_quality_warnings where check_name = 'empty_cell'
  - name: training_records_counted
    description: every training record has a known role, an end date and, for staff, a unit of the roster
    sql: select * from marts.data_quality_warnings where check_name in ('training_unknown_role', 'training_no_end_date', 'training_unknown_unit')
  - name: yoy_outlier
    description: no year-on-year change between complete years is an outlier (modified z-score > 3.5)
    sql: select * from marts.data_quality_warnings where check_name = 'yoy_outlier'
  - name: pct_over_100
    description: no percentage's numerator exceeds its denominator
    sql: select * from marts.data_quality_warnings where check_name = 'pct_over_100'
  - name: province_remapped
    description: rows dated after 1 July 2025 name the new provinces
    sql: select * from marts.data_quality_warnings where check_name = 'province_remapped'
  - name: rejected_rows
    description: no file had rows rejected
    sql: select * from marts.data_quality_warnings where check_name = 'rejected_rows'
*/
with all_warnings as (
    select *, from intermediate.int_warnings_level_differences
    union all
    select *, from intermediate.int_warnings_level_switches
    union all
    select *, from intermediate.int_warnings_report_overlaps
    union all
    select *, from intermediate.int_warnings_missing_values
    union all
    select *, from intermediate.int_warnings_training
    union all
    select *, from intermediate.int_warnings_yoy_outliers
    union all
    select *, from intermediate.int_warnings_pct_over_100
    union all
    select *, from intermediate.int_warnings_files
)

select
    w.check_name as "check",
    w.check_name,
    w.subject,
    w.severity,
    w.geography,
    w.province_list,
    w.province_code,
    p.province_name,
    w.year,
    w.indicator_code,
    w.source,
    cast(w.figures as varchar) as figures,
    coalesce(p.province_name || ' (' || w.province_code || ', danh sách ' || case w.province_list when 'old' then '63 tỉnh cũ' else '34 tỉnh mới' end || '): ', '')
        || w.message_body as message,
from all_warnings as w
left join seeds.provinces as p
    on p.province_list = w.province_list
    and p.province_code = w.province_code
