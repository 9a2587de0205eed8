"""The inbox over HTTP: validation (422), conflicts (409), permissions (403), unknown ids (404)."""

from __future__ import annotations

import pytest

from .conftest import Api, error_of, request_data


def test_revise_without_a_comment_is_422_per_field(api: Api, filed: int) -> None:
    gdir = api.as_user("gdir_plan")
    response = gdir.complete(gdir.task_in(filed)["id"], {"decision": "revise"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert [d["field"] for d in error["details"]] == ["comment"]
    assert error["details"][0]["message"]


def test_a_refused_submission_changes_nothing(api: Api, filed: int) -> None:
    gdir = api.as_user("gdir_plan")
    task = gdir.task_in(filed)
    events_before = gdir.instance(filed)["events"]
    assert gdir.complete(task["id"], {"decision": "revise", "comment": ""}).status_code == 422
    assert gdir.task_in(filed) == task  # still listed, still ready
    assert gdir.get(f"/tasks/{task['id']}").get_json()["status"] == "ready"
    assert gdir.instance(filed)["events"] == events_before
    assert api.as_user("owner1").tasks() == []  # nothing went back to the requester


def test_an_unknown_decision_and_an_extra_field_are_reported_by_name(api: Api, filed: int) -> None:
    gdir = api.as_user("gdir_plan")
    response = gdir.complete(gdir.task_in(filed)["id"], {"decision": "maybe", "approved": True})
    assert response.status_code == 422
    assert {"decision", "approved"} <= {d["field"] for d in error_of(response)["details"]}


@pytest.mark.parametrize("data", [["approve"], "approve", 1])
def test_form_data_that_is_not_an_object_is_422(api: Api, filed: int, data: object) -> None:
    gdir = api.as_user("gdir_plan")
    response = gdir.complete(gdir.task_in(filed)["id"], data)
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_failed"


def test_an_attachment_that_was_never_uploaded_is_422(api: Api) -> None:
    owner = api.as_user("owner1")
    instance_id = owner.start().get_json()["id"]
    response = owner.complete(owner.task_in(instance_id)["id"], request_data("0" * 32))
    assert response.status_code == 422
    assert "0" * 32 in str(error_of(response)["details"])


def test_a_second_complete_of_the_same_task_is_409(api: Api, filed: int) -> None:
    gdir = api.as_user("gdir_plan")
    task_id = gdir.task_in(filed)["id"]
    assert gdir.complete(task_id, {"decision": "approve"}).status_code == 200
    again = gdir.complete(task_id, {"decision": "approve"})
    assert again.status_code == 409
    assert error_of(again)["code"] == "conflict"
    director_tasks = [t for t in api.as_user("director1").tasks() if t["instance_id"] == filed]
    assert len(director_tasks) == 1  # the second submit did not move the request again


def test_claiming_a_task_another_publisher_holds_is_409(api: Api, at_publisher: int) -> None:
    publisher, pr = api.as_user("publisher1"), api.as_user("pr1")
    task_id = publisher.task_in(at_publisher)["id"]
    assert pr.task_in(at_publisher)["id"] == task_id  # both may take it
    claimed = publisher.post(f"/tasks/{task_id}/claim")
    assert claimed.status_code == 200
    assert (claimed.get_json()["status"], claimed.get_json()["assigned_to"]) == ("claimed", "publisher1")
    response = pr.post(f"/tasks/{task_id}/claim")
    assert response.status_code == 409
    assert error_of(response)["code"] == "conflict"


def test_a_claimed_task_leaves_the_other_publishers_inbox(api: Api, at_publisher: int) -> None:
    publisher, pr = api.as_user("publisher1"), api.as_user("pr1")
    task_id = publisher.task_in(at_publisher)["id"]
    publisher.post(f"/tasks/{task_id}/claim")
    assert all(t["id"] != task_id for t in pr.tasks())
    assert pr.complete(task_id, {"certified": True}).status_code == 409
    assert publisher.task_in(at_publisher)["status"] == "claimed"


def test_a_released_task_can_be_claimed_by_the_other_publisher(api: Api, at_publisher: int) -> None:
    publisher, pr = api.as_user("publisher1"), api.as_user("pr1")
    task_id = publisher.task_in(at_publisher)["id"]
    publisher.post(f"/tasks/{task_id}/claim")
    assert publisher.post(f"/tasks/{task_id}/release").status_code == 200
    assert pr.post(f"/tasks/{task_id}/claim").status_code == 200
    assert pr.complete(task_id, {"certified": True}).get_json()["instance"]["outcome"] == "published"


def test_claiming_your_own_claim_again_is_fine(api: Api, at_publisher: int) -> None:
    publisher = api.as_user("publisher1")
    task_id = publisher.task_in(at_publisher)["id"]
    assert publisher.post(f"/tasks/{task_id}/claim").status_code == 200
    assert publisher.post(f"/tasks/{task_id}/claim").status_code == 200


def test_another_groups_director_cannot_complete_the_review(api: Api, filed: int) -> None:
    task_id = api.as_user("gdir_plan").task_in(filed)["id"]
    gdir_hr = api.as_user("gdir_hr")
    response = gdir_hr.complete(task_id, {"decision": "approve"})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert api.as_user("gdir_plan").task_in(filed)["status"] == "ready"


def test_another_groups_director_does_not_see_the_review(api: Api, filed: int) -> None:
    task_id = api.as_user("gdir_plan").task_in(filed)["id"]
    gdir_hr = api.as_user("gdir_hr")
    assert all(t["instance_id"] != filed for t in gdir_hr.tasks())
    assert gdir_hr.get(f"/tasks/{task_id}").status_code == 403
    assert gdir_hr.post(f"/tasks/{task_id}/claim").status_code == 403


def test_nobody_else_may_do_the_requesters_step(api: Api) -> None:
    owner = api.as_user("owner1")
    instance_id = owner.start().get_json()["id"]
    task_id = owner.task_in(instance_id)["id"]
    other = api.as_user("owner2")
    assert other.tasks() == []
    assert other.complete(task_id, request_data(other.upload_id())).status_code == 403
    # not sent yet: a draft, which does not exist for anyone but its requester (docs/drafts.md)
    assert other.get(f"/instances/{instance_id}").status_code == 404
    assert other.get(f"/tasks/{task_id}").status_code == 404


def test_a_reviewer_who_is_not_a_publisher_cannot_publish(api: Api, at_publisher: int) -> None:
    task_id = api.as_user("publisher1").task_in(at_publisher)["id"]
    assert api.as_user("director1").complete(task_id, {"certified": True}).status_code == 403


def test_only_an_admin_may_retry_a_request(api: Api, filed: int) -> None:
    response = api.as_user("gdir_plan").post(f"/instances/{filed}/retry", json={"reason": "ลองใหม่"})
    assert response.status_code == 403


def test_retrying_a_request_that_has_not_failed_is_409(api: Api, filed: int) -> None:
    response = api.as_user("admin1").post(f"/instances/{filed}/retry", json={"reason": "ลองใหม่"})
    assert response.status_code == 409
    assert api.as_user("owner1").instance(filed)["status"] == "running"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/tasks/999999"),
        ("POST", "/tasks/999999/claim"),
        ("POST", "/tasks/999999/release"),
        ("POST", "/tasks/999999/complete"),
        ("GET", "/instances/999999"),
        ("GET", "/tasks/not-a-number"),
    ],
)
def test_unknown_ids_are_404(api: Api, method: str, path: str) -> None:
    response = api.as_user("admin1").open(method, path, json={"data": {}} if method == "POST" else None)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("path", [f"/tasks/{2**63}", f"/instances/{2**63}"])
def test_an_id_too_large_for_the_database_is_404_not_500(api: Api, path: str) -> None:
    response = api.as_user("admin1").get(path)
    assert response.status_code == 404


def test_an_id_beyond_32_bits_is_404_not_500(api: Api, backend: str, request: pytest.FixtureRequest) -> None:
    for path in (f"/tasks/{2**31}", f"/instances/{2**31}"):
        assert api.as_user("admin1").get(path).status_code == 404


def test_the_task_list_pages(api: Api) -> None:
    owner = api.as_user("owner1")
    started = [owner.start().get_json()["id"] for _ in range(3)]
    first = owner.get("/tasks?limit=2").get_json()
    rest = owner.get("/tasks?limit=2&offset=2").get_json()
    assert [t["instance_id"] for t in first + rest] == started
    assert owner.get("/tasks?limit=x").status_code == 422
