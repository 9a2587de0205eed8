"""ISO 8601 durations, dates and cycles as timers use them, in constant time.

SpiffWorkflow 3.2.0 turns a duration's years and months into days by looping once per month
(`TimerEventDefinition.get_timedelta_from_start`): "P10000000Y" kept a request busy for a minute while
it held the database write lock. These functions give the same results with date arithmetic, whatever
the numbers, and raise `TimerValueError` (never OverflowError or TypeError) for what cannot be a time.
Parsing still uses SpiffWorkflow's parsers, which do no arithmetic.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

MAX_TEXT = 100  # characters of one duration, date or cycle: longer is not a time people write
_CALENDAR = ("years", "months")


class TimerValueError(ValueError):
    """A timer value that is not a valid time, or lies outside the window (`timer_window`).
    `message` is English for diagram checks, `thai` the plain Thai reason shown on a failed request."""

    def __init__(self, message: str, thai: str) -> None:
        super().__init__(message)
        self.message = message
        self.thai = thai


class BeyondCalendarError(TimerValueError):
    """The numbers are valid but the time they reach is past the year 9999."""


@dataclass(frozen=True)
class Cycle:
    """A parsed `R<n>/…` cycle: `repeats` is -1 when unbounded; `first` the first firing."""

    repeats: int
    first: datetime
    every: timedelta


def parse_duration(text: str) -> dict[str, Any]:
    """The parts of an ISO duration ({"months": 6}, {"days": 1.5}, ...). Raises TimerValueError."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise _invalid("duration", text)
    try:
        parsed: dict[str, Any] = TimerEventDefinition.parse_iso_duration(text)
    except Exception as exc:
        raise _invalid("duration", text) from exc
    if not text.strip().upper().startswith("P"):
        raise _invalid("duration", text)
    for part in _CALENDAR:
        if not isinstance(parsed.get(part, 0), int):
            # SpiffWorkflow fails on these at run time (TypeError): refuse them as invalid.
            raise TimerValueError(
                f"{part} in the duration {text!r} must be whole numbers",
                f"จำนวน{'ปี' if part == 'years' else 'เดือน'}ในระยะเวลา {text!r} ต้องเป็นจำนวนเต็ม",
            )
    return parsed


def parse_date(text: str) -> datetime:
    """An ISO date-time (a date alone is midnight; no zone means the server's, as SpiffWorkflow does),
    in UTC. Raises TimerValueError."""
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise _invalid("date", text)
    try:
        value: datetime = TimerEventDefinition.get_datetime(text)
    except Exception as exc:
        raise _invalid("date", text) from exc
    return value


def span_from_start(parsed: dict[str, Any], start: datetime) -> timedelta:
    """What SpiffWorkflow's `get_timedelta_from_start(parsed, start)` returns, without its month loop:
    the months are counted from the first of `start`'s month. Raises TimerValueError."""
    months = parsed.get("years", 0) * 12 + parsed.get("months", 0)
    whole = int(months)
    try:
        base = date(start.year, start.month, 1)
        days: float = (_months_after(base, whole) - base).days
        if months != whole:
            landing = _months_after(base, whole)
            days += (months - whole) * monthrange(landing.year, landing.month)[1]
        return _timedelta(parsed, days)
    except (OverflowError, ValueError) as exc:
        raise _too_far() from exc


def span_to_end(parsed: dict[str, Any], end: datetime) -> timedelta:
    """What SpiffWorkflow's `get_timedelta_from_end(parsed, end)` returns, without its month loop:
    the months are the ones before `end`'s month. Raises TimerValueError."""
    months = parsed.get("years", 0) * 12 + parsed.get("months", 0)
    whole = int(months)
    try:
        base = date(end.year, end.month, 1)
        earlier = _months_after(base, -whole)
        days: float = (base - earlier).days
        if months != whole:
            days += (months - whole) * monthrange(earlier.year, earlier.month)[1]
        return _timedelta(parsed, days)
    except (OverflowError, ValueError) as exc:
        raise _too_far() from exc


def add_duration(start: datetime, text: str) -> datetime:
    """`start` plus an ISO duration such as P3D (months on the calendar). Raises TimerValueError."""
    parsed = parse_duration(text)
    try:
        return start + span_from_start(parsed, start)
    except OverflowError as exc:
        raise _too_far() from exc


def parse_cycle(text: str, now: datetime) -> Cycle:
    """`R<n>/<start>/<duration>`, `R<n>/<duration>/<end>` or `R<n>/<duration>` (first firing one
    duration after `now`), read as SpiffWorkflow's `parse_iso_recurring_interval` reads them.
    Raises TimerValueError."""
    if not isinstance(text, str) or len(text) > MAX_TEXT or not text.strip().upper().startswith("R"):
        raise _invalid("cycle", text)
    parts = text.strip().upper().replace("--", "/").strip("R").split("/")
    if len(parts) not in (2, 3):
        raise _invalid("cycle", text)
    if parts[0] and not parts[0].isdigit():  # "R-5/…" would read as endless
        raise _invalid("cycle", text)
    repeats = int(parts[0]) if parts[0] else -1
    first_part = _date_or_duration(parts[1], text)
    second_part = _date_or_duration(parts[2], text) if len(parts) == 3 else None
    try:
        if isinstance(first_part, datetime) and isinstance(second_part, dict):
            return Cycle(repeats, first_part, span_from_start(second_part, first_part))
        if isinstance(first_part, dict) and isinstance(second_part, datetime):
            every = span_to_end(first_part, second_part)
            return Cycle(repeats, second_part - every, every)
        if isinstance(first_part, dict) and second_part is None:
            every = span_from_start(first_part, now)
            return Cycle(repeats, now + every, every)
    except OverflowError as exc:
        raise _invalid("cycle", text) from exc
    raise _invalid("cycle", text)


def _date_or_duration(part: str, text: str) -> datetime | dict[str, Any]:
    if part.startswith("P"):
        return parse_duration(part)
    try:
        value: datetime = TimerEventDefinition.parse_time_or_duration(part)
    except Exception as exc:
        raise _invalid("cycle", text) from exc
    return value


def _months_after(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _timedelta(parsed: dict[str, Any], days: float) -> timedelta:
    rest = {k: v for k, v in parsed.items() if k not in ("years", "months", "days")}
    return timedelta(days=days + parsed.get("days", 0), **rest)


def _invalid(kind: str, text: Any) -> TimerValueError:
    thai = {"duration": "ระยะเวลา", "date": "วันเวลา", "cycle": "รอบการทำซ้ำ"}[kind]
    shown = text[:MAX_TEXT] if isinstance(text, str) else text
    return TimerValueError(
        f"{shown!r} is not a valid ISO 8601 {kind}", f"{thai} {shown!r} ไม่ใช่รูปแบบ ISO 8601 ที่ถูกต้อง"
    )


def _too_far() -> TimerValueError:
    return BeyondCalendarError("the duration reaches beyond the calendar", "ระยะเวลายาวเกินกว่าปฏิทินจะนับได้")
