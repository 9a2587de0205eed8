"""bpmnpub's service level: `services.tasks.complete_task` on SQLite (lock the instance, check the
task and the actor, validate the form, write the event, run the engine, update the projection,
build the instance view), one transaction per task."""

from __future__ import annotations

from bpmnpub.services.requests import instances, tasks
from bpmnpub.services.requests.results import InstanceView

from .database import BenchDatabase
from .scenario import LANE_USERS, PROCESS_ID, steps
from .timing import Run, Stopwatch


def open_task(view: InstanceView) -> int | None:
    ids = [t.id for t in view.tasks if t.status in ("ready", "claimed")]
    assert len(ids) <= 1, ids
    return ids[0] if ids else None


class ServiceRunner:
    name = "service"

    def __init__(self, db: BenchDatabase) -> None:
        self.db = db

    def run(self, loops: int) -> Run:
        ctx = self.db.ctx
        view = instances.start_instance(ctx, PROCESS_ID, None, self.db.actor(LANE_USERS["requester"]))
        watch = Stopwatch()
        plan = steps(loops, self.db.file_id)
        for step in plan:
            task_id = open_task(view)
            assert task_id is not None
            actor = self.db.actor(LANE_USERS[step.lane])
            with watch:
                view = tasks.complete_task(ctx, task_id, step.data, actor)
        assert (view.status, view.outcome) == ("completed", "published"), (view.status, view.outcome)
        return Run(watch.seconds, len(plan))
