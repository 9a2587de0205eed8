"""Diagrams in, checked specs out.

`inspect_diagram` parses hostile XML safely (no entities, no network), validates it against the
BPMN XSD, lets SpiffWorkflow build the spec, then runs the checks SpiffWorkflow does not do at
parse time (reachability, dead ends, lanes, forms, expressions, timer literals, operators). Every
problem names the file, the element id and the line. Parsed specs are cached per version key.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from ..errors import DiagramError, DiagramProblem
from . import plain, prefill, sandbox
from .bounded_timers import bound_timers
from .durations import TimerValueError
from .timer_window import DEFAULT_WINDOW, TimerWindow
from .types import KNOWN_OPERATORS, ProcessModel, UserTaskInfo

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}

FLOW_NODES = (
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "userTask",
    "serviceTask",
    "scriptTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "task",
    "manualTask",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "subProcess",
    "callActivity",
)
UNSUPPORTED = {
    "task": "a plain task stops the engine without a form; use a userTask (with a form) or a serviceTask",
    "manualTask": "a manual task has no form; use a userTask",
    "subProcess": "sub-processes are not supported by bpmnpub yet",
    "callActivity": "call activities are not supported by bpmnpub yet",
    "businessRuleTask": "business rule (DMN) tasks are not supported by bpmnpub",
}

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
)


@dataclass(frozen=True)
class ParsedSpec:
    model: ProcessModel
    spec: Any
    subprocess_specs: dict[str, Any]


def local_name(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _line(element: Any) -> int | None:
    return getattr(element, "sourceline", None)


def _properties(element: Any) -> dict[str, str]:
    props = {}
    for prop in element.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
        props[prop.get("name", "")] = prop.get("value", "")
    return props


def _extension_text(element: Any, name: str) -> str | None:
    node = element.find(f"bpmn:extensionElements/spiffworkflow:{name}", NS)
    return None if node is None or node.text is None else node.text.strip()


class _Checker:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[DiagramProblem] = []

    def add(self, element: Any, message: str, line: int | None = None) -> None:
        element_id = None if element is None else element.get("id")
        line = line or (None if element is None else _line(element))
        self.problems.append(DiagramProblem(self.filename, element_id, line, message))

    def expression(self, element: Any, source: str | None, what: str, *, script: bool = False) -> None:
        if source is None or not source.strip():
            self.add(element, f"{what} is empty")
            return
        try:
            (sandbox.check_script if script else sandbox.check_expression)(source)
        except sandbox.SandboxError as exc:
            self.add(element, f"{what} {source.strip()!r} is not allowed: {exc.message}")


def parse_xml(content: bytes, filename: str) -> Any:
    """Parse untrusted XML; raises DiagramError with the line of a syntax error."""
    try:
        return etree.fromstring(content, _PARSER).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        problem = _problem(filename, None, line, plain.syntax_problem(str(exc.msg)))
        raise DiagramError(f"{filename}: {problem.message}", [problem]) from exc


def xml_text(content: bytes) -> str:
    """The document as text, whatever encoding it declares (TIS-620 is common for Thai files)."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return str(etree.tostring(parse_xml(content, "diagram").getroot(), encoding="unicode"))
    if text.startswith("<?xml") and "encoding" in text.split("?>", 1)[0].lower():
        declared = text.split("?>", 1)[0].lower()
        if "utf-8" not in declared and "utf8" not in declared:
            return str(etree.tostring(parse_xml(content, "diagram").getroot(), encoding="unicode"))
    return text


def _find_by_line(tree: Any, line: int | None) -> Any:
    if not line:
        return None
    for element in tree.iter():
        if _line(element) == line and element.get("id"):
            return element
    return None


def _problem(filename: str, element_id: str | None, line: int | None, said: plain.Plain) -> DiagramProblem:
    code, params, message = said
    return DiagramProblem(filename, element_id, line, message, code, params)


