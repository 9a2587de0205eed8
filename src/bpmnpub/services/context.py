"""What every use case receives: the database, the engine, the settings and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ..db import Database
from ..engine import Engine, TimerWindow
from ..permissions import LANE_ROLES


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    db: Database
    engine: Engine
    settings: dict[str, Any]
    clock: Callable[[], datetime] = field(default=utcnow)

    @property
    def data_dir(self) -> Path:
        return Path(self.settings["DATA_DIR"])

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    def now(self) -> datetime:
        return self.clock()

    def ping(self) -> None:
        """Raises when the database cannot be reached."""
        with self.db.read() as session:
            session.execute(text("SELECT 1"))


def make_context(settings: dict[str, Any], clock: Callable[[], datetime] = utcnow) -> ServiceContext:
    Path(settings["DATA_DIR"]).mkdir(parents=True, exist_ok=True)
    return ServiceContext(
        db=Database(settings["DATABASE_URL"], busy_timeout=float(settings["SQLITE_BUSY_TIMEOUT"])),
        engine=make_engine(settings),
        settings=settings,
        clock=clock,
    )


def make_engine(settings: dict[str, Any]) -> Engine:
    """The engine, with timers no faster than the worker's pass (WORKER_INTERVAL)."""
    window = TimerWindow(min_cycle=timedelta(seconds=int(settings["WORKER_INTERVAL"])))
    return Engine(LANE_ROLES, timer_window=window)
