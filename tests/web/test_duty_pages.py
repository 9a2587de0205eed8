"""The pages of issue #11: recurring duties in the inbox (and starting from one), on the ITA dashboard and in
the catalogue; a category's procedure guard on the task page."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import duties, duty_topics
from bpmnpub.services.requests import instances, tasks

from ..services.conftest import PDF
from .pages import csrf, signed_in


def plan_topic(
    ctx: ServiceContext, actor: Any, category: str = "1.6", title: str = "แผนปฏิบัติการประจำปี"
) -> None:
    values = duty_topics.TopicInput(
        title=title, category=category, group_code="plan", frequency="monthly", starts_on=date(2026, 11, 1)
    )
    duty_topics.save_topic(ctx, actor("admin1"), None, values)
    duties.run_pass(ctx)


def test_the_inbox_shows_the_groups_duties_apart_from_tasks_and_starts_the_right_procedure(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    plan_topic(ctx, actor)
    owner = signed_in(app, "owner1")
    page = owner.get("/inbox").get_data(as_text=True)
    assert "หน้าที่ประจำ" in page and "แผนปฏิบัติการประจำปี" in page and "พฤศจิกายน 2569" in page
    assert "เลยกำหนด" in page  # due on the 10th working day of November; the clock is at the 16th
    assert 'class="task duty overdue"' in page
    # 1.6 goes through 3.3 only: one button, for it
    assert re.findall(r'name="process" value="([a-z_]+)"', page) == ["regulatory_publication"]
    duty_id = int(re.search(r'id="duty-(\d+)"', page).group(1))  # type: ignore[union-attr]
    started = owner.post(
        f"/inbox/duties/{duty_id}/start", data={"csrf_token": csrf(page), "process": "regulatory_publication"}
    )
    assert started.status_code == 302 and "/tasks/" in started.headers["Location"]
    form = owner.get(started.headers["Location"]).get_data(as_text=True)
    assert 'value="แผนปฏิบัติการประจำปี — พฤศจิกายน 2569"' in form
    assert re.search(r'<option value="1.6"[^>]*selected', form)
    # another group sees no duty of plan's, and may not start one
    hr = signed_in(app, "owner2")
    other = hr.get("/inbox").get_data(as_text=True)
    assert "หน้าที่ประจำ" not in other
    refused = hr.post(
        f"/inbox/duties/{duty_id}/start",
        data={"csrf_token": csrf(other), "process": "regulatory_publication"},
    )
    assert refused.status_code == 403


def test_a_procedure_the_category_does_not_allow_is_refused_with_input_kept(
    app: Flask, ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    task_id = instances.first_task_for(ctx, started.id, owner)
    client = signed_in(app, "owner1")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    offered = set(re.findall(r'<option value="(1\.\d+)"', page))
    assert (
        "1.3" in offered and "1.9" not in offered and "1.1" not in offered
    )  # 3.3's categories are not offered
    posted = client.post(
        f"/tasks/{task_id}",
        data={
            "csrf_token": csrf(page),
            "title": "สรุปผลการจัดซื้อจัดจ้าง",
            "category": "1.9",
            "description": "สขร.1",
            "purpose": "เปิดเผยข้อมูล",
            "channels": "website",
            "attachments": (io.BytesIO(PDF), "สขร1.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert posted.status_code == 422
    body = posted.get_data(as_text=True)
    assert "ต้องเผยแพร่ด้วยกระบวนงาน" in body and "เผยแพร่กฎระเบียบ ข้อมูลพื้นฐาน และข้อมูลการดำเนินงาน" in body
    assert 'value="สรุปผลการจัดซื้อจัดจ้าง"' in body  # what was typed is still there
    assert tasks.get_task(ctx, task_id, owner).status in ("ready", "claimed")  # type: ignore[arg-type]


def test_the_api_start_with_a_category_of_another_procedure_is_a_field_error(api: Any) -> None:
    owner = api.as_user("owner1")
    refused = owner.start("general_publication", {"category": "1.9"})
    assert refused.status_code == 422, refused.get_data(as_text=True)
    problems = refused.get_json()["error"]["details"]
    assert [p["field"] for p in problems] == ["category"]
    assert "เผยแพร่กฎระเบียบ ข้อมูลพื้นฐาน และข้อมูลการดำเนินงาน" in problems[0]["message"]
    assert owner.start("regulatory_publication", {"category": "1.9"}).status_code == 201


def test_the_dashboard_lists_duties_under_their_o_item(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    values = duty_topics.TopicInput(
        title="สรุปผลการจัดซื้อจัดจ้างประจำเดือน (สขร.1)",
        category="1.9",
        group_code="admin",
        frequency="monthly",
        ita_item="O13",
        starts_on=date(2026, 11, 1),
    )
    duty_topics.save_topic(ctx, actor("admin1"), None, values)
    duties.run_pass(ctx)
    page = signed_in(app, "director1").get("/reports/ita").get_data(as_text=True)
    assert "หน้าที่ประจำตามข้อการประเมิน" in page and "O13" in page and "สรุปผลการจัดซื้อจัดจ้างประจำเดือน" in page


def test_an_editor_adds_a_topic_and_a_bad_rule_comes_back_with_its_error(
    app: Flask, ctx: ServiceContext
) -> None:
    admin = signed_in(app, "admin1")
    form = admin.get("/admin/catalogue/topics/new").get_data(as_text=True)
    data = {
        "csrf_token": csrf(form),
        "title": "รายงานรายไตรมาส",
        "category": "1.6",
        "group": "plan",
        "frequency": "quarterly",
        "due_workdays": "99",
        "active": "true",
    }
    bad = admin.post("/admin/catalogue/topics/new", data=data)
    assert bad.status_code == 422
    assert "ต้องอยู่ระหว่าง 1 ถึง 45 วันทำการ" in bad.get_data(as_text=True)
    assert 'value="รายงานรายไตรมาส"' in bad.get_data(as_text=True)
    saved = admin.post("/admin/catalogue/topics/new", data={**data, "due_workdays": "20"})
    assert saved.status_code == 302
    listing = admin.get("/admin/catalogue/topics").get_data(as_text=True)
    assert "รายงานรายไตรมาส" in listing and "วันทำการที่ 20 ของรอบ" in listing
    assert signed_in(app, "owner1").get("/admin/catalogue/topics").status_code == 403


def test_an_editor_chooses_the_procedures_of_a_category(app: Flask, ctx: ServiceContext) -> None:
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/catalogue/categories/1.17").get_data(as_text=True)
    assert 'name="procedures" value="general_publication" checked' in page
    data = {
        "csrf_token": csrf(page),
        "name": "ข้อมูลอื่นๆ",
        "procedures": ["photo_publication"],
        "active": "true",
    }
    assert admin.post("/admin/catalogue/categories/1.17", data=data).status_code == 302
    with ctx.db.read() as session:
        from bpmnpub.models import Category

        row = session.query(Category).filter_by(code="1.17").one()
        assert row.procedures == ["photo_publication"]


def test_a_duty_notice_links_to_the_inbox(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    plan_topic(ctx, actor)  # overdue at the test clock: the pass told the group
    page = signed_in(app, "owner1").get("/notifications").get_data(as_text=True)
    assert 'href="/inbox#duties-heading">หน้าที่ประจำเลยกำหนด (13 พ.ย. 2569): แผนปฏิบัติการประจำปี' in page
