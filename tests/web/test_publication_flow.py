"""The general_publication request, end to end over HTTP, and the public list it ends up on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import API, TITLE, Api, request_data

REVISE_COMMENT = "โปรดแนบประกาศฉบับที่ลงนามแล้ว"
REVISED_TITLE = "ประกาศผลการคัดเลือกครูผู้ช่วย (ฉบับลงนาม)"


def test_starting_returns_a_running_instance_with_one_task(api: Api) -> None:
    response = api.as_user("owner1").start()
    assert response.status_code == 201
    instance = response.get_json()
    assert instance["process_id"] == "general_publication"
    assert (instance["status"], instance["process_version"], instance["started_by"]) == (
        "running",
        1,
        "owner1",
    )
    assert {"id", "title", "created_at", "tasks", "events"} <= set(instance)
    [task] = instance["tasks"]
    assert (task["lane"], task["status"]) == ("requester", "ready")
    assert [t["id"] for t in api.as_user("owner1").tasks()] == [task["id"]]


def test_the_request_task_shows_its_form(api: Api) -> None:
    owner = api.as_user("owner1")
    task_id = owner.start().get_json()["tasks"][0]["id"]
    response = owner.get(f"/tasks/{task_id}")
    assert response.status_code == 200
    task = response.get_json()
    assert {"id", "instance_id", "name", "title", "lane", "status", "form", "data"} <= set(task)
    assert {"title", "attachments", "channels"} <= set(task["form"]["schema"]["properties"])
    assert task["form"]["ui"]["order"][0] == "title"


def test_start_data_pre_fills_the_first_form(api: Api) -> None:
    owner = api.as_user("owner1")
    started = owner.start(data={"title": "ร่างประกาศรับสมัคร", "channels": ["website", "notice_board"]})
    assert started.status_code == 201
    task = owner.get(f"/tasks/{started.get_json()['tasks'][0]['id']}").get_json()
    assert task["data"]["title"] == "ร่างประกาศรับสมัคร"
    assert task["data"]["channels"] == ["website", "notice_board"]


def test_completing_the_request_hands_it_to_the_group_director(api: Api) -> None:
    owner = api.as_user("owner1")
    instance_id = owner.start().get_json()["id"]
    response = owner.complete(owner.task_in(instance_id)["id"], request_data(owner.upload_id()))
    assert response.status_code == 200
    instance = response.get_json()["instance"]
    assert (instance["id"], instance["status"], instance["title"]) == (instance_id, "running", TITLE)
    assert owner.tasks() == []
    review = api.as_user("gdir_plan").task_in(instance_id)
    assert (review["lane"], review["title"]) == ("group_director", TITLE)


def test_sent_back_the_requester_gets_the_form_filled_with_what_they_sent(api: Api, filed: int) -> None:
    gdir, owner = api.as_user("gdir_plan"), api.as_user("owner1")
    sent_back = gdir.complete(gdir.task_in(filed)["id"], {"decision": "revise", "comment": REVISE_COMMENT})
    assert sent_back.status_code == 200
    assert gdir.tasks() == []
    revise = owner.task_in(filed)
    task = owner.get(f"/tasks/{revise['id']}").get_json()
    assert task["lane"] == "requester"
    assert set(task["form"]) >= {"schema", "ui"}
    assert task["form"]["schema"]["required"] == [
        "title",
        "category",
        "description",
        "purpose",
        "channels",
        "attachments",
    ]
    expected = request_data(task["data"]["attachments"][0])
    assert {k: task["data"][k] for k in expected} == expected


def advance(api: Api, username: str, instance_id: int, data: dict[str, Any]) -> dict[str, Any]:
    who = api.as_user(username)
    response = who.complete(who.task_in(instance_id)["id"], data)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json()["instance"])


def test_the_whole_path_ends_published(api: Api, filed: int) -> None:
    advance(api, "gdir_plan", filed, {"decision": "revise", "comment": REVISE_COMMENT})
    owner = api.as_user("owner1")
    revise = owner.get(f"/tasks/{owner.task_in(filed)['id']}").get_json()
    fields = revise["form"]["schema"]["properties"]  # a client sends the form's fields back, edited
    resubmit = {name: value for name, value in revise["data"].items() if name in fields}
    advance(api, "owner1", filed, {**resubmit, "title": REVISED_TITLE})
    advance(api, "gdir_plan", filed, {"decision": "approve"})
    advance(api, "director1", filed, {"decision": "approve", "comment": "อนุญาต"})
    done = advance(api, "publisher1", filed, {"certified": True})
    assert (done["status"], done["outcome"], done["title"]) == ("completed", "published", REVISED_TITLE)
    assert all(t["status"] == "completed" for t in done["tasks"])
    for username in ("owner1", "gdir_plan", "director1", "publisher1", "pr1"):
        assert all(t["instance_id"] != filed for t in api.as_user(username).tasks())


def test_the_instance_shows_who_decided_what_and_why(api: Api, filed: int) -> None:
    advance(api, "gdir_plan", filed, {"decision": "revise", "comment": REVISE_COMMENT})
    advance(api, "owner1", filed, request_data(api.as_user("owner1").upload_id(), title=REVISED_TITLE))
    advance(api, "gdir_plan", filed, {"decision": "approve"})
    advance(api, "director1", filed, {"decision": "approve", "comment": "อนุญาต"})
    advance(api, "publisher1", filed, {"certified": True})
    instance = api.as_user("owner1").instance(filed)
    decisions = [(e["actor"], e["decision"], e["comment"]) for e in instance["events"] if e["decision"]]
    assert decisions == [
        ("gdir_plan", "revise", REVISE_COMMENT),
        ("gdir_plan", "approve", None),
        ("director1", "approve", "อนุญาต"),
    ]
    actions = [e["action"] for e in instance["events"]]
    assert actions[0] == "started"
    assert actions[-1] == "completed"
    assert all({"at", "action", "actor", "task", "decision", "comment"} <= set(e) for e in instance["events"])


@pytest.fixture
def published(api: Api, at_publisher: int) -> int:
    """The filed request, published by publisher1. Returns the instance id."""
    advance(api, "publisher1", at_publisher, {"certified": True})
    return at_publisher


def public(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"{API}/public/items{query}")
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())


def test_the_published_item_is_listed_without_auth(client: FlaskClient, published: int) -> None:
    [item] = public(client)
    assert {"id", "title", "url", "category", "published_at"} <= set(item)
    assert (item["title"], item["category"]) == (TITLE, "1.3")
    assert item["published_at"].startswith("2026-11-16")


def test_the_item_url_is_its_public_page(client: FlaskClient, published: int) -> None:
    [item] = public(client)
    assert item["url"] == f"/public/items/{item['id']}-{TITLE}"  # the slug keeps the Thai title
    page = client.get(item["url"])
    assert page.status_code == 200
    assert TITLE in page.get_data(as_text=True)


def test_public_items_filter_by_category(client: FlaskClient, published: int) -> None:
    assert [i["title"] for i in public(client, "?category=1.3")] == [TITLE]
    assert public(client, "?category=1.2") == []


@pytest.mark.parametrize("q", ["ประกาศ", "คัดเลือก", "ลือกครู", "ผู้ช่วย"])  # Thai has no spaces: parts of words
def test_public_items_search_finds_a_thai_substring(client: FlaskClient, published: int, q: str) -> None:
    assert [i["title"] for i in public(client, f"?q={q}")] == [TITLE]


def test_public_items_search_misses_what_is_not_there(client: FlaskClient, published: int) -> None:
    assert public(client, "?q=จัดซื้อจัดจ้าง") == []


def test_public_items_search_as_the_portal_does(client: FlaskClient, published: int) -> None:
    """Every term, anywhere in the title, text, captions or file names."""
    assert [i["title"] for i in public(client, "?q=ผู้ช่วย  คัดเลือก")] == [TITLE]
    assert public(client, "?q=คัดเลือก จัดซื้อ") == []
    assert [i["title"] for i in public(client, "?q=.pdf")] == [TITLE]  # the attachment's file name
    assert [i["title"] for i in public(client, "?q=%20%20")] == [TITLE]  # no term: no filter


def test_public_items_search_treats_percent_literally(client: FlaskClient, published: int) -> None:
    assert public(client, "?q=%25") == []


def test_public_items_filter_by_be_fiscal_year(client: FlaskClient, published: int) -> None:
    # the clock says 16 Nov 2026 = 16 พ.ย. 2569, which is in fiscal year 2570 (1 Oct 2569 - 30 Sep 2570)
    [item] = public(client, "?fiscal_year=2570")
    assert item["title"] == TITLE
    assert public(client, "?fiscal_year=2569") == []
    assert public(client, "?fiscal_year=2026") == []


def test_public_items_combine_filters(client: FlaskClient, published: int) -> None:
    assert len(public(client, "?category=1.3&fiscal_year=2570&q=คัดเลือก")) == 1
    assert public(client, "?category=1.1&fiscal_year=2570&q=จัดซื้อ") == []


def test_a_fiscal_year_that_is_not_a_number_is_422(client: FlaskClient) -> None:
    response = client.get(f"{API}/public/items?fiscal_year=๒๕๗๐x")
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == "fiscal_year"


def test_a_rejected_request_is_not_published(api: Api, client: FlaskClient, filed: int) -> None:
    done = advance(api, "gdir_plan", filed, {"decision": "reject", "comment": "ข้อมูลส่วนบุคคล"})
    assert (done["status"], done["outcome"]) == ("rejected", "rejected")
    assert api.as_user("owner1").instance(filed)["events"][-2]["comment"] == "ข้อมูลส่วนบุคคล"
    assert public(client) == []


def test_a_finished_request_takes_no_more_work(api: Api, filed: int) -> None:
    gdir = api.as_user("gdir_plan")
    task_id = gdir.task_in(filed)["id"]
    advance(api, "gdir_plan", filed, {"decision": "reject", "comment": "ซ้ำกับประกาศเดิม"})
    assert gdir.post(f"/tasks/{task_id}/claim").status_code == 409
    assert gdir.complete(task_id, {"decision": "approve"}).status_code == 409


def publish_at(api: Api, moment: datetime, clock: Any, title: str = TITLE) -> None:
    owner = api.as_user("owner1")
    instance_id = owner.start().get_json()["id"]
    advance(api, "owner1", instance_id, request_data(owner.upload_id(), title=title))
    advance(api, "gdir_plan", instance_id, {"decision": "approve"})
    advance(api, "director1", instance_id, {"decision": "approve"})
    clock.current = moment
    api.forget_tokens()  # months later: the tokens made before have expired (BPMNPUB_TOKEN_DAYS)
    advance(api, "publisher1", instance_id, {"certified": True})


def test_the_fiscal_year_turns_at_midnight_on_1_october_bangkok_time(
    api: Api, client: FlaskClient, clock: Any
) -> None:
    publish_at(api, datetime(2027, 9, 30, 16, 59, tzinfo=UTC), clock, "ประกาศวันสุดท้ายของปีงบประมาณ")
    publish_at(api, datetime(2027, 9, 30, 17, 0, tzinfo=UTC), clock, "ประกาศวันแรกของปีงบประมาณ")
    # 23:59 on 30 Sep 2570 in Bangkok is fiscal year 2570; 00:00 on 1 Oct 2570 is fiscal year 2571
    assert [i["title"] for i in public(client, "?fiscal_year=2570")] == ["ประกาศวันสุดท้ายของปีงบประมาณ"]
    assert [i["title"] for i in public(client, "?fiscal_year=2571")] == ["ประกาศวันแรกของปีงบประมาณ"]


def test_public_items_search_ignores_latin_case(
    api: Api, client: FlaskClient, clock: Any, backend: str, request: pytest.FixtureRequest
) -> None:
    publish_at(api, clock(), clock, "รายงานผลการประเมิน ITA ประจำปี")
    assert len(public(client, "?q=ITA")) == 1
    assert len(public(client, "?q=ita")) == 1
