"""The inbox stays answered from its covering index whatever the sort (SQLite's EXPLAIN QUERY PLAN).
Without `due_at` in ix_human_task_inbox, sorting by due date went through ix_human_task_open_since and
read every open task's row for its lane (measured on the demo office)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import inbox


@pytest.fixture
def backend() -> str:
    """SQLite's plan (PostgreSQL's planner chooses by table statistics, not a fixed plan)."""
    return "sqlite"


def _inbox_plan(ctx: ServiceContext, actor: Any, **filters: Any) -> list[str]:
    """SQLite's plan of the inbox's page query, as list_tasks sends it."""
    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "FROM human_task JOIN process_instance" in statement:
            seen.append((statement, parameters))

    engine = ctx.db.read_engine
    event.listen(engine, "before_cursor_execute", grab)
    try:
        inbox.list_tasks(ctx, actor, **filters)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    statement, parameters = seen[0]
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return [str(row[-1]) for row in rows]


@pytest.mark.parametrize("sort", ["due", "waiting", "created"])
def test_every_sort_is_answered_from_the_inbox_index(ctx: ServiceContext, actor: Any, sort: str) -> None:
    plan = _inbox_plan(ctx, actor("director1"), sort=sort, view="overdue")
    task_steps = [step for step in plan if "human_task" in step]
    assert task_steps and all(
        "COVERING INDEX ix_human_task_inbox" in s or "PRIMARY KEY" in s for s in task_steps
    ), plan
