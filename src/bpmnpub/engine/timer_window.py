"""The window every timer must fall in: checked on literals at deploy and on values from data at run time.

A timer outside it can only hurt: a duration of 8 000 years overflows the calendar, a date before 2000
fires at once for nothing, a cycle of zero seconds fires on every engine pass forever, and a cycle
faster than the worker's pass fires late on every pass. Each check raises `TimerValueError` with an
English message (diagram checks, beside the others) and a plain Thai reason (a failed request).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .durations import (
    BeyondCalendarError,
    Cycle,
    TimerValueError,
    parse_cycle,
    parse_date,
    parse_duration,
    span_from_start,
)

MAX_YEARS_AHEAD = 10
# Ten calendar years from any day are 3 652 or 3 653 days: one fixed span, whatever the start.
MAX_SPAN = timedelta(days=3653)
EARLIEST_DATE = datetime(2000, 1, 1, tzinfo=UTC)
# The default of the WORKER_INTERVAL setting: a faster cycle fires late on every pass. The services
# build their engine with the setting itself (services/kernel/context.py).
DEFAULT_MIN_CYCLE = timedelta(seconds=30)
MAX_REPEATS = 1000  # R<n>: more firings than this is a loop, not a schedule


@dataclass(frozen=True)
class TimerWindow:
    """What a timer may say; `min_cycle` is the worker's pass (no cycle may be faster)."""

    min_cycle: timedelta = DEFAULT_MIN_CYCLE

    def duration(self, text: Any, start: datetime | None = None) -> timedelta:
        """A duration longer than zero and at most ten years, as a span from `start` (months on the
        calendar). Raises TimerValueError."""
        parsed = parse_duration(_text(text, "duration"))
        span = self._span(parsed, text, start or EARLIEST_DATE)
        if span <= timedelta(0):
            raise TimerValueError(
                f"the duration {_shown(text)} must be longer than zero",
                f"ระยะเวลา {_shown(text)} ต้องมากกว่าศูนย์",
            )
        return span

    def date(self, text: Any, now: datetime | None) -> datetime:
        """A date from 2000 on and, when `now` is known, at most ten years after it.
        Raises TimerValueError."""
        value = parse_date(_text(text, "date"))
        self._check_when(value, text, now)
        return value

    def cycle(self, text: Any, now: datetime | None, *, endless: bool) -> Cycle:
        """A cycle repeating 1 to MAX_REPEATS times (or without end when `endless`), each period at
        least `min_cycle` and at most ten years, starting inside the window. Raises TimerValueError."""
        try:
            cycle = parse_cycle(_text(text, "cycle"), now or EARLIEST_DATE)
        except BeyondCalendarError as exc:
            raise _too_long(text) from exc
        every = _seconds(cycle.every)
        if cycle.every <= timedelta(0):
            raise TimerValueError(
                f"the cycle {_shown(text)} repeats every {every}: the period must be longer than zero",
                f"รอบการทำซ้ำ {_shown(text)} ต้องมีช่วงห่างมากกว่าศูนย์",
            )
        if cycle.every < self.min_cycle:
            raise TimerValueError(
                f"the cycle {_shown(text)} repeats every {every}, faster than the timer worker's pass "
                f"({_seconds(self.min_cycle)}); make the period at least that long",
                f"รอบการทำซ้ำ {_shown(text)} ถี่กว่ารอบการทำงานของระบบจับเวลา "
                f"({int(self.min_cycle.total_seconds())} วินาที)",
            )
        if cycle.every > MAX_SPAN:
            raise _too_long(text)
        if cycle.repeats == 0 or cycle.repeats > MAX_REPEATS:
            raise TimerValueError(
                f"the cycle {_shown(text)} must repeat from 1 to {MAX_REPEATS} times",
                f"รอบการทำซ้ำ {_shown(text)} ต้องทำซ้ำ 1 ถึง {MAX_REPEATS} ครั้ง",
            )
        if cycle.repeats < 0 and not endless:
            raise TimerValueError(
                f"the cycle {_shown(text)} repeats without end; here every repetition starts the rest of the "
                f"process again: say how many times (R3/…)",
                f"รอบการทำซ้ำ {_shown(text)} ไม่มีที่สิ้นสุด ต้องระบุจำนวนครั้ง เช่น R3/…",
            )
        self._check_when(cycle.first, text, now)
        return cycle

    def _span(self, parsed: dict[str, Any], text: Any, start: datetime) -> timedelta:
        # Refuse on the months alone first: the arithmetic is constant time, but the calendar ends.
        if parsed.get("years", 0) * 12 + parsed.get("months", 0) > MAX_YEARS_AHEAD * 12:
            raise _too_long(text)
        try:
            span = span_from_start(parsed, start)
        except TimerValueError as exc:
            raise _too_long(text) from exc
        if span > MAX_SPAN:
            raise _too_long(text)
        return span

    def _check_when(self, value: datetime, text: Any, now: datetime | None) -> None:
        if value < EARLIEST_DATE:
            raise TimerValueError(
                f"the timer date in {_shown(text)} is before the year 2000",
                f"วันเวลาของตัวจับเวลา {_shown(text)} อยู่ก่อนปี ค.ศ. 2000 (พ.ศ. 2543)",
            )
        if now is not None and value > now + span_from_start({"years": MAX_YEARS_AHEAD}, now):
            raise TimerValueError(
                f"the timer date in {_shown(text)} is more than {MAX_YEARS_AHEAD} years ahead",
                f"วันเวลาของตัวจับเวลา {_shown(text)} เกิน {MAX_YEARS_AHEAD} ปีข้างหน้า",
            )


def _text(value: Any, kind: str) -> str:
    if not isinstance(value, str):
        thai = {"duration": "ระยะเวลา", "date": "วันเวลา", "cycle": "รอบการทำซ้ำ"}[kind]
        raise TimerValueError(
            f'the timer {kind} must be an ISO 8601 text such as "P14D", got {_shown(value)}',
            f'{thai}ของตัวจับเวลาต้องเป็นข้อความรูปแบบ ISO 8601 เช่น "P14D" แต่ได้ {_shown(value)}',
        )
    return value.strip()


def _too_long(text: Any) -> TimerValueError:
    return TimerValueError(
        f"{_shown(text)} spans more than {MAX_YEARS_AHEAD} years",
        f"ระยะเวลา {_shown(text)} ยาวเกิน {MAX_YEARS_AHEAD} ปี",
    )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _seconds(span: timedelta) -> str:
    return f"{span.total_seconds():g} s"


DEFAULT_WINDOW = TimerWindow()
