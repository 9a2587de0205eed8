"""Where the time of a service-level complete goes.

Two views: (1) the engine call timed inside `complete_task` (Engine.complete wrapped, no profiler);
(2) a cProfile of the same completes with exclusive time grouped by library. The profiler inflates
Python-heavy code more than C calls, so (2) shows proportions, not durations.
"""

from __future__ import annotations

import cProfile
import io
import pstats
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .database import BenchDatabase
from .service_level import ServiceRunner
from .timing import Stopwatch

INSTANCES = 10  # of the 1-loop scenario: 60 completes


@dataclass(frozen=True)
class EngineShare:
    per_task: float  # seconds per complete_task
    engine_per_task: float  # of which inside Engine.complete


def engine_share(db: BenchDatabase, instances: int = INSTANCES) -> EngineShare:
    engine = db.ctx.engine
    inner = Stopwatch()
    original: Callable[..., Any] = engine.complete

    def complete(*args: Any, **kwargs: Any) -> Any:
        with inner:
            return original(*args, **kwargs)

    engine.complete = complete  # type: ignore[method-assign]
    try:
        runner = ServiceRunner(db)
        runs = [runner.run(1) for _ in range(instances)]
    finally:
        del engine.complete
    total = sum(r.seconds for r in runs)
    count = sum(r.tasks for r in runs)
    return EngineShare(total / count, inner.seconds / count)


CATEGORIES: tuple[tuple[str, Callable[[str, str], bool]], ...] = (  # (label, test), first match wins
    ("sqlite3 (C: execute, fetch, connect, commit)", lambda f, n: f == "~" and "sqlite3" in n),
    ("SpiffWorkflow", lambda f, n: "SpiffWorkflow" in f),
    ("bpmnpub.engine (sandbox, serialization, runtime)", lambda f, n: "/bpmnpub/engine/" in f),
    ("SQLAlchemy", lambda f, n: "/sqlalchemy/" in f),
    (
        "form validation (jsonschema)",
        lambda f, n: any(p in f for p in ("/jsonschema", "/referencing", "/rpds", "/bpmnpub/forms")),
    ),
    ("json encode/decode", lambda f, n: "/json/" in f or (f == "~" and "json" in n)),
    ("copy.deepcopy", lambda f, n: f.endswith("/copy.py")),
    ("bpmnpub services/models/db", lambda f, n: "/bpmnpub/" in f),
    ("other Python (stdlib, builtins)", lambda f, n: True),
)


def profile(db: BenchDatabase, instances: int = INSTANCES) -> tuple[list[tuple[str, float]], str]:
    """Exclusive time per category (shares of the total) and the top functions by cumulative time."""
    runner = ServiceRunner(db)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(instances):
        runner.run(1)
    profiler.disable()
    stats = pstats.Stats(profiler)
    totals: dict[str, float] = {label: 0.0 for label, _ in CATEGORIES}
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        for label, test in CATEGORIES:
            if test(filename, name):
                totals[label] += tottime
                break
    whole = sum(totals.values()) or 1.0
    shares = sorted(((label, t / whole) for label, t in totals.items()), key=lambda x: -x[1])
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return shares, out.getvalue()


@dataclass(frozen=True)
class IdleConnection:
    per_task: float  # as bpmnpub runs (a pool keeps its SQLite connections open)
    per_task_held: float  # the same while one idle connection to the file stays open


def idle_connection_effect(db: BenchDatabase, rounds: int = 5) -> IdleConnection:
    """SQLite checkpoints and removes the WAL when the last connection closes. bpmnpub's pool keeps
    connections open, so an extra idle connection should change nothing; this checks it stays so."""
    import sqlite3

    from .timing import median

    runner = ServiceRunner(db)
    plain, held = [], []
    for _ in range(rounds):
        plain.append(runner.run(1).per_task)
        keeper = sqlite3.connect(str(db.folder / "bpmnpub.sqlite3"))
        try:
            keeper.execute("SELECT 1 FROM user").fetchall()
            held.append(runner.run(1).per_task)
        finally:
            keeper.close()
    return IdleConnection(median(plain), median(held))
