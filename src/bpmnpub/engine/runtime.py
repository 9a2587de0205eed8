"""Running instances: state in, new state and plain values out. No wall clock, no database."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from ..errors import ConflictError, DiagramError, StepFailedError
from . import serialization
from .bounded_timers import refused_timer
from .clock import engine_time
from .scripting import SafeScriptEngine
from .specs import ParsedSpec, SpecCache, inspect_diagram
from .timer_window import DEFAULT_WINDOW, TimerWindow
from .types import (
    COMPLETED,
    KNOWN_OPERATORS,
    REJECTED,
    RUNNING,
    Operators,
    PendingTask,
    RunResult,
    StepRecord,
    ThrownMessage,
    TimerDue,
    UserTaskInfo,
)

if TYPE_CHECKING:
    from .steering import DiagramGraph, MigrationPlan

_MAX_ENGINE_PASSES = 100
# Bounds of one engine call, which runs while its request holds the database write lock: every other
# write in the office waits meanwhile. A real step runs a handful of automatic tasks in milliseconds.
MAX_AUTOMATIC_STEPS = 500  # an automatic loop of 500 steps costs ~0.5 s (each step walks the tree)
# A last-resort guard only (the step cap bounds loops; arithmetic is constant time). Operators' time is
# not counted (see run_engine); generous, so a loaded machine never fails a legitimate request.
STEP_BUDGET_SECONDS = 5.0
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # for restores that run nothing: the engine reads no wall clock


class Engine:
    """The facade the services use. One per application; thread-safe (its only state is a cache)."""

    def __init__(
        self,
        known_roles: frozenset[str],
        known_operators: frozenset[str] = frozenset(KNOWN_OPERATORS),
        timer_window: TimerWindow = DEFAULT_WINDOW,
    ):
        self.known_roles = known_roles
        self.known_operators = known_operators
        self.timer_window = timer_window
        self.cache = SpecCache()
        self._graphs: dict[str, DiagramGraph] = {}  # per deployed version: versions are immutable

    # -- diagrams ---------------------------------------------------------------------------------

    def inspect(
        self, content: bytes, filename: str, known_forms: frozenset[str] | None, now: datetime | None = None
    ) -> ParsedSpec:
        """Check a diagram as deploy would (timer dates at most ten years after `now`, when given).
        Raises DiagramError."""
        return inspect_diagram(
            content,
            filename,
            known_roles=self.known_roles,
            known_forms=known_forms,
            known_operators=self.known_operators,
            timer_window=self.timer_window,
            now=now,
        )

    def spec(self, spec_key: str, load_xml: Callable[[], tuple[bytes, str]]) -> ParsedSpec:
        """The parsed spec of a deployed version, from the cache or parsed once from its XML."""
        parsed = self.cache.get(spec_key)
        if parsed is None:
            content, filename = load_xml()
            # Deployed versions were fully checked at deploy; forms are not re-checked here.
            parsed = inspect_diagram(
                content,
                filename,
                known_roles=self.known_roles,
                known_operators=self.known_operators,
                timer_window=self.timer_window,
                deployed=True,
            )
            self.cache.put(spec_key, parsed)
        return parsed

    # -- running ----------------------------------------------------------------------------------

    def start(
        self, parsed: ParsedSpec, data: Mapping[str, Any], now: datetime, operators: Operators
    ) -> RunResult:
        """Create an instance and run it to its first wait. Raises StepFailedError."""
        script_engine = SafeScriptEngine(operators, now)
        with engine_time(now):
            workflow = _new_workflow(parsed, data, script_engine)
            try:
                run_engine(workflow)
            except SpiffWorkflowException as exc:
                fresh = _new_workflow(parsed, data, SafeScriptEngine(operators, now))
                raise step_failed(exc, serialization.dump(fresh, parsed.model.spec_key)) from exc
            return run_result(parsed, workflow, script_engine)

    def complete(
        self,
        parsed: ParsedSpec,
        state: str,
        task_guid: str,
        data: Mapping[str, Any],
        now: datetime,
        operators: Operators,
        lane: str | None = None,
        clear: Sequence[str] = (),
    ) -> RunResult:
        """Complete a ready user task with form data; `lane`, when given, must be the task's lane;
        `clear`: names removed from the task's data (fields of its form left empty).
        Raises ConflictError, StepFailedError."""
        script_engine = SafeScriptEngine(operators, now)
        with engine_time(now):
            workflow = restore_workflow(parsed, state, script_engine)
            task = _ready_user_task(workflow, task_guid, lane)
            _fill(task, data, clear)
            try:
                task.run()
            except SpiffWorkflowException as exc:
                raise step_failed(exc, state) from exc
            try:
                run_engine(workflow)
            except SpiffWorkflowException as exc:
                # Keep the person's work: the last good state is "their task done, nothing after it run".
                good = restore_workflow(parsed, state, SafeScriptEngine(operators, now))
                good_task = _ready_user_task(good, task_guid)
                _fill(good_task, data, clear)
                good_task.run()
                raise step_failed(exc, serialization.dump(good, parsed.model.spec_key)) from exc
            return run_result(parsed, workflow, script_engine)

    def resume(self, parsed: ParsedSpec, state: str, now: datetime, operators: Operators) -> RunResult:
        """Fire due timers and run whatever is ready (also: retry a failed step). Raises StepFailedError."""
        script_engine = SafeScriptEngine(operators, now)
        with engine_time(now):
            workflow = restore_workflow(parsed, state, script_engine)
            try:
                run_engine(workflow)
            except SpiffWorkflowException as exc:
                raise step_failed(exc, state) from exc
            return run_result(parsed, workflow, script_engine)

    def inspect_state(self, parsed: ParsedSpec, state: str, now: datetime) -> RunResult:
        """Describe a saved state without running anything (the state given back is the same one)."""
        script_engine = SafeScriptEngine({}, now)
        with engine_time(now):
            workflow = restore_workflow(parsed, state, script_engine)
            return run_result(parsed, workflow, script_engine, saved=state)

    def task_data(self, parsed: ParsedSpec, state: str, task_guid: str) -> dict[str, Any]:
        """The current data of one task (for showing a form). Raises ConflictError when it is gone."""
        workflow = restore_workflow(parsed, state, SafeScriptEngine({}, _NO_TIME))
        try:
            task = workflow.get_task_from_id(UUID(task_guid))
        except (TaskNotFoundException, ValueError) as exc:
            raise ConflictError("this task no longer exists in the request") from exc
        return copy.deepcopy(dict(task.data))

    # -- steering (admins; engine/steering.py) ---------------------------------------------------

    def graph(
        self, spec_key: str, load_xml: Callable[[], tuple[bytes, str]], process_id: str
    ) -> DiagramGraph:
        """The diagram of a deployed version as nodes and flows (steering.DiagramGraph), cached."""
        from .steering import diagram_graph

        key = f"graph:{spec_key}"
        found = self._graphs.get(key)
        if found is None:
            content, filename = load_xml()
            found = self._graphs[key] = diagram_graph(content, filename, process_id)
        return found

    def rewind(
        self, parsed: ParsedSpec, state: str, spec_id: str, now: datetime, operators: Operators
    ) -> RunResult:
        """Restart an instance at an earlier step. Raises ConflictError, StepFailedError."""
        from .steering import rewind

        return rewind(parsed, state, spec_id, now, operators)

    def migrate(
        self, old: ParsedSpec, state: str, new: ParsedSpec, now: datetime, operators: Operators, apply: bool
    ) -> MigrationPlan:
        """Dry run (or apply) moving an instance to another version (steering.MigrationPlan).
        Raises StepFailedError."""
        from .steering import migration

        return migration(old, state, new, now, operators, apply)

    def set_value(self, parsed: ParsedSpec, state: str, key: str, value: Any, now: datetime) -> RunResult:
        """Correct one top-level data value of an instance."""
        from .steering import set_value

        return set_value(parsed, state, key, value, now)


def restore_workflow(parsed: ParsedSpec, state: str, script_engine: SafeScriptEngine) -> Any:
    """A workflow from its saved state, running its scripts in `script_engine`."""
    try:
        workflow = serialization.load(state, parsed.spec, parsed.subprocess_specs)
    except serialization.StateFormatError as exc:
        raise DiagramError(str(exc), []) from exc
    # A restored workflow gets the default (unsafe) script engine back: replace it every time.
    workflow.script_engine = script_engine
    return workflow


def _fill(task: Any, data: Mapping[str, Any], clear: Sequence[str]) -> None:
    # Replace top-level keys with deep copies: DeepMerge merges lists wrongly and 3.2.0 shares
    # nested values between tasks (ENGINE_NOTES traps 5).
    for key in clear:
        task.data.pop(key, None)
    for key, value in data.items():
        task.data[key] = copy.deepcopy(value)


def _new_workflow(parsed: ParsedSpec, data: Mapping[str, Any], script_engine: SafeScriptEngine) -> Any:
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine)
    workflow.task_tree.data.update(copy.deepcopy(dict(data)))
    _fire_start_timers(workflow)
    return workflow


def _fire_start_timers(workflow: Any) -> None:
    """An instance of a timer-started process is created because its time has come (the scheduler
    decided, or a person started it on demand): its start timer fires exactly once, now.

    Left alone, a cycle start timer would fire once for every past cycle inside this one instance
    and then wait forever. It must be set before the first engine step (the start event is FUTURE).
    """
    for task in workflow.get_tasks(state=TaskState.NOT_FINISHED_MASK):
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        if spec.__class__.__name__ != "StartEvent" or "Timer" not in definition.__class__.__name__:
            continue
        if "Cycle" in definition.__class__.__name__:
            task._set_internal_data(
                event_value={"cycles": 1, "next": "1970-01-01T00:00:00+00:00", "duration": 0}
            )
        else:
            task._set_internal_data(event_value="1970-01-01T00:00:00+00:00", event_fired=True)


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


def _ready_user_task(workflow: Any, task_guid: str, lane: str | None = None) -> Any:
    try:
        task = workflow.get_task_from_id(UUID(task_guid))
    except (TaskNotFoundException, ValueError) as exc:
        raise ConflictError("this task no longer exists in the request") from exc
    if not task.task_spec.manual:
        raise ConflictError("this step is automatic; it cannot be completed by a person")
    if task.state != TaskState.READY:
        done = task.has_state(TaskState.FINISHED_MASK)
        raise ConflictError("this task has already been completed" if done else "this task is not ready yet")
    if lane is not None and (task.task_spec.lane or "") != lane:
        raise ConflictError(f"this task belongs to the lane {task.task_spec.lane!r}, not {lane!r}")
    return task


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
    )
