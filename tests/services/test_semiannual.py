"""The six-monthly report of a real period: published and withdrawn items in two directed groups and
one group without a director, read back per category and per group, in the report, its PDF, CSV and
XLSX; a group's stated figure beside the system's; the same numbers when regenerated later."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bpmnpub.documents.report import ReportDocument, render_pdf
from bpmnpub.errors import ValidationError
from bpmnpub.models import PublishedItem
from bpmnpub.permissions import Actor
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.portal import public_pages, published_items
from bpmnpub.services.records import semiannual, semiannual_report
from bpmnpub.services.requests import inbox, instances, tasks

from .. import pdftools
from ..conftest import Clock
from ..scenarios import paths
from ..scenarios.runner import Scenario, Step, walk
from .conftest import request_data, task_id, upload_pdf

pytestmark = pytest.mark.slow

PERIOD_LABEL = "ครึ่งปีแรก ปีงบประมาณ พ.ศ. ๒๕๗๐ (๑ ต.ค. ๒๕๖๙ – ๓๑ มี.ค. ๒๕๗๐)"
FIGURES = ("published", "withdrawn", "views", "median_days", "revise_rounds", "overdue_steps", "evaluations")
# What happened in the period (see _a_half_year), per group and per category.
BY_GROUP = {
    "plan": (2, 0, 3, 2.5, 1, 0, 1),  # a request revised once (5 days), a regulatory item (evaluated, 3.3(6))
    "hr": (1, 1, 1, 2.0, 0, 1, 0),  # one item published then withdrawn; a request left past its due time
    # no group director: a photo album (evaluated, 3.2(5)); its shoot was due 3 working days after the
    # activity date (dueFrom, issue 11) and was done later: one overdue step
    "admin": (1, 0, 2, 0.0, 0, 1, 1),
}
BY_CATEGORY = {
    "1.3": (2, 1, 4, 3.5, 1, 1, 0),
    "1.9": (1, 0, 0, 0.0, 0, 0, 1),
    "1.13": (1, 0, 2, 0.0, 0, 1, 1),
}
TOTAL = (4, 1, 6, 1.0, 1, 2, 2)


def _numbers(row: semiannual.Figures) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in FIGURES)


def _do(
    ctx: ServiceContext, clock: Clock, who: Actor, iid: int, data: dict[str, Any], days: float = 0
) -> None:
    clock.advance(days=days)
    tasks.complete_task(ctx, task_id(ctx, who, iid), data, who)


def _general(ctx: ServiceContext, clock: Clock, actor: Any, owner: str, director: str, revise: bool) -> int:
    """A general_publication request through to the portal, a day or so per step."""
    who = actor(owner)
    iid = instances.start_instance(ctx, "general_publication", None, who).id
    _do(ctx, clock, who, iid, request_data(upload_pdf(ctx, who)))
    if revise:
        _do(ctx, clock, actor(director), iid, {"decision": "revise", "comment": "แก้ชื่อเรื่อง"}, days=1)
        _do(
            ctx, clock, who, iid, request_data(upload_pdf(ctx, who), title="ประกาศผลการคัดเลือก (แก้ไข)"), days=1
        )
    _do(ctx, clock, actor(director), iid, {"decision": "approve"}, days=1 if revise else 2)
    _do(ctx, clock, actor("director1"), iid, {"decision": "approve"}, days=1 if revise else 0)
    _do(ctx, clock, actor("publisher1"), iid, {"certified": True}, days=1 if revise else 0)
    return iid


def _as(user: str, scenario: dict[str, Any], starter: str) -> Scenario:
    steps = [
        dataclasses.replace(s, user=user) if isinstance(s, Step) and s.user == starter else s
        for s in scenario["steps"]
    ]
    return Scenario(f"{scenario['process']}-by-{user}", **{**scenario, "starter": user, "steps": steps})


def _item(ctx: ServiceContext, iid: int) -> int:
    with ctx.db.read() as session:
        item_id = session.scalar(select(PublishedItem.id).where(PublishedItem.instance_id == iid))
    assert item_id is not None
    return item_id


def _admin_clerk(ctx: ServiceContext) -> str:
    """A member of the general administration group, which has no group director."""
    with ctx.db.write() as session:
        group = accounts.ensure_group(session, "admin", "กลุ่มอำนวยการ")
        accounts.create_user(
            session,
            username="clerk1",
            password="x" * 12,
            full_name="นางสาวอร งานดี",
            roles=[],
            group=group,
            now=ctx.now(),
        )
    return "clerk1"


def _a_half_year(ctx: ServiceContext, clock: Clock, actor: Any) -> dict[str, int]:
    """16 Nov 2569 - 6 Jan 2570: the activity the report of the first half of fiscal 2570 counts."""
    plan = _general(ctx, clock, actor, "owner1", "gdir_plan", revise=True)  # 5 days to publication
    hr = _general(ctx, clock, actor, "owner2", "gdir_hr", revise=False)  # 2 days
    late = instances.start_instance(ctx, "general_publication", None, actor("owner2")).id
    _do(
        ctx, clock, actor("owner2"), late, request_data(upload_pdf(ctx, actor("owner2")))
    )  # gdir_hr never comes
    regulatory, _ = walk(
        ctx, clock, actor, Scenario("regulatory", **paths.regulatory())
    )  # + 30 days, evaluated
    album, _ = walk(
        ctx, clock, actor, _as(_admin_clerk(ctx), paths.photo(), "owner1")
    )  # + 14 days, evaluated
    clock.advance(days=3)
    assert public_pages.record_view(ctx, _item(ctx, hr))  # seen once, then withdrawn
    published_items.withdraw_item(ctx, actor("publisher1"), _item(ctx, hr), "ประกาศซ้ำกับฉบับเดิม")
    clock.advance(days=1)
    for item, views in ((plan, 3), (album, 2)):
        for _ in range(views):
            assert public_pages.record_view(ctx, _item(ctx, item))
    return {"plan": plan, "hr": hr, "late": late, "regulatory": regulatory, "album": album}


APRIL_1 = datetime(2027, 4, 1, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok: the schedule's day
GROUP_ANSWERS = {"results": "ครูและผู้ปกครองรับรู้ข่าวสาร", "problems": "ไม่มี", "suggestions": "ไม่มี"}


def _steps(ctx: ServiceContext, who: Actor, iid: int) -> list[Any]:
    return [t for t in inbox.list_tasks(ctx, who, limit=200) if t.instance_id == iid]


def _assert_figures(figures: semiannual.PeriodFigures) -> None:
    assert {r.code: _numbers(r) for r in figures.by_group} == BY_GROUP
    assert {r.code: _numbers(r) for r in figures.by_category} == BY_CATEGORY
    assert _numbers(figures.total) == TOTAL
    assert sorted(e.measure for e in figures.evaluations) == ["3.2(5)", "3.3(6)"]


def _stored(ctx: ServiceContext, file_id: str) -> bytes:
    return storage.read_file(ctx, file_id)[1]


def test_a_real_half_year_reported_per_category_and_group(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    made = _a_half_year(ctx, clock, actor)
    clock.current = APRIL_1
    started = instances.start_instance(ctx, "semiannual_report", None, actor("publisher1"))
    iid = started.id
    assert started.status == "running", started

    # Each directed group's director reports for their group; the group without one goes to the deputy.
    [plan_step] = _steps(ctx, actor("gdir_plan"), iid)
    [hr_step] = _steps(ctx, actor("gdir_hr"), iid)
    [admin_step] = _steps(ctx, actor("deputy1"), iid)
    scoped = [
        tasks.get_task(ctx, step.id, actor(who)).data["group_code"]
        for step, who in ((plan_step, "gdir_plan"), (hr_step, "gdir_hr"), (admin_step, "deputy1"))
    ]
    assert scoped == ["plan", "hr", "admin"]
    assert _steps(ctx, actor("gdir_plan"), iid) == [plan_step]  # not the deputy's, not hr's
    assert admin_step.task_spec == "Task_DeputyGroupReport"
    assert tasks.get_task(ctx, hr_step.id, actor("gdir_hr")).data["system_items_published"] == 1

    # A stated figure needs its reason, and stands beside the system's.
    hr = actor("gdir_hr")
    with pytest.raises(ValidationError) as refused:
        tasks.complete_task(ctx, hr_step.id, {**GROUP_ANSWERS, "corrected_items_published": 3}, hr)
    assert [p.field for p in refused.value.problems] == ["correction_reason"]
    stated = {"corrected_items_published": 3, "correction_reason": "เผยแพร่ทางเพจของกลุ่ม 2 รายการ"}
    tasks.complete_task(ctx, hr_step.id, {**GROUP_ANSWERS, **stated}, hr)
    tasks.complete_task(ctx, plan_step.id, GROUP_ANSWERS, actor("gdir_plan"))
    tasks.complete_task(ctx, admin_step.id, {**GROUP_ANSWERS, "results": "ภาพกิจกรรมมีผู้ชม"}, actor("deputy1"))

    report = semiannual_report.get_report(ctx, iid, actor("director1"))
    assert report.period.label("thai") == PERIOD_LABEL
    _assert_figures(report.figures)
    groups = {g.code: g for g in report.groups}
    assert list(groups) == ["plan", "hr", "admin"]  # directed groups by name, then the deputy's
    assert (groups["hr"].system_published, groups["hr"].corrected_published) == (1, 3)
    assert groups["plan"].corrected_published is None
    assert groups["admin"].via_deputy and groups["admin"].reporter == "นางรัชนี ศรีสุข"
    assert report.deputy_groups == ("กลุ่มอำนวยการ",)

    # The compiler writes a summary; the report is filed as PDF, CSV and XLSX with the same numbers.
    compiler = actor("pr1")
    [compile_step] = _steps(ctx, compiler, iid)
    title = tasks.get_task(ctx, compile_step.id, compiler).data["title"]
    assert "ครึ่งปีแรก ปีงบประมาณ พ.ศ. 2570" in title
    summary = {"title": title, "category": "1.17", "summary": "ทุกกลุ่มเผยแพร่ตามมาตรการ"}
    tasks.complete_task(ctx, compile_step.id, summary, compiler)
    filed = semiannual_report.get_report(ctx, iid, actor("director1")).filed
    assert sorted(filed) == ["csv", "pdf", "xlsx"]

    pdf = _stored(ctx, filed["pdf"])
    print("report page 1:", pdftools.first_page_png(pdf, "semiannual-report"))
    text = " ".join(pdftools.text(pdf).split())  # lines wrap where the page ends them
    for words in (
        PERIOD_LABEL,
        "เรียน ผู้อำนวยการ",
        "ตามระบบ ๑ รายการ · ตามที่กลุ่มรายงาน ๓ รายการ",
        "เผยแพร่ทางเพจของกลุ่ม ๒ รายการ",
        "ทุกกลุ่มเผยแพร่ตามมาตรการ",
        "รองผู้อำนวยการ",
    ):
        assert " ".join(pdftools.same(words).split()) in text, words
    assert "<svg" not in text and pdftools.image_count(pdf) == 0  # charts drawn as vectors, not pictures

    rows = list(csv.reader(io.StringIO(_stored(ctx, filed["csv"]).decode("utf-8-sig"))))
    hr_row = next(r for r in rows if r and r[0] == "กลุ่มบริหารงานบุคคล")
    assert hr_row == ["กลุ่มบริหารงานบุคคล", "1", "3", "1", "1", "2.0", "0", "1", "0"]
    category_row = next(r for r in rows if r and r[0].startswith("1.3 "))
    assert category_row[1:] == ["2", "1", "4", "3.5", "1", "1", "0"]

    book = load_workbook(io.BytesIO(_stored(ctx, filed["xlsx"])))
    by_group = {row[0]: row[1:] for row in book["รายกลุ่ม"].iter_rows(min_row=4, values_only=True)}
    assert by_group["กลุ่มบริหารงานบุคคล"] == (1, 3, 1, 1, 2.0, 0, 1, 0)
    assert by_group["กลุ่มนโยบายและแผน"] == (2, None, 0, 3, 2.5, 1, 0, 1)
    assert by_group["กลุ่มอำนวยการ"] == (1, None, 0, 2, 0.0, 0, 1, 1)  # the shoot done late
    assert by_group["รวม"] == (4, None, 1, 6, 1.0, 1, 2, 2)

    # The director acknowledges and publishes it under the O item they choose.
    director = actor("director1")
    [ack] = _steps(ctx, director, iid)
    with pytest.raises(ValidationError) as refused:
        tasks.complete_task(ctx, ack.id, {"acknowledged": True, "publish_report": True}, director)
    assert [p.field for p in refused.value.problems] == ["ita_item"]
    code = semiannual_report.ita_item_choices(ctx)[-1][0]
    ack_data = {"acknowledged": True, "publish_report": True, "ita_item": code, "comment": "รับทราบ"}
    tasks.complete_task(ctx, ack.id, ack_data, director)
    with ctx.db.read() as session:
        item = session.scalars(select(PublishedItem).where(PublishedItem.instance_id == iid)).one()
        assert (item.kind, item.ita_item, item.category) == ("report", code, "1.17")
        assert sorted(item.attachments) == sorted(filed.values())
    assert made  # the requests of the period stay where they are


def test_regenerating_a_past_period_gives_the_same_numbers(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    made = _a_half_year(ctx, clock, actor)
    clock.current = APRIL_1
    period = semiannual.previous_period(clock.current)
    with ctx.db.read() as session:
        before = semiannual.compute_figures(session, period, clock.current)
    _assert_figures(before)

    # April: more of everything, none of it in the period.
    clock.advance(days=4)
    _general(ctx, clock, actor, "owner1", "gdir_plan", revise=True)
    tasks.complete_task(
        ctx, task_id(ctx, actor("gdir_hr"), made["late"]), {"decision": "approve"}, actor("gdir_hr")
    )
    published_items.withdraw_item(ctx, actor("publisher1"), _item(ctx, made["plan"]), "ข้อมูลเก่า")
    published_items.republish_item(ctx, actor("publisher1"), _item(ctx, made["hr"]), "แก้ไขแล้ว")
    assert public_pages.record_view(ctx, _item(ctx, made["album"]))

    with ctx.db.read() as session:
        after = semiannual.compute_figures(session, period, clock.current)
        fresh = semiannual.compute_figures(
            session, semiannual.previous_period(datetime(2027, 10, 1, tzinfo=UTC)), clock.current
        )
    _assert_figures(after)
    assert after == before
    assert fresh.total.published == 1 and fresh.total.withdrawn == 1  # April counts in the next report


def _word_widths(pdf: bytes, word: str) -> list[float]:
    """How wide each occurrence of `word` is drawn, in points (poppler's word boxes)."""
    boxes = pdftools._run("pdftotext", "-bbox", "-", "-", pdf=pdf)
    found = re.findall(
        rf'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">{word}</word>', boxes
    )
    return [float(right) - float(left) for left, right in found]


def test_the_report_draws_thai_as_wide_as_the_font_says() -> None:
    """Regression for glyphs drawn at 66 % (a fontconfig rule scales Laksaman for "TH Sarabun"
    requests): the report's words are as wide as in a plain Laksaman page."""
    from weasyprint import HTML

    document = ReportDocument(
        title="t",
        office_unit="สำนักงาน",
        date="1 เมษายน 2570",
        subject="รายงาน",
        to="ผู้อำนวยการ",
        period="ครึ่งปีแรก",
        paragraphs=("ข้าพเจ้า ขอรายงาน",),
        tables=(),
        charts=(),
        groups=(),
        evaluations=(),
        summary="",
        closing="จึงเรียนมาเพื่อโปรดทราบ",
        signer_name="",
        signer_position="",
        footer="",
    )
    [drawn] = _word_widths(render_pdf(document), "ข้าพเจ้า")
    plain = HTML(string='<p style="font: 16pt Laksaman">ข้าพเจ้า</p>').write_pdf()
    [expected] = _word_widths(plain, "ข้าพเจ้า")
    assert expected > 40  # 48.75 pt: Laksaman's own advances at 16 pt
    assert abs(drawn - expected) / expected < 0.02, (drawn, expected)
