"""Compact serialized state.

Two differences from SpiffWorkflow's stock serializer, both measured (docs/spiffworkflow.md, trap 7):
- the spec is not copied into every instance: the state names the deployed version (`spec_ref`)
  and the parsed spec is reused from the cache;
- finished history is pruned: the task tree is cut at the deepest completed task above every
  unfinished one, so a request revised 100 times costs what a request revised once costs. The
  history people need lives in the instance event log, not in the task tree.
"""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

FORMAT = "bpmnpub-1"


class _WorkflowByReference(BpmnWorkflowConverter):  # type: ignore[misc]
    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> Any:
        from uuid import UUID

        workflow = self.target_class(spec, subprocess_specs or {}, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_CONFIG = deepcopy(SPIFF_CONFIG)
_CONFIG[BpmnWorkflow] = _WorkflowByReference
_REGISTRY = BpmnWorkflowSerializer.configure(_CONFIG)
_SERIALIZER = BpmnWorkflowSerializer(_REGISTRY)
VERSION: str = _SERIALIZER.VERSION


class StateFormatError(ValueError):
    pass


def dump(workflow: Any, spec_ref: str) -> str:
    prune_history(workflow)
    _REGISTRY._encoder_mode = True
    try:
        dct = _REGISTRY.convert(workflow)
    finally:
        _REGISTRY._encoder_mode = False
    dct["format"] = FORMAT
    dct["spec_ref"] = spec_ref
    dct["serializer_version"] = VERSION
    return json.dumps(dct, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    # Dates and decimals cannot reach task data through forms (JSON), but a script result might.
    return str(value)


def spec_ref_of(state: str) -> str:
    head = json.loads(state)
    return str(head.get("spec_ref", ""))


def load(state: str, spec: Any, subprocess_specs: dict[str, Any]) -> Any:
    dct = json.loads(state)
    if dct.pop("format", None) != FORMAT:
        raise StateFormatError("not a bpmnpub workflow state")
    dct.pop("spec_ref", None)
    version = dct.pop("serializer_version", None)
    if version != VERSION:
        raise StateFormatError(f"state written by serializer {version}, this engine reads {VERSION}")
    return _REGISTRY.restore(dct, spec=spec, subprocess_specs=subprocess_specs)


def prune_history(workflow: Any) -> None:
    """Cut the task tree at the deepest completed task that is an ancestor of every unfinished task."""
    unfinished = [t for t in workflow.tasks.values() if not t.has_state(TaskState.FINISHED_MASK)]
    if not unfinished:
        return
    common = _ancestors(unfinished[0])
    for task in unfinished[1:]:
        ids = {t.id for t in _ancestors(task)}
        common = [t for t in common if t.id in ids]
    new_root = None
    for task in common:  # root first, deepest last
        if task.has_state(TaskState.COMPLETED):
            new_root = task
    if new_root is None or new_root is workflow.task_tree:
        return
    keep = {t.id for t in _descendants(new_root)}
    data = new_root.data  # materialized in memory; written whole because it becomes the root
    workflow.tasks = {tid: t for tid, t in workflow.tasks.items() if tid in keep}
    new_root._parent = None
    new_root.data = data
    workflow.task_tree = new_root
    if workflow.last_task is not None and workflow.last_task.id not in keep:
        workflow.last_task = None
    for task_id in [tid for tid in workflow.subprocesses if tid not in keep]:
        del workflow.subprocesses[task_id]


def _ancestors(task: Any) -> list[Any]:
    chain = []
    current = task.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    chain.reverse()
    return chain


def _descendants(task: Any) -> list[Any]:
    out, stack = [], [task]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(current.children)
    return out
