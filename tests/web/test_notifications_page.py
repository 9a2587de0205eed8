"""The แจ้งเตือน page: each notice opens its task (while open) or its request, names the request, and
the e-mail preference is chosen there."""

from __future__ import annotations

import re

from flask import Flask

from .pages import csrf, signed_in


def test_notices_link_to_the_task_and_name_the_request(app: Flask, filed: int) -> None:
    gdir = signed_in(app, "gdir_plan")
    page = gdir.get("/notifications").get_data(as_text=True)
    link = re.search(r'<a href="/tasks/(\d+)">มีงานรอคุณ: ([^<]+)</a>', page)
    assert link, page[:2000]
    assert "ประกาศ" in link.group(2)  # the request's title, not an empty dash
    assert gdir.get(f"/tasks/{link.group(1)}").status_code == 200


def test_the_mail_preference_is_saved_and_a_wrong_one_refused(app: Flask) -> None:
    owner = signed_in(app, "owner1")
    page = owner.get("/notifications").get_data(as_text=True)
    assert "ส่งไปที่ owner1@example.go.th" in page
    response = owner.post("/notifications/mail", data={"csrf_token": csrf(page), "mail_preference": "digest"})
    assert response.status_code == 302
    page = owner.get("/notifications").get_data(as_text=True)
    assert 'value="digest" checked' in page and "บันทึกการตั้งค่าอีเมลแล้ว" in page
    owner.post("/notifications/mail", data={"csrf_token": csrf(page), "mail_preference": "x" * 5000})
    page = owner.get("/notifications").get_data(as_text=True)
    assert 'value="digest" checked' in page and "เลือกวิธีรับอีเมลจากรายการ" in page