def _spiff_problem(tree: Any, filename: str, exc: Exception) -> DiagramProblem:
    element_id = getattr(exc, "id", None) or None
    line = getattr(exc, "line_number", None) or None
    if element_id and not line:
        found = tree.getroot().xpath("//*[@id=$id]", id=element_id)
        line = _line(found[0]) if found else None
    if line and not element_id:
        found = _find_by_line(tree, line)
        element_id = None if found is None else found.get("id")
    # Only the first line: SpiffWorkflow appends its own context (file names, class names) after it.
    said = plain.engine_refusal(str(getattr(exc, "error", None) or exc).split("\n")[0])
    return _problem(filename, element_id, int(line) if line else None, said)


def _flow_ends(process: Any, filename: str) -> list[DiagramProblem]:
    """Flows whose source or target is not in the process: SpiffWorkflow's own message for them
    misleads ("we found two items, perhaps a form has the same ID?")."""
    ids = {element.get("id") for element in process.iter() if element.get("id")}
    problems = []
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        for end, attribute in (("source", "sourceRef"), ("target", "targetRef")):
            ref = flow.get(attribute)
            if ref not in ids:
                said = plain.missing_flow_end(flow.get("id", ""), end, ref or "")
                problems.append(_problem(filename, flow.get("id"), _line(flow), said))
    return problems


def _check_graph(process: Any, check: _Checker) -> None:
    nodes = {n.get("id"): n for n in process.iter() if local_name(n.tag) in FLOW_NODES and n.get("id")}
    outgoing: dict[str, list[str]] = defaultdict(list)
    incoming: dict[str, list[str]] = defaultdict(list)
    for flow in process.findall(".//bpmn:sequenceFlow", NS):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source not in nodes:
            check.add(flow, f"sequence flow starts at {source!r}, which is not an element of this process")
            continue
        if target not in nodes:
            check.add(flow, f"sequence flow leads to {target!r}, which is not an element of this process")
            continue
        outgoing[source].append(target)
        incoming[target].append(source)
    for node in nodes.values():
        if local_name(node.tag) == "boundaryEvent" and node.get("attachedToRef") in nodes:
            outgoing[node.get("attachedToRef")].append(node.get("id"))
    starts = [i for i, n in nodes.items() if local_name(n.tag) == "startEvent"]
    ends = {i for i, n in nodes.items() if local_name(n.tag) == "endEvent"}
    if not starts:
        check.add(process, "the process has no start event")
    if not ends:
        check.add(process, "the process has no end event")
    reachable = _walk(starts, outgoing)
    can_finish = _walk(list(ends), incoming)
    for node_id, node in nodes.items():
        if node_id not in reachable:
            check.add(node, "unreachable: no path leads here from a start event")
        elif node_id not in can_finish:
            check.add(node, "dead end: no path leads from here to an end event")


