"""The worker survives the faults of real life, run as real processes on loopback: kill -9 mid-pass, a
PostgreSQL server that goes away and comes back (a private cluster this test starts itself, never the
machine's shared server), an SQLite write lock held longer than the busy timeout, and `serve` putting
a killed worker back."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bpmnpub.config import load_settings
from bpmnpub.db import Database, upgrade
from bpmnpub.engine import Engine
from bpmnpub.models import InstanceEvent
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import definitions
from bpmnpub.services.wiring import OPERATORS

from .conftest import PROCESSES
from .workerprocs import (
    PrivateCluster,
    beats,
    deploy_probe,
    environment,
    file_due_timers,
    fired,
    free_port,
    spawn,
    stop,
    wait_until,
)

pytestmark = pytest.mark.slow


def _context(data_dir: Path, url: str, engine: Engine) -> ServiceContext:
    settings = load_settings({"DATA_DIR": str(data_dir), "DATABASE_URL": url, "SECRET_KEY": "test"})
    return ServiceContext(Database(url), engine, settings, operators=OPERATORS)


@pytest.fixture
def sqlite_ctx(tmp_path: Path, sqlite_template: Path, shared_engine: Engine) -> Iterator[ServiceContext]:
    """A fresh SQLite database (processes deployed, demo office) with the timer probe deployed."""
    shutil.copy(sqlite_template, tmp_path / "bpmnpub.sqlite3")
    ctx = _context(tmp_path, f"sqlite:///{tmp_path / 'bpmnpub.sqlite3'}", shared_engine)
    deploy_probe(ctx)
    yield ctx
    ctx.db.dispose()


def _fired_count(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).where(InstanceEvent.action == "timer_fired")) or 0)


def _all_fired_once(ctx: ServiceContext, ids: list[int]) -> None:
    events, tasks = fired(ctx, ids)
    once = dict.fromkeys(ids, 1)
    assert events == once, "a timer fired twice or not at all"
    assert tasks == once, "a step opened twice or not at all"


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Whatever the test did, nothing it started outlives it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


# --- kill -9 in the middle of a pass ------------------------------------------------------------------


def test_kill_9_mid_pass_loses_no_timer_and_fires_none_twice(
    sqlite_ctx: ServiceContext, tmp_path: Path
) -> None:
    ids = file_due_timers(sqlite_ctx, 400)  # a pass of one to several seconds
    env = environment(tmp_path, sqlite_ctx.db.url, BPMNPUB_WORKER_INTERVAL="1")
    first = spawn(["worker"], env, tmp_path / "worker.log")
    try:
        wait_until(lambda: _fired_count(sqlite_ctx) >= 30, 30, "the first timers to fire", step=0.02)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        before_restart = _fired_count(sqlite_ctx)
        assert 0 < before_restart < len(ids), "killed mid-pass"
        second = spawn(["worker"], env, tmp_path / "worker.log")
        try:
            wait_until(lambda: _fired_count(sqlite_ctx) >= len(ids), 60, "every timer to fire")
            time.sleep(1.5)  # another pass: nothing more fires
        finally:
            stop(second)
    finally:
        _kill_group(first)
    _all_fired_once(sqlite_ctx, ids)
    assert second.returncode == 0  # SIGTERM ends the worker cleanly


# --- an SQLite write lock held longer than the busy timeout -------------------------------------------


def test_a_write_lock_held_past_the_busy_timeout_is_waited_out(
    sqlite_ctx: ServiceContext, tmp_path: Path
) -> None:
    ids = file_due_timers(sqlite_ctx, 20)
    holder = sqlite3.connect(tmp_path / "bpmnpub.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for a long time
    log = tmp_path / "worker.log"
    env = environment(
        tmp_path, sqlite_ctx.db.url, BPMNPUB_WORKER_INTERVAL="1", BPMNPUB_SQLITE_BUSY_TIMEOUT="1"
    )
    worker = spawn(["worker"], env, log)
    try:
        wait_until(
            lambda: log.read_text().count("database is locked") >= 3, 20, "the worker to meet the lock"
        )
        assert worker.poll() is None, "the worker died on a locked database"
        assert _fired_count(sqlite_ctx) == 0
        holder.execute("ROLLBACK")
        released = datetime.now(UTC)
        wait_until(lambda: _fired_count(sqlite_ctx) >= len(ids), 25, "the timers to fire after the lock")
        wait_until(lambda: beats(sqlite_ctx)[0].beat_at > released, 10, "a heartbeat after the lock")
    finally:
        holder.close()
        stop(worker)
        _kill_group(worker)
    _all_fired_once(sqlite_ctx, ids)
    [beat] = beats(sqlite_ctx)
    assert beat.last_error is not None and "locked" in beat.last_error  # the admin can see what happened


# --- a private PostgreSQL cluster that stops and starts again -----------------------------------------


def test_the_worker_survives_postgresql_going_away_and_coming_back(
    private_cluster: PrivateCluster, tmp_path: Path, shared_engine: Engine
) -> None:
    ctx = _context(tmp_path, private_cluster.url, shared_engine)
    try:
        _survive_an_outage(ctx, private_cluster, tmp_path)
    finally:
        ctx.db.dispose()


def _survive_an_outage(ctx: ServiceContext, private_cluster: PrivateCluster, tmp_path: Path) -> None:
    upgrade(ctx.db)
    definitions.deploy_folder(ctx, PROCESSES)
    deploy_probe(ctx)
    before = file_due_timers(ctx, 10)
    log = tmp_path / "worker.log"
    worker = spawn(["worker"], environment(tmp_path, private_cluster.url, BPMNPUB_WORKER_INTERVAL="1"), log)
    try:
        wait_until(lambda: _fired_count(ctx) >= len(before), 20, "the first timers to fire")
        ctx.db.dispose()
        private_cluster.stop("fast")  # the server shuts down: connections end (admin shutdown)
        wait_until(lambda: "transient database error" in log.read_text(), 15, "the worker to meet the outage")
        time.sleep(2)  # down for several of the worker's tries
        assert worker.poll() is None, "the worker died while the server was away"
        private_cluster.start()
        back = datetime.now(UTC)
        after = file_due_timers(ctx, 10)  # new work, due at once: the worker must have resumed
        wait_until(lambda: _fired_count(ctx) >= len(before) + len(after), 25, "the worker to resume")
        wait_until(lambda: beats(ctx)[0].beat_at > back, 10, "a heartbeat after the restart")
        assert worker.poll() is None
    finally:
        stop(worker)
        _kill_group(worker)
    _all_fired_once(ctx, before + after)
    [beat] = beats(ctx)
    assert beat.passes >= 2 and beat.last_error  # the outage is on the record


# --- serve restarts its worker --------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(p) for p in text.split()]


def _worker_child(serve_pid: int) -> int | None:
    for pid in _children(serve_pid):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[-2:] == [b"worker", b""]:
                return pid
        except FileNotFoundError:
            continue
    return None


def test_serve_restarts_a_killed_worker_and_sigterm_stops_everything(
    sqlite_ctx: ServiceContext, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = environment(tmp_path, sqlite_ctx.db.url, BPMNPUB_WORKER_INTERVAL="1")
    serve = spawn(["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"], env, log)
    try:
        first = wait_until(lambda: _worker_child(serve.pid), 20, "serve's worker")
        wait_until(lambda: any(b.pid == first for b in beats(sqlite_ctx)), 20, "the first worker's heartbeat")
        os.kill(first, signal.SIGKILL)  # type: ignore[arg-type]
        killed = datetime.now(UTC)
        second = wait_until(
            lambda: (pid := _worker_child(serve.pid)) not in (None, first) and pid, 20, "a new worker"
        )
        wait_until(
            lambda: any(b.pid == second and b.beat_at > killed for b in beats(sqlite_ctx)),
            20,
            "the new worker's heartbeat",
        )
        assert "restarting" in log.read_text()
        page = wait_until(lambda: _get(f"http://127.0.0.1:{port}/public/"), 20, "the web app")
        assert page == 200  # the web app served on throughout
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=20) == 0
        assert not Path(f"/proc/{second}").exists() or _is_zombie(int(second))  # type: ignore[call-overload]
    finally:
        _kill_group(serve)


def _get(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback, our own server
            return int(response.status)
    except OSError:
        return None


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True
