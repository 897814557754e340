"""The columns of the tables the SQL models publish (``staging``, ``intermediate``,
``marts``), and one view of every published table of the warehouse.

A column that means the same in several models is described once in ``SHARED`` and a
model names it; a column whose meaning is the model's own is a :class:`Column` in that
model's entry of ``MODEL_COLUMNS``. Each entry lists exactly the columns the model
produces, in order (tests/unit/test_data_model.py builds every model and compares).
The runner writes these descriptions as ``COMMENT ON COLUMN`` (pipelines/sql/model.py);
a model's own description, grain and audits stay in its SQL header.

A new model is registered by adding its entry here, its columns in the order its
``select`` produces them: a shared name where the column means what ``SHARED`` says,
else a :class:`Column` of its own (name, DuckDB type, description, unit).

The raw and audit tables are described in ``models.sources`` and the seeds in
``models.seeds``; :func:`published_tables` puts all of them side by side (the catalog
test and ``docs/data_model.md`` read it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One column of a published table."""

    name: str
    type: str
    """DuckDB type."""
    description: str
    unit: str | None = None
    suffix: str = ""
    """What the ``COMMENT ON COLUMN`` of a raw or audit column adds (unit and codes)."""

    @property
    def comment(self) -> str:
        """The text of its ``COMMENT ON COLUMN``."""
        return self.description + self.suffix


@dataclass(frozen=True)
class Table:
    """One published table: ``schema.name``, what a row is, and its columns."""

    key: str
    description: str
    grain: tuple[str, ...]
    columns: tuple[Column, ...]


def _columns(*columns: Column) -> dict[str, Column]:
    return {c.name: c for c in columns}


