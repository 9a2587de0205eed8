"""Thai calendar helpers: Buddhist era (พ.ศ. = ค.ศ. + 543), fiscal years (1 Oct - 30 Sep, named by the
BE year they end in), Thai digits. No dependencies: used by services and web alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

BANGKOK = timezone(timedelta(hours=7), "Asia/Bangkok")
BE_OFFSET = 543
THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
MONTHS_LONG = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)


def local_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return value.astimezone(BANGKOK).date() if value.tzinfo else value.date()
    return value


def fiscal_year(value: datetime | date) -> int:
    """The BE fiscal year a moment falls in: 1 Oct 2025 - 30 Sep 2026 is fiscal year 2569."""
    day = local_date(value)
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_year_start(fiscal_year_be: int) -> datetime:
    """Midnight in Bangkok on 1 October that opens the fiscal year (2569 -> 1 Oct 2025)."""
    return datetime(fiscal_year_be - BE_OFFSET - 1, 10, 1, tzinfo=BANGKOK)


def thai_digits(text: str) -> str:
    return text.translate(THAI_DIGITS)


def format_date(value: datetime | date | None, *, long: bool = False, digits: str = "arabic") -> str:
    """15 ม.ค. 2569 (or ๑๕ มกราคม ๒๕๖๙ with long=True, digits="thai")."""
    if value is None:
        return ""
    day = local_date(value)
    months = MONTHS_LONG if long else MONTHS_SHORT
    text = f"{day.day} {months[day.month - 1]} {day.year + BE_OFFSET}"
    return thai_digits(text) if digits == "thai" else text


def previous_half_year(now: datetime) -> tuple[date, date]:
    """The last complete half of a fiscal year before `now`: Oct-Mar or Apr-Sep (inclusive dates)."""
    today = local_date(now)
    if 4 <= today.month <= 9:
        return date(today.year - 1, 10, 1), date(today.year, 3, 31)
    year = today.year if today.month >= 10 else today.year - 1
    return date(year, 4, 1), date(year, 9, 30)


def format_datetime(value: datetime | None, *, digits: str = "arabic") -> str:
    """15 ม.ค. 2569 09:05 น. (office time)."""
    if value is None:
        return ""
    local = value.astimezone(BANGKOK) if value.tzinfo else value
    text = f"{format_date(local)} {local:%H:%M} น."
    return thai_digits(text) if digits == "thai" else text
