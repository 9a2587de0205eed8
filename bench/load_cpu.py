"""Where the machine's CPU goes during a load run: the server (`bpmnpub serve`: gunicorn's master and
workers, the timer worker), the PostgreSQL backends serving it, and the clients (this process's
threads). Read from /proc (Linux), before and after each run; reported per submission.

On 2 cores, 2 000 ms of CPU per second is all there is: a server that needs S ms of CPU per submission
cannot answer more than 2 000 / S submissions per second, whatever the clients and the database do.
That bound, beside the measured rate, says whether the server's own work is what stands in the way."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user + system) of a live process; None when it has gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _tree(root: int) -> dict[int, float]:
    """{pid: CPU seconds} of `root` and all its descendants."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                stats[int(entry.name)] = found
    wanted, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _) in stats.items():
            if ppid == parent and pid not in wanted:
                wanted.add(pid)
                frontier.append(pid)
    return {pid: stats[pid][1] for pid in wanted if pid in stats}


def _backends(url: str, application_name: str) -> dict[int, float]:
    """{pid: CPU seconds} of the PostgreSQL backends whose connections carry `application_name`."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            pids = conn.execute(
                text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name},
            ).scalars()
            found = {int(pid): _stat(int(pid)) for pid in pids}
    finally:
        engine.dispose()
    return {pid: stat[1] for pid, stat in found.items() if stat is not None}


def _client() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Sample:
    server: dict[int, float]
    database: dict[int, float]
    client: float


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds a run used, by whom."""

    server: float
    database: float | None  # None: SQLite (the database is inside the server's processes)
    client: float

    def per(self, count: int) -> CpuUse:
        n = max(count, 1)
        return CpuUse(self.server / n, None if self.database is None else self.database / n, self.client / n)


def sample(server_pid: int, url: str | None, application_name: str | None) -> Sample:
    database = _backends(url, application_name) if url and application_name else {}
    return Sample(_tree(server_pid), database, _client())


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU of processes between two samples (a process that appeared counts from zero)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def between(before: Sample, after: Sample, postgres: bool) -> CpuUse:
    return CpuUse(
        _spent(before.server, after.server),
        _spent(before.database, after.database) if postgres else None,
        after.client - before.client,
    )
