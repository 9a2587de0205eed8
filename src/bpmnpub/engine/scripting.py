"""The script engine every workflow runs with: conditions, timers, parameters and scripts go
through `bpmnpub.engine.sandbox` (no eval/exec of diagram text), service tasks call operators
registered by name.

A restored workflow gets SpiffWorkflow's default (unsafe) engine back, so `runtime` sets this one
after every deserialization.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from . import sandbox
from .types import OperatorCall, Operators, StepRecord


class SafeEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """The environment SpiffWorkflow calls directly for a few expressions (completion conditions)."""

    def __init__(self) -> None:
        super().__init__(environment_globals={})

    def evaluate(self, expression: str, context: Mapping[str, Any], external_context: Any = None) -> Any:
        return sandbox.evaluate(expression, _merged(context, external_context))

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        sandbox.execute(script, context, external_context or None)
        return True

    def call_service(self, context: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("service calls go through SafeScriptEngine.call_service")


def _merged(context: Mapping[str, Any], external: Mapping[str, Any] | None) -> Mapping[str, Any]:
    if not external:
        return context
    return {**context, **external}


class SafeScriptEngine(PythonScriptEngine):  # type: ignore[misc]
    def __init__(self, operators: Operators, now: datetime) -> None:
        super().__init__(environment=SafeEnvironment())
        self.operators = operators
        self.now = now
        self.steps: list[StepRecord] = []
        # Seconds spent inside operators (publishing, rendering a report): the engine's own time budget
        # (stepping.run_engine) bounds the engine's loops, not the office's work it calls.
        self.operator_seconds = 0.0

    def validate(self, expression: str) -> None:
        sandbox.check_expression(expression)

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        try:
            return sandbox.evaluate(expression, _merged(task.data, external_context))
        except sandbox.SandboxError as exc:
            raise WorkflowTaskException(
                f"expression {expression!r}: {exc.message}", task=task, exception=exc
            ) from exc

    def execute(self, task: Any, script: str, external_context: Any = None) -> bool:
        try:
            sandbox.execute(script, task.data, external_context or None)
        except sandbox.SandboxError as exc:
            raise WorkflowTaskException(f"script: {exc.message}", task=task, exception=exc) from exc
        return True

    def call_service(self, task: Any, **kwargs: Any) -> str:
        name: str = kwargs["operation_name"]
        params = {key: value["value"] for key, value in kwargs.get("operation_params", {}).items()}
        operator = self.operators.get(name)
        spec_id = task.task_spec.bpmn_id or task.task_spec.name
        if operator is None:
            raise WorkflowTaskException(f"no service operator named {name!r}", task=task)
        call = OperatorCall(name=name, params=params, data=dict(task.data), task_spec=spec_id, now=self.now)
        started = time.monotonic()
        try:
            result = operator(call)
        except Exception as exc:  # an operator failure is a failed step, whatever it was
            raise WorkflowTaskException(f"{name}: {exc}", task=task, exception=exc) from exc
        finally:
            self.operator_seconds += time.monotonic() - started
        self.steps.append(
            StepRecord(
                spec_id=spec_id, name=task.task_spec.bpmn_name or spec_id, kind="service", result=result
            )
        )
        return json.dumps(result, ensure_ascii=False, default=str)
