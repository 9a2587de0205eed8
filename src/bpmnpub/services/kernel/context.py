"""What every use case receives: the database, the engine, the settings, the clock and the operators.

A diagram's service task calls an operator by name (`publish_item`, `remind`…). Each room that answers
one writes it as a plain function of the step's scope and the call, and lists it in its `OPERATORS`;
the composition root (`services/wiring.py`) gathers them into the one registry: the engine checks
diagrams against its names at deploy, and every engine call gets them bound to its transaction
(`bind`). So the request flow runs operators without importing the rooms that answer them.
Operators run inside the transaction of the step that reached them: a failed step rolls their writes
back with it (`requests/transition.recording_failures` runs it again to record the failure).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...db import Database
from ...engine import Engine, OperatorCall, Operators
from ...models import ProcessInstance


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    db: Database
    engine: Engine
    settings: dict[str, Any]
    clock: Callable[[], datetime] = field(default=utcnow)
    operators: Registry = field(kw_only=True)  # the composition root's (services/wiring.OPERATORS)

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


@dataclass(frozen=True)
class StepScope:
    """What an operator works in: the transaction of the engine step that reached it."""

    ctx: ServiceContext
    session: Session
    instance: ProcessInstance
    actor_id: int | None  # who made the step happen (None: the worker)
    now: datetime


RoomOperator = Callable[[StepScope, OperatorCall], dict[str, Any]]
Registry = Mapping[str, RoomOperator]


def bind(registry: Registry, scope: StepScope) -> Operators:
    """The registry's operators for one engine call."""
    return {name: partial(operator, scope) for name, operator in registry.items()}
