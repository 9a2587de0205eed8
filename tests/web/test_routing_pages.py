"""A group director's own request, seen through HTTP: it reaches the deputy's inbox, and the request
page says why it went up the chain; a step nobody can do says so, distinct from waiting."""

from __future__ import annotations

from flask import Flask

from .conftest import Api, request_data
from .pages import signed_in


def test_a_group_directors_request_reaches_the_deputy_and_the_timeline_says_why(app: Flask, api: Api) -> None:
    gdir = api.as_user("gdir_plan")
    started = gdir.start()
    assert started.status_code == 201
    iid = int(started.get_json()["id"])
    assert gdir.complete(gdir.task_in(iid)["id"], request_data(gdir.upload_id())).status_code == 200
    deputy = api.as_user("deputy1")
    task = deputy.task_in(iid)
    assert task["lane"] == "group_director"
    page = signed_in(app, "gdir_plan").get(f"/requests/{iid}").get_data(as_text=True)
    assert "ส่งขึ้นตามลำดับบังคับบัญชา" in page and "นางรัชนี ศรีสุข" in page
    assert "ผู้ขอเป็นผู้มีอำนาจพิจารณาขั้นตอนนี้เพียงคนเดียว" in page
    assert deputy.complete(task["id"], {"decision": "approve"}).status_code == 200
    assert api.as_user("director1").task_in(iid)


def test_the_directors_own_decision_is_flagged_nobody_can_act(app: Flask, api: Api) -> None:
    director = api.as_user("director1")
    iid = int(director.start().get_json()["id"])
    director.complete(director.task_in(iid)["id"], request_data(director.upload_id()))
    deputy = api.as_user("deputy1")
    deputy.complete(deputy.task_in(iid)["id"], {"decision": "approve"})
    page = signed_in(app, "director1").get(f"/requests/{iid}").get_data(as_text=True)
    assert "ไม่มีผู้ดำเนินการได้" in page and "แจ้ง ผอ.สพป. และผู้ดูแลระบบแล้ว" in page
    admin = signed_in(app, "admin1")
    assert "ไม่มีผู้ดำเนินการได้" in admin.get("/admin/instances/check").get_data(as_text=True)
    assert "ไม่มีผู้ดำเนินการได้" in admin.get(f"/admin/instances/{iid}").get_data(as_text=True)
    assert "admin-alert" in admin.get("/admin/instances").get_data(as_text=True)
