"""Timers cannot hurt the office: literals outside the window are refused at deploy (element and
line), values from data fail their step fast with a Thai reason, and no engine call runs unbounded."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bpmnpub.engine import Engine, ParsedSpec, TimerWindow
from bpmnpub.engine.stepping import MAX_AUTOMATIC_STEPS
from bpmnpub.errors import DiagramError, StepFailedError
from bpmnpub.permissions import LANE_ROLES
from bpmnpub.services.wiring import OPERATOR_NAMES

from ..timer_diagrams import FORM_KEY, line_of, loop_diagram, timer_diagram
from .conftest import NOW, PROCESSES

pytestmark = pytest.mark.usefixtures("quiet_gc")  # CPU-time bounds: tests/conftest.py

FORMS = frozenset([FORM_KEY])
BOUND_SECONDS = 2.0  # the longest an engine call may hold its request's write lock (a correctness bound)


def refused(engine: Engine, xml: str) -> list[Any]:
    with pytest.raises(DiagramError) as caught:
        engine.inspect(xml.encode(), "timer_probe.bpmn", FORMS, NOW)
    return caught.value.problems


@pytest.mark.parametrize(
    ("kind", "literal", "why"),
    [
        ("timeDuration", '"P10000000Y"', "more than 10 years"),
        ("timeDuration", '"P99999999Y"', "more than 10 years"),
        ("timeDuration", '"P8000Y"', "more than 10 years"),
        ("timeDuration", '"P10Y1D"', "more than 10 years"),
        ("timeDuration", '"P3654D"', "more than 10 years"),
        ("timeDuration", '"PT0S"', "longer than zero"),
        ("timeDuration", '"P"', "longer than zero"),
        ("timeDuration", '"P1.5Y"', "whole numbers"),
        ("timeDuration", '"P3X"', "not a valid ISO 8601"),
        ("timeDuration", "14", "ISO 8601 text"),
        ("timeDate", '"1999-12-31T23:59:00+07:00"', "before the year 2000"),
        ("timeDate", '"2036-11-17T00:00:00+00:00"', "more than 10 years ahead"),
        ("timeDate", '"tomorrow"', "not a valid ISO 8601"),
        ("timeCycle", '"R/PT0S"', "longer than zero"),
        ("timeCycle", '"R3/PT0S"', "longer than zero"),
        ("timeCycle", '"R3/PT1S"', "faster than the timer worker"),
        ("timeCycle", '"R3/PT29S"', "faster than the timer worker"),
        ("timeCycle", '"R/PT1H"', "without end"),
        ("timeCycle", '"R0/PT1H"', "from 1 to 1000 times"),
        ("timeCycle", '"R5000/PT1H"', "from 1 to 1000 times"),
        ("timeCycle", '"R3/P20Y"', "more than 10 years"),
        ("timeCycle", '"R3/1990-01-01T00:00:00+00:00/P1D"', "before the year 2000"),
        ("timeCycle", '"R3/P10000000Y"', "more than 10 years"),
        ("timeCycle", '"R-5/PT1H"', "not a valid ISO 8601"),
    ],
)
@pytest.mark.parametrize("event", ["intermediateCatchEvent", "boundaryEvent"])
def test_a_timer_outside_the_window_is_refused_with_element_and_line(
    engine: Engine, kind: str, literal: str, why: str, event: str
) -> None:
    xml = timer_diagram(kind, literal, event=event)
    began = time.thread_time()  # CPU time: immune to a loaded machine
    [problem] = refused(engine, xml)
    assert time.thread_time() - began < BOUND_SECONDS
    assert problem.element_id == "Timer_Wait"
    assert problem.line == line_of(xml, f"<bpmn:{kind}")
    assert why in problem.message, problem.message
    assert problem.message.startswith(f"timer {kind}")


@pytest.mark.parametrize(
    ("kind", "literal"),
    [
        ("timeDuration", '"P10Y"'),
        ("timeDuration", '"P3653D"'),
        ("timeDuration", '"P30D"'),
        ("timeDuration", '"PT30S"'),
        ("timeDate", '"2027-01-01T09:00:00+07:00"'),
        ("timeDate", '"2001-01-01"'),
        ("timeCycle", '"R3/PT30S"'),
        ("timeCycle", '"R1000/PT1H"'),
        ("timeCycle", '"R12/2026-12-01T09:00:00+07:00/P1M"'),
        ("timeDuration", "wait"),  # from data: bounded when it runs
    ],
)
def test_sane_timers_deploy(engine: Engine, kind: str, literal: str) -> None:
    engine.inspect(timer_diagram(kind, literal).encode(), "timer_probe.bpmn", FORMS, NOW)


def test_the_shipped_schedule_may_repeat_without_end(engine: Engine, forms: dict[str, Any]) -> None:
    semi = (PROCESSES / "semiannual_report.bpmn").read_bytes()
    assert b'"R/2026-04-01T09:00:00+07:00/P6M"' in semi
    model = engine.inspect(semi, "semiannual_report.bpmn", frozenset(forms), NOW).model
    assert model.start_timer == '"R/2026-04-01T09:00:00+07:00/P6M"'


def test_no_cycle_faster_than_the_worker_pass_it_is_built_with() -> None:
    slow_worker = Engine(LANE_ROLES, OPERATOR_NAMES, timer_window=TimerWindow(min_cycle=timedelta(minutes=5)))
    [problem] = refused(slow_worker, timer_diagram("timeCycle", '"R3/PT1M"'))
    assert "300 s" in problem.message
    slow_worker.inspect(timer_diagram("timeCycle", '"R3/PT5M"').encode(), "t.bpmn", FORMS, NOW)


def test_a_due_in_beyond_the_window_is_refused(engine: Engine, forms: dict[str, Any]) -> None:
    xml = (PROCESSES / "regulatory_publication.bpmn").read_text(encoding="utf-8")
    hostile = xml.replace('name="dueIn" value="P7D"', 'name="dueIn" value="P8000Y"', 1)
    with pytest.raises(DiagramError) as caught:
        engine.inspect(hostile.encode(), "regulatory_publication.bpmn", frozenset(forms), NOW)
    [problem] = caught.value.problems
    assert problem.element_id == "Task_AcquireData" and "dueIn" in problem.message


def test_a_deployed_version_is_read_again_whatever_the_window_says_now(engine: Engine) -> None:
    """Parsed again from the database (another process, a cache refill), a version deployed under
    other bounds still runs: its values are bounded when they run."""
    xml = timer_diagram("timeDate", '"2036-11-01T00:00:00+00:00"').encode()
    engine.inspect(xml, "t.bpmn", FORMS, NOW)  # deploy: less than ten years after NOW
    parsed = engine.spec("deployed-key", lambda: (xml, "t.bpmn"))
    assert parsed.model.process_id == "timer_probe"


# -- values from data, at run time -------------------------------------------------------------------


def data_driven(engine: Engine, kind: str, event: str = "intermediateCatchEvent") -> ParsedSpec:
    return engine.inspect(timer_diagram(kind, "wait", event=event).encode(), "timer_probe.bpmn", FORMS, NOW)


def complete_with(engine: Engine, parsed: ParsedSpec, wait: Any) -> tuple[Any, float]:
    started = engine.start(parsed, {}, NOW, {})
    began = time.thread_time()  # CPU time: immune to a loaded machine
    try:
        result = engine.complete(parsed, started.state, started.pending[0].guid, {"wait": wait}, NOW, {})
    except StepFailedError as exc:
        return exc, time.thread_time() - began
    return result, time.thread_time() - began


@pytest.mark.parametrize(
    ("kind", "wait", "reason"),
    [
        ("timeDuration", "P10000000Y", "ยาวเกิน 10 ปี"),
        ("timeDuration", "P99999999Y", "ยาวเกิน 10 ปี"),
        ("timeDuration", "P8000Y", "ยาวเกิน 10 ปี"),
        ("timeDuration", "P" + "9" * 80 + "D", "ยาวเกิน 10 ปี"),
        ("timeDuration", "PT0S", "ต้องมากกว่าศูนย์"),
        ("timeDuration", "P1.5M", "จำนวนเต็ม"),
        ("timeDuration", "สามวัน", "ไม่ใช่รูปแบบ ISO 8601"),
        ("timeDuration", 14, "ต้องเป็นข้อความ"),
        ("timeDuration", ["P1D"] * 1000, "ต้องเป็นข้อความ"),
        ("timeDate", "1999-01-01T00:00:00+00:00", "ก่อนปี ค.ศ. 2000"),
        ("timeDate", "9999-12-31T00:00:00+00:00", "เกิน 10 ปีข้างหน้า"),
        ("timeCycle", "R/PT0S", "ต้องมีช่วงห่างมากกว่าศูนย์"),
        ("timeCycle", "R/PT1H", "ไม่มีที่สิ้นสุด"),
        ("timeCycle", "R3/PT1S", "ถี่กว่ารอบการทำงานของระบบจับเวลา"),
    ],
)
@pytest.mark.parametrize("event", ["intermediateCatchEvent", "boundaryEvent"])
def test_a_value_from_data_outside_the_window_fails_its_step_fast_in_thai(
    engine: Engine, kind: str, wait: Any, reason: str, event: str
) -> None:
    failure, elapsed = complete_with(engine, data_driven(engine, kind, event), wait)
    assert elapsed < BOUND_SECONDS, f"{wait!r}: {elapsed:.3f} s"
    assert isinstance(failure, StepFailedError), failure
    assert reason in failure.message, failure.message
    assert failure.task_spec == "Timer_Wait"
    # The requester's work is kept: the state to save has their task done and their value in it.
    kept = engine.inspect_state(data_driven(engine, kind, event), failure.state, NOW)
    assert not [p for p in kept.pending if p.spec_id == "Task_Ask"]
    assert kept.data.get("wait") == wait


def test_a_sane_value_from_data_sets_the_due_time(engine: Engine) -> None:
    result, _ = complete_with(engine, data_driven(engine, "timeDuration"), "P2M")
    assert [t.due_at for t in result.timers] == [NOW + timedelta(days=31 + 30)]  # Nov 2026 + Dec 2026
    result, _ = complete_with(engine, data_driven(engine, "timeDate"), "2027-01-05T09:00:00+07:00")
    assert [t.due_at for t in result.timers] == [datetime(2027, 1, 5, 2, 0, tzinfo=UTC)]


def test_a_date_timer_is_seen_by_the_worker(engine: Engine) -> None:
    """SpiffWorkflow names its date timer TimeDateEventDefinition: the worker never saw it due."""
    result, _ = complete_with(engine, data_driven(engine, "timeDate"), "2026-11-20T00:00:00+00:00")
    assert [t.due_at for t in result.timers] == [datetime(2026, 11, 20, tzinfo=UTC)]
    parsed = data_driven(engine, "timeDate")
    fired = engine.resume(parsed, result.state, datetime(2026, 11, 20, 0, 1, tzinfo=UTC), {})
    assert [p.spec_id for p in fired.pending] == ["Task_After"]


def test_a_late_cycle_fires_once_not_once_per_missed_period(engine: Engine) -> None:
    parsed = engine.inspect(timer_diagram("timeCycle", '"R5/PT1H"').encode(), "t.bpmn", FORMS, NOW)
    started = engine.start(parsed, {}, NOW, {})
    waiting = engine.complete(parsed, started.state, started.pending[0].guid, {}, NOW, {})
    began = time.thread_time()  # CPU time: immune to a loaded machine
    late = engine.resume(parsed, waiting.state, NOW + timedelta(days=1), {})  # 24 periods late
    assert time.thread_time() - began < BOUND_SECONDS
    assert [p.spec_id for p in late.pending] == ["Task_After"]
    assert not late.timers  # the five repeats are used up: nothing waits any more


def test_a_zero_cycle_saved_before_the_bounds_fails_instead_of_firing_forever(engine: Engine) -> None:
    parsed = engine.inspect(timer_diagram("timeCycle", '"R3/PT1H"').encode(), "t.bpmn", FORMS, NOW)
    started = engine.start(parsed, {}, NOW, {})
    waiting = engine.complete(parsed, started.state, started.pending[0].guid, {}, NOW, {})
    state = json.loads(waiting.state)
    values = [
        t["internal_data"]["event_value"]
        for t in state["tasks"].values()
        if isinstance(t.get("internal_data", {}).get("event_value"), dict)
    ]
    assert len(values) == 1 and values[0]["duration"] == 3600.0
    values[0].update(duration=0, cycles=-1)  # what "R/PT0S" left in a state before the bounds
    with pytest.raises(StepFailedError) as caught:
        engine.resume(parsed, json.dumps(state), NOW + timedelta(hours=2), {})
    assert "ไม่มีที่สิ้นสุด" in caught.value.message


# -- the engine call itself ----------------------------------------------------------------------------


def test_an_automatic_loop_is_stopped_within_the_bound(engine: Engine) -> None:
    parsed = engine.inspect(loop_diagram().encode(), "timer_probe.bpmn", FORMS, NOW)
    started = engine.start(parsed, {}, NOW, {})
    # CPU time of this process, not wall-clock: other processes on a loaded machine do not inflate it.
    began = time.process_time()
    with pytest.raises(StepFailedError) as caught:
        engine.complete(parsed, started.state, started.pending[0].guid, {}, NOW, {})
    spent = time.process_time() - began
    assert spent < BOUND_SECONDS, f"{spent:.3f} s of CPU"
    # the work bound stops it, not the last-resort time budget
    assert f"เกิน {MAX_AUTOMATIC_STEPS} ขั้น" in caught.value.message
