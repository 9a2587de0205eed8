"""The staff web UI's pages (`GET /inbox`, `GET /tasks/<id>`) through Flask's test client, signed in
as a browser is: `POST /auth/login` with the CSRF token scraped from the login page, then the
session cookie. Server time only (no network, no WSGI server), HTML rendered in full.

The inbox runs services.tasks.inbox (one page of 25, the total, the procedures of the filter) and
the header runs services.tasks.count_tasks (the badge) on every page, all on the human_task
projection. The task page runs services.pages.task_page.get_task_page: it deserializes the task's workflow
for the data, reads the event log and the files. Inbox cases run over the generated rows of `bulk`;
the task pages show real instances driven through the services (`real_tasks`), so their state and
events are genuine.

Where the time goes: the statements of one request are captured as issued and each SELECT is re-run
alone on a pooled connection (rows fetched, fastest of RERUNS: the machine may be busy), with
SQLite's `EXPLAIN QUERY PLAN`.

What would fix a miss (`what_if`): the same pages measured again, on the same database, with
(a) a bigger SQLite page cache on the app's connections (a `connect` listener adds the PRAGMA; the
pools are emptied so every connection gets it), (b) the candidate indexes of CANDIDATE_INDEXES
created in the bench database, (c) both. src/ is untouched; the indexes are dropped afterwards. The
two-step shape of the list query is timed at statement level (`list_shapes`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import aliased

from bpmnpub.models import Group, HumanTask, ProcessDefinition, ProcessInstance, User
from bpmnpub.permissions import actionable_clause
from bpmnpub.services.kernel.membership import TASK_COLUMNS
from bpmnpub.services.operations.demo import DEMO_PASSWORD
from bpmnpub.services.pages import task_page
from bpmnpub.services.requests import inbox, instances, tasks

from .database import BenchDatabase
from .scenario import LANE_USERS, PROCESS_ID, steps
from .service_level import open_task
from .sql_count import counting
from .timing import now, percentile

TARGET = 0.050  # p95 server time of the inbox page and of the task page (staff web UI issue)
WARMUP = 20
LONG_LOOPS = 20  # revise rounds of the long-timeline request
THAI_QUERY = "จัดซื้อ"  # "procure": a substring of one title topic in seven (bulk.TOPICS)
RERUNS = 5  # each statement of a request re-run alone this many times; the fastest counts
PER_PAGE = 25  # services.tasks.inbox's page size
CACHE_KIB = 32 * 1024  # what-if page cache per connection (SQLite's default is 2 000 KiB)

# Indexes that would serve the inbox's queries (see the report): the first two cover every column
# the lane rule reads, so the candidate rows are filtered inside the index and never fetched; the
# third makes the "instance still running" check of the join a lookup in a small index instead of
# in process_instance rows (each ~5 KB: the workflow state is stored inline, one row per page).
CANDIDATE_INDEXES = {
    "ix_bench_human_task_inbox": "human_task (status, lane, scope_group_id, requester_id, "
    "assigned_user_id, decides, instance_id, created_at)",
    "ix_bench_human_task_requester": "human_task (requester_id, status, lane, assigned_user_id, "
    "instance_id, created_at)",
    "ix_bench_process_instance_status": "process_instance (status)",
}


class Browser:
    """One signed-in browser: a test client holding the session cookie of `username`."""

    def __init__(self, app: Flask, username: str) -> None:
        self.username = username
        self.client: FlaskClient = app.test_client()
        html = self.client.get("/auth/login").get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        assert match, "the login page carries a CSRF token"
        response = self.client.post(
            "/auth/login",
            data={"csrf_token": match.group(1), "username": username, "password": DEMO_PASSWORD},
        )
        assert response.status_code == 302, (username, response.status_code)

    def get(self, path: str) -> str:
        response = self.client.get(path)
        assert response.status_code == 200, (path, self.username, response.status_code)
        return response.get_data(as_text=True)


# -- real requests for the task pages ----------------------------------------------------------


@dataclass(frozen=True)
class RealTask:
    task_id: int
    instance_id: int
    viewer: str  # who opens the task page (the lane's demo user)
    events: int  # timeline entries the page shows


@dataclass(frozen=True)
class RealTasks:
    long: RealTask  # group director's review after LONG_LOOPS revise rounds (round LONG_LOOPS + 1)
    fresh: RealTask  # group director's review of a request submitted once (round 1)
    prepare: RealTask  # the requester's first task of a request just started


def real_tasks(db: BenchDatabase) -> RealTasks:
    """Three requests driven through services.instances/tasks, each left with the task to show open."""
    ctx = db.ctx
    requester = db.actor(LANE_USERS["requester"])

    def drive(loops: int, done: int, viewer: str) -> RealTask:
        view = instances.start_instance(ctx, PROCESS_ID, None, requester)
        for step in steps(loops, db.file_id)[:done]:
            view = tasks.complete_task(ctx, open_task(view) or 0, step.data, db.actor(LANE_USERS[step.lane]))
        task_id = open_task(view)
        assert task_id is not None
        page = task_page.get_task_page(ctx, task_id, db.actor(viewer))
        return RealTask(task_id, view.id, viewer, len(page.events))

    reviewer = LANE_USERS["group_director"]
    return RealTasks(
        long=drive(LONG_LOOPS, 1 + 2 * LONG_LOOPS, reviewer),  # prepare + (review: revise, revise) x 20
        fresh=drive(0, 1, reviewer),
        prepare=drive(0, 0, LANE_USERS["requester"]),
    )


# -- the cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    username: str
    path: str

    @property
    def is_inbox(self) -> bool:
        return self.path.startswith("/inbox")


def cases(real: RealTasks) -> list[Case]:
    process = f"?process={PROCESS_ID}"
    long, fresh, prepare = real.long, real.fresh, real.prepare
    return [
        Case("inbox-owner1", "inbox, owner1 (staff: own tasks)", "owner1", "/inbox"),
        Case("inbox-gdir", "inbox, gdir_plan (group director of plan)", "gdir_plan", "/inbox"),
        Case("inbox-director", "inbox, director1 (office-wide lane)", "director1", "/inbox"),
        Case("inbox-q", f"inbox `?q={THAI_QUERY}`, director1", "director1", f"/inbox?q={THAI_QUERY}"),
        Case("inbox-process", f"inbox `{process}`, director1", "director1", f"/inbox{process}"),
        Case("inbox-gdir-q", f"inbox `?q={THAI_QUERY}`, gdir_plan", "gdir_plan", f"/inbox?q={THAI_QUERY}"),
        Case(
            "task-long",
            f"task page: review after {LONG_LOOPS} revise rounds ({long.events} events), gdir_plan",
            long.viewer,
            f"/tasks/{long.task_id}",
        ),
        Case(
            "task-fresh",
            f"task page: fresh review, round 1 ({fresh.events} events), gdir_plan",
            fresh.viewer,
            f"/tasks/{fresh.task_id}",
        ),
        Case(
            "task-prepare",
            f"task page: prepare, request just started ({prepare.events} event), owner1",
            prepare.viewer,
            f"/tasks/{prepare.task_id}",
        ),
    ]


# -- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: tuple[Any, ...]
    seconds: float  # re-run alone, rows fetched, fastest of RERUNS
    rows: int
    plan: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return describe(self.sql)


@dataclass
class PageLatency:
    case: Case
    requests: int
    p50: float
    p95: float
    cpu_p50: float  # CPU time of the serving thread (less sensitive to other load on the machine)
    statements: int  # SQL statements per request (session user, header, the page's queries)
    bytes: int  # HTML size
    visible: int | None = None  # inbox: the total the page shows (all pages)
    repeated: int = 0  # SELECTs issued twice in one request with the same parameters
    profile: list[Statement] = field(default_factory=list)  # SELECTs of one request, costliest first

    @property
    def met(self) -> bool:
        return self.p95 <= TARGET

    @property
    def sql_seconds(self) -> float:
        return sum(s.seconds for s in self.profile)


def measure(db: BenchDatabase, app: Flask, chosen: list[Case], requests: int) -> list[PageLatency]:
    """`requests` timed requests per case, interleaved (one of each case in turn, so a burst of other
    load on the machine spreads over all cases), after WARMUP each; then each case's statement count,
    visible total and statement profile."""
    browsers: dict[str, Browser] = {}
    for case in chosen:
        if case.username not in browsers:
            browsers[case.username] = Browser(app, case.username)
        for _ in range(WARMUP):
            browsers[case.username].get(case.path)
    laps: dict[str, list[float]] = {case.key: [] for case in chosen}
    cpu: dict[str, list[float]] = {case.key: [] for case in chosen}
    for _ in range(requests):
        for case in chosen:
            started, started_cpu = now(), time.thread_time()
            browsers[case.username].get(case.path)
            laps[case.key].append(now() - started)
            cpu[case.key].append(time.thread_time() - started_cpu)
    out = []
    for case in chosen:
        browser = browsers[case.username]
        with counting(db) as counted:
            html = browser.get(case.path)
        lat = PageLatency(
            case,
            requests,
            percentile(laps[case.key], 50),
            percentile(laps[case.key], 95),
            percentile(cpu[case.key], 50),
            len(counted.statements),
            len(html.encode()),
        )
        if case.is_inbox:  # the total the page shows, from the service with the same filters
            args = parse_qs(urlsplit(case.path).query)
            lat.visible = inbox.inbox(
                db.ctx,
                db.actor(case.username),
                q=args.get("q", [None])[0],
                process_id=args.get("process", [None])[0],
            ).total
        lat.profile, lat.repeated = profile(db, browser, case)
        out.append(lat)
    return out


def captured(db: BenchDatabase, fn: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """Every statement `fn()` sends, with its parameters."""
    out: list[tuple[str, tuple[Any, ...]]] = []

    def grab(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        out.append((statement, tuple(parameters or ())))

    engines = {id(e): e for e in (db.ctx.db.read_engine, db.ctx.db.write_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", grab)
    try:
        fn()
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", grab)
    return out


def rerun(db: BenchDatabase, sql: str, parameters: tuple[Any, ...], times: int = RERUNS) -> Statement:
    with db.ctx.db.read_engine.connect() as conn:
        rows = len(conn.exec_driver_sql(sql, parameters).all())  # warm
        laps = []
        for _ in range(times):
            started = now()
            conn.exec_driver_sql(sql, parameters).all()
            laps.append(now() - started)
        seconds = min(laps)
        plan = [str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", parameters)]
    return Statement(sql, parameters, seconds, rows, plan)


def profile(db: BenchDatabase, browser: Browser, case: Case) -> tuple[list[Statement], int]:
    """The SELECTs of one request as issued, each re-run alone, costliest first; and how many of
    them repeat an earlier one exactly."""
    selects = [
        (sql, parameters)
        for sql, parameters in captured(db, lambda: browser.get(case.path))
        if sql.lstrip().upper().startswith("SELECT")
    ]
    repeated = len(selects) - len(set(selects))
    out = [rerun(db, sql, parameters) for sql, parameters in selects]
    return sorted(out, key=lambda s: -s.seconds), repeated


def describe(sql: str) -> str:
    """A short name for a statement of these pages, by its shape."""
    flat = " ".join(sql.split())
    if "count(human_task.id)" in flat:
        filtered = " LIKE " in flat.upper() or "process_instance.process_id = ?" in flat
        return "count of actionable tasks" + (" (filtered)" if filtered else "")
    if "DISTINCT process_instance.process_id" in flat:
        return "procedures of the filter (DISTINCT)"
    if flat.startswith("SELECT human_task.id") and "ORDER BY human_task.created_at" in flat:
        return "the page of tasks (ORDER BY … LIMIT)"
    names = (
        ("FROM instance_event", "event log of the request"),
        ("FROM stored_file", "files of the request"),
        ("FROM comment", "comments of the request"),
        ("FROM notification", "unread notifications (header)"),
        ("FROM delegation", "delegations (acting for)"),
        ("FROM role_assignment", "roles of a user"),
        ("SELECT process_instance.state", "the workflow state"),
        ("FROM human_task", "the task row"),
        ("FROM process_instance", "the instance row"),
        ("FROM process_definition", "the process definition"),
        ("FROM user", "a user row"),
        ('FROM "group"', "a group row"),
    )
    for mark, name in names:
        if mark in flat:
            return name
    match = re.search(r"\bFROM (\S+)", flat)
    return f"SELECT … FROM {match.group(1)}" if match else flat[:40]


def run(db: BenchDatabase, app: Flask, real: RealTasks, requests: int) -> list[PageLatency]:
    return measure(db, app, cases(real), requests)


# -- what would fix a miss ---------------------------------------------------------------------


@contextmanager
def page_cache(db: BenchDatabase, kib: int = CACHE_KIB) -> Iterator[None]:
    """Every new connection of the app gets `PRAGMA cache_size=-kib`; the pools are emptied first."""
    engines = list({id(e): e for e in (db.ctx.db.read_engine, db.ctx.db.write_engine)}.values())

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA cache_size=-{kib}")

    for engine in engines:
        event.listen(engine, "connect", on_connect)
        engine.dispose()
    try:
        yield
    finally:
        for engine in engines:
            event.remove(engine, "connect", on_connect)
            engine.dispose()


@contextmanager
def candidate_indexes(db: BenchDatabase) -> Iterator[None]:
    """CANDIDATE_INDEXES exist inside the block. The pools are emptied after each schema change: a
    pooled connection re-prepares a query when the schema changed, but not a cached `EXPLAIN`."""
    with db.ctx.db.write_engine.begin() as conn:
        for name, target in CANDIDATE_INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX {name} ON {target}")
    _fresh_connections(db)
    try:
        yield
    finally:
        with db.ctx.db.write_engine.begin() as conn:
            for name in CANDIDATE_INDEXES:
                conn.exec_driver_sql(f"DROP INDEX {name}")
        _fresh_connections(db)


def _fresh_connections(db: BenchDatabase) -> None:
    db.ctx.db.read_engine.dispose()
    db.ctx.db.write_engine.dispose()


@dataclass
class WhatIf:
    label: str
    pages: list[PageLatency]


VARIANTS = ("page cache", "indexes", "indexes + page cache")


def what_if(db: BenchDatabase, app: Flask, real: RealTasks, requests: int) -> list[WhatIf]:
    """Every case again under each variant (fewer requests: a diagnosis, not the figure)."""
    out = []
    with page_cache(db):
        out.append(WhatIf(VARIANTS[0], run(db, app, real, requests)))
    with candidate_indexes(db):
        out.append(WhatIf(VARIANTS[1], run(db, app, real, requests)))
        with page_cache(db):
            out.append(WhatIf(VARIANTS[2], run(db, app, real, requests)))
    return out


# -- the list query in two steps ---------------------------------------------------------------


def _page_query(db: BenchDatabase, username: str, two_step: bool) -> Any:
    """services.tasks.list_tasks' statement for the first inbox page, or the same page in two steps:
    the ids of the page (ORDER BY … LIMIT on indexed columns only), then the page's 25 rows joined
    for display. Built from the same rule (permissions.actionable_clause)."""
    actor = db.actor(username)
    assignee, requester = aliased(User), aliased(User)
    where = (actionable_clause(actor, TASK_COLUMNS), ProcessInstance.status == "running")
    order = (HumanTask.created_at, HumanTask.id)
    stmt = (
        select(
            HumanTask,
            ProcessInstance.title,
            ProcessInstance.process_id,
            ProcessDefinition.name,
            requester.full_name,
            Group.name,
            assignee.username,
        )
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .outerjoin(requester, requester.id == ProcessInstance.started_by_id)
        .outerjoin(Group, Group.id == ProcessInstance.group_id)
        .outerjoin(assignee, assignee.id == HumanTask.assigned_user_id)
        .order_by(*order)
    )
    if not two_step:
        return stmt.where(*where).limit(PER_PAGE)
    ids = (
        select(HumanTask.id)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(*where)
        .order_by(*order)
        .limit(PER_PAGE)
    )
    return stmt.where(HumanTask.id.in_(ids.scalar_subquery()))


@dataclass(frozen=True)
class ShapeTiming:
    username: str
    variant: str  # "as is" or "indexes"
    one_step: Statement
    two_step: Statement


def list_shapes(db: BenchDatabase, usernames: tuple[str, ...]) -> list[ShapeTiming]:
    """The first inbox page's list statement, one step (as services.tasks issues it) and two steps,
    without and with the candidate indexes; both must return the same rows."""
    out = []
    for variant in ("as is", "indexes"):
        context = candidate_indexes(db) if variant == "indexes" else _nothing()
        with context:
            for username in usernames:
                one, first = _issued(db, _page_query(db, username, two_step=False))
                two, second = _issued(db, _page_query(db, username, two_step=True))
                assert first == second, (username, first[:3], second[:3])
                service = [t.id for t in inbox.list_tasks(db.ctx, db.actor(username), limit=PER_PAGE)]
                assert first == service, "the one-step query no longer mirrors services.tasks.list_tasks"
                timed = [rerun(db, *one), rerun(db, *two)]
                out.append(ShapeTiming(username, variant, timed[0], timed[1]))
    return out


def _issued(db: BenchDatabase, query: Any) -> tuple[tuple[str, tuple[Any, ...]], list[int]]:
    """The SELECT SQLAlchemy sends for `query` (expanded parameters included) and the task ids it returns."""
    ids: list[int] = []

    def execute() -> None:
        with db.ctx.db.read() as session:
            ids.extend(row[0].id for row in session.execute(query))

    sent = [(sql, p) for sql, p in captured(db, execute) if sql.lstrip().upper().startswith("SELECT")]
    assert len(sent) == 1, len(sent)
    return sent[0], ids


@contextmanager
def _nothing() -> Iterator[None]:
    yield