def _walk(roots: list[str], edges: dict[str, list[str]]) -> set[str]:
    seen, stack = set(roots), list(roots)
    while stack:
        for nxt in edges.get(stack.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def _check_timer(element: Any, check: _Checker, timers: _TimerRules) -> None:
    endless = local_name(element.tag) == "startEvent"  # as engine/bounded_timers.py decides
    for kind in ("timeDuration", "timeDate", "timeCycle"):
        node = element.find(f".//bpmn:timerEventDefinition/bpmn:{kind}", NS)
        if node is None:
            continue
        source = (node.text or "").strip()
        check.expression(element, source, f"timer {kind}")
        try:
            if sandbox.referenced_names(source):
                return  # computed from data: bounded when it runs (engine/bounded_timers.py)
            value = sandbox.evaluate(source, {})
        except sandbox.SandboxError:
            return  # already reported by check.expression
        try:
            timers.check(kind, value, endless=endless)
        except TimerValueError as exc:
            check.add(element, f"timer {kind}: {exc.message}", line=_line(node))


@dataclass(frozen=True)
class _TimerRules:
    """Deploy checks a timer literal against the window (`now` for dates ahead). A deployed version
    parsed again (`strict=False`) was checked at its deploy: a window changed since then (another
    worker interval, ten years later) must not stop its requests. Run time bounds them anyway."""

    window: TimerWindow
    now: datetime | None
    strict: bool

    def check(self, kind: str, value: Any, *, endless: bool) -> None:
        if not self.strict:
            return
        if kind == "timeDuration":
            self.window.duration(value)
        elif kind == "timeDate":
            self.window.date(value, self.now)
        else:
            self.window.cycle(value, self.now, endless=endless)


def _check_process(
    process: Any,
    lanes: dict[str, str],
    check: _Checker,
    known_roles: frozenset[str],
    known_forms: frozenset[str] | None,
    known_operators: frozenset[str],
    timers: _TimerRules,
) -> None:
    _check_graph(process, check)
    default_flows = {g.get("default") for g in process.iter() if g.get("default")}
    for element in process.iter():
        tag = local_name(element.tag)
        if tag in UNSUPPORTED:
            check.add(element, UNSUPPORTED[tag])
        if tag in FLOW_NODES and tag not in ("boundaryEvent",) and element.get("id") not in lanes and lanes:
            check.add(element, "not in any lane: put it in the lane of the role that does it")
        if tag == "userTask":
            lane = lanes.get(element.get("id", ""))
            if lane is not None and lane not in known_roles:
                check.add(element, f"lane {lane!r} is not a known role ({', '.join(sorted(known_roles))})")
            form_key = _properties(element).get("formKey")
            if not form_key:
                check.add(element, "user task without a form: set the formKey property")
            elif known_forms is not None and form_key not in known_forms:
                check.add(element, f"form {form_key!r} does not exist (forms/{form_key}.json)")
            due = _properties(element).get("dueIn")
            if due:
                try:
                    timers.check("timeDuration", due, endless=False)
                except TimerValueError as exc:
                    check.add(element, f"dueIn: {exc.message} (write a duration such as P3D)")
            carried = _properties(element).get("carryOver")
            if carried is not None and (problem := prefill.carry_over_problem(carried)):
                check.add(element, problem)
        if tag == "conditionExpression":
            flow = element.getparent()
            check.expression(flow, element.text, "condition")
        if tag == "sequenceFlow":
            source = process.xpath(".//*[@id=$id]", id=element.get("sourceRef"))
            if (
                source
                and local_name(source[0].tag) in ("exclusiveGateway", "inclusiveGateway")
                and len(source[0].findall("bpmn:outgoing", NS)) > 1
                and element.find("bpmn:conditionExpression", NS) is None
                and element.get("id") not in default_flows
            ):
                check.add(
                    element, "a flow leaving a decision gateway needs a condition (or must be its default)"
                )
        if tag in ("startEvent", "intermediateCatchEvent", "boundaryEvent"):
            _check_timer(element, check, timers)
        if tag == "scriptTask":
            node = element.find("bpmn:script", NS)
            check.expression(element, None if node is None else node.text, "script", script=True)
        for script_kind in ("preScript", "postScript"):
            text = _extension_text(element, script_kind)
            if text is not None:
                check.expression(element, text, script_kind, script=True)
        if tag == "serviceTask":
            operator = element.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
            if operator is None:
                check.add(element, "service task without an operator (spiffworkflow:serviceTaskOperator)")
                continue
            if operator.get("id") not in known_operators:
                check.add(
                    element,
                    f"unknown operator {operator.get('id')!r} (known: {', '.join(sorted(known_operators))})",
                )
            for param in operator.findall("spiffworkflow:parameters/spiffworkflow:parameter", NS):
                check.expression(element, param.get("value"), f"parameter {param.get('id')!r}")


def _lanes(process: Any) -> dict[str, str]:
    lanes = {}
    for lane in process.findall(".//bpmn:lane", NS):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name", "")
    return lanes


def _model(process: Any, lanes: dict[str, str], sha256: str, filename: str) -> ProcessModel:
    props = _properties(process)
    doc = process.find("bpmn:documentation", NS)
    user_tasks = []
    first = prefill.start_tasks(process, lanes, NS)
    for task in process.iter(f"{{{BPMN}}}userTask"):
        tprops = _properties(task)
        user_tasks.append(
            UserTaskInfo(
                id=task.get("id"),
                name=task.get("name") or task.get("id"),
                lane=lanes.get(task.get("id")),
                form_key=tprops.get("formKey"),
                instructions=_extension_text(task, "instructionsForEndUser") or "",
                due_in=tprops.get("dueIn") or None,
                multi_instance=task.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None,
                carry_over=prefill.carry_over(tprops.get("carryOver")),
                script_fields=prefill.script_fields(_extension_text(task, "preScript")),
                starts=task.get("id") in first,
            )
        )
    start_timer = None
    for start in process.findall("bpmn:startEvent", NS):
        cycle = start.find("bpmn:timerEventDefinition/bpmn:timeCycle", NS)
        if cycle is not None and cycle.text:
            start_timer = cycle.text.strip()
    end_outcomes = {
        end.get("id"): _properties(end).get("outcome", "completed")
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
        declares_carry_over=any("carryOver" in _properties(t) for t in process.iter(f"{{{BPMN}}}userTask")),
    )


def inspect_diagram(
    content: bytes,
    filename: str,
    *,
    known_roles: frozenset[str],
    known_forms: frozenset[str] | None = None,
    known_operators: frozenset[str] = frozenset(KNOWN_OPERATORS),
    timer_window: TimerWindow = DEFAULT_WINDOW,
    now: datetime | None = None,
    deployed: bool = False,
) -> ParsedSpec:
    """Parse and check one BPMN file; timer literals must fall in `timer_window` (dates at most ten
    years after `now`), except in a version already `deployed`. Raises DiagramError listing every
    problem found."""
    timers = _TimerRules(timer_window, now, strict=not deployed)
    tree = parse_xml(content, filename)
    processes = [p for p in tree.getroot().findall("bpmn:process", NS) if p.get("isExecutable") == "true"]
    if len(processes) != 1:
        problem = DiagramProblem(filename, None, None, "a file must hold exactly one executable process")
        raise DiagramError(f"{filename}: {problem.message}", [problem])
    process = processes[0]
    process_id = process.get("id")
    sha256 = hashlib.sha256(content).hexdigest()
    logical_name = f"{process_id}@{sha256[:16]}.bpmn"  # ends up in every instance: never a server path
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        if broken := _flow_ends(process, filename):
            raise DiagramError(f"{filename}: {broken[0].message}", broken)
        parser.add_bpmn_xml(tree, logical_name)
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except (ValidationException, SpiffWorkflowException) as exc:
        problem = _spiff_problem(tree, filename, exc)
        raise DiagramError(f"{filename}: {problem.message}", [problem]) from exc
    except RecursionError as exc:  # SpiffWorkflow walks a path of tasks recursively
        problem = _problem(filename, None, None, plain.too_deep())
        raise DiagramError(f"{filename}: {problem.message}", [problem]) from exc
    except (KeyError, AttributeError, ValueError, TypeError) as exc:
        # SpiffWorkflow reports some broken references this way (e.g. a flow to a missing target).
        check = _Checker(filename)
        _check_process(process, _lanes(process), check, known_roles, known_forms, known_operators, timers)
        problems = check.problems or [
            _problem(filename, None, None, plain.engine_refusal(type(exc).__name__))
        ]
        raise DiagramError(f"{filename}: {problems[0].message}", problems) from exc
    lanes = _lanes(process)
    check = _Checker(filename)
    if not lanes:
        check.add(process, "the process has no lanes: every task needs a lane named by a role code")
    _check_process(process, lanes, check, known_roles, known_forms, known_operators, timers)
    if check.problems:
        raise DiagramError(f"{filename}: {len(check.problems)} problem(s)", check.problems)
    for process_spec in (spec, *subprocess_specs.values()):
        connect_loop_merges(process_spec)
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