SHARED = _columns(
    Column(
        'province_list', 'VARCHAR',
        'which official list names the province - old (63 provinces, before 1 July 2025) or new (34, '
        'after)',
    ),
    Column(
        'province_code', 'VARCHAR',
        'two-digit official province code (zero-padded text) in the list of the row or area',
    ),
    Column('province_name', 'VARCHAR', 'Vietnamese province name, with diacritics'),
    Column(
        'province_remapped', 'BOOLEAN',
        'an old province named on a row dated on or after 1 July 2025, counted in its successor',
    ),
    Column('district', 'VARCHAR', 'district as written in the file (pre-2025 reports), NULL when none'),
    Column('district_key', 'VARCHAR', "district name as written, lower case ('' for a province-wide row or area)"),
    Column('commune_key', 'VARCHAR', "commune name as written, lower case ('' when none)"),
    Column('report_level', 'VARCHAR', 'province, district or commune - the finest unit the row names'),
    Column('year', 'INTEGER', 'calendar year (a yearly value is dated 31 December)', unit='year'),
    Column('period_month', 'INTEGER', 'month of the period; 12 for an annual report'),
    Column('is_annual_report', 'BOOLEAN', 'the row is an annual report (empty month in the file)'),
    Column('group_code', 'VARCHAR', 'beneficiary group - elderly, disabled, children, mental_illness, hiv or other'),
    Column('in_difficulty', 'BIGINT', 'people in especially difficult circumstances (stock)', unit='people'),
    Column('served', 'BIGINT', 'of whom provided suitable social assistance services (stock)', unit='people'),
    Column('comprehensive', 'BIGINT', 'of whom provided comprehensive services (stock)', unit='people'),
    Column(
        'case_managed', 'BIGINT',
        'people counselled, supported or case-managed by facilities (stock)',
        unit='people',
    ),
    Column('emergency_cases', 'BIGINT', 'people facing sudden hardship in the period (flow)', unit='people'),
    Column('emergency_assisted', 'BIGINT', 'of whom assisted in time (flow)', unit='people'),
    Column('monthly_allowance', 'BIGINT', 'people receiving the monthly social allowance (stock)', unit='people'),
    Column('file_name', 'VARCHAR', 'the raw file the row comes from'),
    Column('row_number', 'INTEGER', '1-based data row in that file, counted after the header'),
    Column('facility_id', 'VARCHAR', 'stable code of the unit (facility, health or education unit, commune office...)'),
    Column('name', 'VARCHAR', 'name of the unit'),
    Column('ownership', 'VARCHAR', 'public or non_public'),
    Column(
        'unit_type', 'VARCHAR',
        'sa_* for social assistance facilities, else drug_rehab, health, education, justice, commune or '
        'other',
    ),
    Column('is_social_assistance', 'BOOLEAN', 'the unit is a social assistance facility (unit_type sa_*)'),
    Column('capacity', 'BIGINT', 'places (beds)', unit='places'),
    Column('residents', 'BIGINT', 'people cared for at year end', unit='people'),
    Column('provides_social_work', 'BOOLEAN', 'the unit provides social work services'),
    Column(
        'meets_accessibility', 'BOOLEAN',
        'the unit meets minimum accessibility for people with severe disabilities',
    ),
    Column('staff_total', 'BIGINT', 'staff of the unit', unit='people'),
    Column('staff_social_work', 'BIGINT', 'staff assigned to social work (at most staff_total)', unit='people'),
    Column('status', 'VARCHAR', "the unit's status in the roster - active or closed"),
    Column('record_id', 'VARCHAR', 'code of the training record'),
    Column('person_key', 'VARCHAR', "salted HMAC-SHA256 of the person's national ID; the ID itself is never stored"),
    Column('role', 'VARCHAR', 'staff, collaborator or family'),
    Column('course_level', 'VARCHAR', 'short_course, intermediate, college, university or postgraduate'),
    Column('is_degree_course', 'BOOLEAN', 'an intermediate or higher course (a diploma, not a short training)'),
    Column('start_date', 'DATE', 'first day of the course'),
    Column('end_date', 'DATE', 'last day of the course (a training record is dated at its end date)'),
    Column('completed', 'BOOLEAN', 'the person completed the course'),
    Column(
        'geography', 'VARCHAR',
        'as_reported (provinces as named, the 63 up to 2024 and the 34 from 2025) or current (every year '
        'on the 34 provinces)',
    ),
    Column('area_level', 'VARCHAR', 'province or district (pre-2025 districts, for district-level plans)'),
    Column('indicator_code', 'VARCHAR', 'indicator of the catalogue (seeds.indicators)'),
    Column(
        'window_start_year', 'INTEGER',
        'first year of the counting window (the phase start for sw_staff_trained_pct; otherwise the '
        'national five-year period)',
    ),
    Column('numerator', 'DOUBLE', 'summed numerator (the count itself for counts)'),
    Column('denominator', 'DOUBLE', 'summed denominator; NULL for counts'),
    Column('value', 'DOUBLE', 'the indicator value; percentages are 0-100'),
    Column('is_complete_year', 'BOOLEAN', 'months_reported = 12'),
    Column('plan_id', 'VARCHAR', 'the plan (seeds.plans)'),
    Column('plan_level', 'VARCHAR', 'province or district'),
    Column('phase_start', 'INTEGER', 'first year of the plan phase'),
    Column('phase_end', 'INTEGER', 'last year of the plan phase'),
    Column('target_year', 'INTEGER', 'the year by which the target is to be met'),
    Column('comparator', 'VARCHAR', 'how the actual is compared with the target (>=, >, <= or =)'),
    Column('target_value', 'DOUBLE', 'the target as stated in the document'),
    Column('unit', 'VARCHAR', 'unit of the target and indicator'),
    Column('is_conflicting', 'BOOLEAN', 'the document states another value for the same indicator and phase'),
    Column('baseline_year', 'INTEGER', 'year of baseline_value'),
    Column('unit_count', 'BIGINT', 'active units of any type'),
)

def _warning_columns(
    check_name: str, subject: str, severity: str, source: str, figures: str,
    geography: str = "as_reported or current (the 34 provinces)",
) -> tuple[str | Column, ...]:
    """The columns of an ``int_warnings_*`` model, in the order ``marts.data_quality_warnings``
    stacks them by position: the model's own check names, subject key, severity, source and
    figures, the shared geography columns, and the message without the province (the mart
    prefixes it)."""
    return (
        Column("check_name", "VARCHAR", f"the check: {check_name}"),
        Column("subject", "VARCHAR", f"what the warning is about, unique within the check: {subject}"),
        Column("severity", "VARCHAR", severity),
        Column("geography", "VARCHAR", geography),
        "province_list",
        "province_code",
        "year",
        "indicator_code",
        Column("source", "VARCHAR", source),
        Column("figures", "JSON", figures),
        Column("message_body", "VARCHAR", "the warning in Vietnamese, without the province (the mart prefixes it)"),
    )


