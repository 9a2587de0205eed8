"""Admins see who holds which role under which order (/admin/roles: current and past, Buddhist-era dates,
the order, a link to the request) and end an assignment early with a reason; the appointment step's
form offers the office's people and roles and keeps what was typed when a name is wrong."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import select

from bpmnpub.models import AdminEvent, RoleAssignment, User
from bpmnpub.services.kernel.context import ServiceContext

from ..conftest import Clock
from ..services.appointment_walk import appoint, at_bangkok, programme_at_appointment
from .pages import csrf, signed_in


def row_of(html: str, assignment_id: int) -> str:
    match = re.search(rf'<tr id="assignment-{assignment_id}".*?</tr>', html, re.S)
    assert match, f"assignment {assignment_id} is listed"
    return match.group(0)


def assignment_of(ctx: ServiceContext, username: str, role: str) -> int:
    with ctx.db.read() as session:
        found = session.scalar(
            select(RoleAssignment.id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(User.username == username, RoleAssignment.role == role, RoleAssignment.order_number != "")
        )
    assert found is not None
    return found


def test_admins_see_who_holds_which_role_under_which_order_and_end_one_early(
    app: Flask, ctx: ServiceContext, actor: Any, clock: Clock
) -> None:
    request = appoint(ctx, actor, {"user": "owner2", "role": "publisher", "duty": "เผยแพร่ข้อมูล"})
    given = assignment_of(ctx, "owner2", "publisher")
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/roles")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    current = html.split('id="past-roles"')[0]
    row = row_of(current, given)
    assert "นายสมชาย รักงาน" in row and "ผู้มีหน้าที่เผยแพร่ข้อมูล" in row
    assert "16 พ.ย. 2569" in row and "30 พ.ย. 2569" in row  # from, to: Buddhist era
    assert "คำสั่งที่ 103/2569" in row and f'href="/requests/{request}"' in row
    assert "ไม่กำหนด" in row_of(current, assignment_of_demo(ctx, "director1", "director"))  # undated: open
    token = csrf(html)
    # No reason: the page comes back with the field's error and what was typed.
    refused = admin.post(f"/admin/roles/{given}/end", data={"csrf_token": token, "reason": "   "})
    assert refused.status_code == 422
    again = row_of(refused.get_data(as_text=True), given)
    assert "กรุณาระบุเหตุผล" in again and 'value="   "' in again and 'aria-invalid="true"' in again
    clock.advance(hours=2)
    ended = admin.post(f"/admin/roles/{given}/end", data={"csrf_token": token, "reason": "ย้ายไปสังกัดอื่น"})
    assert ended.status_code == 302
    html = admin.get("/admin/roles").get_data(as_text=True)
    past = html.split('id="past-roles"')[1]
    row = row_of(past, given)
    assert "ย้ายไปสังกัดอื่น" in row and "ผู้ดูแลระบบ" in row and "16 พ.ย. 2569" in row
    with ctx.db.read() as session:
        audit = session.scalars(select(AdminEvent).where(AdminEvent.action == "role_ended")).all()
    assert [(a.subject, a.details["reason"]) for a in audit] == [("user owner2", "ย้ายไปสังกัดอื่น")]
    assert "publisher" not in actor("owner2").roles
    timeline = admin.get(f"/requests/{request}").get_data(as_text=True)
    assert "สิ้นสุดบทบาท ผู้มีหน้าที่เผยแพร่ข้อมูล / ผู้ดูแลระบบ ของ นายสมชาย รักงาน" in timeline
    assert "แต่งตั้งตามคำสั่งที่ 103/2569 มีผล 16 พ.ย. 2569 – 30 พ.ย. 2569" in timeline
    assert "นายสมชาย รักงาน (ผู้มีหน้าที่เผยแพร่ข้อมูล / ผู้ดูแลระบบ)" in timeline
    # The request's data names the appointee and the role, not the username and the code.
    data = timeline.split('id="timeline-title"')[0]
    assert "นายสมชาย รักงาน" in data and ">owner2<" not in data and ">publisher<" not in data
    twice = admin.post(f"/admin/roles/{given}/end", data={"csrf_token": token, "reason": "ซ้ำ"})
    assert twice.status_code == 302  # already over: said on the page, nothing changes
    assert admin.post("/admin/roles/999999/end", data={"csrf_token": token, "reason": "x"}).status_code == 404


def assignment_of_demo(ctx: ServiceContext, username: str, role: str) -> int:
    with ctx.db.read() as session:
        found = session.scalar(
            select(RoleAssignment.id)
            .join(User, User.id == RoleAssignment.user_id)
            .where(User.username == username, RoleAssignment.role == role)
        )
    assert found is not None
    return found


def test_an_expired_assignment_is_listed_as_past_with_its_last_day(
    app: Flask, ctx: ServiceContext, actor: Any, clock: Clock
) -> None:
    appoint(ctx, actor, {"user": "owner2", "role": "publisher", "duty": "เผยแพร่ข้อมูล"})
    given = assignment_of(ctx, "owner2", "publisher")
    clock.current = at_bangkok(date(2026, 12, 1), 9)
    html = signed_in(app, "admin1").get("/admin/roles").get_data(as_text=True)
    row = row_of(html.split('id="past-roles"')[1], given)
    assert "30 พ.ย. 2569" in row and "ครบกำหนดตามคำสั่ง" in row


def test_only_admins_see_the_roles_page(app: Flask) -> None:
    assert signed_in(app, "director1").get("/admin/roles").status_code == 403
    assert signed_in(app, "director1").post("/admin/roles/1/end", data={"reason": "x"}).status_code in (
        400,
        403,
    )


def test_the_appointment_form_offers_the_offices_people_and_keeps_input_on_a_wrong_name(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    _, step = programme_at_appointment(ctx, actor)
    director = signed_in(app, "director1")
    html = director.get(f"/tasks/{step}").get_data(as_text=True)
    assert '<option value="owner2"' in html and "นายสมชาย รักงาน — นักทรัพยากรบุคคล" in html
    roles = re.search(r'<select[^>]*id="f-appointees-0-role".*?</select>', html, re.S)
    assert roles is not None
    assert '<option value="legal_officer"' in roles.group(0) and 'value="admin"' not in roles.group(0)
    token = csrf(html)
    form = {
        "csrf_token": token,
        "order_number": "103/2569",
        "order_date": "16/11/2569",
        "valid_from": "16/11/2569",
        "valid_to": "30/11/2569",
        "appointees.0.user": "ghost",
        "appointees.0.role": "publisher",
        "appointees.0.duty": "เผยแพร่ข้อมูลผ่านเว็บไซต์",
    }
    response = director.post(f"/tasks/{step}", data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "ไม่พบผู้ใช้นี้ในระบบ หรือถูกปิดใช้งาน" in page
    assert 'value="103/2569"' in page and "เผยแพร่ข้อมูลผ่านเว็บไซต์" in page
    ok = director.post(f"/tasks/{step}", data={**form, "appointees.0.user": "owner2"})
    assert ok.status_code == 302
    assert "publisher" in actor("owner2").roles
