"""Deadlines in the engine: working days (Thai holidays, closures) and the non-interrupting boundary
timers of the shipped photo diagram (SpiffWorkflow 3.2.0, our serializer, bounded timers)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bpmnpub.engine import Engine, OperatorCall, ParsedSpec, WorkCalendar, work_calendar
from bpmnpub.errors import DiagramError
from bpmnpub.thaidate import BANGKOK

from .conftest import PROCESSES

PLAN = {
    "title": "ภาพกิจกรรมวันครู",
    "category": "1.1",
    "activity": "กิจกรรมวันครู",
    "activity_date": "2026-04-10",
    "place": "หอประชุม",
    "photographer": "นายถ่าย ภาพดี",
}
FRIDAY_MORNING = datetime(2026, 4, 10, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok, the activity's day


class Calls:
    def __init__(self) -> None:
        self.calls: list[OperatorCall] = []

    def __call__(self, call: OperatorCall) -> dict[str, Any]:
        self.calls.append(call)
        return {"task": call.params["task"]}

    @property
    def operators(self) -> dict[str, Any]:
        return {"remind": self, "escalate": self}

    def names(self) -> list[str]:
        return [c.name for c in self.calls]


@pytest.fixture(scope="module")
def photo(engine: Engine, forms: dict[str, Any]) -> ParsedSpec:
    content = (PROCESSES / "photo_publication.bpmn").read_bytes()
    return engine.inspect(content, "photo_publication.bpmn", frozenset(forms))


def test_working_days_skip_weekends_songkran_and_closures() -> None:
    calendar = WorkCalendar()
    # Friday 10 April 2026; Songkran is Monday 13 to Wednesday 15 April.
    assert calendar.add_working_days(date(2026, 4, 10), 1).date() == date(2026, 4, 16)
    assert calendar.add_working_days(date(2026, 4, 10), 3).isoformat() == "2026-04-20T16:30:00+07:00"
    # A Saturday counts from the Monday; 0 days is the close of the next working day.
    assert calendar.add_working_days(date(2026, 4, 11), 0).date() == date(2026, 4, 16)
    closed = WorkCalendar(frozenset({date(2026, 4, 16)}))
    assert closed.add_working_days(date(2026, 4, 10), 1).date() == date(2026, 4, 17)
    # 5 December 2026 is a Saturday: its holiday moves to Monday 7 December.
    assert calendar.add_working_days(date(2026, 12, 4), 1).date() == date(2026, 12, 8)


def test_boundary_timers_remind_and_escalate_without_interrupting_the_task(
    engine: Engine, photo: ParsedSpec
) -> None:
    calls = Calls()
    ops = calls.operators
    started = engine.start(photo, {}, FRIDAY_MORNING, ops)
    shoot = engine.complete(photo, started.state, started.pending[0].guid, PLAN, FRIDAY_MORNING, ops)
    assert [p.spec_id for p in shoot.pending] == ["Task_ShootAndSelect"]
    assert shoot.pending[0].due_in_working_days == 3 and shoot.pending[0].due_from == "activity_date"
    # Reminder after 2 working days (Thu 16, Fri 17), overdue after 3 (Mon 20): Songkran skipped.
    assert sorted(t.due_at for t in shoot.timers) == [
        datetime.fromisoformat("2026-04-17T16:30:00+07:00"),
        datetime.fromisoformat("2026-04-20T16:30:00+07:00"),
    ]
    assert shoot.next_timer_due == datetime(2026, 4, 17, 9, 30, tzinfo=UTC)

    before = engine.resume(photo, shoot.state, datetime(2026, 4, 17, 9, 0, tzinfo=UTC), ops)
    assert calls.names() == []
    reminded = engine.resume(photo, before.state, datetime(2026, 4, 17, 9, 31, tzinfo=UTC), ops)
    assert calls.names() == ["remind"] and calls.calls[0].params == {"task": "Task_ShootAndSelect"}
    assert [p.spec_id for p in reminded.pending] == ["Task_ShootAndSelect"]  # not interrupted
    assert reminded.pending[0].guid == shoot.pending[0].guid
    assert [t.due_at for t in reminded.timers] == [datetime.fromisoformat("2026-04-20T16:30:00+07:00")]

    late = engine.resume(photo, reminded.state, datetime(2026, 4, 20, 10, 0, tzinfo=UTC), ops)
    assert calls.names() == ["remind", "escalate"]
    assert calls.calls[1].params == {"task": "Task_ShootAndSelect", "reassign": False}
    assert late.status == "running" and late.timers == ()
    assert [p.guid for p in late.pending] == [shoot.pending[0].guid]

    # The late task is still done the ordinary way, and the request goes on.
    done = engine.complete(
        photo, late.state, late.pending[0].guid, {"photos": []}, datetime(2026, 4, 21, 3, 0, tzinfo=UTC), ops
    )
    assert [p.spec_id for p in done.pending] == ["Task_WriteCaptions"]
    assert calls.names() == ["remind", "escalate"]


def test_a_task_done_in_time_cancels_its_timers(engine: Engine, photo: ParsedSpec) -> None:
    calls = Calls()
    ops = calls.operators
    started = engine.start(photo, {}, FRIDAY_MORNING, ops)
    shoot = engine.complete(photo, started.state, started.pending[0].guid, PLAN, FRIDAY_MORNING, ops)
    done = engine.complete(photo, shoot.state, shoot.pending[0].guid, {"photos": []}, FRIDAY_MORNING, ops)
    assert done.timers == ()
    later = engine.resume(photo, done.state, datetime(2026, 5, 1, tzinfo=UTC), ops)
    assert calls.names() == [] and [p.spec_id for p in later.pending] == ["Task_WriteCaptions"]


def test_closure_days_move_the_timers(engine: Engine, photo: ParsedSpec) -> None:
    ops = Calls().operators
    closed = WorkCalendar(frozenset({date(2026, 4, 16), date(2026, 4, 17)}))
    with work_calendar(lambda: closed):
        started = engine.start(photo, {}, FRIDAY_MORNING, ops)
        shoot = engine.complete(photo, started.state, started.pending[0].guid, PLAN, FRIDAY_MORNING, ops)
    assert sorted(t.due_at.astimezone(BANGKOK).date() for t in shoot.timers) == [
        date(2026, 4, 21),
        date(2026, 4, 22),
    ]


@pytest.mark.parametrize(
    ("prop", "value", "message"),
    [
        ("dueInWorkingDays", "three", "dueInWorkingDays"),
        ("dueInWorkingDays", "-1", "dueInWorkingDays"),
        ("dueFrom", "activity date", "dueFrom"),
    ],
)
def test_bad_deadline_properties_are_refused(
    engine: Engine, forms: dict[str, Any], prop: str, value: str, message: str
) -> None:
    content = (PROCESSES / "photo_publication.bpmn").read_text(encoding="utf-8")
    old = {
        "dueInWorkingDays": 'name="dueInWorkingDays" value="3"',
        "dueFrom": 'name="dueFrom" value="activity_date"',
    }
    broken = content.replace(old[prop], f'name="{prop}" value="{value}"')
    assert broken != content
    with pytest.raises(DiagramError) as caught:
        engine.inspect(broken.encode(), "photo_publication.bpmn", frozenset(forms))
    assert any(p.element_id == "Task_ShootAndSelect" and message in p.message for p in caught.value.problems)
