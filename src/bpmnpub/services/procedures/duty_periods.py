"""The periods of recurring duties and their due dates: plain date arithmetic, no database.

Periods follow the fiscal year (1 October): months, quarters (Oct–Dec, Jan–Mar, Apr–Jun, Jul–Sep),
halves (Oct–Mar, Apr–Sep) and the year. A duty is due at the office's closing time of the period's
`n`-th working day (weekends, Thai public holidays and the office's closure days skipped).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from ...engine import WorkCalendar
from ...thaidate import BANGKOK, BE_OFFSET, MONTHS_LONG

FREQUENCIES = ("monthly", "quarterly", "semiannual", "yearly")
# The programme's other choices ("once", "on_change") make no duty.
DEFAULT_DUE_WORKDAYS = {"monthly": 10, "quarterly": 15, "semiannual": 30, "yearly": 30}
# A due day always falls inside its period (April has 18 working days with Songkran).
MAX_DUE_WORKDAYS = {"monthly": 15, "quarterly": 45, "semiannual": 90, "yearly": 180}
_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_of(frequency: str, day: date) -> tuple[date, date]:
    """(first day, day after the last) of the period of `frequency` that `day` falls in."""
    months = _MONTHS[frequency]
    # months counted from 1 October, so every period starts on a fiscal boundary
    since_october = (day.month - 10) % 12
    start = _add_months(date(day.year, day.month, 1), -(since_october % months))
    return start, _add_months(start, months)


def periods_from(frequency: str, first: date, last: date) -> list[tuple[date, date]]:
    """Every period from the one `first` falls in to the one `last` falls in."""
    out: list[tuple[date, date]] = []
    start, end = period_of(frequency, first)
    while start <= last:
        out.append((start, end))
        start, end = end, _add_months(end, _MONTHS[frequency])
    return out


def due_at(period_start: date, workdays: int, calendar: WorkCalendar) -> datetime:
    """The close (16:30 Bangkok, as UTC) of the period's `workdays`-th working day."""
    first = calendar.add_working_days(period_start, 0)
    return calendar.add_working_days(first, workdays - 1).astimezone(UTC)


def local_midnight(day: date) -> datetime:
    """The first moment of a Bangkok day, as UTC (a period's bounds for timestamps)."""
    return datetime.combine(day, time(0), tzinfo=BANGKOK).astimezone(UTC)


def today(now: datetime) -> date:
    return now.astimezone(BANGKOK).date()


def label(frequency: str, period_start: date) -> str:
    """The period as people say it: "เมษายน 2569", "ไตรมาส 3 ปีงบประมาณ 2569", "ครึ่งปีหลัง
    ปีงบประมาณ 2569", "ปีงบประมาณ 2569" (Buddhist era; fiscal years by the year they end in)."""
    fiscal = period_start.year + BE_OFFSET + (1 if period_start.month >= 10 else 0)
    if frequency == "monthly":
        return f"{MONTHS_LONG[period_start.month - 1]} {period_start.year + BE_OFFSET}"
    if frequency == "quarterly":
        return f"ไตรมาส {(period_start.month - 10) % 12 // 3 + 1} ปีงบประมาณ {fiscal}"
    if frequency == "semiannual":
        half = "ครึ่งปีแรก" if period_start.month == 10 else "ครึ่งปีหลัง"
        return f"{half} ปีงบประมาณ {fiscal}"
    return f"ปีงบประมาณ {fiscal}"


def remind_from(due: datetime) -> datetime:
    """When the group hears that a duty is coming due: three days before."""
    return due - timedelta(days=3)
