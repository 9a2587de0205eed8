"""Timers fire once their due time has passed, exactly once."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from bpmnpub.models import HumanTask
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import instances, worker_steps

from .paths import SCENARIOS
from .runner import Wait, walk


@pytest.mark.parametrize("path", ["photo_publication-approve", "regulatory_publication-continue"])
def test_a_timer_fires_once_its_due_time_has_passed(
    ctx: ServiceContext, clock: Any, actor: Any, path: str
) -> None:
    """The worker claims exactly what SpiffWorkflow will fire (due < now): never a `timer_fired` that
    moves nothing, and the request moves on the first pass after the due time."""
    scenario = next(s for s in SCENARIOS if s.id == path)
    wait = next(i for i, s in enumerate(scenario.steps) if isinstance(s, Wait))
    iid, _ = walk(ctx, clock, actor, replace(scenario, steps=scenario.steps[:wait]))  # up to the timer
    clock.advance(days=scenario.steps[wait].days)  # type: ignore[union-attr]  # exactly the wait
    assert worker_steps.fire_due_timers(ctx) == 0
    assert not [
        e for e in instances.get_instance(ctx, iid, actor("admin1")).events if e.action == "timer_fired"
    ]
    clock.advance(seconds=1)
    assert worker_steps.fire_due_timers(ctx) == 1
    ready = select(HumanTask.task_spec).where(HumanTask.instance_id == iid, HumanTask.status == "ready")
    with ctx.db.read() as session:
        opened = session.scalars(ready).all()
    assert opened == ["Task_EvaluatePublication"]
    assert worker_steps.fire_due_timers(ctx) == 0
