"""The open `human_task` rows equal the engine's ready tasks after every request, in any order (issue 9).

Hypothesis drives real requests through the services (start_instance, complete_task) on SQLite and on
PostgreSQL: for the six-monthly report, four group directors complete their group's report in every
order; for a general request, the reviewers decide (approve / revise / reject) so revise rounds repeat.
Now and then "another process" (a fresh Engine with an empty spec cache, as a second gunicorn worker or
the background worker) serves the next request. After every step:

- the instance's open task rows are exactly the ready user tasks of its saved state, with the same
  step, lane and group;
- a running instance is not stalled (it has an open task or a pending timer);
- when the office's summary step opens, it holds the report of every group.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import undefer

from bpmnpub.engine import Engine
from bpmnpub.errors import ValidationError
from bpmnpub.models import Group, HumanTask, ProcessInstance
from bpmnpub.permissions import LANE_ROLES, Actor, TaskScope, may_act
from bpmnpub.services.catalogue import categories
from bpmnpub.services.catalogue.o_items import o_item_codes
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.procedures import definitions
from bpmnpub.services.procedures.versions import spec_for
from bpmnpub.services.requests import instances as instance_service
from bpmnpub.services.requests import tasks, worker_steps
from bpmnpub.services.wiring import OPERATOR_NAMES, OPERATORS
from bpmnpub.statuses import OPEN_STATUSES
from bpmnpub.thaidate import fiscal_year

from ..conftest import Clock
from ..explore import STEPS, explore
from ..formdata import form_data
from ..photos import jpeg
from .conftest import request_data, task_id, upload_pdf

PEOPLE = (
    "owner1",
    "gdir_plan",
    "gdir_hr",
    "gdir_admin",
    "gdir_finance",
    "director1",
    "publisher1",
    "pr1",
    "legal1",
    "deputy1",  # a task handed up the chain past its deadline reaches the deputy in charge
)


def _more_group_directors(ctx: ServiceContext) -> None:
    """Four groups report in the six-monthly report: the demo's two and two more."""
    with ctx.db.write() as session:
        for code in ("admin", "finance"):  # "admin" is a demo group without a director
            group = accounts.ensure_group(session, code, f"กลุ่ม {code}")
            accounts.create_user(
                session,
                username=f"gdir_{code}",
                password="demo1234",
                full_name=f"ผอ.กลุ่ม {code}",
                roles=["group_director"],
                group=group,
                now=ctx.now(),
            )


