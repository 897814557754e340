"""Reports officials read: the XLSX scorecard, the static HTML report (and its PDF
print) and the end-of-run text summary.

Every report is a pure function of a DuckDB connection to the warehouse (it only
reads, through ``pipelines.reports.queries``) and, for files, an output path. This
module holds what they share: the Vietnamese labels and colours of each status, units,
phases and dates as an official reads them, and numbers in Vietnamese style
(``34.363``, ``45,2``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from models.vocabularies import REFORM_DATE, STATUSES
from models.vocabularies import TONE_COLOURS as TONE_COLOURS  # re-exported for the report modules

# Status codes of marts.target_vs_actual (docs/contract.md §4) in reading order, their
# Vietnamese labels and colour families (tones), and each tone's colours: the data
# model's (models/vocabularies.py).
STATUS_ORDER: tuple[str, ...] = STATUSES.codes
STATUS_LABELS_VI: dict[str, str] = {s.code: s.label_vi for s in STATUSES.terms}
STATUS_TONES: dict[str, str] = {s.code: s.tone for s in STATUSES.terms}

# Columns of a plan's targets table, in the XLSX sheet and the HTML report alike.
TARGET_HEADINGS: tuple[str, ...] = (
    "Chỉ tiêu",
    "Giai đoạn",
    "Năm mục tiêu",
    "Chỉ tiêu đặt ra",
    "Thực hiện",
    "Năm số liệu",
    "Đầu kỳ",
    "Năm đầu kỳ",
    "Tỷ lệ hoàn thành (%)",
    "Đánh giá",
    "Mức tăng cần đạt mỗi năm",
    "Dự báo năm mục tiêu",
    "Ghi chú",
    "Căn cứ",
)

CONFLICT_NOTE = "Chỉ tiêu mâu thuẫn trong văn bản"
SUCCESSOR_NOTE = "Sau 01/07/2025 so sánh với số liệu của tỉnh mới (sau sáp nhập)"
MERGER_MARK = "*"
MERGER_NOTE = (
    "* Số liệu qua thời điểm sáp nhập tỉnh 01/07/2025: đầu kỳ là của tỉnh cũ, số thực hiện là của tỉnh mới "
    "(địa bàn và dân số lớn hơn), nên không so sánh trực tiếp được"
)
REFORM_YEAR = REFORM_DATE.year
STALE_AFTER = timedelta(days=2)
# Vietnam keeps UTC+7 all year.
VN_TZ = timezone(timedelta(hours=7), "ICT")

_COMPARATOR_SYMBOLS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}

# Units as written in the seeds (English codes) -> how an official reads them.
_UNIT_LABELS_VI = {
    "%": "%",
    "percent": "%",
    "people": "người",
    "persons": "người",
    "person": "người",
    "people per year": "người/năm",
    "people/year": "người/năm",
    "people per facility": "người/cơ sở",
    "people/facility": "người/cơ sở",
    "people per unit": "người/đơn vị",
    "facilities": "cơ sở",
    "units": "đơn vị",
    "models": "mô hình",
    "centres": "trung tâm",
    "centers": "trung tâm",
}


def status_label(status: str | None) -> str:
    """Vietnamese label of a status code (the code itself if unknown, '' if NULL)."""
    if status is None:
        return ""
    return STATUS_LABELS_VI.get(status, status)


def status_tone(status: str | None) -> str:
    """Colour family (green, amber, red, grey) of a status code; unknown codes are grey."""
    return STATUS_TONES.get(status or "", "grey")


def unit_label(unit: str | None) -> str:
    """Vietnamese reading of a unit code (``people per year`` -> ``người/năm``)."""
    if unit is None:
        return ""
    return _UNIT_LABELS_VI.get(unit.strip().lower(), unit)


def format_number(value: float | None, decimals: int = 1) -> str:
    """A number in Vietnamese style: ``.`` groups thousands, ``,`` marks decimals,
    at most ``decimals`` decimals and no trailing zeros (``34363`` -> ``34.363``,
    ``45.25`` -> ``45,2`` or ``45,3``, ``50.0`` -> ``50``). NULL/NaN -> ''."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    text = f"{float(value):,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _with_unit(number: str, label: str) -> str:
    return f"{number}{label}" if label == "%" else f"{number} {label}".strip()


def target_text(comparator: str | None, value: float | None, unit: str | None) -> str:
    """The target as written for a reader: ``≥ 50%``, ``≥ 10 mô hình``; '' without a value."""
    if value is None:
        return ""
    symbol = _COMPARATOR_SYMBOLS.get(comparator or "", comparator or "")
    return f"{symbol} {_with_unit(format_number(value, decimals=2), unit_label(unit))}".strip()


def value_text(value: float | None, unit: str | None) -> str:
    """A measured value with its unit: ``45,2%``, ``34.363 người``; '' when NULL."""
    if value is None:
        return ""
    return _with_unit(format_number(value), unit_label(unit))


def annual_change_unit(actual: float | None, unit: str | None) -> str:
    """Unit of ``required_annual_change``: percent per year where the growth is compound
    (from a non-zero value), the indicator's unit per year where it is linear (from 0;
    percentage points for a percentage). See docs/contract.md §4."""
    label = unit_label(unit)
    if actual is not None and actual != 0:
        return "%/năm"
    if label == "%":
        return "điểm %/năm"
    return f"{label} mỗi năm" if label.endswith("/năm") else f"{label}/năm".lstrip("/")


def annual_change_text(change: float | None, actual: float | None, unit: str | None) -> str:
    """``+5,2%/năm``, ``+3 điểm %/năm``; '' when NULL."""
    if change is None:
        return ""
    sign = "+" if change > 0 else ""
    label = annual_change_unit(actual, unit)
    return f"{sign}{format_number(change)}{'' if label.startswith('%') else ' '}{label}"


def months_text(months: int | None) -> str:
    """``9 tháng`` for an incomplete year, '' for a complete (12 months) or unknown one."""
    if months is None or months >= 12:
        return ""
    return f"{months} tháng"


def year_text(year: int | None, months: int | None = None) -> str:
    """``2026 (9 tháng)`` for an incomplete year, ``2024`` otherwise, '' when NULL."""
    if year is None:
        return ""
    suffix = months_text(months)
    return f"{year} ({suffix})" if suffix else str(year)


def phase_text(start: int | None, end: int | None) -> str:
    """``2017–2020`` (a single year when start = end, '' when unknown)."""
    if start is None and end is None:
        return ""
    if start is None or end is None or start == end:
        return str(start if start is not None else end)
    return f"{start}–{end}"


def phases_text(phases: str | None) -> str:
    """The phases of a plan as written in seeds.plans (``2019-2020;2021-2025``) read the
    Vietnamese way: ``2019–2020, 2021–2025``."""
    if not phases:
        return ""
    return ", ".join(p.strip().replace("-", "–") for p in phases.split(";") if p.strip())


def phases_span(phases: str | None) -> str:
    """First to last year of a plan's phases: ``2019–2030`` ('' when unknown)."""
    years = [int(y) for p in (phases or "").split(";") for y in p.strip().split("-") if y.strip().isdigit()]
    return phase_text(min(years), max(years)) if years else ""


def format_date(value: date | datetime | str | None) -> str:
    """A date as ``dd/mm/yyyy``, from a date or an ISO ``yyyy-mm-dd`` text (as the seeds
    hold it); other text is returned as is."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """A moment as ``dd/mm/yyyy HH:MM`` in Vietnam's time (UTC+7); '' when NULL."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(VN_TZ)
    return value.strftime("%d/%m/%Y %H:%M")


def crosses_merger(target: dict[str, Any]) -> bool:
    """The target's actual is the successor province's (after 1 July 2025) while its
    baseline is the old province's: the series crosses the reform."""
    return (
        target.get("geography_basis") == "successor"
        and target.get("actual_year") is not None
        and target["actual_year"] >= REFORM_YEAR
        and target.get("baseline_year") is not None
        and target["baseline_year"] < REFORM_YEAR
    )


def target_note(target: dict[str, Any]) -> str:
    """The Ghi chú of a target: conflict flag, incomplete year, successor basis, the
    seed's Vietnamese note (``note_vi``; the English ``note`` is for engineers)."""
    parts = []
    if target.get("is_conflicting"):
        parts.append(CONFLICT_NOTE)
    months = months_text(target.get("actual_months"))
    if months:
        parts.append(f"Số liệu năm {target['actual_year']} mới có {months}")
    if crosses_merger(target):
        parts.append(MERGER_NOTE)
    elif target.get("geography_basis") == "successor":
        parts.append(SUCCESSOR_NOTE)
    if target.get("note_vi"):
        parts.append(str(target["note_vi"]))
    return "; ".join(parts)


def plan_document(plan: dict[str, Any]) -> str:
    """The plan's document reference: ``60/KH-UBND, ngày 06/07/2017`` ('' if neither is known)."""
    parts = [plan.get("document_number") or ""]
    if plan.get("document_date") is not None:
        parts.append(f"ngày {format_date(plan['document_date'])}")
    return ", ".join(p for p in parts if p)


def plan_area(plan: dict[str, Any]) -> str:
    """Where a plan applies: ``Thị xã Bến Cát, Bình Dương`` or ``Cà Mau``."""
    names = [plan.get("district_name"), plan.get("province_name")]
    return ", ".join(str(n) for n in names if n)


def plan_short_name(plan: dict[str, Any]) -> str:
    """``Cà Mau 2017–2030``: a plan's district (else province) and the years of its
    phases, as its scorecard sheet and the run summary name it (its plan_id when neither
    is known)."""
    area = plan.get("district_name") or plan.get("province_name") or ""
    return f"{area} {phases_span(plan.get('phases'))}".strip() or str(plan["plan_id"])


def status_counts(targets: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Number of targets per status code, every code of STATUS_ORDER present (0 if none);
    unknown codes are counted under their own name."""
    counts = dict.fromkeys(STATUS_ORDER, 0)
    for t in targets:
        counts[t["status"]] = counts.get(t["status"], 0) + 1
    return counts


# Vietnamese labels of the codes the warehouse uses (docs/contract.md §2–4).
CHECK_LABELS_VI = {
    "level_difference": "Báo cáo cấp tỉnh khác tổng cấp huyện/xã",
    "level_switch": "Đổi cấp báo cáo trong năm",
    "annual_monthly_overlap": "Trùng báo cáo năm và báo cáo tháng",
    "incomplete_latest_month": "Đơn vị thiếu báo cáo tháng cuối",
    "units_missing_latest_month": "Đơn vị thiếu báo cáo tháng cuối",
    "empty_cells": "Ô trống không được tính",
    "unknown_role": "Học viên không rõ đối tượng",
    "unknown_unit": "Học viên không rõ đơn vị",
    "yoy_outlier": "Biến động bất thường so với năm trước",
    "pct_over_100": "Tỷ lệ vượt 100%",
    "province_remapped": "Tên tỉnh cũ sau sáp nhập",
    "rejected_rows": "Tệp có dòng bị loại",
}
SEVERITY_LABELS_VI = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}
GEOGRAPHY_LABELS_VI = {"as_reported": "Theo tỉnh khi báo cáo", "current": "Theo 34 tỉnh hiện nay"}
PROVINCE_LIST_LABELS_VI = {"old": "63 tỉnh (trước 01/07/2025)", "new": "34 tỉnh (từ 01/07/2025)"}
SOURCE_LABELS_VI = {
    "beneficiaries": "Đối tượng trợ giúp",
    "facilities": "Cơ sở",
    "training": "Đào tạo",
    "indicators": "Chỉ số",
    "not_ingested": "Chưa có nguồn số liệu",
}
DIRECTION_LABELS_VI = {"increase": "Tăng là tốt", "decrease": "Giảm là tốt", "up": "Tăng là tốt", "down": "Giảm là tốt"}
MEASURE_LABELS_VI = {
    "percentage": "Tỷ lệ",
    "ratio": "Tỷ lệ",
    "count": "Số lượng",
    "per_year": "Bình quân mỗi năm",
    "average": "Bình quân",
}


def label_vi(labels: dict[str, str], code: Any) -> Any:
    """The Vietnamese label of ``code`` in ``labels``; an unknown code (or NULL) as it is."""
    return labels.get(code, code) if isinstance(code, str) else code


@dataclass(frozen=True)
class Freshness:
    """How recent a report's data is: the latest year of the data and its months
    reported (9 = known up to September; NULL when the warehouse does not say), when
    the last successful build was published (NULL: never), and the moment the report
    was written, which decides whether the build is stale."""

    data_year: int | None
    data_months: int | None
    built_at: datetime | None
    now: datetime

    @property
    def stale(self) -> bool:
        """No successful build, or the last one is more than two days old."""
        return self.built_at is None or self.now - self.built_at > STALE_AFTER

    def data_text(self) -> str:
        """``Số liệu đến tháng 9/2026`` (or ``năm 2026`` when the months are unknown)."""
        if self.data_year is None:
            return "Chưa có số liệu"
        if self.data_months is None:
            return f"Số liệu đến năm {self.data_year}"
        return f"Số liệu đến tháng {self.data_months}/{self.data_year}"

    def build_text(self) -> str:
        """``Cập nhật lần cuối (lần dựng thành công gần nhất): 01/12/2026 06:00 (giờ Việt Nam)``."""
        if self.built_at is None:
            return "Chưa có lần dựng kho dữ liệu nào thành công"
        return f"Cập nhật lần cuối (lần dựng thành công gần nhất): {format_datetime(self.built_at)} (giờ Việt Nam)"

    def warning_text(self) -> str:
        """The stale-build warning ('' when the build is recent)."""
        if not self.stale:
            return ""
        if self.built_at is None:
            return "CẢNH BÁO: kho dữ liệu chưa được dựng thành công lần nào."
        days = (self.now - self.built_at).days
        return (
            f"CẢNH BÁO: lần dựng thành công gần nhất đã cách đây {days} ngày (quá 2 ngày). "
            "Số liệu có thể chưa được cập nhật: cần kiểm tra việc chạy hằng đêm."
        )

    def lines(self) -> list[str]:
        """The lines every report shows: data date, build date and, if any, the warning."""
        return [line for line in (self.data_text(), self.build_text(), self.warning_text()) if line]
