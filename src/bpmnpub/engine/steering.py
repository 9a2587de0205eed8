"""What an administrator does to a running instance: read its diagram as a graph, move it back to an
earlier step (rewind), move it to a newer version of its process (migrate), correct a data value.

Rewind does not use SpiffWorkflow's `reset_from_task_id`: that resets a task still in the tree and
takes the data of its parent, but `serialization.prune_history` keeps only the deepest completed
task above the unfinished ones (measured on general_publication waiting at the director: the kept
tree is one completed gateway plus what lies ahead). So rewinding cancels every unfinished task and
starts a fresh token at the chosen step, on the request's current data, as Camunda's "instance
modification" does. That is sound only outside parallel branches and multi-instance steps (a join
would wait for a branch that no longer exists): `rewind_targets` says which steps are possible and
why the others are not.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.util.diff import SpecDiff, diff_workflow, migrate_workflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from ..errors import ConflictError
from . import serialization
from .bpmn_xml import NS, local_name, parse_xml
from .clock import engine_time
from .scripting import SafeScriptEngine
from .specs import ParsedSpec
from .stepping import restore_workflow, run_engine, run_result, step_failed
from .types import Operators, RunResult

PERSON_KINDS = frozenset({"userTask", "manualTask", "task"})
# Elements the event log records (a task row, a service event, the start, an end); the others
# (gateways, script tasks, intermediate events) are passed through between two recorded ones.
RECORDED_KINDS = PERSON_KINDS | {"serviceTask", "startEvent", "endEvent"}
_NODE_KINDS = RECORDED_KINDS | {
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "scriptTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
}
_FORKING = frozenset({"parallelGateway", "inclusiveGateway"})


@dataclass(frozen=True)
class DiagramNode:
    id: str
    kind: str  # the BPMN element's local name: userTask, exclusiveGateway, ...
    name: str
    multi_instance: bool = False


@dataclass(frozen=True)
class DiagramFlow:
    id: str
    source: str
    target: str


@dataclass(frozen=True)
class DiagramGraph:
    """The top-level process of a diagram as nodes and sequence flows (what the viewer draws)."""

    nodes: Mapping[str, DiagramNode]
    flows: tuple[DiagramFlow, ...]
    parallel: frozenset[str]  # nodes inside parallel branches (between a fork and its join)

    def incoming(self, node_id: str) -> list[DiagramFlow]:
        return [f for f in self.flows if f.target == node_id]

    def starts(self) -> list[str]:
        """The start event a request begins at (the first of the process's start events)."""
        return [n.id for n in self.nodes.values() if n.kind == "startEvent"][:1]


@dataclass(frozen=True)
class RewindTarget:
    spec_id: str
    name: str
    reason: str | None  # None: possible; otherwise why not


@dataclass(frozen=True)
class ElementChange:
    spec_id: str
    name: str
    change: str  # added | removed | changed
    attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class MigrationPlan:
    """What moving an instance to another version would do (a dry run) — or did."""

    changes: tuple[ElementChange, ...]
    reset_steps: tuple[str, ...]  # element ids of open steps that restart (new task, timers restart)
    blockers: tuple[str, ...]  # why it cannot be done; empty when it can
    result: RunResult | None = None  # the new state, when applied


def diagram_graph(content: bytes, filename: str, process_id: str) -> DiagramGraph:
    """The graph of a deployed diagram's executable process. Raises DiagramError on unreadable XML."""
    root = parse_xml(content, filename).getroot()
    process = root.find(f"bpmn:process[@id='{process_id}']", NS) if "'" not in process_id else None
    if process is None:
        process = root.find("bpmn:process", NS)
    nodes: dict[str, DiagramNode] = {}
    flows: list[DiagramFlow] = []
    if process is not None:
        for element in process:
            kind = local_name(element.tag)
            element_id = element.get("id")
            if not element_id:
                continue
            if kind == "sequenceFlow":
                flows.append(
                    DiagramFlow(element_id, element.get("sourceRef", ""), element.get("targetRef", ""))
                )
            elif kind in _NODE_KINDS:
                multi = element.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None
                nodes[element_id] = DiagramNode(
                    element_id, kind, " ".join((element.get("name") or "").split()), multi
                )
    return DiagramGraph(nodes, tuple(flows), frozenset(_inside_parallel(nodes, flows)))


def _inside_parallel(nodes: Mapping[str, DiagramNode], flows: list[DiagramFlow]) -> set[str]:
    """Nodes reached with at least one open fork (depth > 0), walking from the start events."""
    out: dict[str, list[str]] = {}
    fan_in: dict[str, int] = {}
    for flow in flows:
        out.setdefault(flow.source, []).append(flow.target)
        fan_in[flow.target] = fan_in.get(flow.target, 0) + 1
    inside: set[str] = set()
    starts = [n.id for n in nodes.values() if n.kind == "startEvent"]
    seen: set[tuple[str, int]] = set()
    queue = deque((s, 0) for s in starts)
    while queue:
        node_id, depth = queue.popleft()
        node = nodes.get(node_id)
        if node is None or (node_id, depth) in seen or depth > 8:
            continue
        seen.add((node_id, depth))
        if node.kind in _FORKING and fan_in.get(node_id, 0) > 1:
            depth = max(depth - 1, 0)  # a join closes one fork
        if depth > 0:
            inside.add(node_id)
        targets = out.get(node_id, [])
        after = depth + 1 if node.kind in _FORKING and len(targets) > 1 else depth
        queue.extend((t, after) for t in targets)
    return inside


def rewind_targets(graph: DiagramGraph) -> list[RewindTarget]:
    """Every step done by a person, with why a rewind to it is impossible (None when it is possible)."""
    targets = []
    for node in graph.nodes.values():
        if node.kind not in PERSON_KINDS:
            continue
        reason = None
        if node.multi_instance:
            reason = "a step done once per group cannot be restarted alone"
        elif node.id in graph.parallel:
            reason = "a step inside parallel branches: the join would wait for a branch that no longer exists"
        targets.append(RewindTarget(node.id, node.name or node.id, reason))
    return targets


def rewind(parsed: ParsedSpec, state: str, spec_id: str, now: datetime, operators: Operators) -> RunResult:
    """Cancel every unfinished task and restart the instance at the step `spec_id`, on its current data.
    Raises ConflictError (no such step), StepFailedError."""
    target = parsed.spec.task_specs.get(spec_id)
    if target is None or not getattr(target, "manual", False):
        raise ConflictError(f"{spec_id!r} is not a step done by a person in this version")
    script_engine = SafeScriptEngine(operators, now)
    with engine_time(now):
        workflow = restore_workflow(parsed, state, script_engine)
        root = workflow.task_tree
        data = copy.deepcopy(dict(workflow.last_task.data if workflow.last_task is not None else root.data))
        root._drop_children(force=True)
        for task_id in [tid for tid in workflow.subprocesses if tid not in workflow.tasks]:
            del workflow.subprocesses[task_id]
        root.data = copy.deepcopy(data)
        child = root._add_child(target, TaskState.FUTURE)
        child.data = copy.deepcopy(data)
        child.task_spec._predict(child, mask=TaskState.PREDICTED_MASK | TaskState.FUTURE)
        workflow.last_task = root
        try:
            child.task_spec._update(child)
            run_engine(workflow)
        except SpiffWorkflowException as exc:
            raise step_failed(exc, state) from exc
        return run_result(parsed, workflow, script_engine)


def set_value(parsed: ParsedSpec, state: str, key: str, value: Any, now: datetime) -> RunResult:
    """Replace one top-level data value everywhere the instance carries its current data."""
    script_engine = SafeScriptEngine({}, now)
    workflow = restore_workflow(parsed, state, script_engine)
    live = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
    for task in [workflow.task_tree, *workflow.get_tasks(state=live)]:
        task.data[key] = copy.deepcopy(value)
    if workflow.last_task is not None:
        workflow.last_task.data[key] = copy.deepcopy(value)
    return run_result(parsed, workflow, script_engine)


def _named(spec: Any) -> bool:
    return bool(getattr(spec, "bpmn_id", None))


def migration(
    old: ParsedSpec,
    state: str,
    new: ParsedSpec,
    now: datetime,
    operators: Operators,
    apply: bool,
) -> MigrationPlan:
    """Compare an instance's version with `new` and, when `apply` and nothing blocks, move it there.
    Open steps restart: their tasks are made again and their timers start over. Raises StepFailedError."""
    registry = serialization._REGISTRY
    script_engine = SafeScriptEngine(operators, now)
    with engine_time(now):
        workflow = restore_workflow(old, state, script_engine)
        spec_diff = SpecDiff(registry, workflow.spec, new.spec)
        changes: list[ElementChange] = []
        for spec in spec_diff.added:
            if _named(spec):
                changes.append(ElementChange(spec.bpmn_id, spec.bpmn_name or "", "added"))
        for spec in spec_diff.removed:
            if _named(spec):
                changes.append(ElementChange(spec.bpmn_id, spec.bpmn_name or "", "removed"))
        for spec, attributes in spec_diff.changed.items():
            if _named(spec):
                changes.append(
                    ElementChange(spec.bpmn_id, spec.bpmn_name or "", "changed", tuple(attributes))
                )
        top, sub_diffs = diff_workflow(registry, workflow, new.spec, new.subprocess_specs)
        open_mask = TaskState.READY | TaskState.WAITING | TaskState.STARTED
        live = [t for t in workflow.get_tasks(state=open_mask) if _named(t.task_spec)]
        blockers = [
            f"the step {t.task_spec.bpmn_name or t.task_spec.bpmn_id} the request is at no longer exists"
            for t in top.removed
            if t.has_state(open_mask)
        ]
        blockers += [f"sub-process {sp_id} has no counterpart" for sp_id, d in sub_diffs.items() if d is None]
        reset = tuple(t.task_spec.bpmn_id for t in live if t.has_state(TaskState.READY | TaskState.WAITING))
        order = {"removed": 0, "changed": 1, "added": 2}
        plan = MigrationPlan(
            tuple(sorted(changes, key=lambda c: (order[c.change], c.spec_id))), reset, tuple(blockers)
        )
        if not apply or blockers:
            return plan
        migrate_workflow(top, workflow, new.spec)
        for sp_id, sub_diff in sub_diffs.items():
            sub = workflow.subprocesses[sp_id]
            migrate_workflow(sub_diff, sub, new.subprocess_specs.get(sub.spec.name))
        workflow.subprocess_specs = new.subprocess_specs
        try:
            run_engine(workflow)
        except SpiffWorkflowException as exc:
            raise step_failed(exc, state) from exc
        return MigrationPlan(plan.changes, plan.reset_steps, (), run_result(new, workflow, script_engine))
