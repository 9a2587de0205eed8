"""Thai calendar helpers: Buddhist era (พ.ศ. = ค.ศ. + 543), fiscal years (1 Oct - 30 Sep, named by the
BE year they end in), Thai digits. No dependencies: used by services and web alike."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any

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

# English pages keep the Buddhist-era year the whole office counts in (fiscal year 2570 B.E.), with the
# month in English: "8 Dec 2569", not "8 ธ.ค. 2569" on a page that is otherwise English.
MONTHS_SHORT_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def local_date(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return value.astimezone(BANGKOK).date() if value.tzinfo else value.date()
    return value


def be_year(value: datetime | date | int) -> int:
    """The Buddhist-era year of a moment (in Bangkok) or of a C.E. year: 2026 -> 2569."""
    return (value if isinstance(value, int) else local_date(value).year) + BE_OFFSET


def ce_year(be: int) -> int:
    """The C.E. year of a Buddhist-era year: 2569 -> 2026."""
    return be - BE_OFFSET


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)


def input_date(iso: Any) -> str:
    """`2026-01-15` -> `15/01/2569` (B.E.), the value of a date input. Anything else is returned as text,
    so a value the user typed wrongly is shown back as typed."""
    if iso is None:
        return ""
    if isinstance(iso, date):
        return f"{iso.day:02d}/{iso.month:02d}/{be_year(iso.year)}"
    text = str(iso)
    match = _ISO_DATE.fullmatch(text)
    if not match:
        return text
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return text
    return input_date(day)


def day_start(day: date) -> datetime:
    """Midnight in Bangkok at the start of `day`."""
    return datetime.combine(day, datetime.min.time(), tzinfo=BANGKOK)


def fiscal_year(value: datetime | date) -> int:
    """The BE fiscal year a moment falls in: 1 Oct 2025 - 30 Sep 2026 is fiscal year 2569."""
    day = local_date(value)
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_year_start(fiscal_year_be: int) -> datetime:
    """Midnight in Bangkok on 1 October that opens the fiscal year (2569 -> 1 Oct 2025)."""
    return datetime(fiscal_year_be - BE_OFFSET - 1, 10, 1, tzinfo=BANGKOK)


def thai_digits(text: str) -> str:
    return text.translate(THAI_DIGITS)


def format_date(
    value: datetime | date | None, *, long: bool = False, digits: str = "arabic", english: bool = False
) -> str:
    """15 ม.ค. 2569 (or ๑๕ มกราคม ๒๕๖๙ with long=True, digits="thai"; 15 Jan 2569 with english=True)."""
    if value is None:
        return ""
    day = local_date(value)
    if english:
        months = MONTHS_LONG_EN if long else MONTHS_SHORT_EN
    else:
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


def format_time(value: datetime) -> str:
    """09:05 (office time)."""
    local = value.astimezone(BANGKOK) if value.tzinfo else value
    return f"{local:%H:%M}"


def format_datetime(value: datetime | None, *, digits: str = "arabic", english: bool = False) -> str:
    """15 ม.ค. 2569 09:05 น. (office time; 15 Jan 2569 09:05 with english=True)."""
    if value is None:
        return ""
    local = value.astimezone(BANGKOK) if value.tzinfo else value
    if english:
        return f"{format_date(local, english=True)} {local:%H:%M}"
    text = f"{format_date(local)} {local:%H:%M} น."
    return thai_digits(text) if digits == "thai" else text
