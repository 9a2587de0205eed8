"""Probe: "Refusals echo parser internals: an unknown element comes back as lxml's `Element
'{http://www.omg.org/spec/BPMN/20100524/MODEL}x': This element is not expected`, deep nesting as
SpiffWorkflow's RecursionError, and some as xmlSchemaVDocWalk." Now each refusal names the element and
the line in plain Thai (English on request), and no parser's name or namespace URI reaches a person."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage

from ..web.conftest import Api, error_of, multipart
from ..web.pages import csrf, signed_in

GENERAL = (Path(__file__).resolve().parents[2] / "processes" / "general_publication.bpmn").read_text(
    encoding="utf-8"
)
START = '<bpmn:startEvent id="StartEvent_Request"'
FIRST_TASK = '<bpmn:userTask id="Task_PrepareRequest"'
INTERNALS = ("{http", "xmlSchema", "Element '", "RecursionError", "Exception", "Error(", "XML_PARSE", "Spiff")


def line_of(xml: str, fragment: str) -> int:
    return xml[: xml.index(fragment)].count("\n") + 1


def chain_diagram(steps: int) -> str:
    """A process of `steps` script tasks in one unbroken path (SpiffWorkflow reads a path recursively)."""
    tasks = "".join(f'<bpmn:scriptTask id="Task_{i}"/>' for i in range(steps))
    flows = [("StartEvent_1", "Task_0")] + [(f"Task_{i}", f"Task_{i + 1}") for i in range(steps - 1)]
    flows.append((f"Task_{steps - 1}", "EndEvent_1"))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D" '
        'targetNamespace="http://bpmnpub.test">\n'
        '<bpmn:process id="long_chain" isExecutable="true">\n'
        '<bpmn:laneSet id="LaneSet_1"><bpmn:lane id="Lane_1" name="requester"/></bpmn:laneSet>\n'
        f'<bpmn:startEvent id="StartEvent_1"/>{tasks}<bpmn:endEvent id="EndEvent_1"/>\n'
        + "".join(
            f'<bpmn:sequenceFlow id="Flow_{n}" sourceRef="{a}" targetRef="{b}"/>'
            for n, (a, b) in enumerate(flows)
        )
        + "\n</bpmn:process>\n</bpmn:definitions>\n"
    )


UNKNOWN_ELEMENT = GENERAL.replace(START, f'<bpmn:frobnicate id="Frob_1"/>\n    {START}', 1)
UNKNOWN_ATTRIBUTE = GENERAL.replace(FIRST_TASK, f'{FIRST_TASK} colour="red"', 1)
BAD_VALUE = GENERAL.replace(START, f'{START} isInterrupting="maybe"', 1)
DEEP = GENERAL.replace(
    START,
    "<bpmn:documentation>"
    + "<x:a xmlns:x='urn:x'>" * 3000
    + "</x:a>" * 3000
    + f"</bpmn:documentation>\n    {START}",
    1,
)
MISSING_TARGET = GENERAL.replace('targetRef="Task_PrepareRequest"', 'targetRef="Task_Nowhere"', 1)


@pytest.mark.parametrize(
    ("name", "xml", "element_id", "line", "words"),
    [
        (
            "unknown element",
            UNKNOWN_ELEMENT,
            "Frob_1",
            line_of(UNKNOWN_ELEMENT, "<bpmn:frobnicate"),
            "ไม่รับองค์ประกอบ <bpmn:frobnicate>",
        ),
        (
            "unknown attribute",
            UNKNOWN_ATTRIBUTE,
            "Task_PrepareRequest",
            line_of(GENERAL, FIRST_TASK),
            "'colour' ที่ BPMN 2.0 ไม่รู้จัก",
        ),
        (
            "a yes/no that is neither",
            BAD_VALUE,
            "StartEvent_Request",
            line_of(GENERAL, START),
            "ต้องเป็นtrue หรือ false",
        ),
        ("nesting 3000 deep", DEEP, None, line_of(DEEP, "urn:x"), "ซ้อนกันลึกเกิน"),
        ("a flow to nothing", MISSING_TARGET, None, None, "ไปยัง 'Task_Nowhere' ซึ่งไม่มีในกระบวนงานนี้"),
    ],
)
def test_a_hostile_diagram_is_refused_in_plain_thai(
    api: Api, name: str, xml: str, element_id: str | None, line: int | None, words: str
) -> None:
    response = api.as_user("procowner1").post(
        "/processes", **multipart({"file": (xml.encode("utf-8"), "general_publication.bpmn")})
    )
    assert response.status_code == 422, name
    [problem] = error_of(response)["details"]
    assert words in problem["message"], problem
    assert not any(inside in problem["message"] for inside in INTERNALS), problem
    if element_id:
        assert problem["element_id"] == element_id
    if line:
        assert problem["line"] == line


def test_a_path_too_long_for_the_engine_is_refused_without_recursion_error(api: Api) -> None:
    response = api.as_user("procowner1").post(
        "/processes", **multipart({"file": (chain_diagram(600).encode(), "long_chain.bpmn")})
    )
    assert response.status_code == 422
    [problem] = error_of(response)["details"]
    assert "แบ่งเป็นกระบวนงานที่สั้นลง" in problem["message"]
    assert not any(inside in problem["message"] for inside in INTERNALS), problem


def test_the_upload_page_says_it_in_english_on_request(app: Flask) -> None:
    owner = signed_in(app, "procowner1")
    with owner.session_transaction() as session:
        session["lang"] = "en"
    token = csrf(owner.get("/processes/").get_data(as_text=True))
    upload = FileStorage(io.BytesIO(UNKNOWN_ATTRIBUTE.encode()), "general_publication.bpmn")
    page = owner.post("/processes/upload", data={"csrf_token": token, "file": upload})
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "has an attribute &#39;colour&#39; that BPMN 2.0 does not know" in html, html[-3000:]
    assert "{http" not in html and "Element &#39;" not in html