class ServiceWalk(RuleBasedStateMachine):
    process_id: ClassVar[str]
    starter: ClassVar[str]
    base: ClassVar[ServiceContext]
    people: ClassVar[dict[str, Actor]]
    files: ClassVar[dict[int, str]]  # one upload per person, usable in any of their forms
    images: ClassVar[dict[int, str]]  # and one photo
    categories: ClassVar[list[str]]
    o_items: ClassVar[list[str]]  # the current fiscal year's O items (the publisher's and director's choices)
    all_forms: ClassVar[dict[str, Any]]
    clock: ClassVar[Clock]
    started_at: ClassVar[Any]
    tally: ClassVar[Counter[str]]
    orders: ClassVar[set[tuple[str, ...]]]  # the orders the groups' reports were merged in

    def __init__(self) -> None:
        super().__init__()
        self.ctx = self.base

    def _start(self) -> None:
        view = instance_service.start_instance(self.ctx, self.process_id, None, self.people[self.starter])
        self.instance_id = view.id
        self.tally["steps"] += 1
        self.check()

    def check(self) -> None:
        with self.ctx.db.read() as session:
            instance = session.get(
                ProcessInstance, self.instance_id, options=[undefer(ProcessInstance.state)]
            )
            assert instance is not None
            rows = list(
                session.scalars(
                    select(HumanTask)
                    .where(HumanTask.instance_id == instance.id, HumanTask.status.in_(OPEN_STATUSES))
                    .order_by(HumanTask.id)
                )
            )
            seen = self.ctx.engine.inspect_state(
                spec_for(self.ctx, session, instance.definition), instance.state, self.clock()
            )
            groups = {g.id: g.code for g in session.scalars(select(Group))}
        assert instance.status in ("running", "completed", "rejected"), (
            instance.status,
            instance.error_message,
        )
        assert instance.status == seen.status
        shown = sorted((r.task_guid, r.task_spec, r.lane, groups.get(r.scope_group_id or 0)) for r in rows)
        ready = sorted(
            (p.guid, p.spec_id, p.lane or "", p.scope_group or groups.get(instance.group_id or 0))
            for p in seen.pending
        )
        assert shown == ready, "the open task rows are not the engine's ready tasks"
        if instance.status == "running":
            assert rows or instance.next_timer_due is not None, "stalled: running, no open task, no timer"
        for pending in seen.pending:
            if pending.spec_id == "Task_CompileReport":
                reports = pending.data.get("group_reports", [])
                codes = sorted(r["group_code"] for r in reports)
                assert codes == sorted(pending.data["report_group_codes"]), "a group's report was lost"
                self.tally["reports compiled"] += 1
                self.tally["most groups in a report"] = max(self.tally["most groups in a report"], len(codes))
                self.orders.add(tuple(r["group_code"] for r in reports))
        self.rows = [r.id for r in rows]
        self.scopes = {
            r.id: (
                TaskScope(r.lane, r.status, r.requester_id, r.scope_group_id, r.assigned_user_id, r.decides),
                r.form_key,
            )
            for r in rows
        }
        self.waiting = instance.next_timer_due is not None
        self.finished = instance.status != "running"
        if self.finished:
            self.tally[f"outcome:{instance.outcome}"] += 1

    @initialize()
    def start(self) -> None:
        # Every example from the same moment: with deadlines (working days, reminders) what a walk does
        # depends on the time, and a clock carried over from the previous example is external state.
        self.clock.current = self.started_at
        self._start()

    @precondition(lambda self: self.finished)
    @rule()
    def start_next(self) -> None:
        self._start()

    @precondition(lambda self: not self.finished and bool(self.rows))
    @rule(data=st.data())
    def complete_a_task(self, data: st.DataObject) -> None:
        row_id = data.draw(st.sampled_from(self.rows), label="task")
        scope, form_key = self.scopes[row_id]
        who = next(p for p in self.people.values() if may_act(p, scope) is None)  # a holder first
        sources = {
            "file-id": st.just(self.files[who.id]),
            "photo": st.just(self.images[who.id]),
            "categories": st.sampled_from(self.categories),
            # The O items of the fiscal year the walk's clock is in now (it may have moved into a year
            # that has no list yet: then none can be ticked).
            "ita_items": _year_items(self.base, self.clock()),
        }
        submitted = data.draw(form_data(form_key, self.all_forms[form_key], sources), label="form")
        if data.draw(st.sampled_from([False, False, True]), label="another process"):
            self.ctx = ServiceContext(
                self.base.db,
                Engine(LANE_ROLES, OPERATOR_NAMES),
                self.base.settings,
                clock=self.clock,
                operators=OPERATORS,
            )
            self.tally["process switches"] += 1
        self.clock.advance(hours=data.draw(st.sampled_from([0, 1, 20]), label="hours later"))
        tasks.complete_task(self.ctx, row_id, submitted, who)
        self.tally["steps"] += 1
        self.check()

    @precondition(lambda self: not self.finished and self.waiting)
    @rule(days=st.integers(0, 40))
    def the_worker_fires_due_timers(self, days: int) -> None:
        self.clock.advance(days=days, minutes=1)
        # This example's request only: earlier examples' requests live on in the same database, and their
        # timers (reminders, escalations) firing here would make the walk depend on external state.
        worker_steps.fire_timer(self.ctx, self.instance_id, self.clock())
        self.tally["steps"] += 1
        self.tally["timer passes"] += 1
        self.check()


def _year_items(ctx: ServiceContext, now: Any) -> Any:
    with ctx.db.read() as session:
        codes = o_item_codes(session, fiscal_year(now))
    return st.sampled_from(codes) if codes else st.nothing()


def _o_items(ctx: ServiceContext) -> list[str]:
    with ctx.db.read() as session:
        return o_item_codes(session, fiscal_year(ctx.now()))


def walk(
    ctx: ServiceContext,
    actor: Callable[[str], Actor],
    clock: Clock,
    process_id: str,
    starter: str,
    examples: int = 20,
) -> Counter[str]:
    _more_group_directors(ctx)
    people = {name: actor(name) for name in PEOPLE}
    with ctx.db.read() as session:
        definition = definitions.latest(session, process_id)
        all_forms = dict(definition.forms)
    tally: Counter[str] = Counter()
    machine = type(
        f"ServiceWalk_{process_id}",
        (ServiceWalk,),
        {
            "process_id": process_id,
            "starter": starter,
            "base": ctx,
            "people": people,
            "files": {p.id: upload_pdf(ctx, p) for p in people.values()},
            "images": {p.id: upload_pdf(ctx, p, jpeg(p.username), "ภาพกิจกรรม.jpg") for p in people.values()},
            # what the process's forms offer: the categories that allow it (issue 11 item 5)
            "categories": [code for code, _ in categories.category_choices(ctx, process_id)],
            "o_items": _o_items(ctx),
            "all_forms": all_forms,
            "clock": clock,
            "started_at": clock(),
            "tally": tally,
            "orders": set(),
        },
    )
    run_state_machine_as_test(machine, settings=explore(max_examples=examples, steps=15))
    tally["orders of group reports"] = len(machine.orders)  # type: ignore[attr-defined]
    STEPS[f"services/{process_id}/{'sqlite' if ctx.db.is_sqlite else 'postgresql'}"] = tally["steps"]
    print(f"\nservices/{process_id}: {dict(tally)}")
    return tally


