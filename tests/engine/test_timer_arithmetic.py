"""Duration arithmetic in constant time: the same due times as SpiffWorkflow's month loop for sane
values, and an answer at once (never a minute of CPU, never an OverflowError) for hostile ones."""

from __future__ import annotations

import time
from calendar import monthrange
from datetime import UTC, datetime, timedelta, timezone
from itertools import product
from typing import Any

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition as Stock

from bpmnpub.engine import add_duration, next_occurrence
from bpmnpub.engine.clock import engine_time
from bpmnpub.engine.durations import (
    TimerValueError,
    parse_cycle,
    parse_duration,
    span_from_start,
    span_to_end,
)

BANGKOK = timezone(timedelta(hours=7))
DURATIONS = [
    "P1D",
    "P1M",
    "P2M",
    "P6M",
    "P11M",
    "P1Y",
    "P1Y1M",
    "P2Y6M15D",
    "P3Y",
    "P4Y",
    "P7Y11M",
    "P10Y",
    "P120M",
    "P0Y0M3D",
    "P1MT12H",
    "P1W",
    "P2W",
    "P1.5W",
    "P30D",
    "P1.5D",
    "P3652D",
    "PT1H",
    "PT90M",
    "PT1.5S",
    "P1DT2H3M4S",
    "P1M2DT0.5S",
    "PT0S",
]


def _starts() -> list[datetime]:
    """Every month of 2000-2040 on the 1st, the 15th, the 28th and its last day (29 February
    included), at a time of day, in UTC and in Bangkok: about 3 900 starts."""
    starts = []
    for year, month, zone in product(range(2000, 2041), range(1, 13), (UTC, BANGKOK)):
        for day in sorted({1, 15, 28, monthrange(year, month)[1]}):
            starts.append(datetime(year, month, day, 9, 30, tzinfo=zone))
    return starts


STARTS = _starts()


@pytest.mark.parametrize("text", DURATIONS)
def test_from_a_start_equals_the_stock_month_loop(text: str) -> None:
    parsed = parse_duration(text)
    for start in STARTS:
        assert span_from_start(parsed, start) == Stock.get_timedelta_from_start(dict(parsed), start), start


@pytest.mark.parametrize("text", DURATIONS)
def test_back_from_an_end_equals_the_stock_month_loop(text: str) -> None:
    parsed = parse_duration(text)
    for end in STARTS:
        assert span_to_end(parsed, end) == Stock.get_timedelta_from_end(dict(parsed), end), end


def test_add_duration_counts_months_as_the_engine_always_did() -> None:
    assert add_duration(datetime(2026, 1, 31, tzinfo=UTC), "P1M") == datetime(2026, 3, 3, tzinfo=UTC)
    # A year from 29 February is the twelve months from February's first: 366 days.
    assert add_duration(datetime(2028, 2, 29, tzinfo=UTC), "P1Y") == datetime(2029, 3, 1, tzinfo=UTC)
    assert add_duration(datetime(2026, 11, 16, tzinfo=UTC), "P3D") == datetime(2026, 11, 19, tzinfo=UTC)
    assert add_duration(datetime(2026, 11, 16, tzinfo=UTC), "soon") is None


@pytest.mark.parametrize(
    "text",
    [
        "R/2026-04-01T09:00:00+07:00/P6M",
        "R4/2026-04-01T09:00:00+07:00/P1M",
        "R/2025-12-31T00:00:00+00:00/P1Y2M",
        "R3/P1D/2027-01-01T00:00:00+00:00",
        "R/P2M/2027-03-31T12:00:00+07:00",
        "R5/PT1H",
        "R/P1M",
    ],
)
def test_cycles_are_read_as_the_stock_reader_does(text: str) -> None:
    now = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
    with engine_time(now):  # the stock reader starts "R/<duration>" cycles at its wall clock: ours
        repeats, first, every = Stock.parse_iso_recurring_interval(text)
    cycle = parse_cycle(text, now)
    assert (cycle.repeats, cycle.first, cycle.every) == (repeats, first, every)


HOSTILE = ["P10000000Y", "P99999999Y", "P8000Y", "P" + "9" * 60 + "M", "P999999999999D", "PT99999999999999H"]


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.usefixtures("quiet_gc")  # a CPU-time bound: tests/conftest.py
def test_hostile_durations_answer_at_once(text: str) -> None:
    start = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
    began = time.thread_time()  # CPU time: immune to a loaded machine
    with pytest.raises(TimerValueError) as refused:
        start + span_from_start(parse_duration(text), start)
    elapsed = time.thread_time() - began
    assert elapsed < 0.05, f"{text}: {elapsed:.3f} s"  # the stock loop took about a minute on P10000000Y
    assert refused.value.thai  # a reason a person can read
    assert add_duration(start, text) is None


@pytest.mark.parametrize("text", ["P1.5Y", "P0.5M", "x", "PT", "-P1D", "P1D" * 40, 5, None])
def test_what_is_not_a_duration_is_refused_with_a_reason(text: Any) -> None:
    # The stock loop raised TypeError on fractional months (a 500): refused here, with a reason.
    with pytest.raises(TimerValueError) as refused:
        parse_duration(text)
    assert refused.value.message and refused.value.thai


@pytest.mark.usefixtures("quiet_gc")  # a CPU-time bound: tests/conftest.py
def test_a_schedule_of_a_fixed_period_jumps_to_its_next_time_at_once() -> None:
    # From 2000 in steps of 30 s, 2026 is 27 million steps away: stepping gave up (None) before.
    began = time.thread_time()  # CPU time: immune to a loaded machine
    after = datetime(2026, 11, 16, 2, 0, 10, tzinfo=UTC)
    found = next_occurrence('"R/2000-01-01T00:00:00+00:00/PT30S"', after)
    assert time.thread_time() - began < 0.05
    assert found == datetime(2026, 11, 16, 2, 0, 30, tzinfo=UTC)
    # R2 from midnight: midnight, then two repeats (01:00, 02:00), as the scheduler always counted.
    assert next_occurrence('"R2/2026-11-16T00:00:00+00:00/PT1H"', after) is None
    assert next_occurrence('"R2/2026-11-16T00:00:00+00:00/PT1H"', datetime(2026, 11, 16, 1, tzinfo=UTC)) == (
        datetime(2026, 11, 16, 2, tzinfo=UTC)
    )


def test_the_six_monthly_schedule_still_steps_on_the_calendar() -> None:
    cycle = '"R/2026-04-01T09:00:00+07:00/P6M"'
    assert next_occurrence(cycle, datetime(2026, 4, 1, 2, 0, tzinfo=UTC)) == datetime(
        2026, 10, 1, 9, tzinfo=BANGKOK
    )
    assert next_occurrence(cycle, datetime(2036, 1, 1, tzinfo=UTC)) == datetime(2036, 4, 1, 9, tzinfo=BANGKOK)
