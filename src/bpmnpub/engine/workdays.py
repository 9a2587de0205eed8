"""Working days: Monday to Friday in Bangkok, less Thai public holidays (the `holidays` package) and
the closure days an admin adds. Due times counted in working days fall at the office's closing time
(16:30 Bangkok) of the last day counted.

The closures live in the database, which the engine does not know: the services hand a loader in with
`work_calendar(loader)` around an engine call (or a due-time computation), and it is called only when a
working-day time is actually computed, so a call that needs none reads nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from ..thaidate import BANGKOK
from .durations import TimerValueError, add_duration

OFFICE_CLOSES = time(16, 30)
MAX_WORKING_DAYS = 2600  # ten years of working days: the timer window's longest wait


@lru_cache(maxsize=32)
def thai_public_holidays(year: int) -> frozenset[date]:
    """Thai public holidays of one year, with the days in lieu the government announces."""
    import holidays  # 0.3 s to import and 0.2 s for a first year: only when a working day is counted

    return frozenset(holidays.country_holidays("TH", years=year).keys())


@dataclass(frozen=True)
class WorkCalendar:
    """Weekends and Thai public holidays off, and `closures` (dates an admin closed the office)."""

    closures: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in thai_public_holidays(day.year) and day not in self.closures

    def add_working_days(self, start: date | datetime, days: int) -> datetime:
        """The close of the `days`-th working day after `start`'s Bangkok date (0: the close of that day,
        or of the next working day when it is not one). Raises ValueError beyond MAX_WORKING_DAYS."""
        if not 0 <= days <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be between 0 and {MAX_WORKING_DAYS}, not {days}")
        day = start.astimezone(BANGKOK).date() if isinstance(start, datetime) else start
        if days == 0:
            while not self.is_working_day(day):
                day += timedelta(days=1)
        for _ in range(days):
            day += timedelta(days=1)
            while not self.is_working_day(day):
                day += timedelta(days=1)
        return datetime.combine(day, OFFICE_CLOSES, tzinfo=BANGKOK)


HOLIDAYS_ONLY = WorkCalendar()
_loader: ContextVar[Callable[[], WorkCalendar] | None] = ContextVar("bpmnpub_work_calendar", default=None)
_loaded: ContextVar[WorkCalendar | None] = ContextVar("bpmnpub_work_calendar_loaded", default=None)


@contextmanager
def work_calendar(loader: Callable[[], WorkCalendar]) -> Iterator[None]:
    """Within the block, working days use the calendar `loader` gives (called at most once)."""
    tokens = (_loader.set(loader), _loaded.set(None))
    try:
        yield
    finally:
        _loader.reset(tokens[0])
        _loaded.reset(tokens[1])


def current_calendar() -> WorkCalendar:
    """The calendar of the block in progress; outside one, public holidays only."""
    found = _loaded.get()
    if found is None:
        loader = _loader.get()
        found = loader() if loader is not None else HOLIDAYS_ONLY
        if loader is not None:
            _loaded.set(found)
    return found


def parse_working_days(text: str | None) -> int | None:
    """A `dueInWorkingDays` value: "3" or "3WD" (whole working days, 0 to MAX_WORKING_DAYS; 0 is the
    close of the start day, for a due date taken from the data); None when absent. Raises ValueError."""
    if text is None or not str(text).strip():
        return None
    value = str(text).strip().upper().removesuffix("WD")
    if not value.isdigit() or not 0 <= int(value) <= MAX_WORKING_DAYS:
        raise ValueError(
            f"{text!r} is not a number of working days (write 3 or 3WD, 0 to {MAX_WORKING_DAYS})"
        )
    return int(value)


def task_due_at(
    due_in: str | None, working_days: int | None, due_from: str | None, data: Mapping[str, Any], now: datetime
) -> datetime | None:
    """When a task that arrives `now` is due: `working_days` (on the current calendar) or the ISO
    duration `due_in` (calendar days), counted from the date in `data[due_from]` when the diagram says
    so and the form gave a date, else from `now`. None when the task has no due time (or a bad one)."""
    start: datetime = now
    if due_from:
        given = _date_in(data.get(due_from))
        if given is not None:
            start = datetime.combine(given, OFFICE_CLOSES, tzinfo=BANGKOK)
    if working_days is not None:
        return current_calendar().add_working_days(start, working_days)
    if due_in:
        try:
            return add_duration(start, due_in)
        except TimerValueError:
            return None
    return None


def _date_in(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None
