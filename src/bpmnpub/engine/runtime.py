"""Running instances: state in, new state and plain values out. No wall clock, no database."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from ..errors import Conflict, ConflictError
from . import serialization
from .clock import engine_time
from .scripting import SafeScriptEngine
from .specs import ParsedSpec, SpecCache, inspect_diagram
from .steering import DiagramGraph, MigrationPlan, diagram_graph, migration, rewind, set_value
from .stepping import NO_TIME, restore_workflow, run_engine, run_result, step_failed
from .timer_window import DEFAULT_WINDOW, TimerWindow
from .types import (
    Operators,
    RunResult,
)


class Engine:
    """The facade the services use. One per application; thread-safe (its only state is a cache)."""

    def __init__(
        self,
        known_roles: frozenset[str],
        known_operators: frozenset[str],
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
        workflow = restore_workflow(parsed, state, SafeScriptEngine({}, NO_TIME))
        try:
            task = workflow.get_task_from_id(UUID(task_guid))
        except (TaskNotFoundException, ValueError) as exc:
            raise ConflictError(
                "this task no longer exists in the request", reason=Conflict.TASK_CLOSED
            ) from exc
        return copy.deepcopy(dict(task.data))

    # -- steering (admins; engine/steering.py) ---------------------------------------------------

    def graph(
        self, spec_key: str, load_xml: Callable[[], tuple[bytes, str]], process_id: str
    ) -> DiagramGraph:
        """The diagram of a deployed version as nodes and flows (steering.DiagramGraph), cached."""
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
        return rewind(parsed, state, spec_id, now, operators)

    def migrate(
        self, old: ParsedSpec, state: str, new: ParsedSpec, now: datetime, operators: Operators, apply: bool
    ) -> MigrationPlan:
        """Dry run (or apply) moving an instance to another version (steering.MigrationPlan).
        Raises StepFailedError."""
        return migration(old, state, new, now, operators, apply)

    def set_value(self, parsed: ParsedSpec, state: str, key: str, value: Any, now: datetime) -> RunResult:
        """Correct one top-level data value of an instance."""
        return set_value(parsed, state, key, value, now)


def _fill(task: Any, data: Mapping[str, Any], clear: Sequence[str]) -> None:
    # Replace top-level keys with deep copies: DeepMerge merges lists wrongly and 3.2.0 shares
    # nested values between tasks (docs/spiffworkflow.md, trap 5).
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


def _ready_user_task(workflow: Any, task_guid: str, lane: str | None = None) -> Any:
    try:
        task = workflow.get_task_from_id(UUID(task_guid))
    except (TaskNotFoundException, ValueError) as exc:
        raise ConflictError("this task no longer exists in the request", reason=Conflict.TASK_CLOSED) from exc
    if not task.task_spec.manual:
        raise ConflictError(
            "this step is automatic; it cannot be completed by a person", reason=Conflict.TASK_NOT_READY
        )
    if task.state != TaskState.READY:
        done = task.has_state(TaskState.FINISHED_MASK)
        if done:
            raise ConflictError("this task has already been completed", reason=Conflict.TASK_DONE)
        raise ConflictError("this task is not ready yet", reason=Conflict.TASK_NOT_READY)
    if lane is not None and (task.task_spec.lane or "") != lane:
        raise ConflictError(f"this task belongs to the lane {task.task_spec.lane!r}, not {lane!r}")
    return task
