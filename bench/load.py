"""The real server under load (`python -m bench --load-only`; `make bench` runs it last).

`bpmnpub serve` (gunicorn, as `make run` starts it) on a loopback port, once on SQLite and once on a
private PostgreSQL schema; 1 client, then 32 concurrent clients (threads with keep-alive connections,
`load_client`) drive whole requests over the JSON API: start general_publication, then four task
submissions (file it, the group director approves, the director approves, the publisher certifies).
Each run is bounded in requests and in seconds. The clients run on the same 2 cores as the server.

BASELINE, same run: the bare SpiffWorkflow round trip (bench/bare.py) driving the same requests
(start + 4 submissions) as fast as it can, in 1 process and in 2 processes (the 2-core comparison).
Throughput counts submissions per second of wall time with the starts inside that time, on both
sides; × bare = server's submissions/s ÷ bare's. For one client, the p50 of a submission is also
compared with the bare round trip's median.

It ends with `bpmnpub check` on each database (zero findings wanted) and counts, per request made,
the `task_completed` events against the submissions the server answered 200: nothing lost, nothing
doubled.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, func, select

from bpmnpub.models import InstanceEvent

from . import load_cpu
from .bare import BareRunner
from .load_client import Tally, drive, upload_attachment
from .load_server import Server, postgres_reachable, serving
from .timing import median, ms, now, percentile

POSTGRES = "PostgreSQL"
# What the disk costs: the same server with commits that do not wait for the WAL flush (a DBA's
# choice, never the app's: a crash may lose the last moment of commits). `--what-if` only.
WHAT_IF = "PostgreSQL, synchronous_commit=off"
NO_FLUSH = (("synchronous_commit", "off"),)
KINDS = ("SQLite", POSTGRES)
CLIENTS = (1, 32)
# (seconds, requests) per run: each run stops at whichever comes first.
BOUNDS = {"full": {1: (10.0, 400), 32: (15.0, 4000)}, "quick": {1: (6.0, 200), 32: (10.0, 2000)}}
WARMUP_SECONDS = 3.0
BARE_SECONDS = {"full": 5.0, "quick": 3.0}
LOOPS = 0  # no revise loop: start + 4 submissions, the path the clients drive
# Targets of issue 15.
TARGET_SHARE, TARGET_P95, TARGET_SINGLE = 0.25, 0.100, 3.0


def log(message: str) -> None:
    print(f"[bench load {now() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Bare:
    processes: int
    submissions: int
    seconds: float  # wall time, starts inside
    round_trip: float  # median seconds of one submission's round trip (restore .. serialize)

    @property
    def per_second(self) -> float:
        return self.submissions / self.seconds


def _bare_worker(seconds: float, barrier: Any, out: Any) -> None:
    runner = BareRunner()
    for _ in range(20):  # warm: imports, parsed spec, caches
        runner.run(LOOPS)
    barrier.wait()
    gc.collect()
    count, trips, started = 0, [], now()
    while now() - started < seconds:
        run = runner.run(LOOPS)
        count += run.tasks
        trips.append(run.per_task)
    out.put((count, now() - started, median(trips)))


def bare(processes: int, seconds: float) -> Bare:
    """The bare engine driving requests in `processes` processes at once, for `seconds`."""
    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(processes), context.Queue()
    procs = [context.Process(target=_bare_worker, args=(seconds, barrier, out)) for _ in range(processes)]
    for proc in procs:
        proc.start()
    results = [out.get() for _ in procs]
    for proc in procs:
        proc.join()
    return Bare(
        processes,
        sum(r[0] for r in results),
        max(r[1] for r in results),
        median([r[2] for r in results]),
    )


@dataclass
class Consistency:
    checked: int
    findings: list[dict[str, Any]]
    requests: int  # requests the clients started
    submitted: int  # submissions answered 200
    events: int  # task_completed events of those requests
    mismatched: list[tuple[int, int, int]]  # (instance id, submissions answered, events) that differ

    @property
    def clean(self) -> bool:
        return not self.findings and not self.mismatched and self.submitted == self.events


@dataclass
class DatabaseRun:
    database: str
    runs: dict[int, Tally] = field(default_factory=dict)  # clients -> what they did
    consistency: Consistency | None = None
    floor: tuple[float, float] | None = None  # PostgreSQL: seconds of a round trip, of a durable commit
    cpu: dict[int, load_cpu.CpuUse] = field(default_factory=dict)  # clients -> CPU seconds per submission


def _events_per_request(server: Server, made: dict[int, int]) -> dict[int, int]:
    engine = create_engine(server.url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(InstanceEvent.instance_id, func.count())
                .where(InstanceEvent.action == "task_completed", InstanceEvent.instance_id.in_(list(made)))
                .group_by(InstanceEvent.instance_id)
            ).all()
    finally:
        engine.dispose()
    return {int(i): int(n) for i, n in rows}


def _consistency(server: Server, runs: list[Tally]) -> Consistency:
    made: dict[int, int] = {}
    for tally in runs:
        made.update(tally.made)
    events = _events_per_request(server, made) if made else {}
    mismatched = [(i, n, events.get(i, 0)) for i, n in sorted(made.items()) if events.get(i, 0) != n]
    report = server.check()
    return Consistency(
        report["checked"],
        report["findings"],
        len(made),
        sum(made.values()),
        sum(events.values()),
        mismatched,
    )


def run_database(kind: str, mode: str, serve_args: tuple[str, ...] = ()) -> DatabaseRun:
    result = DatabaseRun(kind)
    log(f"{kind}: bpmnpub init --demo, bpmnpub serve {' '.join(serve_args)}, tokens")
    database, settings = (POSTGRES, NO_FLUSH) if kind == WHAT_IF else (kind, ())
    with serving(database, serve_args, settings) as server:
        result.floor = server.probe()
        file_id = upload_attachment(server.port, server.tokens)
        warm = drive(server.port, server.tokens, file_id, 4, 10_000, WARMUP_SECONDS)
        log(f"{kind}: warmed up ({warm.submissions} submissions, {warm.errors} errors)")
        kept = [warm]
        for clients in CLIENTS:
            seconds, requests = BOUNDS[mode][clients]
            gc.collect()
            assert server.proc is not None
            where = (server.proc.pid, server.url, server.application_name)
            before = load_cpu.sample(*where)
            tally = drive(server.port, server.tokens, file_id, clients, requests, seconds)
            spent = load_cpu.between(before, load_cpu.sample(*where), server.application_name is not None)
            result.cpu[clients] = spent.per(tally.submissions + len(tally.starts))
            result.runs[clients] = tally
            kept.append(tally)
            log(
                f"{kind}: {clients} client(s): {tally.per_second:.0f} submissions/s, "
                f"p95 {ms(percentile(tally.latencies, 95)) if tally.latencies else 0:.1f} ms, "
                f"{tally.errors} error(s)"
            )
            for sample in tally.error_samples:
                log(f"  ERROR {sample}")
        log(f"{kind}: bpmnpub check")
        result.consistency = _consistency(server, kept)
        c = result.consistency
        log(
            f"{kind}: {c.checked} live requests checked, {len(c.findings)} finding(s); "
            f"{c.submitted} submissions answered, {c.events} task_completed events"
        )
    return result


@dataclass
class LoadResults:
    mode: str
    bare: list[Bare] = field(default_factory=list)
    databases: list[DatabaseRun] = field(default_factory=list)
    seconds: float = 0.0


def run(mode: str = "full", kinds: tuple[str, ...] = KINDS, serve_args: tuple[str, ...] = ()) -> LoadResults:
    """Every measurement of this section (bare engine, then each database)."""
    started = now()
    results = LoadResults(mode)
    for processes in (1, 2):
        log(f"bare engine, {processes} process(es), {BARE_SECONDS[mode]:.0f}s")
        results.bare.append(bare(processes, BARE_SECONDS[mode]))
    if any(k != "SQLite" for k in kinds) and not postgres_reachable():
        log("PostgreSQL not reachable: no PostgreSQL figures")
        kinds = ("SQLite",)
    for kind in kinds:
        results.databases.append(run_database(kind, mode, serve_args))
    results.seconds = now() - started
    return results


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _cpu_lines(results: LoadResults) -> list[str]:
    """CPU per HTTP call (a start or a submission) by whom, and the rate the server's CPU alone allows
    on this machine's cores (bench/load_cpu.py)."""
    cores = os.cpu_count() or 1
    lines = [
        f"CPU per HTTP call (start or submission), ms, from /proc; on {cores} cores the server's CPU alone "
        "allows at most cores ÷ server CPU calls per second:",
        "",
        "| database | clients | server (gunicorn + worker) | PostgreSQL backends | clients | "
        "the server's CPU allows ≤ calls/s |",
        "|---|---|---|---|---|---|",
    ]
    for db in results.databases:
        for clients, use in db.cpu.items():
            pg = "in the server (SQLite)" if use.database is None else f"{ms(use.database):.1f}"
            ceiling = f"{cores / use.server:,.0f}" if use.server else "–"
            row = f"| {db.database} | {clients} | {ms(use.server):.1f} | {pg} | {ms(use.client):.1f} |"
            lines.append(f"{row} {ceiling} |")
    return lines


