"""A hostile timer is refused over HTTP as every other diagram problem is: 422 naming the element and
the line, through the API, the library upload and the modeler's check; a value from data that is out
of range puts the request in `error`, and the API answers 200, never a 5xx."""

from __future__ import annotations

import json
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import PROCESSES
from ..timer_diagrams import FORM, FORM_KEY, PROCESS_ID, line_of, timer_diagram
from .conftest import Api, error_of, multipart
from .pages import signed_in
from .test_pages_processes import post_json, token

pytestmark = pytest.mark.usefixtures("quiet_gc")  # CPU-time bounds: tests/conftest.py

REGULATORY = (PROCESSES / "regulatory_publication.bpmn").read_text(encoding="utf-8")


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    return signed_in(app, "procowner1")


def deploy_fields(xml: str) -> dict[str, tuple[bytes, str]]:
    return {
        "file": (xml.encode(), f"{PROCESS_ID}.bpmn"),
        "form": (json.dumps(FORM, ensure_ascii=False).encode(), f"{FORM_KEY}.json"),
    }


@pytest.mark.parametrize(
    ("kind", "literal", "words"),
    [
        ("timeDuration", '"P10000000Y"', "more than 10 years"),
        ("timeDuration", '"P8000Y"', "more than 10 years"),
        ("timeCycle", '"R/PT0S"', "longer than zero"),
        ("timeCycle", '"R3/PT5S"', "faster than the timer worker"),
        ("timeDate", '"1999-12-31T00:00:00+00:00"', "before the year 2000"),
    ],
)
def test_the_api_refuses_a_hostile_timer_naming_element_and_line(
    api: Api, kind: str, literal: str, words: str
) -> None:
    xml = timer_diagram(kind, literal)
    owner = api.as_user("procowner1")
    began = time.thread_time()  # CPU time: a hostile timer hangs by computing; a loaded machine
    response = owner.post("/processes", **multipart(deploy_fields(xml)))  # only stretches the wall clock
    assert time.thread_time() - began < 2.0
    assert response.status_code == 422
    [problem] = error_of(response)["details"]
    assert problem["file"] == f"{PROCESS_ID}.bpmn"
    assert problem["element_id"] == "Timer_Wait"
    assert problem["line"] == line_of(xml, f"<bpmn:{kind}")
    assert words in problem["message"]
    assert PROCESS_ID not in {p["id"] for p in owner.get("/processes").get_json()}


def test_a_hostile_value_from_form_data_is_an_error_request_not_a_500(api: Api) -> None:
    owner = api.as_user("procowner1")
    assert (
        owner.post(
            "/processes", **multipart(deploy_fields(timer_diagram("timeDuration", "wait")))
        ).status_code
        == 201
    )
    requester = api.as_user("owner1")
    started = requester.start(PROCESS_ID).get_json()
    began = time.thread_time()  # CPU time, as above
    response = requester.complete(
        requester.task_in(started["id"])["id"], {"title": "ทดสอบ", "wait": "P10000000Y"}
    )
    assert time.thread_time() - began < 2.0
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["instance"]["status"] == "error"
    admin = api.as_user("admin1")
    assert admin.get(f"/instances/{started['id']}").get_json()["status"] == "error"


def test_the_library_upload_and_the_modeler_refuse_it_too(owner: FlaskClient) -> None:
    hostile = REGULATORY.replace('"P30D"', '"P10000000Y"', 1)
    line = line_of(hostile, '"P10000000Y"')
    response = owner.post(
        "/processes/upload",
        **multipart({"file": (hostile.encode(), "regulatory_publication.bpmn")}),
        headers={"X-CSRFToken": token(owner)},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<code>Timer_EvaluationWait</code>" in html and "more than 10 years" in html
    page_token = token(owner, "/processes/regulatory_publication/edit")
    answer = post_json(
        owner, "/processes/regulatory_publication/validate", {"xml": hostile, "forms": {}}, page_token
    ).get_json()
    [problem] = answer["problems"]
    assert (problem["element_id"], problem["line"]) == ("Timer_EvaluationWait", line)
    response = post_json(
        owner, "/processes/regulatory_publication/deploy", {"xml": hostile, "base_version": 1}, page_token
    )
    assert response.status_code == 422
