"""The "history" sections of the admin pages (categories, a fiscal year's list, office settings), shown
to admins only, and one wording for a terminated request on the requester's and the admin's pages."""

from __future__ import annotations

from typing import Any

from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import interventions

from .conftest import multipart
from .pages import csrf, signed_in

HISTORY = "ประวัติการแก้ไข"


def test_the_categories_page_shows_who_changed_what_and_when(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/catalogue/categories").get_data(as_text=True)
    assert HISTORY in page and "ยังไม่มีการแก้ไข" in page
    form = {"csrf_token": csrf(page), "name": "การจัดซื้อจัดจ้าง", "group": "plan", "active": "true"}
    assert admin.post("/admin/catalogue/categories/1.9", data=form).status_code == 302
    page = admin.get("/admin/catalogue/categories").get_data(as_text=True)
    history = page[page.index(HISTORY) :]
    assert "แก้ไขหมวดหมู่</strong> 1.9" in history and "ผู้ดูแลระบบ" in history  # admin1's name
    assert "ข้อมูลการจัดซื้อจัดจ้าง → การจัดซื้อจัดจ้าง" in history
    assert "16 พ.ย. 2569 09:00 น." in history  # the test clock, in Buddhist era and Bangkok time
    owner = signed_in(app, "procowner1")  # process owners edit the catalogue but do not read the trail
    assert HISTORY not in owner.get("/admin/catalogue/categories").get_data(as_text=True)


def test_the_year_page_shows_its_own_changes_only(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/catalogue/ita/2566").get_data(as_text=True)
    admin.post("/admin/catalogue/ita/2566/verified", data={"csrf_token": csrf(page), "verified": "true"})
    item = {"csrf_token": csrf(page), "title": "ข้อ O21", "period_rule": "first_half", "categories": "1.9"}
    assert admin.post("/admin/catalogue/ita/2566/items/O21", data=item).status_code == 302
    page = admin.get("/admin/catalogue/ita/2566").get_data(as_text=True)
    history = page[page.index(HISTORY) :]
    assert "แก้ไขข้อ</strong> 2566 O21" in history
    assert "ภายในปีงบประมาณที่ประเมิน → ภายใน 6 เดือนแรกของปีงบประมาณ" in history
    assert "ตรวจสอบกับคู่มือแล้ว: ไม่ใช่ → ใช่" in history
    other = admin.get("/admin/catalogue/ita/2570").get_data(as_text=True)  # the current year
    assert "ยังไม่มีการแก้ไข" in other


def test_the_office_page_shows_its_changes(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/office").get_data(as_text=True)
    fields = {"csrf_token": csrf(page), "name": "สพป.ทดสอบ", "short_name": "สพป.ท", "phone": "055 123 456"}
    assert admin.post("/admin/office", **multipart({}, fields)).status_code == 302
    page = admin.get("/admin/office").get_data(as_text=True)
    history = page[page.index(HISTORY) :]
    assert "แก้ไขการตั้งค่าสำนักงาน" in history and "โทรศัพท์: — → 055 123 456" in history


def test_a_terminated_request_has_one_name_everywhere(
    app: Flask, ctx: ServiceContext, actor: Any, filed: int
) -> None:
    interventions.terminate_instance(ctx, filed, actor("admin1"), "ยื่นซ้ำ")
    mine = signed_in(app, "owner1")
    for page in (
        mine.get("/requests").get_data(as_text=True),
        mine.get(f"/requests/{filed}").get_data(as_text=True),
    ):
        assert "ยุติแล้ว" in page and ">ยกเลิก<" not in page
    admin = signed_in(app, "admin1").get(f"/admin/instances/{filed}").get_data(as_text=True)
    assert "ยุติแล้ว" in admin
