"""Refusals in plain words: what lxml, its XSD validator and SpiffWorkflow say about a bad diagram,
turned into a message a process owner can act on, plus a stable code and its values so the web layer
can say it in Thai. Parser internals never reach a person: no `{http://...}` namespaces, no libxml2
function names (xmlSchemaVDocWalk), no Python exception class names (RecursionError).

Each function returns (code, params, English message). The web layer's `diagram_text` holds the Thai
(and English) wording of every code; the English here is what the API and the command line print."""

from __future__ import annotations

import re

Plain = tuple[str, dict[str, str], str]

PREFIXES = {
    "http://www.omg.org/spec/BPMN/20100524/MODEL": "bpmn",
    "http://www.omg.org/spec/BPMN/20100524/DI": "bpmndi",
    "http://www.omg.org/spec/DD/20100524/DC": "dc",
    "http://www.omg.org/spec/DD/20100524/DI": "di",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "spiffworkflow",
}
_QNAME = re.compile(r"\{([^}]*)\}([\w.-]+)")
_ELEMENT = r"Element '(?P<element>[^']+)'"
_UNEXPECTED = re.compile(
    _ELEMENT + r": This element is not expected\.(?: Expected is (?:one of )?\((?P<exp>[^)]*)\))?"
)
_ATTR_NOT_ALLOWED = re.compile(
    _ELEMENT + r", attribute '(?P<attr>[^']+)': The attribute '[^']+' is not allowed"
)
_ATTR_BAD_VALUE = re.compile(
    _ELEMENT + r", attribute '(?P<attr>[^']+)': '(?P<value>[^']*)' is not a valid value of the "
    r"(?:atomic|union|list) type '(?P<type>[^']+)'"
)
_ATTR_MISSING = re.compile(_ELEMENT + r": The attribute '(?P<attr>[^']+)' is required but missing")
_CHILD_MISSING = re.compile(
    _ELEMENT + r": Missing child element\(s\)\.(?: Expected is (?:one of )?\((?P<exp>[^)]*)\))?"
)
_TEXT_BAD_VALUE = re.compile(
    _ELEMENT + r": '(?P<value>[^']*)' is not a valid value of the \w+ type '(?P<type>[^']+)'"
)
_DUPLICATE_ID = re.compile(
    r"Element '(?P<element>[^']+)', attribute 'id': '(?P<value>[^']*)' is not a valid value"
)
# The value kinds the XSD checks most often: (code for the web layer's words, English words).
_KINDS = {
    "xs:boolean": ("boolean", "true or false"),
    "xs:integer": ("integer", "a whole number"),
    "xs:int": ("integer", "a whole number"),
    "xs:double": ("number", "a number"),
    "xs:ID": ("id", "an id (a letter or _ first, then letters, digits, _ - .; unique in the file)"),
    "xs:IDREF": ("idref", "the id of an element of this file"),
    "xs:QName": ("qname", "an element's id"),
    "xs:anyURI": ("uri", "an address (URI)"),
}
MOST_EXPECTED = 4


def _short(qname: str) -> str:
    """{http://www.omg.org/spec/BPMN/20100524/MODEL}task -> bpmn:task (unknown namespaces: the local name)."""

    def one(match: re.Match[str]) -> str:
        prefix = PREFIXES.get(match.group(1))
        return f"{prefix}:{match.group(2)}" if prefix else match.group(2)

    return _QNAME.sub(one, qname).strip()


def _expected(raw: str | None) -> str:
    if not raw:
        return ""
    names = [_short(n) for n in raw.split(",") if n.strip() and "##other" not in n]
    shown = names[:MOST_EXPECTED] + (["…"] if len(names) > MOST_EXPECTED else [])
    return ", ".join(shown)


def _kind(xsd_type: str) -> tuple[str, str]:
    return _KINDS.get(xsd_type, ("value", "a valid value"))