MODEL_COLUMNS: dict[str, tuple[str | Column, ...]] = {
    'intermediate.int_beneficiaries_levelled': (
        'province_list',
        'province_code',
        'province_remapped',
        'district_key',
        'commune_key',
        'report_level',
        'year',
        'period_month',
        'is_annual_report',
        'group_code',
        'in_difficulty',
        'served',
        'comprehensive',
        'case_managed',
        'emergency_cases',
        'emergency_assisted',
        'monthly_allowance',
    ),
    'intermediate.int_beneficiary_area_years': (
        'geography',
        'area_level',
        Column(
            'province_code', 'VARCHAR',
            "two-digit code of the area's province in the list of its geography and year",
        ),
        Column('district_key', 'VARCHAR', "district of a district area ('' for a province area)"),
        'year',
        Column('latest_month', 'INTEGER', 'the month whose rows give the stocks'),
        Column(
            'served_count', 'HUGEINT',
            'Σ served over rows of the latest month that report served and in_difficulty',
        ),
        Column('served_base_count', 'HUGEINT', 'Σ in_difficulty over the same rows'),
        Column('comprehensive_count', 'HUGEINT', 'Σ comprehensive where comprehensive and in_difficulty are reported'),
        Column('comprehensive_base_count', 'HUGEINT', 'Σ in_difficulty over the same rows'),
        Column('case_managed_count', 'HUGEINT', 'Σ case_managed where case_managed and in_difficulty are reported'),
        Column('case_managed_base_count', 'HUGEINT', 'Σ in_difficulty over the same rows'),
        Column(
            'emergency_assisted_count', 'HUGEINT',
            'Σ emergency_assisted over the year where both flows are reported',
        ),
        Column('emergency_cases_count', 'HUGEINT', 'Σ emergency_cases over the same rows'),
        Column('allowance_count', 'HUGEINT', 'Σ monthly_allowance of the latest month (NULL when nobody reported it)'),
        Column(
            'units_reporting', 'BIGINT',
            'reporting units (a province, district or commune as named in the rows) with any row in the '
            'year under the province list of the latest '
            'month (a unit that reported under an old province before 1 July 2025 is not expected in a '
            'later month)',
        ),
        Column(
            'units_in_latest_month', 'BIGINT',
            'of which with a row in the latest month (fewer is a completeness warning)',
        ),
    ),
    'intermediate.int_degree_units': (
        'geography',
        'area_level',
        'province_code',
        'district_key',
        'year',
        Column('two_degree_unit_count', 'BIGINT', 'active units with at least two such persons'),
        'unit_count',
    ),
    'intermediate.int_facility_area_years': (
        'geography',
        'area_level',
        'province_code',
        'district_key',
        'year',
        Column('sa_facility_count', 'BIGINT', 'active social assistance facilities (unit_type sa_*)'),
        Column('sa_accessibility_reported_count', 'BIGINT', 'of which reporting meets_accessibility'),
        Column('sa_accessible_count', 'BIGINT', 'of which meeting minimum accessibility'),
        Column(
            'sa_accessibility_unreported_count', 'BIGINT',
            'active sa_* facilities with an empty meets_accessibility cell',
        ),
        Column('sa_residents_reported_count', 'BIGINT', 'active sa_* facilities reporting residents'),
        Column('sa_residents_count', 'HUGEINT', 'people cared for at year end in those facilities'),
        Column('sa_residents_unreported_count', 'BIGINT', 'active sa_* facilities with an empty residents cell'),
        Column(
            'sw_scope_unit_count', 'BIGINT',
            'active units of type sa_*, health or education reporting provides_social_work',
        ),
        Column('sw_service_unit_count', 'BIGINT', 'of which providing social work services'),
        Column(
            'sw_scope_unreported_count', 'BIGINT',
            'active units of those types with an empty provides_social_work cell',
        ),
        'unit_count',
        Column('sw_staff_reported_unit_count', 'BIGINT', 'active units reporting staff_social_work'),
        Column('sw_staffed_unit_count', 'BIGINT', 'of which with at least one staff member assigned to social work'),
        Column('sw_staff_unreported_count', 'BIGINT', 'active units with an empty staff_social_work cell'),
        Column('sw_staff_count', 'HUGEINT', 'Σ staff_social_work over active units'),
    ),
    'intermediate.int_facility_areas': (
        'geography',
        'area_level',
        'province_code',
        'district_key',
        'facility_id',
        'year',
        'unit_type',
        'is_social_assistance',
        Column(
            'is_sw_scope', 'BOOLEAN',
            'unit of a type whose social-work services are measured (sa_*, health, education)',
        ),
        'provides_social_work',
        'meets_accessibility',
        'residents',
        'staff_social_work',
    ),
    'intermediate.int_indicator_area_values': (
        'indicator_code',
        'geography',
        'area_level',
        'province_code',
        'district_key',
        Column('window_start_year', 'INTEGER', 'phase start for sw_staff_trained_pct; national period start otherwise'),
        'year',
        Column('numerator', 'DOUBLE', 'summed numerator (the count itself for count indicators)'),
        Column('denominator', 'DOUBLE', 'summed denominator; NULL for counts and per-year counts'),
        Column(
            'value', 'DOUBLE',
            '100 · numerator / denominator for percentages, numerator / denominator for averages, the '
            'count otherwise',
        ),
        Column(
            'months_reported', 'INTEGER',
            "months of the year the value covers (docs/contract.md §3) - the latest month of the area's "
            'beneficiary rows; 12 for rosters; for training counts 12 except in the year of the latest '
            "course end date, where it is that date's month",
        ),
    ),
    'intermediate.int_level_differences': (
        'province_list',
        'province_code',
        'year',
        'period_month',
        'group_code',
        Column('province_in_difficulty', 'BIGINT', 'in_difficulty on the province-level row'),
        Column('lower_in_difficulty', 'HUGEINT', 'sum of in_difficulty over the district/commune rows'),
        Column('province_served', 'BIGINT', 'served on the province-level row'),
        Column('lower_served', 'HUGEINT', 'sum of served over the district/commune rows'),
        Column('province_monthly_allowance', 'BIGINT', 'monthly_allowance on the province-level row'),
        Column('lower_monthly_allowance', 'HUGEINT', 'sum of monthly_allowance over the district/commune rows'),
        'file_name',
        'row_number',
    ),
    'intermediate.int_plan_area_values': (
        'plan_id',
        'indicator_code',
        'window_start_year',
        'year',
        'geography',
        'area_level',
        'province_code',
        'district_key',
        Column(
            'geography_basis', 'VARCHAR',
            "same (the plan's own province or district) or successor (the merged province after 1 July "
            '2025)',
        ),
        'numerator',
        'denominator',
        'value',
        Column('months_reported', 'INTEGER', 'months of the year the value covers (12 for a complete year)'),
    ),
    'intermediate.int_province_geographies': (
        'province_list',
        'province_code',
        Column('is_after_reform', 'BOOLEAN', 'the yearly value is dated after 1 July 2025 (year 2025 or later)'),
        'geography',
        Column(
            'area_province_code', 'VARCHAR',
            'the province (code of the list of that geography and year) the rows count in',
        ),
    ),
    'intermediate.int_trained_workers_since': (
        'geography',
        'area_level',
        'province_code',
        'district_key',
        Column('window_start_year', 'INTEGER', 'first year of the counting window (the phase start)'),
        'year',
        Column(
            'trained_worker_count', 'HUGEINT',
            'Σ over units of min(trained persons of the unit, its staff_social_work)',
        ),
        Column(
            'trained_person_count', 'HUGEINT',
            'Σ over units of the trained persons of the unit, before the limit by its social-work staff',
        ),
        Column(
            'sw_staff_count', 'HUGEINT',
            "Σ staff_social_work of the area's active units in the year (the denominator)",
        ),
    ),
    'intermediate.int_training_area_years': (
        'geography',
        'area_level',
        'province_code',
        'district_key',
        'year',
        Column('worker_trained_count', 'BIGINT', 'distinct (person, end date) completions by staff and collaborators'),
        Column('family_trained_count', 'BIGINT', 'distinct (person, end date) completions by family carers'),
        Column('record_count', 'BIGINT', 'training records of any role or completion state in the area-year'),
    ),
    'intermediate.int_training_completions': (
        'geography',
        'area_level',
        'province_code',
        'district_key',
        'record_id',
        'person_key',
        'facility_id',
        Column(
            'role_group', 'VARCHAR',
            'worker (role staff or collaborator), family, or NULL for an empty or unknown role (counted '
            'in no indicator)',
        ),
        'course_level',
        'is_degree_course',
        'end_date',
        'year',
        Column('is_completed', 'BOOLEAN', 'the course was completed'),
    ),
    'intermediate.int_warnings_files': _warning_columns(
        check_name='province_remapped or rejected_rows',
        subject='source/file_name/province_code/year (province_remapped) or source/file_name/sha256 (rejected_rows)',
        severity='warning',
        geography='as_reported for province_remapped; NULL for a file',
        source='raw source of the file (beneficiaries, facilities, training)',
        figures='the file and its rows remapped, or read and rejected, as a JSON object',
    ),
    'intermediate.int_warnings_level_differences': _warning_columns(
        check_name='level_difference',
        subject='province_list:province_code/year/month/group_code',
        severity='warning',
        source='beneficiaries',
        figures='the province row (file and row) and both values of the three measures, as a JSON object',
    ),
    'intermediate.int_warnings_level_switches': _warning_columns(
        check_name='level_switch',
        subject="province_list:province_code/district_key/year/group_code (district_key '' for a province)",
        severity='warning',
        source='beneficiaries',
        figures='the group, the district for a district, and the months at each level, as a JSON object',
    ),
    'intermediate.int_warnings_missing_values': _warning_columns(
        check_name='incomplete_latest_month or empty_cell',
        subject='geography/province_code/year, preceded by indicator_code/ for empty_cell',
        severity='warning',
        source='beneficiaries (incomplete_latest_month) or facilities (empty_cell)',
        figures='the units missing or left out and the units counted, as a JSON object',
    ),
    'intermediate.int_warnings_pct_over_100': _warning_columns(
        check_name='pct_over_100',
        subject='indicator_code/geography/province_code/year',
        severity='error (a published value is wrong)',
        source='indicators',
        figures='the value, its numerator and its denominator, as a JSON object',
    ),
    'intermediate.int_warnings_report_overlaps': _warning_columns(
        check_name='annual_monthly_overlap',
        subject='province_list:province_code/district_key/commune_key/year/group_code',
        severity='warning',
        source='beneficiaries',
        figures='the unit, the report kept (monthly or annual) and its file, the rows and files replaced, as a JSON object',
    ),
    'intermediate.int_warnings_training': _warning_columns(
        check_name='training_unknown_role, training_no_end_date or training_unknown_unit',
        subject="province_list:province_code/year (year '' when there is no end date)",
        severity='warning',
        source='training',
        figures='the records left out, as a JSON object',
    ),
    'intermediate.int_warnings_yoy_outliers': _warning_columns(
        check_name='yoy_outlier',
        subject='indicator_code/province_code/year',
        severity='warning',
        source='indicators',
        figures='the value, the change, the median change, the median absolute deviation and the modified z-score, '
                'as a JSON object',
    ),
    'marts.data_quality_warnings': (
        Column(
            'check', 'VARCHAR',
            'level_difference, level_switch, annual_monthly_overlap, incomplete_latest_month, empty_cell,'
            ' training_unknown_role, training_no_end_date, training_unknown_unit, yoy_outlier, '
            'pct_over_100, province_remapped or rejected_rows',
        ),
        Column('check_name', 'VARCHAR', 'the same as check (the name the reports read)'),
        Column('subject', 'VARCHAR', 'what the warning is about, unique within the check'),
        Column(
            'severity', 'VARCHAR',
            'warning, or error for a defect that makes a published value wrong (a percentage over 100)',
        ),
        Column(
            'geography', 'VARCHAR',
            'as_reported (the province as named in the rows) or current (the 34 provinces); NULL for a '
            'file',
        ),
        Column('province_list', 'VARCHAR', 'old (63 provinces) or new (34) - the list of province_code'),
        Column('province_code', 'VARCHAR', 'province concerned, code of province_list; NULL if none'),
        Column('province_name', 'VARCHAR', 'Vietnamese name of province_code in province_list'),
        Column('year', 'INTEGER', 'year concerned, NULL if none', unit='year'),
        Column('indicator_code', 'VARCHAR', 'indicator concerned, NULL if none'),
        Column('source', 'VARCHAR', 'raw source concerned (beneficiaries, facilities, training) or indicators'),
        Column('figures', 'VARCHAR', 'the figures behind the warning, as a JSON object'),
        Column('message', 'VARCHAR', 'the warning in Vietnamese, with the figures'),
    ),
    'marts.indicator_values': (
        'indicator_code',
        Column('geography', 'VARCHAR', 'as_reported or current'),
        Column(
            'province_code', 'VARCHAR',
            'two-digit official code (zero-padded text) in the list of that geography and year',
        ),
        Column('province_name', 'VARCHAR', 'Vietnamese province name'),
        Column('year', 'INTEGER', 'calendar year', unit='year'),
        'numerator',
        'denominator',
        'value',
        Column(
            'months_reported', 'INTEGER',
            'months of the year the value covers (1-12); 12 for rosters, and for training in every year '
            'before the one of the latest course end date',
        ),
        Column(
            'is_complete_year', 'BOOLEAN',
            "months_reported = 12; an incomplete year's stocks are its latest month's and its flows are "
            'year-to-date',
        ),
    ),
    'marts.plan_indicator_series': (
        'plan_id',
        'indicator_code',
        'year',
        Column('window_start_year', 'INTEGER', 'start of the counting window used for the year'),
        Column('geography_basis', 'VARCHAR', 'same or successor (after 1 July 2025, the merged province)'),
        'numerator',
        'denominator',
        'value',
        Column(
            'months_reported', 'INTEGER',
            'months of the year the value covers (a report labels an incomplete year with them, e.g. 9 '
            'tháng)',
        ),
        'is_complete_year',
    ),
    'marts.target_vs_actual': (
        Column('target_id', 'VARCHAR', "the target's row in data/seeds/plan_targets.csv"),
        'plan_id',
        'plan_level',
        Column('province_code', 'VARCHAR', "the plan's own province, old 63-province list"),
        'province_name',
        'indicator_code',
        'phase_start',
        'phase_end',
        'target_year',
        'comparator',
        'target_value',
        'unit',
        'is_conflicting',
        Column(
            'decisive_target_value', 'DOUBLE',
            'the target value that decides the status (the stricter of conflicting targets)',
        ),
        Column(
            'actual_value', 'DOUBLE',
            'value in the target year or, while it has no complete data, in the latest year of the phase '
            "with data; for per-year indicators the mean over the phase's complete years with data",
        ),
        Column(
            'actual_year', 'INTEGER',
            'the year of actual_value (for per-year indicators the latest complete year averaged)',
        ),
        Column('actual_months', 'INTEGER', 'months of actual_year the actual covers (12 for a complete year)'),
        Column('baseline_value', 'DOUBLE', 'latest value before the phase starts, or the first in the phase'),
        'baseline_year',
        Column('achievement_pct', 'DOUBLE', '100 · actual_value / target_value'),
        Column(
            'geography_basis', 'VARCHAR',
            'same, or successor when the actual comes (or, without data, would come) from the province '
            "the plan's province merged into",
        ),
        Column(
            'status', 'VARCHAR',
            'achieved, not_achieved, on_track, acceleration_needed, off_track, deteriorating, '
            'insufficient_data, no_data or not_measurable',
        ),
        Column('progress_ratio', 'DOUBLE', 'the ratio r of the progress method when it decided the status, else NULL'),
        Column(
            'required_annual_change', 'DOUBLE',
            'the annual growth g(latest -> target, T - t) still needed to reach the target in time, '
            "percent per year (in the indicator's unit per year where the latest value is 0); for a "
            'per-year indicator the yearly value needed in each remaining year for the phase mean to '
            'reach the target; NULL once the target year has complete data',
        ),
        Column(
            'projected_value', 'DOUBLE',
            'the value in the target year if the pace g(baseline -> latest) goes on (for a per-year '
            'indicator, the mean so far); NULL once the target year has complete data or without a pace',
        ),
        Column(
            'crosses_merger', 'BOOLEAN',
            "the values compared lie on both sides of the 1 July 2025 reform and the plan's province was "
            'merged (from 2025 the successor, a larger population)',
        ),
        Column(
            'status_reason', 'VARCHAR',
            'the figures behind the status, in words - what each figure is, its year (and months when '
            'incomplete), and whether the series crosses the 2025 merger',
        ),
    ),
    'staging.stg_beneficiaries': (
        Column(
            'province_list', 'VARCHAR',
            'which official list names the province (old = 63 provinces before 1 July 2025, new = 34 '
            'after)',
        ),
        Column('province_code', 'VARCHAR', 'two-digit official code in that list'),
        'province_remapped',
        Column(
            'district', 'VARCHAR',
            'district as written (pre-2025 reports), NULL for province- or commune-only rows',
        ),
        Column(
            'district_key', 'VARCHAR',
            "district name as written, lower case ('' when none); 'Huyện Cao Lãnh' and 'Thành phố Cao "
            "Lãnh' are two districts",
        ),
        Column('commune', 'VARCHAR', 'commune as written, NULL unless commune-level'),
        'commune_key',
        'report_level',
        'year',
        'period_month',
        'is_annual_report',
        Column('group_code', 'VARCHAR', 'beneficiary group (elderly, disabled, children, mental_illness, hiv, other)'),
        'in_difficulty',
        'served',
        'comprehensive',
        Column('case_managed', 'BIGINT', 'counselled, supported or case-managed (stock)', unit='people'),
        'emergency_cases',
        'emergency_assisted',
        'monthly_allowance',
        Column('file_name', 'VARCHAR', 'the file this row comes from'),
        Column('row_number', 'INTEGER', '1-based data row in that file'),
        Column(
            'replaced_by_file', 'VARCHAR',
            'the later file whose annual (or monthly) report replaces this monthly (or annual) row of the'
            ' same unit, year and group; NULL for a row that counts',
        ),
    ),
    'staging.stg_facilities': (
        Column('facility_id', 'VARCHAR', 'stable unit code'),
        Column('year', 'INTEGER', 'snapshot year (the roster is dated 31 December)', unit='year'),
        'name',
        Column(
            'province_list', 'VARCHAR',
            'which official list names the province (old before 1 July 2025, new after)',
        ),
        Column('province_code', 'VARCHAR', 'two-digit official code in that list'),
        'province_remapped',
        'district',
        Column(
            'district_key', 'VARCHAR',
            "district name as written, lower case ('' when none); 'Huyện Cao Lãnh' and 'Thành phố Cao "
            "Lãnh' are two districts",
        ),
        'ownership',
        Column(
            'unit_type', 'VARCHAR',
            'sa_* for social assistance facilities, else drug_rehab, health, education, justice, commune,'
            ' other',
        ),
        'is_social_assistance',
        'capacity',
        'residents',
        'provides_social_work',
        'meets_accessibility',
        'staff_total',
        Column('staff_social_work', 'BIGINT', 'staff assigned to social work', unit='people'),
        'status',
        Column('is_active', 'BOOLEAN', 'status = active; only active units are counted by the indicators'),
        'file_name',
        'row_number',
    ),
    'staging.stg_training': (
        Column('record_id', 'VARCHAR', 'record code'),
        Column(
            'person_key', 'VARCHAR',
            'HMAC-SHA256 of the national ID with the warehouse salt; the ID itself is never stored',
        ),
        'province_list',
        'province_code',
        'province_remapped',
        'facility_id',
        'role',
        'course_level',
        Column('is_degree_course', 'BOOLEAN', 'intermediate or higher (a diploma course, not a short training)'),
        'start_date',
        'end_date',
        Column('year', 'INTEGER', 'year of the end date (a training record is dated at its end date)', unit='year'),
        'completed',
        'file_name',
        'row_number',
    ),
}

