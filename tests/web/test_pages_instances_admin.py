"""The admin request pages and the steering API, through HTTP only."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask

from .conftest import Api, error_of
from .pages import csrf, signed_in

WHY = "ผอ.กลุ่มลาป่วย ให้ผู้อื่นพิจารณาแทน"


def task_of(api: Api, instance_id: int) -> int:
    tasks = [
        t for t in api.as_user("admin1").instance(instance_id)["tasks"] if t["status"] in ("ready", "claimed")
    ]
    assert len(tasks) == 1
    return int(tasks[0]["id"])


def test_non_admins_get_403_everywhere(app: Flask, api: Api, filed: int) -> None:
    task = task_of(api, filed)
    owner = signed_in(app, "owner1")
    for path in (
        "/admin/instances",
        f"/admin/instances/{filed}",
        f"/admin/instances/{filed}/migrate?version=1",
    ):
        assert owner.get(path).status_code == 403, path
    token = csrf(owner.get("/requests").get_data(as_text=True))
    for action in ("suspend", "resume", "terminate", "retry", "rewind", "correct", f"tasks/{task}/reassign"):
        response = owner.post(f"/admin/instances/{filed}/{action}", data={"csrf_token": token, "reason": WHY})
        assert response.status_code == 403, action
    as_owner = api.as_user("gdir_plan")
    for path, body in (
        (f"/instances/{filed}/suspend", {"reason": WHY}),
        (f"/instances/{filed}/resume", {"reason": WHY}),
        (f"/instances/{filed}/terminate", {"reason": WHY}),
        (f"/instances/{filed}/rewind", {"reason": WHY, "target": "Task_PrepareRequest"}),
        (f"/instances/{filed}/migrate", {"reason": WHY, "version": 2, "dry_run": True}),
        (f"/tasks/{task}/reassign", {"reason": WHY, "user": "director1"}),
    ):
        response = as_owner.post(path, json=body)
        assert response.status_code == 403, path
        assert error_of(response)["code"] == "forbidden"
    assert as_owner.get("/processes/general_publication/stats").status_code == 403
    assert api.as_user("procowner1").get("/processes/general_publication/stats").status_code == 200


def test_list_page_filters_and_links(app: Flask, filed: int) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/instances?process=general_publication&status=running&version=1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'href="/admin/instances/{filed}"' in text
    assert "ผอ.กลุ่ม/หน่วย พิจารณา" in text  # where it waits
    assert "ยังไม่มีผู้รับงาน" in text
    none = admin.get("/admin/instances?status=completed").get_data(as_text=True)
    assert f'href="/admin/instances/{filed}"' not in none and "ไม่พบคำขอตามเงื่อนไข" in none


def test_the_date_range_is_typed_in_the_buddhist_era(app: Flask, filed: int) -> None:
    admin = signed_in(app, "admin1")  # the request was filed on 16 Nov 2569 (the test clock)
    that_day = admin.get("/admin/instances?from=16/11/2569&to=16/11/2569").get_data(as_text=True)
    assert f'href="/admin/instances/{filed}"' in that_day
    assert 'value="16/11/2569"' in that_day  # shown back as typed, in the Buddhist era
    later = admin.get("/admin/instances?from=17/11/2569").get_data(as_text=True)
    assert f'href="/admin/instances/{filed}"' not in later


def test_actions_need_a_reason_and_show_in_the_timeline(app: Flask, api: Api, filed: int) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get(f"/admin/instances/{filed}").get_data(as_text=True)
    assert 'id="diagram"' in page and "Task_GroupDirectorReview" in page
    token = csrf(page)
    refused = admin.post(f"/admin/instances/{filed}/suspend", data={"csrf_token": token, "reason": " "})
    assert refused.status_code == 422
    assert "กรุณาระบุเหตุผล" in refused.get_data(as_text=True)
    for action, reason in (("suspend", "รอเอกสารเพิ่ม"), ("resume", "ได้เอกสารแล้ว")):
        done = admin.post(f"/admin/instances/{filed}/{action}", data={"csrf_token": token, "reason": reason})
        assert done.status_code == 302, done.get_data(as_text=True)[:300]
    task = task_of(api, filed)
    kept = admin.post(
        f"/admin/instances/{filed}/tasks/{task}/reassign",
        data={"csrf_token": token, "user": "owner1", "reason": "ลองให้ผู้ขอพิจารณาเอง"},
    )
    assert kept.status_code == 422
    body = html.unescape(kept.get_data(as_text=True))
    assert "ไม่มีใครพิจารณาคำขอของตนเองได้" in body and "ลองให้ผู้ขอพิจารณาเอง" in body
    admin.post(
        f"/admin/instances/{filed}/tasks/{task}/reassign",
        data={"csrf_token": token, "user": "director1", "reason": WHY},
    )
    admin.post(
        f"/admin/instances/{filed}/rewind",
        data={"csrf_token": token, "target": "Task_PrepareRequest", "reason": "แนบไฟล์ผิด"},
    )
    admin.post(
        f"/admin/instances/{filed}/correct",
        data={"csrf_token": token, "key": "title", "value": "ชื่อใหม่", "reason": "พิมพ์ผิด"},
    )
    admin.post(f"/admin/instances/{filed}/terminate", data={"csrf_token": token, "reason": "ยื่นซ้ำ"})
    timeline = html.unescape(admin.get(f"/admin/instances/{filed}").get_data(as_text=True))
    section = timeline[timeline.index('id="timeline-title"') :]
    for label, reason in (
        ("พักคำขอ", "รอเอกสารเพิ่ม"),
        ("ดำเนินการต่อ", "ได้เอกสารแล้ว"),
        ("มอบหมายงานใหม่", WHY),
        ("ย้อนกลับไปขั้นตอน", "แนบไฟล์ผิด"),
        ("แก้ไขข้อมูล", "พิมพ์ผิด"),
        ("ยุติคำขอ", "ยื่นซ้ำ"),
    ):
        assert re.search(re.escape(label) + r".*?<blockquote>" + re.escape(reason), section, re.S), label
    assert api.as_user("admin1").instance(filed)["status"] == "terminated"


def test_api_actions(api: Api, filed: int) -> None:
    admin = api.as_user("admin1")
    missing = admin.post(f"/instances/{filed}/suspend", json={})
    assert missing.status_code == 422 and error_of(missing)["details"][0]["field"] == "reason"
    assert (
        admin.post(f"/instances/{filed}/suspend", json={"reason": "ตรวจสอบ"}).get_json()["status"]
        == "suspended"
    )
    gdir = api.as_user("gdir_plan")
    assert all(t["instance_id"] != filed for t in gdir.tasks())
    assert admin.post(f"/instances/{filed}/resume", json={"reason": "ต่อได้"}).status_code == 200
    task = gdir.task_in(filed)["id"]
    moved = admin.post(f"/tasks/{task}/reassign", json={"user": "director1", "reason": WHY})
    assert moved.status_code == 200, moved.get_json()
    assert api.as_user("director1").task_in(filed)["id"] == task
    preview = admin.post(f"/instances/{filed}/migrate", json={"version": 1, "dry_run": True})
    assert preview.status_code == 422  # not newer than its own version
    back = admin.post(f"/instances/{filed}/rewind", json={"target": "Task_PrepareRequest", "reason": "แก้ไฟล์"})
    assert back.status_code == 200 and [t["name"] for t in back.get_json()["tasks"]] == [
        "จัดทำบันทึก ขออนุญาต เผยแพร่ข้อมูล"
    ]
    stats = admin.get("/processes/general_publication/stats?from=2020-01-01")
    assert stats.status_code == 200
    by = {e["spec_id"]: e for e in stats.get_json()["elements"]}
    assert by["Task_PrepareRequest"]["count"] == 2
    assert admin.get("/processes/general_publication/stats?from=nope").status_code == 422


@pytest.mark.parametrize("path", ["/admin/instances/stats/general_publication"])
def test_stats_page(app: Flask, path: str, filed: int) -> None:
    for who in ("admin1", "procowner1"):
        page = signed_in(app, who).get(path)
        assert page.status_code == 200 and "bp-heat" not in page.get_data(as_text=True)  # drawn by the script
    assert signed_in(app, "owner1").get(path).status_code == 403
