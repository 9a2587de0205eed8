"""Stock SpiffWorkflow 3.2.0, driven the way its documentation shows, as the reference for bpmnpub's engine.

The spec is parsed once with `SpiffBpmnParser`; the workflow goes through the stock serializer
(`serialize_json` + `deserialize_json`) after every step, so the stock side also rebuilds its specs from
JSON every time. Expressions run in the stock `PythonScriptEngine` (Python's eval/exec over task data),
given the same helper functions as bpmnpub's sandbox (`get`, `lower`, ... and `defined("name")`) and the
same service operators, called with the same `OperatorCall` bpmnpub builds. Tests only: src/ never
imports SpiffWorkflow outside bpmnpub.engine.

Time: SpiffWorkflow's timers read `datetime.now` of their module; bpmnpub's `engine_time` replaces that
one name for the length of a call. The stock side is run inside the same context, so both read the
test's fake clock.
"""

from __future__ import annotations

import builtins
import copy
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from bpmnpub.engine import OperatorCall, Operators
from bpmnpub.engine.clock import engine_time
from bpmnpub.engine.joins import mend_joins
from bpmnpub.engine.sandbox import ALLOWED_FUNCTIONS

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# Python's builtins already are the builtins of the same name; the helpers are bpmnpub's own.
HELPERS = {name: fn for name, fn in ALLOWED_FUNCTIONS.items() if not hasattr(builtins, name)}


class StockEnvironment(TaskDataEnvironment):  # type: ignore[misc]
    """The stock task-data environment with bpmnpub's helper functions as globals."""

    def __init__(self) -> None:
        super().__init__(dict(HELPERS))

    def evaluate(self, expression: str, context: Any, external_context: Any = None) -> Any:
        visible = {**(external_context or {}), **context}
        extra = {**(external_context or {}), "defined": lambda name: name in visible}
        return super().evaluate(expression, context, extra)

    def execute(self, script: str, context: Any, external_context: Any = None) -> Any:
        # Scripts (pre/post scripts, script tasks) may ask `defined(...)` too (the group report's postScript).
        visible = {**(external_context or {}), **context}
        extra = {**(external_context or {}), "defined": lambda name: name in visible}
        return super().execute(script, context, extra)


class StockScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    """The stock engine; only service calls are ours (stock raises NotImplementedError for them)."""

    def __init__(self, operators: Operators, now: datetime) -> None:
        super().__init__(environment=StockEnvironment())
        self.operators, self.now = operators, now

    def call_service(self, task: Any, **kwargs: Any) -> str:
        name = kwargs["operation_name"]
        params = {key: value["value"] for key, value in kwargs.get("operation_params", {}).items()}
        spec_id = task.task_spec.bpmn_id or task.task_spec.name
        call = OperatorCall(name=name, params=params, data=dict(task.data), task_spec=spec_id, now=self.now)
        return json.dumps(self.operators[name](call), ensure_ascii=False, default=str)


def without_start_timers(content: bytes) -> Any:
    """The diagram with plain start events: bpmnpub fires a start timer exactly once, when the instance
    is created (`_fire_start_timers`); stock would replay every past cycle inside one instance."""
    tree = etree.fromstring(content).getroottree()
    for definition in tree.getroot().iterfind(f".//{{{BPMN}}}startEvent/{{{BPMN}}}timerEventDefinition"):
        definition.getparent().remove(definition)
    return tree


def _mend(spec: Any, subprocess_specs: Mapping[str, Any]) -> None:
    """The one engine behaviour given to this side on purpose (as `set_data` semantics are): joins merge
    by top-level key (bpmnpub.engine.joins). Stock DeepMerges every round's branches into lists shared
    with completed tasks; tests/engine/test_joins.py shows what that does to a request's data."""
    for process_spec in (spec, *subprocess_specs.values()):
        mend_joins(process_spec)


class StockSpec:
    """One diagram parsed once by the stock parser."""

    def __init__(self, content: bytes, filename: str, process_id: str) -> None:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_bpmn_xml(without_start_timers(content), filename)
        self.spec = parser.get_spec(process_id)
        self.subprocess_specs = parser.get_subprocess_specs(process_id)
        _mend(self.spec, self.subprocess_specs)


class StockRun:
    """One instance on stock SpiffWorkflow: every step ends serialized, and is restored from JSON."""

    def __init__(self, spec: StockSpec, data: Mapping[str, Any], now: datetime, operators: Operators) -> None:
        self.operators = operators
        with engine_time(now):
            workflow = BpmnWorkflow(
                spec.spec, spec.subprocess_specs, script_engine=StockScriptEngine(operators, now)
            )
            workflow.task_tree.data.update(copy.deepcopy(dict(data)))
            workflow.do_engine_steps()
        self._save(workflow)

    def _save(self, workflow: Any) -> None:
        """Serialize, and go on from the restored copy only (read by the comparison and the next step)."""
        self.state = SERIALIZER.serialize_json(workflow)
        self.workflow = SERIALIZER.deserialize_json(self.state)
        _mend(self.workflow.spec, self.workflow.subprocess_specs)  # specs rebuilt from the JSON

    def restore(self, now: datetime) -> Any:
        self.workflow.script_engine = StockScriptEngine(self.operators, now)  # not serialized
        return self.workflow

    def complete(self, task_id: Any, data: Mapping[str, Any], now: datetime) -> None:
        with engine_time(now):
            workflow = self.restore(now)
            task = workflow.get_task_from_id(task_id)
            assert task.state == TaskState.READY and task.task_spec.manual
            task.set_data(**copy.deepcopy(dict(data)))
            task.run()
            workflow.do_engine_steps()
            self._save(workflow)

    def resume(self, now: datetime) -> None:
        with engine_time(now):
            workflow = self.restore(now)
            workflow.refresh_timers()
            workflow.do_engine_steps()
            self._save(workflow)


def ready_user_tasks(workflow: Any) -> list[Any]:
    return list(workflow.get_tasks(state=TaskState.READY, manual=True))


def end_outcome(workflow: Any) -> str | None:
    """The `outcome` property of the end event the instance finished at; None while it runs."""
    if not workflow.is_completed():
        return None
    ends = [
        t
        for t in workflow.get_tasks(state=TaskState.COMPLETED)
        if isinstance(t.task_spec, EndEvent) and t.task_spec.bpmn_id
    ]
    if not ends:
        return "completed"
    end = max(ends, key=lambda t: t.last_state_change)
    return str(end.task_spec.extensions.get("properties", {}).get("outcome", "completed"))


def end_data(workflow: Any) -> dict[str, Any]:
    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent)]
    end = max(ends, key=lambda t: t.last_state_change)
    return dict(end.data)


def timers(workflow: Any) -> list[tuple[str, str]]:
    # By the definition's class, not its name: a date timer's is `TimeDateEventDefinition` (no "Timer" in
    # it), which a match on the name's ending missed, so every dated deadline looked absent on this side.
    return sorted(
        (str(e.name or ""), str(e.value))
        for t in workflow.event_manager.tasks.values()
        if isinstance(t.task_spec.event_definition, TimerEventDefinition)
        for e in [t.task_spec.event_definition.details(t)]
    )
