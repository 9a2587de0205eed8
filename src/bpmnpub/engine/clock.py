"""Time passed in, not read from the wall clock.

SpiffWorkflow's timer event definitions call `datetime.now(timezone.utc)` through their module's
`datetime` name. We replace that name with a subclass whose `now()` returns the time of the engine
call in progress (a context variable, so threads do not see each other's clock).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _timer_module

_now: ContextVar[datetime | None] = ContextVar("bpmnpub_engine_now", default=None)


class _EngineDatetime(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _EngineDatetime:
        current = _now.get()
        if current is None:
            return super().now(tz)
        value = current.astimezone(tz or UTC)
        return cls.fromtimestamp(value.timestamp(), value.tzinfo)


_timer_module.datetime = _EngineDatetime


@contextmanager
def engine_time(now: datetime) -> Iterator[None]:
    if now.tzinfo is None:
        raise ValueError("the engine needs an aware datetime")
    token = _now.set(now)
    try:
        yield
    finally:
        _now.reset(token)


def timer_now() -> datetime:
    """The time timers compare with: the engine call's, as SpiffWorkflow's own timers see it."""
    return _EngineDatetime.now(UTC)


def current_time() -> datetime:
    value = _now.get()
    if value is None:
        raise RuntimeError("engine time read outside an engine call")
    return value
