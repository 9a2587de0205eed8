"""Durations and cycles as the diagrams write them (ISO 8601), for due dates and schedules."""

from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from . import sandbox

_MAX_STEPS = 10_000


def add_duration(start: datetime, iso_duration: str) -> datetime | None:
    """`start` plus an ISO duration such as P3D (months counted on the calendar); None when invalid."""
    try:
        parsed = TimerEventDefinition.parse_iso_duration(iso_duration)
        due: datetime = start + TimerEventDefinition.get_timedelta_from_start(parsed, start)
    except Exception:
        return None
    return due


def next_occurrence(cycle_expression: str, after: datetime) -> datetime | None:
    """The first time of a start-timer cycle (`"R/2026-04-01T09:00:00+07:00/P6M"`) strictly after
    `after`, stepping on the calendar (1 Apr, 1 Oct, 1 Apr ... never drifting); None when it has ended."""
    try:
        value = sandbox.evaluate(cycle_expression, {})
        repeat, start_text, duration_text = str(value).strip().split("/")
        cycles = int(repeat[1:]) if repeat[1:] else -1
        current: datetime = TimerEventDefinition.get_datetime(start_text)
        duration = TimerEventDefinition.parse_iso_duration(duration_text)
    except Exception:
        return None
    for _ in range(_MAX_STEPS):
        if current > after:
            return current
        if cycles == 0:
            return None
        step = TimerEventDefinition.get_timedelta_from_start(dict(duration), current)
        if step.total_seconds() <= 0:
            return None
        current, cycles = current + step, cycles - 1
    return None
