"""The consistency check as an admin sees it: a clean page, and an alert on every admin page naming
the requests nobody can move, with a link to the check that lists them."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from bpmnpub.models import HumanTask
from bpmnpub.services.kernel.context import ServiceContext

from .pages import signed_in


def test_clean_office_shows_no_alert(app: Flask, filed: int) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/instances/check").get_data(as_text=True)
    assert "ไม่พบความไม่สอดคล้อง" in page
    assert "admin-alert" not in admin.get("/admin/instances").get_data(as_text=True)


def test_a_request_nobody_holds_raises_the_alert_and_is_listed(
    app: Flask, ctx: ServiceContext, filed: int
) -> None:
    with ctx.db.write() as session:
        session.execute(
            update(HumanTask)
            .where(HumanTask.instance_id == filed, HumanTask.status == "ready")
            .values(status="cancelled")
        )
    admin = signed_in(app, "admin1")
    listing = admin.get("/admin/instances").get_data(as_text=True)
    assert "admin-alert" in listing and "คำขอ 1 รายการไม่มีผู้ดำเนินการได้" in listing
    users = admin.get("/admin/users").get_data(as_text=True)
    assert "admin-alert" in users
    check = admin.get("/admin/instances/check").get_data(as_text=True)
    assert f"#{filed}" in check and "กล่องงานไม่ตรงกับแผนภาพ" in check
    english = admin.get("/admin/instances/check", headers={"Accept-Language": "en"})
    assert english.status_code == 200


def test_only_admins_open_it(app: Flask, filed: int) -> None:
    assert signed_in(app, "director1").get("/admin/instances/check").status_code == 403
    assert "admin-alert" not in signed_in(app, "owner1").get("/inbox").get_data(as_text=True)
