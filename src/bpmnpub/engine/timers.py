"""Durations and cycles as the diagrams write them (ISO 8601), for due dates and schedules."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from . import durations, sandbox

_MAX_STEPS = 10_000


def add_duration(start: datetime, iso_duration: str) -> datetime | None:
    """`start` plus an ISO duration such as P3D (months counted on the calendar); None when invalid."""
    try:
        return durations.add_duration(start, iso_duration)
    except durations.TimerValueError:
        return None


def next_occurrence(cycle_expression: str, after: datetime) -> datetime | None:
    """The first time of a start-timer cycle (`"R/2026-04-01T09:00:00+07:00/P6M"`) strictly after
    `after`, stepping on the calendar (1 Apr, 1 Oct, 1 Apr ... never drifting); None when it has ended."""
    try:
        value = sandbox.evaluate(cycle_expression, {})
        repeat, start_text, duration_text = str(value).strip().split("/")
        cycles = int(repeat[1:]) if repeat[1:] else -1
        current = durations.parse_date(start_text)
        duration = durations.parse_duration(duration_text)
        if current > after:
            return current
        if "years" not in duration and "months" not in duration:
            # A fixed period: jump straight to the first occurrence after `after` (no stepping).
            step = durations.span_from_start(duration, current)
            if step <= timedelta(0):
                return None
            steps = math.floor((after - current) / step) + 1
            if 0 <= cycles < steps:
                return None
            return current + step * steps
        for _ in range(_MAX_STEPS):  # calendar months: at least one month a step, so few steps
            if current > after:
                return current
            if cycles == 0:
                return None
            step = durations.span_from_start(duration, current)
            if step <= timedelta(0):
                return None
            current, cycles = current + step, cycles - 1
    except (ValueError, OverflowError, sandbox.SandboxError):
        return None
    return None
