"""Over HTTP: start data cannot reach the publisher's form, and every task's form opens with its own
values only (GET /tasks/{id} `data`), while `context` still shows the request."""

from __future__ import annotations

from .conftest import Api, error_of, request_data

START = "/processes/general_publication/instances"


def test_a_requester_cannot_pre_tick_the_publishers_certification(api: Api) -> None:
    owner = api.as_user("owner1")
    response = owner.start(data={"title": "ประกาศ", "certified": True, "publish_note": "ตรวจแล้ว"})
    assert response.status_code == 422
    assert sorted(d["field"] for d in error_of(response)["details"]) == ["certified", "publish_note"]
    assert owner.tasks() == []


def test_the_publishers_form_opens_unticked_and_the_certification_is_theirs(
    api: Api, at_publisher: int
) -> None:
    publisher = api.as_user("publisher1")
    task = publisher.task_in(at_publisher)
    shown = publisher.get(f"/tasks/{task['id']}").get_json()
    assert shown["data"] == {"decision": "", "comment": ""}  # its preScript: no send-back yet, unticked
    assert shown["context"]["title"] == request_data("x")["title"]
    done = publisher.complete(task["id"], {"certified": True, "publish_note": "ตรวจสอบแล้ว"})
    assert done.status_code == 200, done.get_json()
    events = api.as_user("owner1").instance(at_publisher)["events"]
    certify = [e for e in events if e["task"] == "Task_CheckAndPublish" and e["action"] == "task_completed"]
    assert [e["actor"] for e in certify] == ["publisher1"]


def test_start_data_pre_fills_the_requesters_first_form(api: Api) -> None:
    owner = api.as_user("owner1")
    started = owner.start(data={"title": "ร่างประกาศ", "channels": ["website"]})
    assert started.status_code == 201, started.get_json()
    first = owner.task_in(started.get_json()["id"])
    assert owner.get(f"/tasks/{first['id']}").get_json()["data"] == {
        "title": "ร่างประกาศ",
        "channels": ["website"],
        "personal_data": False,  # the personal-data questions open with their defaults
        "legal_review": False,
    }