MODEL_COLUMNS["intermediate.int_indicator_values"] = MODEL_COLUMNS["marts.indicator_values"]
"""The mart publishes the intermediate model's columns unchanged."""


def model_columns(key: str) -> tuple[Column, ...] | None:
    """The registered columns of SQL model ``schema.name``, in order; None if not registered."""
    entry = MODEL_COLUMNS.get(key)
    if entry is None:
        return None
    return tuple(SHARED[c] if isinstance(c, str) else c for c in entry)


def published_tables() -> dict[str, Table]:
    """Every table the warehouse publishes except the SQL models' (raw, seeds and audit),
    from their registries, by ``schema.name``. Imports pandera (the seeds' schemas)."""
    from models.seeds import RESOLVED_DISTRICT_COLUMNS, RESOLVED_DISTRICT_TYPES, SCHEMAS
    from models.sources import (
        AUDIT_DESCRIPTIONS,
        AUDIT_KEYS,
        AUDIT_TABLES,
        DUCKDB_TYPES,
        SOURCES,
        STATE_DESCRIPTIONS,
        STATE_KEYS,
        STATE_TABLES,
    )
    from pipelines.geo import PROVINCE_COLUMNS, PROVINCES_DESCRIPTION

    def raw(columns) -> tuple[Column, ...]:
        return tuple(Column(c.name, c.duckdb_type, c.description, c.unit, c.comment_suffix) for c in columns)

    tables = {s.table: Table(s.table, s.description, s.raw_key, raw(s.raw_columns)) for s in SOURCES.values()}
    for name, model in SCHEMAS.items():
        schema = model.to_schema()
        cols = tuple(Column(c, DUCKDB_TYPES[spec.dtype.type], spec.description) for c, spec in schema.columns.items())
        if name == "plans":
            cols += tuple(Column(c, DUCKDB_TYPES[RESOLVED_DISTRICT_TYPES[c]], d) for c, d in RESOLVED_DISTRICT_COLUMNS.items())
        unique = tuple(c for c, spec in schema.columns.items() if spec.unique)
        tables[f"seeds.{name}"] = Table(f"seeds.{name}", schema.description, unique[:1], cols)
    tables[CALENDAR.key] = CALENDAR
    tables["seeds.provinces"] = Table(
        "seeds.provinces", PROVINCES_DESCRIPTION, ("province_list", "province_code"),
        tuple(Column(c, t, d) for c, (t, d) in PROVINCE_COLUMNS.items()),
    )
    for table, columns in AUDIT_TABLES.items():
        tables[table] = Table(table, AUDIT_DESCRIPTIONS[table], AUDIT_KEYS[table], raw(columns))
    for table, columns in STATE_TABLES.items():
        tables[table] = Table(table, STATE_DESCRIPTIONS[table], STATE_KEYS[table], raw(columns))
    return tables


