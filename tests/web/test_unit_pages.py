"""The pages of issue #11 item 3: an administrator appoints a publisher for a unit on /admin/roles (a
bad date or a second click comes back with the Thai error and what was typed); PR records another
channel on an item's staff page (a bad link or a document instead of a photo: the error, the input
kept; then the record is shown), and the timeline of a request says where its publish step went."""

from __future__ import annotations

import io

from flask import Flask
from sqlalchemy import func, select

from bpmnpub.models import Group, ItemChannel, PublishedItem, RoleAssignment, User
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo, demo_requests

from ..photos import jpeg
from ..services.conftest import PDF
from .pages import csrf, signed_in


def unit_publishers(ctx: ServiceContext, username: str) -> list[str | None]:
    with ctx.db.read() as session:
        return list(
            session.scalars(
                select(Group.code)
                .select_from(RoleAssignment)
                .join(User, User.id == RoleAssignment.user_id)
                .outerjoin(Group, Group.id == RoleAssignment.group_id)
                .where(User.username == username, RoleAssignment.role == "publisher")
                .order_by(RoleAssignment.id)
            )
        )


def test_an_admin_appoints_a_publisher_for_a_unit(app: Flask, ctx: ServiceContext) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/roles")
    html = page.get_data(as_text=True)
    assert 'id="publisher-units"' in html and "กลุ่มกลางของสำนักงาน" in html
    form = {"csrf_token": csrf(html), "user": "owner2", "unit": "hr", "valid_from": "31/02/2569"}
    refused = admin.post("/admin/roles/publisher", data=form)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "ไม่มีวันที่ 31/02/2569 ในปฏิทิน" in body and 'value="31/02/2569"' in body
    assert '<option value="hr" selected>' in body and unit_publishers(ctx, "owner2") == []
    form["valid_from"] = "16/11/2569"
    done = admin.post("/admin/roles/publisher", data=form)
    assert done.status_code == 302
    assert unit_publishers(ctx, "owner2") == ["hr"]
    listed = admin.get("/admin/roles").get_data(as_text=True)
    assert "เผยแพร่ของหน่วย: กลุ่มบริหารงานบุคคล" in listed
    again = admin.post("/admin/roles/publisher", data=form)  # the second click
    assert again.status_code == 422
    assert "เป็นผู้เผยแพร่ของหน่วยนี้ในช่วงวันดังกล่าวอยู่แล้ว" in again.get_data(as_text=True)
    assert unit_publishers(ctx, "owner2") == ["hr"]
    unknown = admin.post("/admin/roles/publisher", data={**form, "unit": "nope", "user": "ghost"})
    assert unknown.status_code == 422
    text = unknown.get_data(as_text=True)
    assert "ไม่พบกลุ่ม/หน่วยนี้" in text and "เลือกผู้ใช้ที่ยังใช้งานอยู่" in text
    staff = signed_in(app, "owner1")
    own = csrf(staff.get("/account/notifications").get_data(as_text=True))
    assert staff.post("/admin/roles/publisher", data={**form, "csrf_token": own}).status_code == 403


def test_pr_records_a_channel_on_the_items_page(app: Flask, ctx: ServiceContext) -> None:
    demo_requests.create_demo_requests(ctx)
    with ctx.db.read() as session:
        item_id = session.scalar(select(func.min(PublishedItem.id)))
    pr = signed_in(app, "pr1")
    page = pr.get(f"/publishing/items/{item_id}").get_data(as_text=True)
    assert 'id="channels"' in page and "ยังไม่มีบันทึกการเผยแพร่ทางช่องทางอื่น" in page
    token = csrf(page)
    bad = pr.post(
        f"/publishing/items/{item_id}/channels",
        data={"csrf_token": token, "kind": "facebook", "url": "facebook.com/x", "note": "โพสต์"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "ลิงก์ต้องเป็นที่อยู่เว็บ" in text and 'value="facebook.com/x"' in text and 'value="โพสต์"' in text
    pdf = pr.post(
        f"/publishing/items/{item_id}/channels",
        data={"csrf_token": token, "kind": "newsletter", "url": "", "photo": (io.BytesIO(PDF), "ฉบับ.pdf")},
        content_type="multipart/form-data",
    )
    assert pdf.status_code == 422 and "แนบได้เฉพาะรูปภาพ" in pdf.get_data(as_text=True)
    good = pr.post(
        f"/publishing/items/{item_id}/channels",
        data={"csrf_token": token, "kind": "notice_board", "photo": (io.BytesIO(jpeg("b")), "บอร์ด.jpg")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 302
    shown = pr.get(f"/publishing/items/{item_id}").get_data(as_text=True)
    assert "บอร์ดประชาสัมพันธ์" in shown and "บันทึกโดย นายประชา สัมพันธ์" in shown
    assert '<option value="notice_board"' not in shown  # recorded: no longer offered
    twice = pr.post(
        f"/publishing/items/{item_id}/channels",
        data={"csrf_token": token, "kind": "notice_board", "url": "https://example.go.th/board"},
    )
    assert twice.status_code == 302
    assert "ช่องทางนี้บันทึกไว้แล้ว" in pr.get(twice.headers["Location"]).get_data(as_text=True)
    with ctx.db.read() as session:
        assert session.scalar(select(func.count(ItemChannel.id))) == 1
    publisher = signed_in(app, "publisher1")
    seen = publisher.get(f"/publishing/items/{item_id}").get_data(as_text=True)
    assert "บอร์ดประชาสัมพันธ์" in seen and 'name="kind"' not in seen  # sees the record, may not add


def test_the_requests_timeline_says_where_the_publish_step_went(app: Flask, ctx: ServiceContext) -> None:
    demo.create_demo_units(ctx)  # publisher1 publishes for Plan (and the pool), pr1 for PR
    demo_requests.create_demo_requests(ctx)  # the action plan (1.6, Plan's) is published by publisher1
    with ctx.db.read() as session:
        iid = session.scalar(select(PublishedItem.instance_id).where(PublishedItem.category == "1.6"))
    html = signed_in(app, "owner1").get(f"/requests/{iid}").get_data(as_text=True)
    assert "ส่งถึงผู้เผยแพร่ของหน่วย กลุ่มนโยบายและแผน" in html
    assert "หน่วยที่รับผิดชอบหมวดหมู่ของรายการ" in html
