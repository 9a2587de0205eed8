"""`GET /api/v1/tasks` latency over a database of N generated instances (test client, bearer token).

The measured user is owner1 (planted with 20-50 open tasks, see `bulk`). director1, whose office-wide
role sees every open director task of the office, is measured beside it: with the generated mix that
inbox holds thousands of tasks, of which the API returns the first 50.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text

from bpmnpub.models import HumanTask, ProcessInstance
from bpmnpub.permissions import actionable_clause
from bpmnpub.services.tasks import _COLUMNS

from .api_level import ApiClient
from .database import BenchDatabase
from .sql_count import counting
from .timing import now, percentile

WARMUP = 20


@dataclass(frozen=True)
class ListLatency:
    username: str
    visible: int  # open tasks the user may act on (all pages)
    returned: int  # tasks in one response (first page, limit 50)
    p50: float
    p95: float
    requests: int
    statements: int  # SQL statements per request (token lookup + roles + list)


def visible_count(db: BenchDatabase, username: str) -> int:
    actor = db.actor(username)
    with db.ctx.db.read() as session:
        stmt = (
            select(func.count())
            .select_from(HumanTask)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(actionable_clause(actor, _COLUMNS), ProcessInstance.status == "running")
        )
        return int(session.scalar(stmt) or 0)


def measure(db: BenchDatabase, api: ApiClient, username: str, requests: int) -> ListLatency:
    for _ in range(WARMUP):
        api.get("/api/v1/tasks", username)
    with counting(db) as counted:
        body = api.get("/api/v1/tasks", username)
    laps = []
    for _ in range(requests):
        started = now()
        api.get("/api/v1/tasks", username)
        laps.append(now() - started)
    return ListLatency(username, visible_count(db, username), len(body), percentile(laps, 50), percentile(laps, 95),
                       requests, len(counted.statements))  # fmt: skip


def query_plan(db: BenchDatabase, api: ApiClient, username: str) -> list[str]:
    """SQLite's plan for the inbox query as the service issues it."""
    captured: list[tuple[str, Any]] = []
    from sqlalchemy import event

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "FROM human_task JOIN process_instance" in statement:
            captured.append((statement, parameters))

    engine = db.ctx.db.read_engine
    event.listen(engine, "before_cursor_execute", grab)
    try:
        api.get("/api/v1/tasks", username)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    if not captured:
        return []
    statement, parameters = captured[0]
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return [str(row[-1]) for row in rows]


def analyze(db: BenchDatabase) -> None:
    """Give SQLite's planner table statistics (bpmnpub itself never runs ANALYZE)."""
    with db.ctx.db.write_engine.begin() as conn:
        conn.execute(text("ANALYZE"))
