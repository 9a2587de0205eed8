"""`python -m bench.admin_monitoring [--instances N] [--requests N] [--no-postgres]`: the admin pages of
issue 5 over N generated requests (default 100 000, as `bulk` makes them, plus their event-log rows):
the request list with filters, the page of one real request revised 20 times, and the statistics of one
process; on SQLite, then on PostgreSQL when `BPMNPUB_BENCH_POSTGRES_URL` (see `portal`) is reachable.
`make bench` runs it after the portal.

Every figure is printed beside BASELINE = `GET /api/v1/tasks` for owner1 (the inbox, the figure the
staff UI is held to), measured in the same run on the same database, as a ratio; the issue's targets
are printed as met / not met. What migration 0009's three indexes buy: the waiting filters and the
statistics again with them dropped for the while (and made again from their definitions).
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Index, Table, insert, select

from bpmnpub.models import HumanTask, InstanceEvent, ProcessInstance
from bpmnpub.services.files import storage
from bpmnpub.services.requests import admin_page, instances, monitoring, statistics, tasks
from bpmnpub.services.requests.monitoring import InstanceFilters

from . import bulk
from .api_level import ApiClient
from .database import PDF, BenchDatabase, prepared
from .scenario import LANE_USERS, PROCESS_ID, REVISE, request_data
from .timing import now, percentile

ROUNDS = 20
INDEXES_0009 = ("ix_human_task_open_since", "ix_human_task_stats", "ix_instance_event_stats")
CHUNK = 20_000
LIST_TARGET, PAGE_TARGET, STATS_TARGET = 0.050, 0.100, 1.0  # p95 seconds, issue 5
REQUESTS = {"full": 100, "quick": 40}


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
    return _Checked(client)


class _Checked:
    """GETs that must answer 200 (a redirect to the sign-in page or an error would be measured instead)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, path: str) -> Any:
        response = self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response


def laps(call: Callable[[], Any], n: int, warm: int = 5) -> tuple[float, float]:
    for _ in range(warm):
        call()
    times = []
    for _ in range(n):
        started = now()
        call()
        times.append(now() - started)
    return percentile(times, 50), percentile(times, 95)


Row = tuple[str, float, float, float | None]  # label, p50, p95, target (None: no target)