def test_group_reports_in_any_order_keep_rows_and_engine_equal(
    ctx: ServiceContext, actor: Callable[[str], Actor], clock: Clock
) -> None:
    tally = walk(ctx, actor, clock, "semiannual_report", "publisher1")
    assert tally["most groups in a report"] == 4, tally
    assert tally["orders of group reports"] >= 5, tally  # of the 24 orders four groups can report in
    assert tally["outcome:published"] and tally["outcome:completed"], tally


def test_revise_rounds_keep_rows_and_engine_equal(
    ctx: ServiceContext, actor: Callable[[str], Actor], clock: Clock
) -> None:
    tally = walk(ctx, actor, clock, "general_publication", "owner1")
    assert tally["outcome:published"] and tally["outcome:rejected"], tally


@pytest.mark.parametrize("process_id", ["photo_publication", "regulatory_publication"])
def test_the_worker_firing_timers_keeps_rows_and_engine_equal(
    ctx: ServiceContext, actor: Callable[[str], Actor], clock: Clock, process_id: str
) -> None:
    tally = walk(ctx, actor, clock, process_id, "owner1", examples=10)
    assert tally["timer passes"] and tally["outcome:published"], tally


def test_a_pdf_is_refused_as_an_album_photo_when_it_is_chosen(
    ctx: ServiceContext, actor: Callable[[str], Actor]
) -> None:
    # Shrunk from the worker walk above: a PDF chosen as a photo passed the form and the PDPA check,
    # then put the request in error when the album was published ("photo 'ประกาศ.pdf' is not an image").
    owner = actor("owner1")
    started = instance_service.start_instance(ctx, "photo_publication", None, owner)
    plan = {
        "title": "กิจกรรมวันครู",
        "category": "1.13",
        "activity": "วันครู",
        "activity_date": "2026-01-16",
        "place": "หอประชุม",
        "photographer": "นายประชา",
    }
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), plan, owner)
    pr = actor("pr1")
    shoot = task_id(ctx, pr, started.id)
    pdf, photo = upload_pdf(ctx, pr), upload_pdf(ctx, pr, jpeg("1"), "ภาพ.jpg")
    rows = [{"file": photo, "publish": True}, {"file": pdf, "publish": False}]
    with pytest.raises(ValidationError) as refused:
        tasks.complete_task(ctx, shoot, {"photos": rows}, pr)
    assert [(p.field, p.message) for p in refused.value.problems] == [("photos.1.file", "ไฟล์นี้ไม่ใช่ไฟล์ภาพ")]
    chosen = tasks.complete_task(ctx, shoot, {"photos": rows[:1]}, pr)
    assert [t.task_spec for t in chosen.tasks if t.status == "ready"] == ["Task_WriteCaptions"]


def test_a_title_of_spaces_is_refused_when_the_request_is_filed(
    ctx: ServiceContext, actor: Callable[[str], Actor]
) -> None:
    # Shrunk from the walk above: " " passed as a title (minLength 1), went through every approval and
    # put the request in error at the very end ("cannot publish an item without a title").
    owner = actor("owner1")
    started = instance_service.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    for blank in (" ", "\n", " \u3000 "):
        with pytest.raises(ValidationError) as refused:
            tasks.complete_task(ctx, first, request_data(upload_pdf(ctx, owner), title=blank), owner)
        assert [p.field for p in refused.value.problems] == ["title"]
        assert refused.value.problems[0].message == "กรุณากรอกข้อมูลนี้"
    view = instance_service.get_instance(ctx, started.id, owner)
    assert view.status == "running"
    assert [t.task_spec for t in view.tasks if t.status == "ready"] == ["Task_PrepareRequest"]
    filed = tasks.complete_task(ctx, first, request_data(upload_pdf(ctx, owner), title=" ประกาศ "), owner)
    assert [t.task_spec for t in filed.tasks if t.status == "ready"] == ["Task_GroupDirectorReview"]
