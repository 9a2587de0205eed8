"""A small timing helper: a clock, medians and percentiles."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

T = TypeVar("T")

now = time.perf_counter


class Stopwatch:
    """Accumulates the time spent inside `with watch:` blocks (the untimed parts stay outside)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.laps: list[float] = []
        self._started = 0.0

    def __enter__(self) -> Stopwatch:
        self._started = now()
        return self

    def __exit__(self, *exc: object) -> None:
        lap = now() - self._started
        self.seconds += lap
        self.laps.append(lap)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = now()
    result = fn()
    return now() - started, result


@contextmanager
def quiet_gc() -> Iterator[None]:
    """Collect before a measurement so one run does not pay for the garbage of the previous one."""
    gc.collect()
    yield


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 200 values is the 190th smallest)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


@dataclass
class Samples:
    """Per-run figures of one measurement; reported as the median."""

    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return median(self.values)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.values), max(self.values)


def ms(seconds: float) -> float:
    return seconds * 1000.0


@dataclass
class Run:
    """One instance driven through the scenario: time spent completing its user tasks."""

    seconds: float
    tasks: int
    state_bytes: list[int] = field(default_factory=list)  # stored state after start and each task

    @property
    def per_task(self) -> float:
        return self.seconds / self.tasks


class Runner(Protocol):
    """Drives one instance through the scenario at one level (bare, engine, service, api)."""

    name: str

    def run(self, loops: int) -> Run: ...
