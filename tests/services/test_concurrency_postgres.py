"""Two processes complete the same task at the same moment on PostgreSQL: exactly one wins."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from sqlalchemy import func, select

from bpmnpub.db import Database
from bpmnpub.engine import Engine
from bpmnpub.errors import ConflictError
from bpmnpub.models import HumanTask, InstanceEvent
from bpmnpub.permissions import LANE_ROLES, Actor
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import tasks
from bpmnpub.services.requests.results import InstanceView
from bpmnpub.services.wiring import OPERATOR_NAMES, OPERATORS

from .conftest import task_id


def _complete_in_child(
    url: str, settings: dict[str, Any], task: int, who: Actor, barrier: Any, out: Any
) -> None:
    ctx = ServiceContext(Database(url), Engine(LANE_ROLES, OPERATOR_NAMES), settings, operators=OPERATORS)
    barrier.wait(timeout=30)
    try:
        tasks.complete_task(ctx, task, {"decision": "approve"}, who)
        out.put("ok")
    except ConflictError:
        out.put("conflict")
    except Exception as exc:  # reported to the parent, which fails the test
        out.put(f"error: {exc!r}")
    finally:
        ctx.db.dispose()


@pytest.mark.parametrize("backend", [pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_processes_one_transition(
    ctx: ServiceContext, actor: Any, filed: InstanceView, backend: str
) -> None:
    gdir = actor("gdir_plan")
    review = task_id(ctx, gdir, filed.id)
    spawn = multiprocessing.get_context("spawn")
    barrier, out = spawn.Barrier(2), spawn.Queue()
    children = [
        spawn.Process(target=_complete_in_child, args=(ctx.db.url, ctx.settings, review, gdir, barrier, out))
        for _ in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert sorted(out.get(timeout=5) for _ in children) == ["conflict", "ok"]
    with ctx.db.read() as session:
        completed = session.scalar(
            select(func.count())
            .select_from(InstanceEvent)
            .where(InstanceEvent.instance_id == filed.id, InstanceEvent.action == "task_completed")
        )
        open_specs = session.scalars(
            select(HumanTask.task_spec).where(HumanTask.instance_id == filed.id, HumanTask.status == "ready")
        ).all()
    assert completed == 2  # the request and exactly one review
    assert list(open_specs) == ["Task_DirectorDecision"]