def render(results: LoadResults) -> str:
    one, two = results.bare
    bounds = ", ".join(
        f"{c} client(s): {s:.0f} s / {r} requests" for c, (s, r) in BOUNDS[results.mode].items()
    )
    lines = [
        "## Load: the real server over HTTP (bench/load.py)",
        "",
        "`bpmnpub serve` (gunicorn, as `make run`) on a loopback port; clients are threads with keep-alive "
        "connections on the same machine, each driving whole requests (start, then 4 submissions: file, "
        "group director approves, director approves, publisher certifies) over the JSON API with bearer "
        "tokens. Submissions/s counts wall time with the starts inside, as for the bare engine. "
        f"Runs bounded at {bounds}.",
        "",
        f"BASELINE, same run: the bare engine driving the same requests: **{one.per_second:,.0f} "
        f"submissions/s on 1 process** (round trip median {ms(one.round_trip):.2f} ms), "
        f"**{two.per_second:,.0f} on 2 processes** (round trip median {ms(two.round_trip):.2f} ms).",
        "",
        "| database | clients | requests done | submissions | submissions/s | p50 ms | p95 ms | p99 ms | "
        "start p50 ms | errors | × bare (2 proc) | × bare (1 proc) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for db in results.databases:
        for clients, t in db.runs.items():
            if not t.latencies:
                lines.append(
                    f"| {db.database} | {clients} | 0 | 0 | – | – | – | – | – | {t.errors} | – | – |"
                )
                continue
            p50, p95, p99 = (percentile(t.latencies, p) for p in (50, 95, 99))
            lines.append(
                f"| {db.database} | {clients} | {t.requests_done:,} | {t.submissions:,} | "
                f"{t.per_second:,.0f} | "
                f"{ms(p50):.1f} | {ms(p95):.1f} | {ms(p99):.1f} | "
                f"{ms(median(t.starts)) if t.starts else 0:.1f} | {t.errors} | "
                f"{t.per_second / two.per_second:.1%} | {t.per_second / one.per_second:.1%} |"
            )
            if clients == 1:
                times = p50 / one.round_trip
                verdicts.append(
                    f"- {db.database}, 1 client: a submission's p50 is {times:.1f}× the bare round trip "
                    f"(target ≤ {TARGET_SINGLE:.0f}×: {_met(times <= TARGET_SINGLE)})"
                )
            elif clients == max(CLIENTS):
                share = t.per_second / two.per_second
                verdicts.append(
                    f"- {db.database}, {clients} clients: {share:.1%} of the bare engine on 2 processes "
                    f"(target ≥ {TARGET_SHARE:.0%}: {_met(share >= TARGET_SHARE)}), p95 {ms(p95):.0f} ms "
                    f"(target ≤ {ms(TARGET_P95):.0f} ms: {_met(p95 <= TARGET_P95)})"
                )
    floors = [
        f"- {db.database}: a `SELECT 1` round trip {ms(db.floor[0]):.2f} ms, a one-row INSERT + COMMIT "
        f"{ms(db.floor[1]):.2f} ms (the WAL flush every submission waits for)"
        for db in results.databases
        if db.floor is not None
    ]
    if floors:
        verdicts += ["", "The database's floor, measured on the same server in the same run:", *floors]
    verdicts += ["", *_cpu_lines(results)]
    lines += ["", *verdicts, "", "Consistency after the load (`bpmnpub check` and the event count):", ""]
    for db in results.databases:
        c = db.consistency
        if c is None:
            continue
        lines.append(
            f"- {db.database}: {c.checked:,} live requests checked, {len(c.findings)} finding(s); "
            f"{c.requests:,} requests started by the clients, {c.submitted:,} submissions answered 200, "
            f"{c.events:,} `task_completed` events, {len(c.mismatched)} request(s) where they differ: "
            + ("**clean**" if c.clean else "**NOT CLEAN**")
        )
        for finding in c.findings[:10]:
            lines.append(
                f"  - finding: request {finding['instance_id']}: {finding['kind']}: {finding['detail']}"
            )
        for instance_id, answered, events in c.mismatched[:10]:
            lines.append(f"  - request {instance_id}: {answered} submissions answered, {events} events")
    lines += ["", f"Load section run time: {results.seconds:.0f} s.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--db", choices=KINDS, action="append", help="only this database (repeatable)")
    parser.add_argument(
        "--what-if",
        action="store_true",
        help="also PostgreSQL with synchronous_commit=off (the disk's share)",
    )
    parser.add_argument(
        "--serve-args", default="", help='extra arguments of `bpmnpub serve`, e.g. "--workers 4 --threads 2"'
    )
    args = parser.parse_args(argv)
    kinds = tuple(args.db or KINDS) + ((WHAT_IF,) if args.what_if else ())
    text = render(run("quick" if args.quick else "full", kinds, tuple(args.serve_args.split())))
    print(text)
    return 0


STARTED = now()

if __name__ == "__main__":
    sys.exit(main())
