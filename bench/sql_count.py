"""How many SQL statements one service-level complete issues (SpiffArena: 88-111 per submission).

Counted with a SQLAlchemy `before_cursor_execute` listener on both engines of the database (reads
and writes). Connection-setup PRAGMAs run on the raw DBAPI connection and are not counted; they are
reported separately as connections opened.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event

from bpmnpub.services.requests import instances, tasks

from .api_level import ApiClient
from .api_level import open_task as api_open_task
from .database import BenchDatabase
from .scenario import LANE_USERS, PROCESS_ID, steps
from .service_level import open_task


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    connections: int = 0

    @property
    def kinds(self) -> Counter[str]:
        return Counter(_kind(s) for s in self.statements)


def _kind(statement: str) -> str:
    word = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "?"
    return word if word in ("SELECT", "INSERT", "UPDATE", "DELETE") else "other"


@contextmanager
def counting(db: BenchDatabase) -> Iterator[Counted]:
    counted = Counted()
    engines = {id(e): e for e in (db.ctx.db.read_engine, db.ctx.db.write_engine)}.values()

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counted.statements.append(statement)

    def on_connect(*args: Any) -> None:
        counted.connections += 1

    for engine in engines:
        event.listen(engine, "before_cursor_execute", on_execute)
        event.listen(engine, "connect", on_connect)
    try:
        yield counted
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", on_execute)
            event.remove(engine, "connect", on_connect)


@dataclass(frozen=True)
class StepCount:
    spec_id: str
    decision: str
    statements: int
    kinds: dict[str, int]
    connections: int


def per_step(db: BenchDatabase, *, api: ApiClient | None = None) -> list[StepCount]:
    """Statements of each complete of the 1-loop instance (service level, or API level if `api`)."""
    out = []
    requester = LANE_USERS["requester"]
    if api is None:
        view = instances.start_instance(db.ctx, PROCESS_ID, None, db.actor(requester))
        task_id = open_task(view)
    else:
        instance = api.post(f"/api/v1/processes/{PROCESS_ID}/instances", requester, {})
        task_id = api_open_task(instance)
    for step in steps(1, db.file_id):
        assert task_id is not None
        username = LANE_USERS[step.lane]
        with counting(db) as counted:
            if api is None:
                task_id = open_task(tasks.complete_task(db.ctx, task_id, step.data, db.actor(username)))
            else:
                body = api.post(f"/api/v1/tasks/{task_id}/complete", username, {"data": step.data})
                task_id = api_open_task(body["instance"])
        decision = str(step.data.get("decision", "certify" if "certified" in step.data else "submit"))
        out.append(
            StepCount(
                step.spec_id, decision, len(counted.statements), dict(counted.kinds), counted.connections
            )
        )
    return out


def statements_of_one(db: BenchDatabase) -> list[str]:
    """The statements of one group-director approval (for reading)."""
    view = instances.start_instance(db.ctx, PROCESS_ID, None, db.actor(LANE_USERS["requester"]))
    plan = steps(0, db.file_id)
    view = tasks.complete_task(db.ctx, open_task(view) or 0, plan[0].data, db.actor(LANE_USERS["requester"]))
    with counting(db) as counted:
        tasks.complete_task(
            db.ctx, open_task(view) or 0, plan[1].data, db.actor(LANE_USERS["group_director"])
        )
    return counted.statements
