"""`python -m bench [--quick] [--profile] [--skip-admin] [--load-only]`: run every measurement (engine
and services, task list and staff pages, portal, ITA index, admin monitoring, the real server under
load), print the Markdown report and write it to bench/results/latest.md. Progress goes to stderr."""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sqlite3
import sys
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from bpmnpub.services.requests import consistency

from . import (
    admin_monitoring,
    bulk,
    ita_index,
    load,
    portal,
    profiling,
    sql_count,
    state_size,
    task_list,
    web_pages,
)
from .api_level import ApiClient, ApiRunner
from .bare import BareRunner
from .database import BenchDatabase, prepared
from .engine_level import EngineRunner
from .report import ListStage, Results, WebStage, render
from .scenario import LOOPS
from .service_level import ServiceRunner
from .timing import Runner, Samples, now

RESULTS = Path(__file__).resolve().parent / "results" / "latest.md"
REPS = {"full": {1: 15, 10: 7, 100: 3}, "quick": {1: 5, 10: 3, 100: 1}}
# (instances in the database after the stage, how many open tasks are planted for owner1 in it)
STAGES = {"full": ((10_000, 30), (100_000, 10)), "quick": ((10_000, 30),)}
LIST_REQUESTS = {"full": {10_000: 300, 100_000: 200}, "quick": {10_000: 200}}
LIST_USERS = ("owner1", "director1")
WEB_REQUESTS = {"full": 200, "quick": 60}  # per web page case and stage
WHAT_IF_REQUESTS = {"full": 100, "quick": 30}  # per case and variant, last stage only
SHAPE_USERS = ("owner1", "gdir_plan", "director1")


