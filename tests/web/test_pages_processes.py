"""The process library and the modeler's calls, through HTTP as a signed-in person."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ..conftest import PROCESSES
from .conftest import multipart
from .pages import csrf, signed_in

GENERAL = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")


def token(client: FlaskClient, path: str = "/processes/") -> str:
    return csrf(client.get(path).get_data(as_text=True))


def post_json(client: FlaskClient, path: str, body: dict[str, Any], csrf_token: str) -> Any:
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        headers={"Accept": "application/json", "X-CSRFToken": csrf_token},
    )


@pytest.fixture
def owner(app: Flask) -> FlaskClient:
    return signed_in(app, "procowner1")


def test_library_lists_processes_and_links_the_modeler(owner: FlaskClient) -> None:
    html = owner.get("/processes/").get_data(as_text=True)
    for process_id in ("general_publication", "memo_publication", "semiannual_report"):
        assert f'href="/processes/{process_id}/edit"' in html
        assert f"/processes/{process_id}/v1.bpmn" in html
    assert 'href="/processes/"' in html  # the nav link


def test_others_get_403_and_no_link(app: Flask) -> None:
    staff = signed_in(app, "owner1")
    assert 'href="/processes/"' not in staff.get("/inbox").get_data(as_text=True)
    for path in (
        "/processes/",
        "/processes/general_publication/edit",
        "/processes/general_publication/v1.bpmn",
    ):
        assert staff.get(path).status_code == 403
    page_token = csrf(staff.get("/inbox").get_data(as_text=True))
    response = post_json(staff, "/processes/general_publication/deploy", {"xml": GENERAL}, page_token)
    assert response.status_code == 403


def test_download_a_version(owner: FlaskClient) -> None:
    response = owner.get("/processes/general_publication/v1.bpmn")
    assert response.status_code == 200
    assert 'filename="general_publication-v1.bpmn"' in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == GENERAL
    assert owner.get("/processes/general_publication/v9.bpmn").status_code == 404


def test_upload_refused_with_element_ids_then_accepted(owner: FlaskClient) -> None:
    bad = GENERAL.replace('value="publish_check_form"', 'value="no_such_form"', 1).encode()
    page_token = token(owner)
    response = owner.post(
        "/processes/upload",
        **multipart({"file": (bad, "general_publication.bpmn")}),
        headers={"X-CSRFToken": page_token},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<code>Task_CheckAndPublish</code>" in html and "no_such_form" in html
    good = GENERAL.replace('name="ผอ.กลุ่ม/หน่วย พิจารณา"', 'name="ผอ.กลุ่ม พิจารณา"', 1).encode()
    response = owner.post(
        "/processes/upload",
        **multipart({"file": (good, "general_publication.bpmn")}),
        headers={"X-CSRFToken": page_token},
    )
    assert response.status_code == 302
    html = owner.get("/processes/").get_data(as_text=True)
    assert "/processes/general_publication/v2.bpmn" in html
    assert "/processes/general_publication/diff?old=1&amp;new=2" in html
    diff = owner.get("/processes/general_publication/diff?old=1&new=2").get_data(as_text=True)
    assert "Task_GroupDirectorReview" in diff and "ผอ.กลุ่ม พิจารณา" in diff


def test_modeler_page_carries_the_draft(owner: FlaskClient) -> None:
    html = owner.get("/processes/general_publication/edit").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', html, re.S)
    assert found
    config = json.loads(found.group(1))
    assert config["processId"] == "general_publication" and config["baseVersion"] == 1
    assert "Task_PrepareRequest" in config["xml"] and "legal_officer" in config["roles"]
    assert "review_form" in config["knownForms"]
    # deployed forms travel with their schemas so the form editor can open them pre-filled
    assert config["deployedForms"]["publish_check_form"]["title"] == "ตรวจสอบข้อมูลก่อนเผยแพร่"
    assert config["formUsers"]["publish_check_form"] == ["general_publication", "regulatory_publication"]
    assert "รุ่นถัดไปที่ติดตั้ง" in html  # the editor says when a deployed form's change applies
    assert owner.get("/processes/no_such/edit").status_code == 404


def test_a_saved_override_of_a_deployed_form_keeps_the_deployed_schema_apart(owner: FlaskClient) -> None:
    page_token = token(owner, "/processes/general_publication/edit")
    html = owner.get("/processes/general_publication/edit").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', html, re.S)
    assert found
    schema = dict(json.loads(found.group(1))["deployedForms"]["publish_check_form"], title="ฉบับแก้")
    saved = post_json(
        owner,
        "/processes/general_publication/draft",
        {"xml": GENERAL, "forms": {"publish_check_form": schema}, "base_version": 1},
        page_token,
    )
    assert saved.status_code == 200
    html = owner.get("/processes/general_publication/edit").get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="modeler-config">(.*?)</script>', html, re.S)
    assert found
    config = json.loads(found.group(1))
    assert config["forms"]["publish_check_form"]["title"] == "ฉบับแก้"
    assert config["formTitles"]["publish_check_form"] == "ฉบับแก้"
    assert config["deployedForms"]["publish_check_form"]["title"] == "ตรวจสอบข้อมูลก่อนเผยแพร่"


def test_modeler_calls(owner: FlaskClient) -> None:
    page_token = token(owner, "/processes/general_publication/edit")
    base = "/processes/general_publication"
    assert owner.post(f"{base}/validate", json={"xml": GENERAL}).status_code == 400  # no CSRF header
    answer = post_json(owner, f"{base}/validate", {"xml": GENERAL, "forms": {}}, page_token).get_json()
    assert answer == {"problems": []}
    unsafe = GENERAL.replace('decision == "approve"', "().__class__", 1)
    answer = post_json(owner, f"{base}/validate", {"xml": unsafe}, page_token).get_json()
    assert answer["problems"][0]["element_id"] == "Flow_GroupDirectorResult_To_DirectorDecision"
    response = post_json(owner, f"{base}/deploy", {"xml": unsafe, "base_version": 1}, page_token)
    assert response.status_code == 422
    assert (
        response.get_json()["error"]["details"][0]["element_id"]
        == "Flow_GroupDirectorResult_To_DirectorDecision"
    )
    saved = post_json(owner, f"{base}/draft", {"xml": unsafe, "forms": {}, "base_version": 1}, page_token)
    assert saved.status_code == 200
    assert "มีฉบับร่าง" in owner.get("/processes/").get_data(as_text=True)
    changed = GENERAL.replace('name="ผอ.กลุ่ม/หน่วย พิจารณา"', 'name="ผอ.กลุ่ม พิจารณา"', 1)
    response = post_json(owner, f"{base}/deploy", {"xml": changed, "base_version": 1}, page_token)
    assert response.status_code == 201 and response.get_json()["version"] == 2
    response = post_json(owner, f"{base}/deploy", {"xml": GENERAL, "base_version": 1}, page_token)
    assert response.status_code == 409


def test_expression_and_form_preview(owner: FlaskClient) -> None:
    page_token = token(owner, "/processes/general_publication/edit")
    ok = post_json(owner, "/processes/check-expression", {"expression": 'decision == "approve"'}, page_token)
    assert ok.get_json() == {"ok": True, "message": None}
    bad = post_json(owner, "/processes/check-expression", {"expression": "open('x')"}, page_token).get_json()
    assert bad["ok"] is False and bad["message"]
    schema = {
        "title": "ความเห็นนิติกร",
        "type": "object",
        "properties": {"opinion": {"type": "string", "title": "ความเห็นทางกฎหมาย", "x-widget": "textarea"}},
    }
    preview = post_json(owner, "/processes/form-preview", {"key": "legal_form", "schema": schema}, page_token)
    answer = preview.get_json()
    assert answer["problems"] == []
    assert 'name="opinion"' in answer["html"] and "ความเห็นทางกฎหมาย" in answer["html"]
    broken = {"type": "object", "properties": {"x": {"type": "nope"}}}
    answer = post_json(
        owner, "/processes/form-preview", {"key": "legal_form", "schema": broken}, page_token
    ).get_json()
    assert answer["problems"] and answer["html"] == ""
