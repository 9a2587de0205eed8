"""SQLite writers wait in line, not asleep.

SQLite lets one writer in at a time. A connection that finds the database locked waits in SQLite's busy
handler, which sleeps 1, 2, 5 … 100 ms between tries and does not wake when the lock is freed; under
load a writer can sleep through many other writers' turns (bench/load.py: 32 clients, p50 0.5 s, p99
1.6–2.9 s). So before BEGIN IMMEDIATE a writer takes:

- a lock of its process (threads wake as soon as it is released), then
- an exclusive `flock` on `<database>-writers` next to the database file, shared by every process
  on the machine that writes it (gunicorn's workers, the timer worker, the CLI), polled every 0.5 ms.

SQLite's own lock still decides who writes: these only make waiting fast. Both give up after the
database's busy timeout with the error SQLite would give ("database is locked", a transient error the
callers retry). A process that dies holding the file lock loses it with its file descriptor.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import exc as sa_exc

POLL_SECONDS = 0.0005


def _locked() -> sa_exc.OperationalError:
    return sa_exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))


class WriterQueue:
    """The queue of one SQLite database's writers (one per `Database`)."""

    def __init__(self, database_file: Path | None, timeout: float) -> None:
        # Absolute now: a process that changes its directory later still meets the others at one file.
        self.path = None if database_file is None else Path(f"{database_file.absolute()}-writers")
        self.timeout = timeout
        self._pid = -1
        self._reset()

    def _reset(self) -> None:
        # Per process: after a fork (gunicorn's workers) the child must neither share the parent's
        # descriptor (one open file shares its flock) nor inherit a thread lock or depth held at the fork.
        self._thread_lock = threading.RLock()  # reentrant: a nested write in one thread behaves as before
        self._depth = 0  # this thread's nesting of the file lock (under _thread_lock)
        self._fd: int | None = None
        self._pid = os.getpid()

    def _file(self) -> int:
        if self._fd is None:
            assert self.path is not None
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._fd

    @contextmanager
    def turn(self) -> Iterator[None]:
        if self._pid != os.getpid():
            self._reset()
        deadline = time.monotonic() + self.timeout
        if not self._thread_lock.acquire(timeout=self.timeout):
            raise _locked()
        try:
            if self.path is not None and self._depth == 0:
                self._flock(deadline)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self.path is not None and self._depth == 0:
                    fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def _flock(self, deadline: float) -> None:
        fd = self._file()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise _locked() from None
                time.sleep(POLL_SECONDS)


def database_file(url: str) -> Path | None:
    """The file of an SQLite URL (None: in memory)."""
    path = url.split("///", 1)[1] if "///" in url else ""
    path = path.split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return None
    return Path(path)