def measure(db: BenchDatabase, instances: int, n: int) -> tuple[str, list[Row]]:
    """Generate the data in `db`, then every figure; (what was generated, rows with BASELINE first)."""
    log("real requests for the templates")
    generator = bulk.Generator(db, bulk.templates(db))
    log(f"generating {instances:,} requests")
    generator.add(instances, 30)
    log("event-log rows")
    events = add_events(db)
    log(f"{events:,} events; a request revised {ROUNDS} times")
    target = revised(db, ROUNDS)
    ctx = db.ctx
    if not ctx.db.is_sqlite:
        with ctx.db.write_engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    api = ApiClient(db)
    admin = db.actor("admin1")
    rng = random.Random(7)
    today = ctx.now().date()
    results: list[Row] = []
    log("baseline: GET /api/v1/tasks (owner1)")
    results.append(
        (
            "BASELINE GET /api/v1/tasks (owner1 inbox)",
            *laps(lambda: api.get("/api/v1/tasks", "owner1"), n),
            None,
        )
    )
    filters = {
        "no filter (page 1)": InstanceFilters(),
        "status=running": InstanceFilters(status="running"),
        "process + version": InstanceFilters(process_id=PROCESS_ID, version=1),
        "group=plan": InstanceFilters(group="plan"),
        "requester=owner2": InstanceFilters(requester="owner2"),
        "created in the last 90 days": InstanceFilters(created_from=today - timedelta(days=90)),
        "overdue": InstanceFilters(overdue=True),
        "waiting > 3 days": InstanceFilters(waiting_days=3),
        "running + group + waiting > 3 days": InstanceFilters(status="running", group="plan", waiting_days=3),
        "title words": InstanceFilters(q="คัดเลือก"),
    }
    for label, f in filters.items():
        log(f"list: {label}")
        results.append(
            (
                f"list service: {label}",
                *laps(lambda f=f: monitoring.list_instances(ctx, admin, f), n),
                LIST_TARGET,
            )
        )
    page_n = rng.randint(2, 20)
    results.append(
        (
            f"list service: no filter, page {page_n}",
            *laps(lambda: monitoring.list_instances(ctx, admin, InstanceFilters(), page=page_n), n),
            LIST_TARGET,
        )
    )
    browser = _signed_in(api.app, "admin1")
    results.append(
        (
            "list page: GET /admin/instances?status=running&waiting=3",
            *laps(lambda: browser.get("/admin/instances?status=running&waiting=3"), n),
            LIST_TARGET,
        )
    )
    log(f"instance page, {ROUNDS} rounds")
    results.append(
        (
            f"instance page service ({ROUNDS} revise rounds)",
            *laps(lambda: admin_page.get_instance_page(ctx, target, admin), n),
            PAGE_TARGET,
        )
    )
    results.append(
        (
            f"instance page: GET /admin/instances/{{id}} ({ROUNDS} rounds)",
            *laps(lambda: browser.get(f"/admin/instances/{target}"), n),
            PAGE_TARGET,
        )
    )
    log("statistics")
    stats_n = max(5, n // 10)

    def stats_all() -> Any:
        return statistics.process_stats(ctx, admin, PROCESS_ID)

    def stats_year() -> Any:
        return statistics.process_stats(ctx, admin, PROCESS_ID, date_from=today - timedelta(days=365))

    results.append(
        ("statistics service, general_publication, all dates", *laps(stats_all, stats_n, 1), STATS_TARGET)
    )
    results.append(("statistics service, one year", *laps(stats_year, stats_n, 1), STATS_TARGET))
    results.append(
        (
            "statistics page: GET /admin/instances/stats/general_publication",
            *laps(lambda: browser.get(f"/admin/instances/stats/{PROCESS_ID}"), stats_n, 1),
            STATS_TARGET,
        )
    )
    log("again without migration 0009's indexes")
    with _without_0009(db):
        for label in ("overdue", "waiting > 3 days", "running + group + waiting > 3 days"):
            f = filters[label]
            results.append(
                (
                    f"list service: {label}, WITHOUT 0009 indexes",
                    *laps(lambda f=f: monitoring.list_instances(ctx, admin, f), max(10, n // 4)),
                    None,
                )
            )
        results.append(("statistics, all dates, WITHOUT 0009 indexes", *laps(stats_all, stats_n, 1), None))
    what = f"{instances:,} generated requests, {generator.totals.rows:,} task rows, {events:,} events"
    return what, results


class _without_0009:
    """Drop migration 0009's indexes for the while; made again from the models' definitions."""

    def __init__(self, db: BenchDatabase) -> None:
        self.db = db
        self.indexes = [
            index
            for table in (HumanTask.__table__, InstanceEvent.__table__)
            for index in cast(Table, table).indexes
            if isinstance(index, Index) and index.name in INDEXES_0009
        ]

    def __enter__(self) -> None:
        with self.db.ctx.db.write_engine.begin() as conn:
            for index in self.indexes:
                index.drop(conn)

    def __exit__(self, *exc: object) -> None:
        with self.db.ctx.db.write_engine.begin() as conn:
            for index in self.indexes:
                index.create(conn)


def render(runs: list[tuple[str, str, list[Row]]], n: int) -> str:
    out = [
        "## Admin monitoring (issue 5, bench/admin_monitoring.py)",
        "",
        f"{n} requests per list/page figure, a tenth of that for the statistics; server time through the "
        "service or Flask's test client. × = p95 against BASELINE's p95 (the owner1 inbox, same run, same "
        "database). Targets (issue 5): list p95 ≤ 50 ms, instance page ≤ 100 ms, statistics ≤ 1 s.",
    ]
    for backend, what, rows in runs:
        base = rows[0][2]
        out += [
            "",
            f"### {backend}: {what}",
            "",
            "| measurement | p50 ms | p95 ms | × baseline | target | met |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for label, p50, p95, goal in rows:
            target = "" if goal is None else f"{goal * 1000:.0f} ms"
            met = "" if goal is None else ("met" if p95 <= goal else "NOT met")
            out.append(
                f"| {label} | {p50 * 1000:.1f} | {p95 * 1000:.1f} | {p95 / base:.2f}× | {target} | {met} |"
            )
    return "\n".join(out) + "\n"


def run(mode: str, instances: int = 100_000, postgres: bool = True) -> str:
    """Measure on SQLite, then on PostgreSQL when reachable; the Markdown section."""
    from .portal import postgres_database

    n = REQUESTS[mode]
    runs = []
    db = prepared("monitoring")
    try:
        runs.append(("SQLite", *measure(db, instances, n)))
    finally:
        db.close()
    if postgres:
        with postgres_database() as pg:
            if pg is not None:
                for username in LANE_USERS.values():
                    pg.actor(username)
                owner = pg.actor(LANE_USERS["requester"])
                pg.file_id = storage.upload_file(pg.ctx, io.BytesIO(PDF), "ประกาศ.pdf", actor_id=owner.id).id
                runs.append(("PostgreSQL", *measure(pg, instances, n)))
    return render(runs, n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.admin_monitoring", description=__doc__)
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help=f"{REQUESTS['quick']} requests per figure")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args(argv)
    print(run("quick" if args.quick else "full", args.instances, not args.no_postgres))
    return 0


if __name__ == "__main__":
    sys.exit(main())
