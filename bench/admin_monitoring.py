"""`python -m bench.admin_monitoring [--instances N]`: the admin pages of issue 5 over N generated requests
(default 100 000, as `bulk` makes them, plus their event-log rows): the request list with filters, the
page of one real request revised 20 times, and the statistics of one process.

Every figure is printed beside BASELINE = `GET /api/v1/tasks` for owner1 (the inbox, the figure the
staff UI is held to), measured in the same run on the same database, as a ratio. No pass/fail.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select

from bpmnpub.models import HumanTask, InstanceEvent, ProcessInstance
from bpmnpub.services import instances, monitoring, tasks
from bpmnpub.services.monitoring import InstanceFilters

from . import bulk
from .api_level import ApiClient
from .database import prepared
from .scenario import LANE_USERS, PROCESS_ID, REVISE, request_data
from .timing import now, percentile

ROUNDS = 20
CANDIDATE_INDEXES = (
    "CREATE INDEX ix_human_task_stats ON human_task (instance_id, task_spec, created_at, completed_at)",
    "CREATE INDEX ix_instance_event_stats ON instance_event (instance_id, action, task_spec, at)",
)
CHUNK = 20_000


def log(message: str) -> None:
    print(f"[admin-bench] {message}", file=sys.stderr, flush=True)


def add_events(db: Any) -> int:
    """The event-log rows of the generated requests: started, one per completed step, and the ends."""
    table = cast(Table, InstanceEvent.__table__)
    total = 0
    with db.ctx.db.read() as session:
        rows = session.execute(
            select(
                HumanTask.instance_id,
                HumanTask.task_spec,
                HumanTask.name,
                HumanTask.completed_at,
                HumanTask.completed_by_id,
                HumanTask.id,
            ).where(HumanTask.status == "completed")
        ).all()
        ends = session.execute(
            select(
                ProcessInstance.id,
                ProcessInstance.status,
                ProcessInstance.created_at,
                ProcessInstance.completed_at,
                ProcessInstance.started_by_id,
            )
        ).all()
    batch: list[dict[str, Any]] = []

    blank = dict.fromkeys(
        (
            "actor_id",
            "on_behalf_of_id",
            "human_task_id",
            "task_spec",
            "task_name",
            "decision",
            "comment",
            "details",
        )
    )

    def flush(conn: Any) -> None:
        nonlocal total
        if batch:
            conn.execute(insert(table), [{**blank, **row} for row in batch])
            total += len(batch)
            batch.clear()

    with db.ctx.db.write_engine.begin() as conn:
        for instance_id, status, created, completed, starter in ends:
            batch.append(
                {"instance_id": instance_id, "at": created, "actor_id": starter, "action": "started"}
            )
            if status == "completed":
                batch.append(
                    {
                        "instance_id": instance_id,
                        "at": completed,
                        "action": "service",
                        "task_spec": "Task_PublishItem",
                        "task_name": "เผยแพร่",
                    }
                )
                batch.append(
                    {
                        "instance_id": instance_id,
                        "at": completed,
                        "action": "completed",
                        "task_spec": "End_Published",
                        "task_name": "เผยแพร่แล้ว",
                    }
                )
            elif status == "rejected":
                batch.append(
                    {
                        "instance_id": instance_id,
                        "at": completed,
                        "action": "rejected",
                        "task_spec": "End_Rejected",
                        "task_name": "ไม่อนุมัติ",
                    }
                )
            if len(batch) >= CHUNK:
                flush(conn)
        for instance_id, spec, name, at, who, task_id in rows:
            batch.append(
                {
                    "instance_id": instance_id,
                    "at": at,
                    "actor_id": who,
                    "action": "task_completed",
                    "human_task_id": task_id,
                    "task_spec": spec,
                    "task_name": name,
                    "decision": "approve" if spec != bulk.PREPARE else None,
                }
            )
            if len(batch) >= CHUNK:
                flush(conn)
        flush(conn)
    return total


def revised(db: Any, rounds: int) -> int:
    """A real request sent back `rounds` times by the group director, now at the review again."""
    ctx = db.ctx
    owner, gdir = db.actor(LANE_USERS["requester"]), db.actor(LANE_USERS["group_director"])
    started = instances.start_instance(ctx, PROCESS_ID, None, owner)

    def open_task(who: Any) -> int:  # the inbox of a director holds thousands here: ask the table
        with ctx.db.read() as session:
            found = session.scalar(
                select(HumanTask.id).where(
                    HumanTask.instance_id == started.id, HumanTask.status.in_(("ready", "claimed"))
                )
            )
        assert found is not None
        return int(found)

    tasks.complete_task(ctx, open_task(owner), request_data(db.file_id), owner)
    for n in range(rounds):
        tasks.complete_task(ctx, open_task(gdir), REVISE, gdir)
        tasks.complete_task(ctx, open_task(owner), request_data(db.file_id, n + 1), owner)
    return started.id


def _signed_in(app: Any, username: str) -> Any:
    """A browser-like client signed in through the sign-in page (session cookie and CSRF token)."""
    import re

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None
    client.post(
        "/auth/login", data={"csrf_token": token.group(1), "username": username, "password": "demo1234"}
    )
    return client


def laps(call: Callable[[], Any], n: int, warm: int = 5) -> tuple[float, float]:
    for _ in range(warm):
        call()
    times = []
    for _ in range(n):
        started = now()
        call()
        times.append(now() - started)
    return percentile(times, 50), percentile(times, 95)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.admin_monitoring", description=__doc__)
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args(argv)
    db = prepared("monitoring")
    try:
        log("real requests for the templates")
        generator = bulk.Generator(db, bulk.templates(db))
        log(f"generating {args.instances:,} requests")
        generator.add(args.instances, 30)
        log("event-log rows")
        events = add_events(db)
        log(f"{events:,} events; a request revised {ROUNDS} times")
        target = revised(db, ROUNDS)
        api = ApiClient(db)
        admin = db.actor("admin1")
        ctx = db.ctx
        rng = random.Random(7)
        today = ctx.now().date()
        n = args.requests
        results: list[tuple[str, float, float]] = []
        log("baseline: GET /api/v1/tasks (owner1)")
        base = laps(lambda: api.get("/api/v1/tasks", "owner1"), n)
        results.append(("BASELINE GET /api/v1/tasks (owner1 inbox)", *base))
        filters = {
            "no filter (page 1)": InstanceFilters(),
            "status=running": InstanceFilters(status="running"),
            "process + version": InstanceFilters(process_id=PROCESS_ID, version=1),
            "group=plan": InstanceFilters(group="plan"),
            "requester=owner2": InstanceFilters(requester="owner2"),
            "created in the last 90 days": InstanceFilters(created_from=today - timedelta(days=90)),
            "overdue": InstanceFilters(overdue=True),
            "waiting > 3 days": InstanceFilters(waiting_days=3),
            "running + group + waiting > 3 days": InstanceFilters(
                status="running", group="plan", waiting_days=3
            ),
            "title words": InstanceFilters(q="คัดเลือก"),
        }
        for label, f in filters.items():
            log(f"list: {label}")
            results.append(
                (f"list service: {label}", *laps(lambda f=f: monitoring.list_instances(ctx, admin, f), n))
            )
        page_n = rng.randint(2, 20)
        results.append(
            (
                f"list service: no filter, page {page_n}",
                *laps(lambda: monitoring.list_instances(ctx, admin, InstanceFilters(), page=page_n), n),
            )
        )
        browser = _signed_in(api.app, "admin1")
        results.append(
            (
                "list page: GET /admin/instances?status=running&waiting=3",
                *laps(lambda: browser.get("/admin/instances?status=running&waiting=3"), n),
            )
        )
        log(f"instance page, {ROUNDS} rounds")
        results.append(
            (
                f"instance page service ({ROUNDS} revise rounds)",
                *laps(lambda: monitoring.get_instance_page(ctx, target, admin), n),
            )
        )
        results.append(
            (
                f"instance page: GET /admin/instances/{{id}} ({ROUNDS} rounds)",
                *laps(lambda: browser.get(f"/admin/instances/{target}"), n),
            )
        )
        log("statistics")
        stats_n = max(5, n // 10)
        results.append(
            (
                "statistics service, general_publication, all dates",
                *laps(lambda: monitoring.process_stats(ctx, admin, PROCESS_ID), stats_n, warm=1),
            )
        )
        results.append(
            (
                "statistics service, one fiscal year",
                *laps(
                    lambda: monitoring.process_stats(
                        ctx, admin, PROCESS_ID, date_from=today - timedelta(days=365)
                    ),
                    stats_n,
                    warm=1,
                ),
            )
        )
        log("statistics again with the two candidate covering indexes (not in the schema)")
        with ctx.db.write_engine.begin() as conn:
            for ddl in CANDIDATE_INDEXES:
                conn.exec_driver_sql(ddl)
        results.append(
            (
                "statistics, all dates, WITH candidate indexes",
                *laps(lambda: monitoring.process_stats(ctx, admin, PROCESS_ID), stats_n, warm=1),
            )
        )
        print(
            f"# admin monitoring bench: {args.instances:,} generated requests, "
            f"{generator.totals.rows:,} task rows, {events:,} events\n"
        )
        print("| measurement | p50 ms | p95 ms | p95 × baseline p95 |")
        print("|---|---|---|---|")
        for label, p50, p95 in results:
            print(f"| {label} | {p50 * 1000:.1f} | {p95 * 1000:.1f} | {p95 / base[1]:.2f}× |")
    finally:
        db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
