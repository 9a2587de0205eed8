"""Diagrams in, checked specs out.

`inspect_diagram` parses hostile XML safely (no entities, no network), validates it against the
BPMN XSD, lets SpiffWorkflow build the spec, then runs the checks SpiffWorkflow does not do at
parse time (reachability, dead ends, lanes, forms, expressions, timer literals, operators). Every
problem names the file, the element id and the line. Parsed specs are cached per version key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..errors import DiagramError, DiagramProblem
from . import plain, prefill
from .bounded_timers import bound_timers
from .bpmn_xml import (
    BPMN,
    FLOW_NODES,
    NS,
    SPIFF,
    bpmn_name,
    extension_text,
    find_by_line,
    line_of,
    located_problem,
    parse_xml,
    properties_of,
    working_days_or_none,
)
from .diagram_checks import Checker, TimerRules, check_process, flow_ends, no_lanes
from .joins import mend_joins
from .timer_window import DEFAULT_WINDOW, TimerWindow
from .types import ProcessModel, UserTaskInfo


@dataclass(frozen=True)
class ParsedSpec:
    model: ProcessModel
    spec: Any
    subprocess_specs: dict[str, Any]


def _spiff_problem(tree: Any, filename: str, exc: Exception) -> DiagramProblem:
    element_id = getattr(exc, "id", None) or None
    line = getattr(exc, "line_number", None) or None
    if element_id and not line:
        found = tree.getroot().xpath("//*[@id=$id]", id=element_id)
        line = line_of(found[0]) if found else None
    if line and not element_id:
        found = find_by_line(tree, line)
        element_id = None if found is None else found.get("id")
    # Only the first line: SpiffWorkflow appends its own context (file names, class names) after it.
    said = plain.engine_refusal(str(getattr(exc, "error", None) or exc).split("\n")[0])
    return located_problem(filename, element_id, int(line) if line else None, said)


def _lanes(process: Any) -> dict[str, str]:
    lanes = {}
    for lane in process.findall(".//bpmn:lane", NS):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name", "")
    return lanes


def _model(process: Any, lanes: dict[str, str], sha256: str, filename: str) -> ProcessModel:
    props = properties_of(process)
    doc = process.find("bpmn:documentation", NS)
    user_tasks = []
    first = prefill.start_tasks(process, lanes, NS)
    for task in process.iter(f"{{{BPMN}}}userTask"):
        tprops = properties_of(task)
        user_tasks.append(
            UserTaskInfo(
                id=task.get("id"),
                name=task.get("name") or task.get("id"),
                lane=lanes.get(task.get("id")),
                form_key=tprops.get("formKey"),
                instructions=extension_text(task, "instructionsForEndUser") or "",
                due_in=tprops.get("dueIn") or None,
                due_in_working_days=working_days_or_none(tprops.get("dueInWorkingDays")),
                due_from=(tprops.get("dueFrom") or "").strip() or None,
                multi_instance=task.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None,
                carry_over=prefill.carry_over(tprops.get("carryOver")),
                script_fields=prefill.script_fields(extension_text(task, "preScript")),
                starts=task.get("id") in first,
            )
        )
    start_timer = None
    for start in process.findall("bpmn:startEvent", NS):
        cycle = start.find("bpmn:timerEventDefinition/bpmn:timeCycle", NS)
        if cycle is not None and cycle.text:
            start_timer = cycle.text.strip()
    end_outcomes = {
        end.get("id"): properties_of(end).get("outcome", "completed")
        for end in process.iter(f"{{{BPMN}}}endEvent")
    }
    roles = tuple(r.strip() for r in props.get("startRoles", "*").split(",") if r.strip())
    operators = tuple(
        sorted({op.get("id") for op in process.iter(f"{{{SPIFF}}}serviceTaskOperator") if op.get("id")})
    )
    return ProcessModel(
        process_id=process.get("id"),
        name=process.get("name") or process.get("id"),
        description=(doc.text or "").strip() if doc is not None else "",
        category=props.get("category", ""),
        start_roles=roles,
        start_timer=start_timer,
        lanes=tuple(dict.fromkeys(lanes.values())),
        user_tasks=tuple(user_tasks),
        operators=operators,
        sha256=sha256,
        filename=filename,
        end_outcomes=end_outcomes,
        declares_carry_over=any("carryOver" in properties_of(t) for t in process.iter(f"{{{BPMN}}}userTask")),
    )


def _flow_node_count(process: Any) -> int:
    return sum(1 for n in process.iter() if bpmn_name(n.tag) in FLOW_NODES)


def choose_process(tree: Any, filename: str) -> tuple[Any, list[DiagramProblem]]:
    """The process a file is about, and what keeps it from running as it is. A file made for bpmnpub
    holds one executable process (other, non-executable pools may be drawn beside it). A file from
    another tool (Camunda Modeler, bpmn.io, Signavio) often says `isExecutable="false"` or holds several
    pools: the process with the most elements is the one meant, and each other one is named."""
    processes = tree.getroot().findall("bpmn:process", NS)
    if not processes:
        problem = DiagramProblem(filename, None, None, "the file holds no process", "no_process")
        return None, [problem]
    executable = [p for p in processes if p.get("isExecutable") == "true"]
    if len(executable) == 1:
        return executable[0], []
    pool = executable or processes
    process = max(pool, key=_flow_node_count)  # max keeps the first of equals: the order of the file
    problems = []
    if not executable:
        problems.append(
            DiagramProblem(
                filename,
                process.get("id"),
                line_of(process),
                "the process is not executable (isExecutable is not true): tick executable in its properties",
                "not_executable",
            )
        )
    for other in pool:
        if other is not process and (_flow_node_count(other) or other in executable):
            problems.append(
                DiagramProblem(
                    filename,
                    other.get("id"),
                    line_of(other),
                    f"a second process {other.get('name') or other.get('id')!r}: bpmnpub runs one process"
                    " per file; move its steps into lanes of the main process or delete it",
                    "other_process",
                    {"name": other.get("name") or other.get("id") or ""},
                )
            )
    return process, problems


def inspect_diagram(
    content: bytes,
    filename: str,
    *,
    known_roles: frozenset[str],
    known_forms: frozenset[str] | None = None,
    known_operators: frozenset[str],
    timer_window: TimerWindow = DEFAULT_WINDOW,
    now: datetime | None = None,
    deployed: bool = False,
) -> ParsedSpec:
    """Parse and check one BPMN file; timer literals must fall in `timer_window` (dates at most ten
    years after `now`), except in a version already `deployed`. Raises DiagramError listing every
    problem found."""
    timers = TimerRules(timer_window, now, strict=not deployed)
    tree = parse_xml(content, filename)
    process, chosen = choose_process(tree, filename)
    if process is None or chosen:
        # Not runnable as it is (a diagram from another tool): say everything to fix in one list.
        check = Checker(filename)
        check.problems.extend(chosen)
        if process is not None:
            check.problems.extend(flow_ends(process, filename))
            lanes = _lanes(process)
            if not lanes:
                no_lanes(process, check)
            check_process(process, lanes, check, known_roles, known_forms, known_operators, timers)
        raise DiagramError(f"{filename}: {check.problems[0].message}", check.problems)
    process_id = process.get("id")
    sha256 = hashlib.sha256(content).hexdigest()
    logical_name = f"{process_id}@{sha256[:16]}.bpmn"  # ends up in every instance: never a server path
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        if broken := flow_ends(process, filename):
            raise DiagramError(f"{filename}: {broken[0].message}", broken)
        parser.add_bpmn_xml(tree, logical_name)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, SpiffWorkflowException) as exc:
        problem = _spiff_problem(tree, filename, exc)
        if problem.code == "too_deep":  # a diagram the engine cannot walk: that is the one thing to say
            raise DiagramError(f"{filename}: {problem.message}", [problem]) from exc
        # SpiffWorkflow stops at its first refusal: list ours too, so one round of fixes can be enough
        # (ours first; SpiffWorkflow's only when it names an element ours did not).
        check = Checker(filename)
        lanes = _lanes(process)
        if not lanes:
            no_lanes(process, check)
        check_process(process, lanes, check, known_roles, known_forms, known_operators, timers)
        named = {p.element_id for p in check.problems}
        problems = check.problems + ([] if problem.element_id in named and problem.element_id else [problem])
        raise DiagramError(f"{filename}: {problems[0].message}", problems) from exc
    except RecursionError as exc:  # SpiffWorkflow walks a path of tasks recursively
        problem = located_problem(filename, None, None, plain.too_deep())
        raise DiagramError(f"{filename}: {problem.message}", [problem]) from exc
    except (KeyError, AttributeError, ValueError, TypeError) as exc:
        # SpiffWorkflow reports some broken references this way (e.g. a flow to a missing target).
        check = Checker(filename)
        check_process(process, _lanes(process), check, known_roles, known_forms, known_operators, timers)
        problems = check.problems or [
            located_problem(filename, None, None, plain.engine_refusal(type(exc).__name__))
        ]
        raise DiagramError(f"{filename}: {problems[0].message}", problems) from exc
    lanes = _lanes(process)
    check = Checker(filename)
    if not lanes:
        no_lanes(process, check)
    check_process(process, lanes, check, known_roles, known_forms, known_operators, timers)
    if check.problems:
        raise DiagramError(f"{filename}: {len(check.problems)} problem(s)", check.problems)
    for process_spec in (spec, *subprocess_specs.values()):
        connect_loop_merges(process_spec)
        mend_joins(process_spec)
        bound_timers(process_spec, timer_window)
    return ParsedSpec(_model(process, lanes, sha256, filename), spec, subprocess_specs)


def connect_loop_merges(process_spec: Any) -> None:
    """Wire each multi-instance / loop task to its instances' completion, as restoring does.

    SpiffWorkflow connects `merge_child` to the instance spec's `completed_event` only when it
    creates instances (`create_child`) or when its serializer rebuilds a spec from JSON. We keep
    specs by reference, so a spec parsed in a process that never created the instances (another
    gunicorn worker, the background worker, a cache refill) would let an instance complete
    without being merged: its output item was lost, or the loop never became ready (a stall).
    Connecting here, once per parsed spec, makes every process see what the creator saw.
    """
    for task_spec in process_spec.task_specs.values():
        if not isinstance(task_spec, LoopTask):
            continue
        child_spec = process_spec.task_specs.get(task_spec.task_spec)
        if child_spec is not None and not child_spec.completed_event.is_connected(task_spec.merge_child):
            child_spec.completed_event.connect(task_spec.merge_child)


class SpecCache:
    """Parsed specs by version key; parsing costs milliseconds, a lookup microseconds."""

    def __init__(self, size: int = 256) -> None:
        self._items: OrderedDict[str, ParsedSpec] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str) -> ParsedSpec | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, parsed: ParsedSpec) -> None:
        with self._lock:
            self._items[key] = parsed
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)