def schema_problem(message: str) -> Plain:
    """One XSD validation message (lxml's wording) in plain words."""
    if m := _UNEXPECTED.match(message):
        element, expected = _short(m["element"]), _expected(m["exp"])
        tail = f" (expected here: {expected})" if expected else ""
        return (
            "xsd_unexpected_element",
            {"element": element, "expected": expected},
            (f"<{element}> is not allowed at this place in a BPMN 2.0 file{tail}"),
        )
    if m := _ATTR_NOT_ALLOWED.match(message):
        element, attr = _short(m["element"]), _short(m["attr"])
        return (
            "xsd_unknown_attribute",
            {"element": element, "attribute": attr},
            (f"<{element}> has an attribute {attr!r} that BPMN 2.0 does not know"),
        )
    if (m := _DUPLICATE_ID.match(message)) and "xs:ID" in message:
        element = _short(m["element"])
        return (
            "xsd_bad_id",
            {"element": element, "value": m["value"]},
            (
                f"<{element}> has the id {m['value']!r}: an id must start with a letter or _ "
                "and be unique in the file"
            ),
        )
    if m := _ATTR_BAD_VALUE.match(message):
        element, attr, (kind, words) = _short(m["element"]), _short(m["attr"]), _kind(m["type"])
        return (
            "xsd_bad_value",
            {"element": element, "attribute": attr, "value": m["value"], "kind": kind},
            (f"<{element}> has {attr}={m['value']!r}; it must be {words}"),
        )
    if m := _ATTR_MISSING.match(message):
        element, attr = _short(m["element"]), _short(m["attr"])
        return (
            "xsd_missing_attribute",
            {"element": element, "attribute": attr},
            (f"<{element}> needs the attribute {attr!r}"),
        )
    if m := _CHILD_MISSING.match(message):
        element, expected = _short(m["element"]), _expected(m["exp"])
        tail = f" ({expected})" if expected else ""
        return (
            "xsd_missing_child",
            {"element": element, "expected": expected},
            (f"<{element}> is missing an element it must contain{tail}"),
        )
    if m := _TEXT_BAD_VALUE.match(message):
        element, (kind, words) = _short(m["element"]), _kind(m["type"])
        return (
            "xsd_bad_text",
            {"element": element, "value": m["value"], "kind": kind},
            (f"<{element}> holds {m['value']!r}; it must be {words}"),
        )
    return schema_other()


def schema_other() -> Plain:
    return "xsd_other", {}, "the file does not follow the BPMN 2.0 schema here"


def syntax_problem(message: str) -> Plain:
    """An XML syntax error (lxml's XMLSyntaxError.msg) in plain words."""
    if "Excessive depth" in message or "XML_PARSE_HUGE" in message:
        return (
            "xml_too_deep",
            {},
            "elements are nested far deeper than any BPMN diagram needs (more than 256 levels)",
        )
    if "huge" in message.lower() or "amplification" in message.lower() or "entity" in message.lower():
        return (
            "xml_entities",
            {},
            "the file uses XML entities or is far too large; BPMN diagrams need neither",
        )
    words = re.sub(r",? line \d+, column \d+", "", message).strip().rstrip(".")
    return "xml_syntax", {"detail": words}, f"not well-formed XML: {words}"


def too_deep() -> Plain:
    return (
        "too_deep",
        {},
        (
            "the diagram is too large or too deeply chained for the engine to read (hundreds of steps in one "
            "unbroken path); split it into shorter processes"
        ),
    )


def missing_flow_end(flow: str, end: str, ref: str) -> Plain:
    return (
        "flow_missing_end",
        {"flow": flow, "end": end, "ref": ref},
        (f"sequence flow {flow!r} has {end} {ref!r}, which is not an element of this process"),
    )


def engine_refusal(message: str) -> Plain:
    """A SpiffWorkflow refusal without parser internals; its own words when they are plain."""
    first = message.split("\n")[0].strip()
    if "RecursionError" in first or "recursion depth" in first:
        return too_deep()
    if "xmlSchema" in first or "{http" in first:
        return schema_problem(first)
    if re.search(r"\b[A-Z]\w*(Error|Exception)\b", first) or "Traceback" in message:
        return "engine_refused", {}, "the workflow engine cannot build the process from this element"
    return "engine_said", {"detail": first.rstrip(". ")}, first.rstrip(". ")
