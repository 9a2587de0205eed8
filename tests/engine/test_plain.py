"""engine/plain.py: what lxml and SpiffWorkflow say about a bad diagram, in words a process owner can act
on. Messages below are the parsers' own wording, as they come."""

from __future__ import annotations

import pytest

from bpmnpub.engine import plain

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
INTERNALS = ("{http", "xmlSchema", "Element '", "RecursionError", "Exception", "Error", "XML_PARSE")


@pytest.mark.parametrize(
    ("said", "code", "words"),
    [
        (
            f"Element '{BPMN}process': Missing child element(s). Expected is one of ( {BPMN}laneSet ).",
            "xsd_missing_child",
            "<bpmn:process> is missing an element it must contain (bpmn:laneSet)",
        ),
        (
            f"Element '{BPMN}sequenceFlow': The attribute 'targetRef' is required but missing.",
            "xsd_missing_attribute",
            "<bpmn:sequenceFlow> needs the attribute 'targetRef'",
        ),
        (
            f"Element '{BPMN}userTask', attribute 'id': '1st' is not a valid value of the atomic type "
            "'xs:ID'.",
            "xsd_bad_id",
            "<bpmn:userTask> has the id '1st'",
        ),
        (
            "Internal error: xmlSchemaVDocWalk, calling xmlSchemaValidateElem().",
            "xsd_other",
            "the file does not follow the BPMN 2.0 schema here",
        ),
        (
            "RecursionError('maximum recursion depth exceeded while calling a Python object'). ",
            "too_deep",
            "split it into shorter processes",
        ),
        (
            "WorkflowException: KeyError in TaskParser for Task_1",
            "engine_refused",
            "the workflow engine cannot build the process from this element",
        ),
    ],
)
def test_a_parser_message_comes_out_plain(said: str, code: str, words: str) -> None:
    got_code, _params, message = plain.engine_refusal(said)
    assert got_code == code
    assert words in message
    assert not any(inside in message for inside in INTERNALS), message


def test_an_xml_syntax_error_keeps_what_helps_and_drops_the_position_lxml_appends() -> None:
    code, _params, message = plain.syntax_problem(
        "Opening and ending tag mismatch: task line 3 and process, line 9, column 20"
    )
    assert code == "xml_syntax"
    assert message == "not well-formed XML: Opening and ending tag mismatch: task line 3 and process"
    assert (
        plain.syntax_problem("Excessive depth in document: 256 use XML_PARSE_HUGE option")[0]
        == "xml_too_deep"
    )
