"""Admins add and remove the office's closure days; the page lists them with the year's public holidays."""

from __future__ import annotations

from flask import Flask

from .pages import csrf, signed_in


def test_an_admin_closes_the_office_for_a_day_and_opens_it_again(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/closures")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ยังไม่มีวันปิดทำการ" in html and "5 ธ.ค. 2569" in html  # the test clock's year: 2026
    token = csrf(html)
    bad = admin.post("/admin/closures", data={"csrf_token": token, "day": "31/12/2026", "reason": "x"})
    assert bad.status_code == 422 and "ระบุวันที่ให้ถูกต้อง" in bad.get_data(as_text=True)
    no_reason = admin.post("/admin/closures", data={"csrf_token": token, "day": "2026-12-30", "reason": " "})
    assert no_reason.status_code == 422 and "ระบุเหตุผลที่ปิดทำการ" in no_reason.get_data(as_text=True)
    added = admin.post(
        "/admin/closures", data={"csrf_token": token, "day": "2026-12-30", "reason": "ปิดปรับปรุงอาคาร"}
    )
    assert added.status_code == 302
    html = admin.get("/admin/closures").get_data(as_text=True)
    assert "30 ธ.ค. 2569" in html and "ปิดปรับปรุงอาคาร" in html and "ผู้ดูแลระบบ" in html
    twice = admin.post("/admin/closures", data={"csrf_token": token, "day": "2026-12-30", "reason": "ซ้ำ"})
    assert twice.status_code == 422 and "วันนี้เป็นวันปิดทำการอยู่แล้ว" in twice.get_data(as_text=True)
    removed = admin.post("/admin/closures/2026-12-30/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    assert "ยังไม่มีวันปิดทำการ" in admin.get("/admin/closures").get_data(as_text=True)
    assert admin.post("/admin/closures/not-a-day/remove", data={"csrf_token": token}).status_code == 404
    assert admin.post("/admin/closures/2026-12-30/remove", data={"csrf_token": token}).status_code == 404


def test_only_admins_see_closures(app: Flask) -> None:
    assert signed_in(app, "director1").get("/admin/closures").status_code == 403
