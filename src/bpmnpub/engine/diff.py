"""What changed between two diagrams, element by element, read from their XML (no SpiffWorkflow).

The content a person edits is compared (names, lanes, forms, instructions, conditions, scripts, timers),
layout is left out. `ElementChange` in `steering` is SpiffWorkflow's view, used to move a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .bpmn_xml import BPMN, NS, local_name, parse_xml

_NOT_ELEMENTS = ("definitions", "laneSet", "inputDataItem", "outputDataItem")


@dataclass(frozen=True)
class ElementDiff:
    """An element added, removed or changed between two diagrams."""

    element_id: str
    kind: str  # BPMN element type without namespace, e.g. userTask
    name: str
    changes: tuple[tuple[str, str, str], ...] = ()  # (what, old, new) for a changed element


@dataclass(frozen=True)
class DiagramDiff:
    added: tuple[ElementDiff, ...]
    removed: tuple[ElementDiff, ...]
    changed: tuple[ElementDiff, ...]


@dataclass(frozen=True)
class _Element:
    kind: str
    name: str
    signature: dict[str, str]


def _signature(element: Any, lanes: dict[str, str]) -> dict[str, str]:
    """What a user of the diagram would call the content of an element (not its layout)."""
    sig = {(local_name(k) or k): v for k, v in element.attrib.items() if k != "id"}
    element_id = element.get("id", "")
    if element_id in lanes:
        sig["lane"] = lanes[element_id]
    for prop in element.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS):
        sig[prop.get("name", "")] = prop.get("value", "")
    for name in ("instructionsForEndUser", "preScript", "postScript"):
        node = element.find(f"bpmn:extensionElements/spiffworkflow:{name}", NS)
        if node is not None:
            sig[name] = (node.text or "").strip()
    operator = element.find("bpmn:extensionElements/spiffworkflow:serviceTaskOperator", NS)
    if operator is not None:
        sig["operator"] = operator.get("id", "")
        for param in operator.findall("spiffworkflow:parameters/spiffworkflow:parameter", NS):
            sig[f"parameter {param.get('id')}"] = param.get("value", "")
    for name in ("conditionExpression", "script", "documentation"):
        node = element.find(f"bpmn:{name}", NS)
        if node is not None:
            sig[name] = (node.text or "").strip()
    for timer in element.findall("bpmn:timerEventDefinition/*", NS):
        sig[local_name(timer.tag)] = (timer.text or "").strip()
    if element.find("bpmn:multiInstanceLoopCharacteristics", NS) is not None:
        sig["multiInstance"] = "true"
    return sig


def _elements(content: bytes, filename: str) -> dict[str, _Element]:
    root = parse_xml(content, filename).getroot()
    lanes: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN}}}lane"):
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lanes[(ref.text or "").strip()] = lane.get("name", "")
    found = {}
    for element in root.iter():
        element_id = element.get("id")
        if not element_id or not str(element.tag).startswith(f"{{{BPMN}}}"):
            continue  # diagram interchange (layout) and extension elements are not elements of the process
        kind = local_name(element.tag)
        if kind in _NOT_ELEMENTS:
            continue
        found[element_id] = _Element(kind, element.get("name") or "", _signature(element, lanes))
    return found


def diff_diagrams(old: bytes, old_filename: str, new: bytes, new_filename: str) -> DiagramDiff:
    """Elements added, removed and changed (by id) from the `old` diagram to the `new` one. Raises
    DiagramError when either is not well-formed XML."""
    before = _elements(old, old_filename)
    after = _elements(new, new_filename)
    added = tuple(ElementDiff(i, e.kind, e.name) for i, e in after.items() if i not in before)
    removed = tuple(ElementDiff(i, e.kind, e.name) for i, e in before.items() if i not in after)
    changed = []
    for element_id, element in after.items():
        if element_id not in before:
            continue
        sig, old_sig = element.signature, before[element_id].signature
        keys = sorted(set(sig) | set(old_sig))
        what = tuple((k, old_sig.get(k, ""), sig.get(k, "")) for k in keys if old_sig.get(k) != sig.get(k))
        if what:
            changed.append(ElementDiff(element_id, element.kind, element.name, what))
    return DiagramDiff(added, removed, tuple(changed))
