"""The six-monthly report starts by itself (timer start event), once per cycle, on the calendar."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from bpmnpub.models import ProcessSchedule
from bpmnpub.services import instances, tasks
from bpmnpub.services.context import ServiceContext

from ..conftest import Clock


def schedule(ctx: ServiceContext) -> ProcessSchedule | None:
    with ctx.db.read() as session:
        return session.scalar(
            select(ProcessSchedule).where(ProcessSchedule.process_id == "semiannual_report")
        )


def test_report_starts_on_1_april_and_1_october(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    assert instances.run_schedules(ctx) == []
    first = schedule(ctx)
    assert first is not None and first.next_run_at == datetime(2027, 4, 1, 2, 0, tzinfo=UTC)  # 09:00 Bangkok
    clock.current = datetime(2027, 4, 1, 1, 59, tzinfo=UTC)
    assert instances.run_schedules(ctx) == []
    clock.current = datetime(2027, 4, 1, 2, 0, 30, tzinfo=UTC)
    [started] = instances.run_schedules(ctx)
    assert instances.run_schedules(ctx) == []  # once per cycle, however often the worker passes
    again = schedule(ctx)
    assert again is not None and again.next_run_at == datetime(2027, 10, 1, 2, 0, tzinfo=UTC)  # no drift
    view = instances.get_instance(ctx, started, actor("director1"))
    assert view.status == "running" and view.started_by is None
    open_reports = sorted(t.name for t in view.tasks if t.status == "ready")
    assert len(open_reports) == 2  # one per group that has a director: plan and hr
    plan = [t for t in tasks.list_tasks(ctx, actor("gdir_plan")) if t.instance_id == started]
    hr = [t for t in tasks.list_tasks(ctx, actor("gdir_hr")) if t.instance_id == started]
    assert len(plan) == len(hr) == 1 and plan[0].id != hr[0].id
    detail = tasks.get_task(ctx, plan[0].id, actor("gdir_plan"))
    assert detail.data["group_code"] == "plan" and detail.data["system_items_published"] == 0


def test_the_yearly_programme_starts_on_1_october_and_on_demand(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    assert instances.run_schedules(ctx) == []
    with ctx.db.read() as session:
        programme = session.scalar(
            select(ProcessSchedule).where(ProcessSchedule.process_id == "publication_programme")
        )
    assert programme is not None and programme.next_run_at == datetime(2027, 10, 1, 1, 30, tzinfo=UTC)
    clock.current = datetime(2027, 10, 1, 1, 30, 30, tzinfo=UTC)  # 08:30 in Bangkok, fiscal year 2571
    started = instances.run_schedules(ctx)
    views = [instances.get_instance(ctx, i, actor("admin1")) for i in started]
    assert [v.process_id for v in views].count("publication_programme") == 1
    # On demand as before, by the roles the diagram names (startRoles: director, publisher).
    on_demand = instances.start_instance(ctx, "publication_programme", None, actor("director1"))
    assert on_demand.status == "running"
