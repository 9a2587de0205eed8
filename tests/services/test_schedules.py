"""The six-monthly report starts by itself (timer start event), once per cycle, on the calendar."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bpmnpub.models import ProcessDefinition, ProcessInstance, ProcessSchedule
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import inbox, instances, tasks, worker_steps

from ..conftest import Clock


def schedule(ctx: ServiceContext) -> ProcessSchedule | None:
    with ctx.db.read() as session:
        return session.scalar(
            select(ProcessSchedule).where(ProcessSchedule.process_id == "semiannual_report")
        )


def test_report_starts_on_1_april_and_1_october(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    assert worker_steps.run_schedules(ctx) == []
    first = schedule(ctx)
    assert first is not None and first.next_run_at == datetime(2027, 4, 1, 2, 0, tzinfo=UTC)  # 09:00 Bangkok
    clock.current = datetime(2027, 4, 1, 1, 59, tzinfo=UTC)
    assert worker_steps.run_schedules(ctx) == []
    clock.current = datetime(2027, 4, 1, 2, 0, 30, tzinfo=UTC)
    [started] = worker_steps.run_schedules(ctx)
    assert worker_steps.run_schedules(ctx) == []  # once per cycle, however often the worker passes
    again = schedule(ctx)
    assert again is not None and again.next_run_at == datetime(2027, 10, 1, 2, 0, tzinfo=UTC)  # no drift
    view = instances.get_instance(ctx, started, actor("director1"))
    assert view.status == "running" and view.started_by is None
    open_reports = sorted(t.name for t in view.tasks if t.status == "ready")
    assert len(open_reports) == 2  # one per group that has a director: plan and hr
    plan = [t for t in inbox.list_tasks(ctx, actor("gdir_plan")) if t.instance_id == started]
    hr = [t for t in inbox.list_tasks(ctx, actor("gdir_hr")) if t.instance_id == started]
    assert len(plan) == len(hr) == 1 and plan[0].id != hr[0].id
    detail = tasks.get_task(ctx, plan[0].id, actor("gdir_plan"))
    assert detail.data["group_code"] == "plan" and detail.data["system_items_published"] == 0


def test_the_yearly_programme_starts_on_1_october_and_on_demand(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    assert worker_steps.run_schedules(ctx) == []
    with ctx.db.read() as session:
        programme = session.scalar(
            select(ProcessSchedule).where(ProcessSchedule.process_id == "publication_programme")
        )
    assert programme is not None and programme.next_run_at == datetime(2027, 10, 1, 1, 30, tzinfo=UTC)
    clock.current = datetime(2027, 10, 1, 1, 30, 30, tzinfo=UTC)  # 08:30 in Bangkok, fiscal year 2571
    started = worker_steps.run_schedules(ctx)
    views = [instances.get_instance(ctx, i, actor("admin1")) for i in started]
    assert [v.process_id for v in views].count("publication_programme") == 1
    # On demand as before, by the roles the diagram names (startRoles: director, publisher).
    on_demand = instances.start_instance(ctx, "publication_programme", None, actor("director1"))
    assert on_demand.status == "running"


def _at_once(work: Any) -> list[Any]:
    """`work` in two threads released together; their results (an exception is a failure)."""
    start = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


def test_two_worker_passes_at_once_make_one_schedule_and_start_once(
    ctx: ServiceContext, clock: Clock
) -> None:
    """Two app nodes' workers pass at the same moment: on a fresh office both find no schedule row (one
    row is made, no unique violation), and on 1 April both find it due (one report starts)."""
    assert _at_once(lambda: worker_steps.run_schedules(ctx)) == [[], []]
    with ctx.db.read() as session:
        rows = session.scalars(select(ProcessSchedule.process_id)).all()
    assert len(rows) == len(set(rows)) and "semiannual_report" in rows
    clock.current = datetime(2027, 4, 1, 2, 0, 30, tzinfo=UTC)
    started = _at_once(lambda: worker_steps.run_schedules(ctx))
    assert sorted(len(s) for s in started) == [0, 1]
    with ctx.db.read() as session:
        reports = session.scalars(
            select(ProcessInstance.id)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessDefinition.process_id == "semiannual_report")
        ).all()
    assert len(reports) == 1