CALENDAR = Table(
    "seeds.calendar",
    "The dates the warehouse's rules turn on, from the data model (models/vocabularies.py), one row: "
    "the provincial reform and the national five-year periods. The SQL models join it instead of "
    "writing the dates out.",
    (),
    (
        Column("reform_date", "DATE", "The provincial reform: from this day the 34-province list names the "
               "provinces (docs/contract.md §2.1)."),
        Column("reform_year", "INTEGER", "Year of reform_date: a yearly value (dated 31 December) of this year or "
               "later is dated after the reform.", unit="year"),
        Column("reform_month", "INTEGER", "Month of reform_date: a monthly value of reform_year is dated after the "
               "reform from this month on (its last day).", unit="month"),
        Column("national_period_start", "INTEGER", "First year of the first national five-year period (2011-2015); "
               "the periods follow one another (docs/contract.md §3).", unit="year"),
        Column("national_period_years", "INTEGER", "Length of a national period.", unit="years"),
    ),
)
"""``seeds.calendar``: see :func:`calendar`."""


def calendar():
    """The one row of ``seeds.calendar`` as a polars frame, typed as CALENDAR says."""
    import polars as pl

    from models import vocabularies as vocab

    row = {
        "reform_date": vocab.REFORM_DATE,
        "reform_year": vocab.REFORM_DATE.year,
        "reform_month": vocab.REFORM_DATE.month,
        "national_period_start": vocab.NATIONAL_PERIOD_START,
        "national_period_years": vocab.NATIONAL_PERIOD_YEARS,
    }
    types = {"DATE": pl.Date(), "INTEGER": pl.Int32()}
    return pl.DataFrame([row], schema={c.name: types[c.type] for c in CALENDAR.columns}, orient="row")
