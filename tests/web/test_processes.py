"""GET /api/v1/processes (what the caller may start) and POST /api/v1/processes (deploying a version)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import TestResponse

from .conftest import STAFF_PROCESSES, Api, ApiClient, error_of, multipart, request_data

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
GENERAL = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")
REVIEW_NAME = "ผอ.กลุ่ม/หน่วย พิจารณา"
RENAMED = "ผอ.กลุ่ม/หน่วย พิจารณาคำขอเผยแพร่"


def deploy(
    who: ApiClient,
    content: str | bytes,
    filename: str = "general_publication.bpmn",
    forms: dict[str, Any] | None = None,
) -> TestResponse:
    raw = content.encode("utf-8") if isinstance(content, str) else content
    fields = {"file": (raw, filename)}
    for i, (key, schema) in enumerate((forms or {}).items()):
        fields[f"form{i}"] = (json.dumps(schema, ensure_ascii=False).encode(), f"{key}.json")
    return who.post("/processes", **multipart(fields))


def renamed_diagram() -> str:
    assert GENERAL.count(f'name="{REVIEW_NAME}"') == 1
    return GENERAL.replace(f'name="{REVIEW_NAME}"', f'name="{RENAMED}"')


def versions(who: ApiClient) -> dict[str, int]:
    return {p["id"]: p["version"] for p in who.get("/processes").get_json()}


# --- what the caller may start ----------------------------------------------------------------------


def test_staff_see_the_four_staff_processes(api: Api) -> None:
    response = api.as_user("owner1").get("/processes")
    assert response.status_code == 200
    assert {p["id"] for p in response.get_json()} == STAFF_PROCESSES


def test_a_group_director_also_sees_the_semiannual_report(api: Api) -> None:
    ids = {p["id"] for p in api.as_user("gdir_plan").get("/processes").get_json()}
    assert ids == STAFF_PROCESSES | {"semiannual_report"}


@pytest.mark.parametrize("username", ["director1", "publisher1"])
def test_director_and_publishers_also_see_the_yearly_programme(api: Api, username: str) -> None:
    ids = {p["id"] for p in api.as_user(username).get("/processes").get_json()}
    assert ids == STAFF_PROCESSES | {"semiannual_report", "publication_programme"}


def test_each_process_has_id_name_version_category(api: Api) -> None:
    for process in api.as_user("owner1").get("/processes").get_json():
        assert {"id", "name", "version", "category"} <= set(process)
        assert process["version"] == 1
        assert isinstance(process["name"], str)
        assert process["name"] != process["id"]
        assert process["category"] == "publication"
    general = {p["id"]: p for p in api.as_user("owner1").get("/processes").get_json()}["general_publication"]
    assert general["name"] == "ขออนุญาตเผยแพร่ข้อมูลข่าวสารผ่านเว็บไซต์"


def test_staff_cannot_start_a_process_they_do_not_see(api: Api) -> None:
    response = api.as_user("owner1").start("semiannual_report")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"


def test_starting_an_unknown_process_is_404(api: Api) -> None:
    response = api.as_user("owner1").start("no_such_process")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_start_data_may_only_fill_form_fields(api: Api) -> None:
    response = api.as_user("owner1").start(data={"title": "ร่างประกาศ", "approved_by_director": True})
    assert response.status_code == 422
    assert [d["field"] for d in error_of(response)["details"]] == ["approved_by_director"]
    assert api.as_user("owner1").tasks() == []


# --- deploying ----------------------------------------------------------------------------------------


def test_only_process_owners_may_deploy(api: Api) -> None:
    response = deploy(api.as_user("owner1"), renamed_diagram())
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert versions(api.as_user("owner1"))["general_publication"] == 1


def test_deploying_the_unchanged_diagram_creates_nothing(api: Api) -> None:
    response = deploy(api.as_user("procowner1"), GENERAL)
    assert response.status_code == 200
    assert response.get_json() == {"id": "general_publication", "version": 1, "created": False}


def test_a_changed_diagram_becomes_version_2(api: Api) -> None:
    owner = api.as_user("procowner1")
    response = deploy(owner, renamed_diagram())
    assert response.status_code == 201
    assert response.get_json() == {"id": "general_publication", "version": 2, "created": True}
    assert versions(owner)["general_publication"] == 2
    assert versions(owner)["memo_publication"] == 1


def test_deploying_version_2_again_creates_nothing(api: Api) -> None:
    owner = api.as_user("procowner1")
    deploy(owner, renamed_diagram())
    again = deploy(owner, renamed_diagram())
    assert again.status_code == 200
    assert again.get_json() == {"id": "general_publication", "version": 2, "created": False}


def test_new_requests_use_version_2_and_running_ones_stay_on_version_1(api: Api) -> None:
    owner = api.as_user("owner1")
    before = owner.start().get_json()
    assert deploy(api.as_user("procowner1"), renamed_diagram()).status_code == 201
    after = owner.start().get_json()
    assert after["process_version"] == 2
    assert owner.instance(before["id"])["process_version"] == 1
    assert owner.instance(after["id"])["process_version"] == 2
    # each moves on along its own version: the review task carries that version's name
    file_id = owner.upload_id()
    for instance in (before, after):
        assert owner.complete(owner.task_in(instance["id"])["id"], request_data(file_id)).status_code == 200
    gdir = api.as_user("gdir_plan")
    assert gdir.task_in(before["id"])["name"] == REVIEW_NAME
    assert gdir.task_in(after["id"])["name"] == RENAMED
    assert owner.instance(before["id"])["process_version"] == 1


def test_an_unsafe_condition_is_422_with_where_and_why(api: Api) -> None:
    owner = api.as_user("procowner1")
    unsafe = renamed_diagram().replace('decision == "approve"', "__import__('os').system('x')", 1)
    response = deploy(owner, unsafe)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "invalid_diagram"
    [problem] = error["details"]
    assert set(problem) == {"file", "element_id", "line", "message"}
    assert problem["file"] == "general_publication.bpmn"
    assert problem["element_id"] == "Flow_GroupDirectorResult_To_DirectorDecision"
    line = unsafe.splitlines()[problem["line"] - 1]
    assert 'id="Flow_GroupDirectorResult_To_DirectorDecision"' in line
    assert "__import__" in problem["message"]


def test_a_rejected_diagram_deploys_nothing(api: Api) -> None:
    owner = api.as_user("procowner1")
    unsafe = renamed_diagram().replace('decision == "approve"', "__import__('os').system('x')", 1)
    assert deploy(owner, unsafe).status_code == 422
    assert versions(owner)["general_publication"] == 1
    assert api.as_user("owner1").start().get_json()["process_version"] == 1


def test_malformed_xml_is_422_with_the_line(api: Api) -> None:
    owner = api.as_user("procowner1")
    broken = "\n".join(renamed_diagram().splitlines()[:40])  # cut off in the middle
    response = deploy(owner, broken)
    assert response.status_code == 422
    [problem] = error_of(response)["details"]
    assert problem["file"] == "general_publication.bpmn"
    assert problem["line"] == 40  # the document ends, unclosed, on its 40th line
    assert problem["message"]
    assert versions(owner)["general_publication"] == 1


def test_a_diagram_with_an_external_entity_is_refused(api: Api) -> None:
    owner = api.as_user("procowner1")
    hostile = (
        renamed_diagram()
        .replace(
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        )
        .replace('name="ขออนุญาตเผยแพร่ข้อมูลข่าวสารผ่านเว็บไซต์" isExecutable', 'name="&e;" isExecutable')
    )
    response = deploy(owner, hostile)
    assert response.status_code == 422
    assert "root:" not in response.get_data(as_text=True)
    assert versions(owner)["general_publication"] == 1


def test_a_user_task_with_an_unknown_lane_role_is_422(api: Api) -> None:
    owner = api.as_user("procowner1")
    response = deploy(owner, renamed_diagram().replace('name="group_director"', 'name="janitor"'))
    assert response.status_code == 422
    problems = error_of(response)["details"]
    assert any(p["element_id"] == "Task_GroupDirectorReview" and "janitor" in p["message"] for p in problems)


def test_a_form_sent_with_the_diagram_is_deployed_with_it(api: Api) -> None:
    review = json.loads((PROCESSES / "forms" / "review_form.json").read_text(encoding="utf-8"))
    review["properties"]["comment"]["title"] = "ข้อสั่งการ"
    response = deploy(api.as_user("procowner1"), GENERAL, forms={"review_form": review})
    assert response.status_code == 201
    assert response.get_json()["version"] == 2
    owner = api.as_user("owner1")
    started = owner.start().get_json()
    owner.complete(owner.task_in(started["id"])["id"], request_data(owner.upload_id()))
    gdir = api.as_user("gdir_plan")
    task = gdir.get(f"/tasks/{gdir.task_in(started['id'])['id']}").get_json()
    assert task["form"]["schema"]["properties"]["comment"]["title"] == "ข้อสั่งการ"


def test_a_form_that_is_not_json_is_422(api: Api) -> None:
    owner = api.as_user("procowner1")
    fields = {
        "file": (GENERAL.encode(), "general_publication.bpmn"),
        "form": (b"{not json", "review_form.json"),
    }
    response = owner.post("/processes", **multipart(fields))
    assert response.status_code == 422
    assert versions(owner)["general_publication"] == 1


def test_deploy_without_a_file_is_422(api: Api) -> None:
    response = api.as_user("procowner1").post("/processes", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert [d["field"] for d in error_of(response)["details"]] == ["file"]


def test_deploying_a_file_that_is_not_bpmn_is_415(api: Api) -> None:
    response = deploy(api.as_user("procowner1"), GENERAL, filename="general_publication.xml")
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_a_diagram_in_tis620_is_deployed_or_refused_but_never_a_500(api: Api) -> None:
    thai_encoded = renamed_diagram().replace('encoding="UTF-8"', 'encoding="TIS-620"').encode("tis_620")
    response = deploy(api.as_user("procowner1"), thai_encoded)
    assert response.status_code in (201, 422), response.get_json()
