"""`bpmnpub check`: a live request whose inbox, workflow and event log disagree is found, and a request
that waits on nothing is reported as stalled. Each damage below is what a person would feel."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from bpmnpub.engine import specs
from bpmnpub.errors import PermissionDeniedError
from bpmnpub.models import HumanTask, InstanceEvent, ProcessInstance
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import consistency, inbox, instances, tasks
from bpmnpub.services.requests.results import InstanceView

REPORT = {"results": "ผล", "problems": "ไม่มี", "suggestions": "ไม่มี"}


def kinds(report: consistency.CheckReport, instance_id: int) -> set[str]:
    return {f.kind for f in report.findings if f.instance_id == instance_id}


def test_a_real_request_is_clean_at_every_step(ctx: ServiceContext, actor: Any, filed: InstanceView) -> None:
    assert consistency.check_all(ctx).clean
    gdir = actor("gdir_plan")
    [task] = [t for t in inbox.list_tasks(ctx, gdir) if t.instance_id == filed.id]
    tasks.complete_task(ctx, task.id, {"decision": "approve", "comment": ""}, gdir)
    report = consistency.check_all(ctx)
    assert report.clean, report.findings
    assert report.checked >= 1


def test_an_inbox_row_lost_is_found(ctx: ServiceContext, filed: InstanceView) -> None:
    with ctx.db.write() as session:
        session.execute(
            update(HumanTask)
            .where(HumanTask.instance_id == filed.id, HumanTask.status == "ready")
            .values(status="cancelled")
        )
    report = consistency.check_all(ctx)
    assert kinds(report, filed.id) == {consistency.PROJECTION}


def test_a_completion_recorded_twice_or_not_at_all_is_found(ctx: ServiceContext, filed: InstanceView) -> None:
    with ctx.db.write() as session:
        event = session.scalars(
            select(InstanceEvent).where(
                InstanceEvent.instance_id == filed.id, InstanceEvent.action == "task_completed"
            )
        ).first()
        assert event is not None
        session.add(
            InstanceEvent(
                instance_id=filed.id, at=event.at, action="task_completed", human_task_id=event.human_task_id
            )
        )
    assert kinds(consistency.check_all(ctx), filed.id) == {consistency.EVENTS}
    with ctx.db.write() as session:
        session.execute(
            InstanceEvent.__table__.delete().where(
                InstanceEvent.instance_id == filed.id, InstanceEvent.action == "task_completed"
            )
        )
    assert kinds(consistency.check_all(ctx), filed.id) == {consistency.EVENTS}


def test_an_open_task_on_an_ended_request_is_found(ctx: ServiceContext, filed: InstanceView) -> None:
    with ctx.db.write() as session:
        session.execute(
            update(ProcessInstance).where(ProcessInstance.id == filed.id).values(status="completed")
        )
    assert kinds(consistency.check_all(ctx), filed.id) == {consistency.OPEN_ON_ENDED}


def test_the_old_multi_instance_stall_would_have_been_reported(
    ctx: ServiceContext, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Undo the engine fix and make every step parse the spec afresh (another gunicorn worker): the
    six-monthly report then stalls, and the check says so — and the badge counts it."""
    monkeypatch.setattr(specs, "connect_loop_merges", lambda process_spec: None)
    ctx.engine.cache = specs.SpecCache()  # parsed without the wiring
    started = instances.start_instance(ctx, "semiannual_report", None, actor("director1"))
    for who in ("gdir_plan", "gdir_hr"):
        ctx.engine.cache = specs.SpecCache()  # the next request lands in a process that never saw it
        person = actor(who)
        [task] = [t for t in inbox.list_tasks(ctx, person) if t.instance_id == started.id]
        tasks.complete_task(ctx, task.id, REPORT, person)
    report = consistency.check_all(ctx)
    assert consistency.STALLED in kinds(report, started.id)
    assert consistency.suspect_count(ctx, actor("admin1")) == 1


def test_with_the_fix_the_same_walk_is_clean(ctx: ServiceContext, actor: Any) -> None:
    started = instances.start_instance(ctx, "semiannual_report", None, actor("director1"))
    for who in ("gdir_hr", "gdir_plan"):
        ctx.engine.cache = specs.SpecCache()
        person = actor(who)
        [task] = [t for t in inbox.list_tasks(ctx, person) if t.instance_id == started.id]
        tasks.complete_task(ctx, task.id, REPORT, person)
    assert consistency.check_instances(ctx, [started.id]).clean
    assert consistency.suspect_count(ctx, actor("admin1")) == 0


def test_only_admins_read_it(ctx: ServiceContext, actor: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        consistency.check_all(ctx, actor("director1"))
    with pytest.raises(PermissionDeniedError):
        consistency.suspect_count(ctx, actor("owner1"))
    assert consistency.check_all(ctx, actor("admin1")).clean
