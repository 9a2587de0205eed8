"""Plain frozen values the engine hands out. No SpiffWorkflow object ever leaves the engine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class UserTaskInfo:
    id: str
    name: str
    lane: str | None
    form_key: str | None
    instructions: str
    due_in: str | None
    multi_instance: bool = False
    due_in_working_days: int | None = None  # `dueInWorkingDays`: wins over `dueIn`
    due_from: str | None = None  # `dueFrom`: a date field of the data the due time counts from
    carry_over: tuple[str, ...] = ()  # the `carryOver` property: field names, or ("*",) for all
    script_fields: tuple[str, ...] = ()  # the names its own preScript assigns
    starts: bool = False  # a requester task a new request reaches first: start data fills its form

    def carries(self, name: str) -> bool:
        """Whether this task's form starts from the request's value of `name` (engine/prefill.py)."""
        return self.starts or "*" in self.carry_over or name in self.carry_over or name in self.script_fields


@dataclass(frozen=True)
class ProcessModel:
    """What bpmnpub reads from one deployed diagram."""

    process_id: str
    name: str
    description: str
    category: str
    start_roles: tuple[str, ...]
    start_timer: str | None
    lanes: tuple[str, ...]
    user_tasks: tuple[UserTaskInfo, ...]
    operators: tuple[str, ...]
    sha256: str
    filename: str
    end_outcomes: Mapping[str, str] = field(default_factory=dict)
    # False for a diagram written before `carryOver` existed (no task declares it): see services/prefill.
    declares_carry_over: bool = False

    @property
    def form_keys(self) -> frozenset[str]:
        return frozenset(t.form_key for t in self.user_tasks if t.form_key)

    @property
    def spec_key(self) -> str:
        return f"{self.process_id}@{self.sha256[:16]}"


@dataclass(frozen=True)
class PendingTask:
    """A user task waiting for a person."""

    guid: str
    spec_id: str
    name: str
    lane: str | None
    form_key: str | None
    instructions: str
    due_in: str | None
    data: Mapping[str, Any]
    scope_group: str | None = None  # group code for a per-group task (multi-instance over groups)
    due_in_working_days: int | None = None
    due_from: str | None = None


@dataclass(frozen=True)
class TimerDue:
    task_spec: str
    due_at: datetime


@dataclass(frozen=True)
class ThrownMessage:
    name: str
    payload: Any


@dataclass(frozen=True)
class StepRecord:
    """An automatic step that ran (service task, timer, end event), for the event log."""

    spec_id: str
    name: str
    kind: str
    result: Any = None


@dataclass(frozen=True)
class RunResult:
    state: str
    status: str
    outcome: str | None
    pending: tuple[PendingTask, ...]
    timers: tuple[TimerDue, ...]
    messages: tuple[ThrownMessage, ...]
    steps: tuple[StepRecord, ...]
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def next_timer_due(self) -> datetime | None:
        return min((t.due_at for t in self.timers), default=None)


@dataclass(frozen=True)
class OperatorCall:
    """What a service-task operator receives."""

    name: str
    params: Mapping[str, Any]
    data: Mapping[str, Any]
    task_spec: str
    now: datetime


Operator = Callable[[OperatorCall], Any]
Operators = Mapping[str, Operator]
