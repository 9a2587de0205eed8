"""One engine call's running part, shared by `runtime` (start, complete, resume) and `steering` (rewind,
migrate, correct a value): a workflow restored from its state, its automatic steps run within bounds,
a failure said in plain words, and the outcome read back as a `RunResult`."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from ..errors import DiagramError, StepFailedError
from ..statuses import COMPLETED, REJECTED, RUNNING
from . import serialization
from .bounded_timers import refused_timer
from .scripting import SafeScriptEngine
from .specs import ParsedSpec
from .types import (
    PendingTask,
    RunResult,
    StepRecord,
    ThrownMessage,
    TimerDue,
    UserTaskInfo,
)

_MAX_ENGINE_PASSES = 100
# Bounds of one engine call, which runs while its request holds the database write lock: every other
# write in the office waits meanwhile. A real step runs a handful of automatic tasks in milliseconds.
MAX_AUTOMATIC_STEPS = 500  # an automatic loop of 500 steps costs ~0.5 s (each step walks the tree)
# A last-resort guard only (the step cap bounds loops; arithmetic is constant time). Operators' time is
# not counted (see run_engine); generous, so a loaded machine never fails a legitimate request.
STEP_BUDGET_SECONDS = 5.0
NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # for restores that run nothing: the engine reads no wall clock


def restore_workflow(parsed: ParsedSpec, state: str, script_engine: SafeScriptEngine) -> Any:
    """A workflow from its saved state, running its scripts in `script_engine`."""
    try:
        workflow = serialization.load(state, parsed.spec, parsed.subprocess_specs)
    except serialization.StateFormatError as exc:
        raise DiagramError(str(exc), []) from exc
    # A restored workflow gets the default (unsafe) script engine back: replace it every time.
    workflow.script_engine = script_engine
    return workflow


class EngineBoundError(SpiffWorkflowException):  # type: ignore[misc]
    """One engine call ran more automatic steps, or longer, than the bounds allow; `thai` says so."""

    def __init__(self, message: str, thai: str, task: Any = None) -> None:
        super().__init__(message)
        self.task = task
        self.thai = thai


def run_engine(workflow: Any) -> None:
    """Run automatic steps until the workflow waits, within MAX_AUTOMATIC_STEPS and STEP_BUDGET_SECONDS:
    the caller holds the database write lock meanwhile. Raises EngineBoundError beyond them, and
    TimerOutOfWindowError for a timer whose value was refused."""
    started, ran = time.monotonic(), 0
    engine = workflow.script_engine
    operators_before = getattr(engine, "operator_seconds", 0.0)

    def within_bounds(task: Any) -> None:
        nonlocal ran
        ran += 1
        if ran > MAX_AUTOMATIC_STEPS:
            raise EngineBoundError(
                f"more than {MAX_AUTOMATIC_STEPS} automatic steps in one go (an automatic loop?)",
                f"ขั้นตอนอัตโนมัติทำงานเกิน {MAX_AUTOMATIC_STEPS} ขั้นในครั้งเดียว (กระบวนงานวนซ้ำไม่สิ้นสุด?)",
                task,
            )
        # Work, not a time of day: nothing the engine decides depends on it except this stop. Time spent
        # in operators (publishing, rendering a report) is the office's work, not an engine loop.
        in_operators = getattr(engine, "operator_seconds", 0.0) - operators_before
        if time.monotonic() - started - in_operators > STEP_BUDGET_SECONDS:
            raise EngineBoundError(
                f"the automatic steps took more than {STEP_BUDGET_SECONDS:g} s",
                f"ขั้นตอนอัตโนมัติใช้เวลาเกิน {STEP_BUDGET_SECONDS:g} วินาที",
                task,
            )

    for _ in range(_MAX_ENGINE_PASSES):
        workflow.do_engine_steps(did_complete_task=within_bounds)
        refused = refused_timer(workflow)
        if refused is not None:
            raise refused
        if not any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
            return
    raise EngineBoundError(
        "the process did not settle (an automatic loop?)", "กระบวนงานไม่หยุดรอ (วนซ้ำไม่สิ้นสุด?)"
    )


def step_failed(exc: SpiffWorkflowException, state: str) -> StepFailedError:
    task = getattr(exc, "task", None)
    spec_id = None
    if task is not None:
        spec_id = task.task_spec.bpmn_id or task.task_spec.name
    where = getattr(task.task_spec, "bpmn_name", None) if task is not None else None
    thai = getattr(exc, "thai", None)
    if thai:  # our own bounds (timers, engine steps) say why in Thai: the reason people read
        return StepFailedError(f"{where or spec_id or 'ขั้นตอนอัตโนมัติ'}: {thai}", spec_id, state)
    cause = getattr(exc, "exception", None)
    message = str(cause) if cause is not None else str(exc).split("\n")[0]
    return StepFailedError(f"{where or spec_id or 'a step'} failed: {message}", spec_id, state)


def run_result(
    parsed: ParsedSpec, workflow: Any, script_engine: SafeScriptEngine, saved: str | None = None
) -> RunResult:
    """The outcome of an engine call; `saved`: the unchanged state of a read-only call (not dumped again)."""
    model = parsed.model
    user_tasks = {t.id: t for t in model.user_tasks}
    pending = tuple(
        _pending(task, user_tasks) for task in workflow.get_tasks(state=TaskState.READY, manual=True)
    )
    timers = []
    for event in workflow.waiting_events():
        if event.event_type.endswith("TimerEventDefinition") and isinstance(event.value, str):
            try:
                due = datetime.fromisoformat(event.value)
            except ValueError:
                continue
            timers.append(TimerDue(task_spec=str(event.name or ""), due_at=due))
    messages = tuple(
        ThrownMessage(name=getattr(e.event_definition, "name", ""), payload=e.payload)
        for e in workflow.get_events()
    )
    steps = list(script_engine.steps)
    status, outcome = RUNNING, None
    last = workflow.last_task
    data: dict[str, Any] = dict(last.data) if last is not None else dict(workflow.task_tree.data)
    if workflow.is_completed():
        end = _end_task(workflow)
        outcome = (
            model.end_outcomes.get(end.task_spec.bpmn_id, "completed") if end is not None else "completed"
        )
        status = REJECTED if outcome == "rejected" else COMPLETED
        if end is not None:
            data = dict(end.data)
            steps.append(
                StepRecord(spec_id=end.task_spec.bpmn_id, name=end.task_spec.bpmn_name or "", kind="end")
            )
    elif pending:
        data = dict(pending[-1].data)
    state = saved if saved is not None else serialization.dump(workflow, model.spec_key)
    return RunResult(
        state=state,
        status=status,
        outcome=outcome,
        pending=pending,
        timers=tuple(timers),
        messages=messages,
        steps=tuple(steps),
        data=data,
    )


def _end_task(workflow: Any) -> Any:
    ends = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if isinstance(t.task_spec, EndEvent) and t.task_spec.bpmn_id
    ]
    return max(ends, key=lambda t: t.last_state_change) if ends else None


def _pending(task: Any, user_tasks: dict[str, UserTaskInfo]) -> PendingTask:
    spec = task.task_spec
    info = user_tasks.get(spec.bpmn_id or "")
    scope = task.data.get("group_code")
    return PendingTask(
        guid=str(task.id),
        spec_id=spec.bpmn_id or spec.name,
        name=(info.name if info else None) or spec.bpmn_name or spec.name,
        lane=spec.lane,
        form_key=info.form_key if info else None,
        instructions=info.instructions if info else "",
        due_in=info.due_in if info else None,
        data=task.data,
        scope_group=scope if isinstance(scope, str) and info is not None and info.multi_instance else None,
        due_in_working_days=info.due_in_working_days if info else None,
        due_from=info.due_from if info else None,
    )
