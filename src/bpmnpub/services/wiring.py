"""The composition root of the services: the one registry of service-task operators, gathered from the
rooms that answer them, and the context and engine made with it (for the app, the CLI and the worker).

Only this module knows every room; the rooms know the kernel and the rooms below them (pyproject.toml's
import contracts). The engine checks diagrams against the registry's names at deploy; each engine call
gets the operators bound to its transaction (`kernel/context.bind`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ..db import Database
from ..engine import Engine, TimerWindow
from ..permissions import LANE_ROLES
from .kernel.context import Registry, ServiceContext, utcnow
from .office import appointments
from .portal import publishing
from .records import semiannual_report
from .requests import deadlines

OPERATORS: Registry = {
    **publishing.OPERATORS,
    **semiannual_report.OPERATORS,
    **deadlines.OPERATORS,
    **appointments.OPERATORS,
}
OPERATOR_NAMES = frozenset(OPERATORS)


def make_context(settings: dict[str, Any], clock: Callable[[], datetime] = utcnow) -> ServiceContext:
    Path(settings["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    return ServiceContext(
        db=Database(settings["DATABASE_URL"], busy_timeout=float(settings["SQLITE_BUSY_TIMEOUT"])),
        engine=make_engine(settings),
        settings=settings,
        clock=clock,
        operators=OPERATORS,
    )


def make_engine(settings: dict[str, Any] | None = None) -> Engine:
    """The engine with the registry's operators; timers no faster than the worker's pass
    (WORKER_INTERVAL), when settings are given."""
    if settings is None:
        return Engine(LANE_ROLES, OPERATOR_NAMES)
    window = TimerWindow(min_cycle=timedelta(seconds=int(settings["WORKER_INTERVAL"])))
    return Engine(LANE_ROLES, OPERATOR_NAMES, timer_window=window)
