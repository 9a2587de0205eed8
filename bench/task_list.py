"""`GET /api/v1/tasks` latency over a database of N generated instances (test client, bearer token).

The measured user is owner1 (planted with 20-50 open tasks, see `bulk`). director1, whose office-wide
role sees every open director task of the office, is measured beside it: with the generated mix that
inbox holds thousands of tasks, of which the API returns the first 50.

The inbox query is captured as the service issues it (a `before_cursor_execute` listener) to count
every visible task (the same query without its LIMIT) and to show SQLite's plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text

from bpmnpub.services.requests import inbox

from .api_level import ApiClient
from .database import BenchDatabase
from .sql_count import counting
from .timing import now, percentile

WARMUP = 20
INBOX_MARK = "FROM human_task JOIN process_instance"


@dataclass(frozen=True)
class ListLatency:
    username: str
    visible: int  # open tasks the user may act on (all pages)
    returned: int  # tasks in one response (first page, limit 50)
    p50: float
    p95: float
    requests: int
    statements: int  # SQL statements per request (token lookup, roles, the list)


def inbox_query(db: BenchDatabase, api: ApiClient, username: str) -> tuple[str, tuple[Any, ...]]:
    """The inbox SELECT and its parameters, as the service sent them for this user."""
    captured: list[tuple[str, tuple[Any, ...]]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if INBOX_MARK in statement:
            captured.append((statement, tuple(parameters)))

    engine = db.ctx.db.read_engine
    event.listen(engine, "before_cursor_execute", grab)
    try:
        api.get("/api/v1/tasks", username)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    assert captured, "the inbox query was not seen; has list_tasks changed shape?"
    return captured[0]


def visible_count(db: BenchDatabase, api: ApiClient, username: str) -> int:
    """How many tasks the user can act on (the same rule the inbox lists by, counted by the service)."""

    return inbox.count_tasks(db.ctx, db.actor(username))


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
    visible = visible_count(db, api, username)
    p50, p95 = percentile(laps, 50), percentile(laps, 95)
    return ListLatency(username, visible, len(body), p50, p95, requests, len(counted.statements))


def query_plan(db: BenchDatabase, api: ApiClient, username: str) -> list[str]:
    """SQLite's plan for the inbox query as the service issues it."""
    statement, parameters = inbox_query(db, api, username)
    with db.ctx.db.read_engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return [str(row[-1]) for row in rows]


def analyze(db: BenchDatabase) -> None:
    """Give SQLite's planner table statistics (bpmnpub itself never runs ANALYZE)."""
    with db.ctx.db.write_engine.begin() as conn:
        conn.execute(text("ANALYZE"))
