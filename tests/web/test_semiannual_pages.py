"""The six-monthly report on the staff pages: a report (period, tables, charts, what each group said,
a stated figure beside the system's), not the request's raw data; and its PDF, CSV and XLSX."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from ..conftest import Clock
from .conftest import Api, request_data
from .pages import signed_in

PERIOD = "ครึ่งปีแรก ปีงบประมาณ พ.ศ. 2570 (1 ต.ค. 2569 – 31 มี.ค. 2570)"
ANSWERS = {"results": "มีผู้อ่านประกาศ", "problems": "ไม่มี", "suggestions": "ไม่มี"}


def _done(response: Any) -> None:
    assert response.status_code == 200, response.get_json()


@pytest.fixture
def report(api: Api, clock: Clock) -> int:
    """A plan item published in November; on 1 April the report of the half year waits for the groups."""
    owner = api.as_user("owner1")
    iid = int(owner.start().get_json()["id"])
    _done(owner.complete(owner.task_in(iid)["id"], request_data(owner.upload_id())))
    for user, data in (
        ("gdir_plan", {"decision": "approve"}),
        ("director1", {"decision": "approve"}),
        ("publisher1", {"certified": True}),
    ):
        _done(api.as_user(user).complete(api.as_user(user).task_in(iid)["id"], data))
    clock.current = datetime(2027, 4, 1, 2, 0, tzinfo=UTC)
    api.forget_tokens()  # months later: the tokens made in November have expired
    started = api.as_user("publisher1").start("semiannual_report")
    assert started.status_code == 201, started.get_json()
    return int(started.get_json()["id"])


def _text(html: str) -> str:
    """The words a person reads: tags and the data of scripts (the progress diagram's JSON) left out."""
    html = re.sub(r"<script\b[^>]*>.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_group_director_reads_the_report_beside_the_form(app: Flask, api: Api, report: int) -> None:
    task = api.as_user("gdir_hr").task_in(report)
    html = signed_in(app, "gdir_hr").get(f"/tasks/{task['id']}").get_data(as_text=True)
    text = _text(html)
    assert PERIOD in text
    assert "1.3 " in text and "กลุ่มนโยบายและแผน 1 –" in text  # the plan group's row: 1 published, none stated
    assert '<figure class="bar-chart">' in html and "<svg" in html
    assert "<script" not in html.split('<section class="semiannual"')[1].split("</section>")[0]
    assert "published_summary" not in html and "group_reports" not in text
    form = _text(html.split('class="f-form"')[1].split("</form>")[0])
    assert "กลุ่มบริหารงานบุคคล" in form  # the group by its name, not its code
    assert not re.search(r"\bhr\b", _text(html.split("</form>")[1]))  # nor raw in the request's details


def test_the_director_sees_a_stated_figure_beside_the_systems(app: Flask, api: Api, report: int) -> None:
    plan = api.as_user("gdir_plan")
    stated = {"corrected_items_published": 2, "correction_reason": "ประกาศทางเพจของกลุ่มอีก 1 รายการ"}
    _done(plan.complete(plan.task_in(report)["id"], {**ANSWERS, **stated}))
    hr = api.as_user("gdir_hr")
    _done(hr.complete(hr.task_in(report)["id"], ANSWERS))

    director = signed_in(app, "director1")
    text = _text(director.get(f"/requests/{report}").get_data(as_text=True))
    assert "ตามระบบ 1 รายการ · ตามที่กลุ่มรายงาน 2 รายการ" in text
    assert "ประกาศทางเพจของกลุ่มอีก 1 รายการ" in text
    assert "รายงานโดย นางวันเพ็ญ แสงทอง" in text
    assert "plan ·" not in text and "group_reports" not in text

    workbook = load_workbook(io.BytesIO(director.get(f"/reports/semiannual/{report}.xlsx").data))
    rows = {r[0]: r[1:3] for r in workbook["รายกลุ่ม"].iter_rows(min_row=4, values_only=True)}
    assert rows["กลุ่มนโยบายและแผน"] == (1, 2)
    table = director.get(f"/reports/semiannual/{report}.csv").data.decode("utf-8-sig")
    plan_row = ["กลุ่มนโยบายและแผน", "1", "2", "0", "0", "0.0", "0", "0", "0"]
    assert plan_row in list(csv.reader(io.StringIO(table)))
    pdf = director.get(f"/reports/semiannual/{report}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")

    # Compiled: the filed files are the request's, and the director picks the O item from a list.
    pr = api.as_user("pr1")
    compile_task = pr.task_in(report)
    _done(pr.complete(compile_task["id"], {"title": "รายงาน 6 เดือน", "category": "1.17", "summary": "สรุป"}))
    page = director.get(f"/requests/{report}").get_data(as_text=True)
    assert re.search(rf'href="/requests/{report}/files/[0-9a-f]{{32}}"[^>]*>PDF', page)
    ack = api.as_user("director1").task_in(report)
    form = director.get(f"/tasks/{ack['id']}").get_data(as_text=True)
    assert re.search(r'<select[^>]*name="ita_item"', form) and '<option value="O7"' in form


def test_someone_outside_the_report_cannot_read_it(app: Flask, report: int) -> None:
    assert signed_in(app, "owner2").get(f"/reports/semiannual/{report}").status_code == 403
    assert signed_in(app, "owner2").get(f"/reports/semiannual/{report}.csv").status_code == 403


def test_the_api_serves_the_report(api: Api, report: int) -> None:
    response = api.as_user("director1").get(f"/instances/{report}/report.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    rows = {
        r[0]: r[1]
        for r in load_workbook(io.BytesIO(response.data))["รายกลุ่ม"].iter_rows(min_row=4, values_only=True)
    }
    assert rows["กลุ่มนโยบายและแผน"] == 1
    assert api.as_user("owner2").get(f"/instances/{report}/report.pdf").status_code == 403
