"""Our own checks of a parsed diagram, beyond the XSD and SpiffWorkflow's: every flow ends, every node is
reachable and reaches an end, every node sits in a lane named by a role, every user task has a form that
exists, conditions, timers, parameters and scripts pass the sandbox checker, timer literals fall in the
timer window, service operators are known. Each problem names the element and its line."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..errors import DiagramProblem
from . import plain, prefill, sandbox
from .bpmn_xml import (
    FLOW_NODES,
    IDENTIFIER,
    NS,
    UNSUPPORTED,
    bpmn_name,
    extension_text,
    line_of,
    local_name,
    located_problem,
    properties_of,
)
from .durations import TimerValueError
from .timer_window import TimerWindow
from .workdays import parse_working_days


class Checker:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[DiagramProblem] = []

    def add(
        self,
        element: Any,
        message: str,
        line: int | None = None,
        *,
        code: str = "",
        params: dict[str, str] | None = None,
    ) -> None:
        element_id = None if element is None else element.get("id")
        line = line or (None if element is None else line_of(element))
        self.problems.append(DiagramProblem(self.filename, element_id, line, message, code, params or {}))

    def expression(self, element: Any, source: str | None, what: str, *, script: bool = False) -> None:
        if source is None or not source.strip():
            self.add(element, f"{what} is empty")
            return
        try:
            (sandbox.check_script if script else sandbox.check_expression)(source)
        except sandbox.SandboxError as exc:
            self.add(element, f"{what} {source.strip()!r} is not allowed: {exc.message}")


def flow_ends(process: Any, filename: str) -> list[DiagramProblem]:
    """Flows whose source or target is not in the process: SpiffWorkflow's own message for them
    misleads ("we found two items, perhaps a form has the same ID?")."""
    ids = {element.get("id") for element in process.iter() if element.get("id")}
    problems = []
    for flow in process.iterfind(".//bpmn:sequenceFlow", NS):
        for end, attribute in (("source", "sourceRef"), ("target", "targetRef")):
            ref = flow.get(attribute)
            if ref not in ids:
                said = plain.missing_flow_end(flow.get("id", ""), end, ref or "")
                problems.append(located_problem(filename, flow.get("id"), line_of(flow), said))
    return problems


def _check_graph(process: Any, check: Checker) -> None:
    nodes = {n.get("id"): n for n in process.iter() if bpmn_name(n.tag) in FLOW_NODES and n.get("id")}
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


def _check_timer(element: Any, check: Checker, timers: TimerRules) -> None:
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
            check.add(element, f"timer {kind}: {exc.message}", line=line_of(node))


@dataclass(frozen=True)
class TimerRules:
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


def check_process(
    process: Any,
    lanes: dict[str, str],
    check: Checker,
    known_roles: frozenset[str],
    known_forms: frozenset[str] | None,
    known_operators: frozenset[str],
    timers: TimerRules,
) -> None:
    _check_graph(process, check)
    default_flows = {g.get("default") for g in process.iter() if g.get("default")}
    for element in process.iter():
        tag = bpmn_name(element.tag)
        if tag in UNSUPPORTED:
            check.add(element, UNSUPPORTED[tag], code=f"unsupported_{tag}")
        if tag in FLOW_NODES and tag not in ("boundaryEvent",) and element.get("id") not in lanes and lanes:
            check.add(
                element, "not in any lane: put it in the lane of the role that does it", code="not_in_lane"
            )
        if tag == "userTask":
            lane = lanes.get(element.get("id", ""))
            if lane is not None and lane not in known_roles:
                check.add(
                    element,
                    f"lane {lane!r} is not a known role ({', '.join(sorted(known_roles))})",
                    code="lane_not_role",
                    params={"lane": lane},
                )
            form_key = properties_of(element).get("formKey")
            if not form_key:
                check.add(element, "user task without a form: set the formKey property", code="no_form")
            elif known_forms is not None and form_key not in known_forms:
                check.add(
                    element,
                    f"form {form_key!r} does not exist (forms/{form_key}.json)",
                    code="unknown_form",
                    params={"form": form_key},
                )
            due = properties_of(element).get("dueIn")
            if due:
                try:
                    timers.check("timeDuration", due, endless=False)
                except TimerValueError as exc:
                    check.add(element, f"dueIn: {exc.message} (write a duration such as P3D)")
            try:
                parse_working_days(properties_of(element).get("dueInWorkingDays"))
            except ValueError as exc:
                check.add(element, f"dueInWorkingDays: {exc}")
            due_from = properties_of(element).get("dueFrom")
            if due_from is not None and not IDENTIFIER.fullmatch(due_from.strip()):
                check.add(
                    element, f"dueFrom: {due_from!r} is not the name of a form field (e.g. activity_date)"
                )
            carried = properties_of(element).get("carryOver")
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
            text = extension_text(element, script_kind)
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


def no_lanes(process: Any, check: Checker) -> None:
    check.add(
        process,
        "the process has no lanes: every task needs a lane named by a role code",
        code="no_lanes",
    )
