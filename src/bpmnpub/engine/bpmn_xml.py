"""Reading BPMN XML: untrusted XML parsed safely (no entities, no network, no DTD), the namespaces, an
element's local name, line, SpiffWorkflow properties and extension texts, a problem located by element
and line. Shared by the checks (`diagram_checks.py`), `specs.py`, `adopt.py`, `steering.py` and
`diff.py`."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from ..errors import DiagramError, DiagramProblem
from . import plain
from .workdays import parse_working_days

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


IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


def working_days_or_none(text: str | None) -> int | None:
    try:
        return parse_working_days(text)
    except ValueError:  # refused by the check; a model is also built for diagrams that failed it
        return None


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


def local_name(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def bpmn_name(tag: Any) -> str:
    """The local name of a BPMN element; "" for any other (Camunda 8 writes a `zeebe:userTask` inside a
    userTask's extension elements: it is not a second user task)."""
    return local_name(tag) if isinstance(tag, str) and etree.QName(tag).namespace == BPMN else ""


def line_of(element: Any) -> int | None:
    return getattr(element, "sourceline", None)


def properties_of(element: Any) -> dict[str, str]:
    props = {}
    for prop in element.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
        props[prop.get("name", "")] = prop.get("value", "")
    return props


def extension_text(element: Any, name: str) -> str | None:
    node = element.find(f"bpmn:extensionElements/spiffworkflow:{name}", NS)
    return None if node is None or node.text is None else node.text.strip()


def parse_xml(content: bytes, filename: str) -> Any:
    """Parse untrusted XML; raises DiagramError with the line of a syntax error."""
    try:
        return etree.fromstring(content, _PARSER).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno else None
        problem = located_problem(filename, None, line, plain.syntax_problem(str(exc.msg)))
        raise DiagramError(f"{filename}: {problem.message}", [problem]) from exc


def lane_codes(xml: str) -> dict[str, str]:
    """{lane element id: lane name} of a deployed diagram (lanes are named by role codes), for pages that
    draw the diagram with each role's name in its lane. An unreadable document gives {}."""
    try:
        root = parse_xml(xml.encode("utf-8"), "diagram").getroot()
    except DiagramError:
        return {}
    return {
        str(lane.get("id")): str(lane.get("name") or "")
        for lane in root.iter(f"{{{BPMN}}}lane")
        if lane.get("id")
    }


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


def find_by_line(tree: Any, line: int | None) -> Any:
    if not line:
        return None
    for element in tree.iter():
        if line_of(element) == line and element.get("id"):
            return element
    return None


def located_problem(
    filename: str, element_id: str | None, line: int | None, said: plain.Plain
) -> DiagramProblem:
    code, params, message = said
    return DiagramProblem(filename, element_id, line, message, code, params)
