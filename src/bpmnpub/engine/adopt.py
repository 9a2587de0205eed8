"""Diagrams made by other tools (Camunda Modeler 7 and 8, the bpmn.io demo, Signavio), opened as a draft
instead of refused: the file is parsed as hostile XML (`bpmn_xml.parse_xml`), the process it is about is
chosen (`specs.choose_process`) and given the process id asked for, and the extensions bpmnpub does not
read are listed (they stay in the file). Nothing here checks whether the process can run: the draft is
checked by `inspect_diagram`, as any draft is, and deploying stays refused until it passes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..errors import DiagramError, DiagramProblem
from .bpmn_xml import NS, local_name, parse_xml
from .specs import choose_process

PROCESS_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
# Namespaces bpmnpub reads; elements and attributes of any other one are another tool's extensions.
KNOWN_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/BPMN/20100524/MODEL",
        "http://www.omg.org/spec/BPMN/20100524/DI",
        "http://www.omg.org/spec/DD/20100524/DC",
        "http://www.omg.org/spec/DD/20100524/DI",
        "http://spiffworkflow.org/bpmn/schema/1.0/core",
        "http://www.w3.org/2001/XMLSchema-instance",
        "http://www.w3.org/XML/1998/namespace",
    }
)
MAX_NOTES = 50


@dataclass(frozen=True)
class Foreign:
    """An extension of another tool found on an element: kept in the file, not read by bpmnpub."""

    element_id: str | None
    line: int | None
    name: str  # prefix:local as the file writes it, e.g. camunda:formKey, zeebe:taskDefinition


@dataclass(frozen=True)
class Adopted:
    xml: str  # the file with the chosen process renamed to `process_id`
    process_id: str
    name: str
    foreign: tuple[Foreign, ...]


def process_id_from(text: str) -> str | None:
    """A process id made from a file name or a foreign id (`Process_0x1y2z3` -> `process_0x1y2z3`), or
    None when nothing usable is left."""
    words = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if words and not words[0].isalpha():
        words = f"process_{words}"
    return words[:64] if words and PROCESS_ID.fullmatch(words[:64]) else None


def _line(element: Any) -> int | None:
    line = getattr(element, "sourceline", None)  # lxml's stubs type it oddly
    return line if isinstance(line, int) else None


def _prefixed(root: etree._Element, qname: str) -> str:
    name = etree.QName(qname)
    prefix = next((p for p, uri in (root.nsmap or {}).items() if uri == name.namespace and p), None)
    return f"{prefix}:{name.localname}" if prefix else name.localname


def foreign_extensions(root: etree._Element) -> tuple[Foreign, ...]:
    """Each foreign element (outermost only) and foreign attribute, with the id of the element it belongs
    to and its line; at most MAX_NOTES."""
    found: list[Foreign] = []
    for element in root.iter():
        if not isinstance(element.tag, str) or len(found) >= MAX_NOTES:
            continue
        namespace = etree.QName(element).namespace
        owner = next((a.get("id") for a in element.iterancestors() if a.get("id")), None)
        parent = element.getparent()
        parent_foreign = (
            parent is not None
            and isinstance(parent.tag, str)
            and etree.QName(parent).namespace not in KNOWN_NAMESPACES
        )
        if namespace not in KNOWN_NAMESPACES and not parent_foreign:
            found.append(Foreign(owner, _line(element), _prefixed(root, element.tag)))
        if namespace in KNOWN_NAMESPACES:
            for attribute in element.attrib:
                name = str(attribute)
                if etree.QName(name).namespace not in (None, *KNOWN_NAMESPACES):
                    found.append(Foreign(element.get("id"), _line(element), _prefixed(root, name)))
    return tuple(found[:MAX_NOTES])


def adopt_diagram(content: bytes, filename: str, process_id: str | None = None) -> Adopted:
    """The file as a draft of `process_id` (default: its process's id, or one made from the file name).
    Raises DiagramError when it is not XML, uses entities, holds no process or no usable id is given."""
    tree = parse_xml(content, filename)
    root = tree.getroot()
    if tree.docinfo.doctype or any(isinstance(node, etree._Entity) for node in root.iter()):
        # Entities are never expanded (bpmn_xml.parse_xml), but a draft keeping `&name;` without its
        # declaration would be a file nobody can open again: a BPMN diagram needs no DTD at all.
        problem = DiagramProblem(
            filename,
            None,
            1,
            "the file uses XML entities or a DTD; BPMN diagrams need neither",
            "xml_entities",
        )
        raise DiagramError(f"{filename}: {problem.message}", [problem])
    if local_name(root.tag) != "definitions" or etree.QName(root).namespace != NS["bpmn"]:
        problem = DiagramProblem(filename, None, 1, "the file is not a BPMN 2.0 diagram", "not_bpmn")
        raise DiagramError(f"{filename}: {problem.message}", [problem])
    process, _ = choose_process(tree, filename)
    if process is None:
        problem = DiagramProblem(filename, None, None, "the file holds no process", "no_process")
        raise DiagramError(f"{filename}: {problem.message}", [problem])
    old_id = process.get("id") or ""
    new_id = process_id or (old_id if PROCESS_ID.fullmatch(old_id) else None)
    new_id = new_id or process_id_from(old_id) or process_id_from(filename.rsplit(".", 1)[0])
    if not new_id or not PROCESS_ID.fullmatch(new_id):
        problem = DiagramProblem(
            filename,
            old_id or None,
            process.sourceline,
            "give a process id: a-z, 0-9 and _",
            "bad_process_id",
        )
        raise DiagramError(f"{filename}: {problem.message}", [problem])
    if new_id != old_id:
        clash = root.xpath("//*[@id=$id]", id=new_id)
        if clash:
            problem = DiagramProblem(
                filename,
                new_id,
                clash[0].sourceline,
                f"the id {new_id!r} is already used in the file",
                "id_taken",
            )
            raise DiagramError(f"{filename}: {problem.message}", [problem])
        process.set("id", new_id)
        for element in root.iter():
            for attribute in ("processRef", "bpmnElement"):
                if element.get(attribute) == old_id:
                    element.set(attribute, new_id)
    foreign = foreign_extensions(root)
    xml = '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="unicode")
    return Adopted(xml, new_id, process.get("name") or new_id, foreign)


def process_name(xml: str) -> str | None:
    """The name of the process a draft is about (None when it cannot be read)."""
    try:
        tree = parse_xml(xml.encode(), "draft.bpmn")
    except DiagramError:
        return None
    process, _ = choose_process(tree, "draft.bpmn")
    return None if process is None else (process.get("name") or process.get("id"))


def foreign_in(xml: str) -> tuple[Foreign, ...]:
    """`foreign_extensions` of a draft's text (none when it cannot be read)."""
    try:
        return foreign_extensions(parse_xml(xml.encode(), "draft.bpmn").getroot())
    except DiagramError:
        return ()
