"""SQLite writers wait in line (bpmnpub.db_writers): one writer at a time across threads and processes,
a nested write in one thread goes on, a waiter gives up after the busy timeout with SQLite's transient
error, a killed holder frees the line, and many threads writing at once lose nothing."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from bpmnpub.db import Database, is_transient
from bpmnpub.db_writers import WriterQueue, database_file


def _counter_db(folder: Path, busy_timeout: float = 30.0) -> Database:
    db = Database(f"sqlite:///{folder / 'w.sqlite3'}", busy_timeout=busy_timeout)
    with db.write() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS counter (n INTEGER NOT NULL)"))
        if session.execute(text("SELECT count(*) FROM counter")).scalar_one() == 0:
            session.execute(text("INSERT INTO counter VALUES (0)"))
    return db


def _increment(db: Database, times: int) -> None:
    for _ in range(times):
        with db.write() as session:
            n = session.execute(text("SELECT n FROM counter")).scalar_one()
            session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})


def _process_increments(folder: str, times: int) -> None:
    db = Database(f"sqlite:///{Path(folder) / 'w.sqlite3'}")
    _increment(db, times)
    db.dispose()


def _hold_turn(path: str, ready: object, release: object) -> None:
    queue = WriterQueue(Path(path), timeout=5)
    with queue.turn():
        ready.set()  # type: ignore[attr-defined]
        release.wait(30)  # type: ignore[attr-defined]


def test_threads_and_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = _counter_db(tmp_path)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_process_increments, args=(str(tmp_path), 40)) for _ in range(2)]
    for proc in procs:
        proc.start()
    threads = [threading.Thread(target=_increment, args=(db, 40)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    with db.read() as session:
        # A read-modify-write without SQLite's serialization would lose increments.
        assert session.execute(text("SELECT n FROM counter")).scalar_one() == 8 * 40
    db.dispose()


def test_a_nested_write_in_one_thread_goes_on(tmp_path: Path) -> None:
    queue = WriterQueue(tmp_path / "x.sqlite3", timeout=1)
    with queue.turn(), queue.turn():
        pass
    with queue.turn():  # the line is free again
        pass


def test_a_waiter_gives_up_after_the_busy_timeout_with_the_transient_error(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_turn, args=(str(tmp_path / "x.sqlite3"), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        queue = WriterQueue(tmp_path / "x.sqlite3", timeout=0.3)
        began = time.monotonic()
        with pytest.raises(sa_exc.OperationalError) as refused, queue.turn():
            pass
        assert 0.3 <= time.monotonic() - began < 10
        assert is_transient(refused.value) and "database is locked" in str(refused.value)
        release.set()
        holder.join(30)
        with queue.turn():  # released: the next writer goes in
            pass
    finally:
        release.set()
        holder.join(30)


def test_a_killed_holder_frees_the_line(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_turn, args=(str(tmp_path / "x.sqlite3"), ready, release))
    holder.start()
    assert ready.wait(30)
    assert holder.pid is not None
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(30)
    queue = WriterQueue(tmp_path / "x.sqlite3", timeout=2)
    with queue.turn():
        pass


def test_a_forked_child_takes_its_own_place_in_line(tmp_path: Path) -> None:
    """A queue made before a fork (gunicorn with a preloaded app) must not share the parent's lock."""
    queue = WriterQueue(tmp_path / "x.sqlite3", timeout=0.3)
    with queue.turn():
        pass  # the parent has opened its descriptor
    ctx = multiprocessing.get_context("fork")
    with queue.turn():
        child = ctx.Process(target=_child_must_wait, args=(queue,))
        child.start()
        child.join(30)
    assert child.exitcode == 0


def _child_must_wait(queue: WriterQueue) -> None:
    try:
        with queue.turn():
            os._exit(1)  # got in while the parent held the line
    except Exception as exc:
        os._exit(0 if is_transient(exc) else 2)


@pytest.mark.parametrize(
    ("url", "file"),
    [
        ("sqlite:////srv/bpmnpub/bpmnpub.sqlite3", Path("/srv/bpmnpub/bpmnpub.sqlite3")),
        ("sqlite:////srv/a.db?mode=rwc", Path("/srv/a.db")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
    ],
)
def test_the_line_lives_next_to_the_database_file(url: str, file: Path | None) -> None:
    assert database_file(url) == file