def log(message: str) -> None:
    print(f"[bench {now() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def environment() -> str:
    return (
        f"Python {platform.python_version()}, SpiffWorkflow {version('spiffworkflow')}, "
        f"SQLAlchemy {version('sqlalchemy')}, Flask {version('flask')}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}"
    )


def completes(results: Results, reps: dict[int, int]) -> None:
    """Measurements 1-5: the four levels interleaved, then the state sizes of their first runs."""
    db = prepared("complete")
    try:
        api = ApiRunner(db)
        runners: list[Runner] = [BareRunner(), EngineRunner(), ServiceRunner(db), api]
        for runner in runners:  # warm caches (parsed specs, forms, imports) outside the figures
            runner.run(1)
        for loops in LOOPS:
            log(f"complete: {loops} revise loops x {reps[loops]} runs")
            first = {}
            for rep in range(reps[loops]):
                for runner in runners:
                    gc.collect()
                    run = runner.run(loops)
                    results.per_task.setdefault((runner.name, loops), Samples()).add(run.per_task)
                    if rep == 0:
                        first[runner.name] = run
            results.states.append(state_size.from_runs(loops, first["bare"], first["engine"]))
        log("SQL statements per complete")
        results.sql_service = sql_count.per_step(db)
        results.sql_api = sql_count.per_step(db, api=api.api)
        results.sql_sample = sql_count.statements_of_one(db)
        log("where the time goes")
        results.share = profiling.engine_share(db)
        results.idle = profiling.idle_connection_effect(db)
        results.profile_shares, top = profiling.profile(db)
        results.profile_top = top
        results.consistency.append(check(db, "complete"))
    finally:
        db.close()


def check(db: BenchDatabase, label: str) -> str:
    """Every benchmark ends with the invariant check; a finding is a bug, printed loudly."""
    report = consistency.check_all(db.ctx)
    line = f"{label}: {report.checked:,} live requests checked, {len(report.findings)} finding(s)"
    log(line)
    for finding in report.findings[:20]:
        log(f"  FINDING request {finding.instance_id}: {finding.kind}: {finding.detail}")
    return line


def task_lists(results: Results, mode: str) -> None:
    db = prepared("tasklist")
    try:
        log("task list: real instances for the templates")
        generator = bulk.Generator(db, bulk.templates(db))
        api = ApiClient(db)
        real: web_pages.RealTasks | None = None
        for instances, planted in STAGES[mode]:
            count = instances - generator.totals.instances
            log(f"task list: generating {count:,} instances")
            seconds = generator.add(count, planted)
            requests = LIST_REQUESTS[mode][instances]
            latencies = []
            for username in LIST_USERS:
                log(f"task list: {instances:,} instances, {username}, {requests} requests")
                latencies.append(task_list.measure(db, api, username, requests))
            stage = ListStage(
                instances,
                _copy(generator.totals),
                seconds,
                latencies,
                task_list.query_plan(db, api, LIST_USERS[0]),
            )
            results.stages.append(stage)
            if real is None:  # real requests for the task pages (after the bulk rows of the first stage)
                log("web pages: driving the requests shown on the task pages")
                real = web_pages.real_tasks(db)
                results.web_real = real
            log(f"web pages: {instances:,} instances, {WEB_REQUESTS[mode]} requests per page")
            pages = web_pages.run(db, api.app, real, WEB_REQUESTS[mode])
            results.web.append(WebStage(instances, generator.totals.open_rows, pages))
        if real is not None:
            log(f"web pages: what-if (page cache, candidate indexes), {WHAT_IF_REQUESTS[mode]} requests each")
            results.web_what_if = web_pages.what_if(db, api.app, real, WHAT_IF_REQUESTS[mode])
            log("web pages: the list query in one and two steps")
            results.web_shapes = web_pages.list_shapes(db, SHAPE_USERS)
        if mode == "full":
            log("task list: ANALYZE, then owner1 again")
            task_list.analyze(db)
            last = results.stages[-1]
            last.analyzed = [task_list.measure(db, api, LIST_USERS[0], LIST_REQUESTS[mode][last.instances])]
            last.analyzed_plan = task_list.query_plan(db, api, LIST_USERS[0])
    finally:
        db.close()


def _copy(totals: bulk.Totals) -> bulk.Totals:
    return bulk.Totals(**{**vars(totals), "by_lane": dict(totals.by_lane), "by_group": dict(totals.by_group)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, 10 000 instances only")
    parser.add_argument(
        "--profile", action="store_true", help="also print cProfile's top functions of complete_task"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help=f"where to write the report (default {RESULTS})"
    )
    parser.add_argument(
        "--skip-admin",
        action="store_true",
        help="leave out the admin monitoring section (100 000 requests on each database; run it alone "
        "with `python -m bench.admin_monitoring`)",
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="only the real server under load (bench/load.py: gunicorn on SQLite and PostgreSQL)",
    )
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    if args.load_only:
        log("load: the real server over HTTP (bench/load.py)")
        return _write(args.out, load.render(load.run(mode)))
    results = Results(
        mode, datetime.now().astimezone().isoformat(timespec="minutes"), environment(), REPS[mode]
    )
    load_before = os.getloadavg()[0]
    completes(results, REPS[mode])
    task_lists(results, mode)
    log("portal: 50 000 published items (bench/portal.py)")
    portal_section = portal.run(mode)
    log("ITA index: 50 000 published items (bench/ita_index.py)")
    sections = [portal_section, ita_index.section(mode)]
    if not args.skip_admin:
        log("admin monitoring: 100 000 requests (bench/admin_monitoring.py)")
        sections.append(admin_monitoring.run(mode))
    log("load: the real server over HTTP (bench/load.py)")
    sections.append(load.render(load.run(mode)))
    results.run_seconds = now() - STARTED
    results.load = (load_before, os.getloadavg()[0])
    text = "\n".join([render(results), *sections])
    if args.profile:
        print(
            "## cProfile of complete_task (top 30 by cumulative time)\n\n```\n" + results.profile_top + "```"
        )
    return _write(args.out, text)


def _write(out: Path, text: str) -> int:
    print(text)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    log(f"written to {out}")
    return 0


STARTED = now()

if __name__ == "__main__":
    sys.exit(main())
