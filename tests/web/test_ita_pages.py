"""The public ITA index, its CSV and the staff dashboard, through HTTP on both databases.

The list of fiscal year 2572 (1 Oct 2028 - 30 Sep 2029) is written straight into the database (the
catalogue's admin pages are another part); everything else goes through the pages and the API.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bpmnpub import spreadsheet
from bpmnpub.models import Category, ConfirmedOItem, Group, ItaFramework, ItaItem, PublishedItem, WebsiteCopy
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.thaidate import BANGKOK

from .conftest import TITLE, Api
from .pages import signed_in

FY = 2572
NEWS = "T.NEWS"  # a category of this test only, mapped to O2


def bkk(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=BANGKOK)


@pytest.fixture
def ita_list(ctx: ServiceContext) -> dict[str, int]:
    """FY 2572: O1 "structure" (category 1.1, the demo request's, plan), O2 news (category T.NEWS, plan,
    with guidance), O3 a report of the year before (hr), O4 procurement plan (first half, no group).
    Unverified. Returns the group ids by code."""
    now = ctx.now()
    with ctx.db.write() as session:
        groups = {g.code: g.id for g in session.scalars(select(Group))}
        structure = session.scalars(select(Category).where(Category.code == "1.1")).one()  # the demo's
        news = Category(code=NEWS, name="ข่าวประชาสัมพันธ์", created_at=now, updated_at=now)
        session.add(news)
        session.add(
            ItaFramework(fiscal_year=FY, title="ITA Online 2572 (ทดสอบ)", note="ร่างจากปีก่อน", created_at=now)
        )
        session.flush()
        o1 = ItaItem(
            fiscal_year=FY, code="O1", title="โครงสร้างหน่วยงาน", group_id=groups["plan"], sort_order=1
        )
        o2 = ItaItem(
            fiscal_year=FY,
            code="O2",
            title="ข่าวประชาสัมพันธ์",
            group_id=groups["plan"],
            sort_order=2,
            guidance="ข่าวของหน่วยงานที่เผยแพร่ในปีงบประมาณ",
        )
        o1.categories.append(structure)
        o2.categories.append(news)
        session.add_all(
            [
                o1,
                o2,
                ItaItem(
                    fiscal_year=FY,
                    code="O3",
                    title="รายงานผลการดำเนินงานประจำปี",
                    period_rule="previous_fy",
                    group_id=groups["hr"],
                    sort_order=3,
                ),
                ItaItem(
                    fiscal_year=FY, code="O4", title="แผนการจัดซื้อจัดจ้าง", period_rule="first_half", sort_order=4
                ),
            ]
        )
    return groups


def add_item(ctx: ServiceContext, title: str, at: datetime, **columns: Any) -> int:
    """An item on the portal; `ita_item=` is an O item a publisher confirmed it answers."""
    confirmed = [columns["ita_item"]] if columns.get("ita_item") else []
    with ctx.db.write() as session:
        item = PublishedItem(
            kind="document",
            title=title,
            slug=title.replace(" ", "-"),
            fiscal_year=0,
            published_at=at,
            updated_at=at,
            ita_confirmed_at=at if confirmed else None,
            **columns,
        )
        session.add(item)
        session.flush()
        session.add_all(ConfirmedOItem(item_id=item.id, code=code) for code in confirmed)
        return item.id


@pytest.fixture
def items(ctx: ServiceContext, ita_list: dict[str, int]) -> dict[str, int]:
    """O2 met by a confirmed item (a news item of its category nobody confirmed does not count), O3
    stale (a report of 2569), O1 and O4 missing."""
    return {
        "news": add_item(ctx, "ข่าวกิจกรรมวันครู", bkk(2028, 11, 20, 10), category=NEWS),
        "tagged": add_item(ctx, "ข่าวรับสมัครครู", bkk(2028, 12, 5, 10), ita_item="O2"),
        "old": add_item(ctx, "รายงานประจำปี 2569", bkk(2026, 12, 1, 10), ita_item="O3"),
        "gone": add_item(ctx, "ข่าวที่ถอนแล้ว", bkk(2028, 12, 6), ita_item="O1", status="withdrawn"),
    }


def rows_of(response: Any) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), "a byte order mark, or Excel misreads the Thai"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


# -- done when: a new user's item, through a procedure, in the index and the CSV ----------------


def test_an_item_published_through_a_procedure_is_in_the_index_and_its_csv(
    api: Api, client: FlaskClient, at_publisher: int, ita_list: dict[str, int], clock: Any
) -> None:
    clock.current = bkk(2028, 11, 20, 9)  # the publisher acts in fiscal year 2572
    publisher = api.as_user("publisher1")
    done = publisher.complete(publisher.task_in(at_publisher)["id"], {"certified": True, "ita_items": ["O1"]})
    assert done.status_code == 200, done.get_json()
    [item] = client.get("/api/v1/public/items").get_json()
    url = f"http://localhost{item['url']}"

    opened = client.get("/public/ita/")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/public/ita/{FY}")
    html = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert TITLE in html and f'href="{url}"' in html
    assert f'<code class="ita-url">{url}</code>' in html  # the URL itself, for the assessor to copy

    rows = rows_of(client.get(f"/public/ita/{FY}.csv"))
    assert rows[1] == ["O1", "โครงสร้างหน่วยงาน", url, "มีข้อมูล", ""]


# -- the page -------------------------------------------------------------------------------------


def test_the_page_shows_each_o_item_its_status_period_and_items(
    client: FlaskClient, items: dict[str, int]
) -> None:
    html = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert "ดัชนีข้อมูล ITA/OIT ปีงบประมาณ พ.ศ. 2572" in html
    assert "50%" not in html and "25%" in html  # 1 of 4 met
    for code, status in [("O1", "missing"), ("O2", "have"), ("O3", "stale"), ("O4", "missing")]:
        row = html.split(f'<tr id="{code}" class="ita-{status}">')[1].split("</tr>")[0]
        assert {"have": "มีข้อมูล", "stale": "ไม่เป็นปัจจุบัน", "missing": "ยังไม่มีข้อมูล"}[status] in row
    o2 = html.split('<tr id="O2"')[1].split("</tr>")[0]
    assert "ข่าวรับสมัครครู" in o2 and "ข่าวกิจกรรมวันครู" not in o2  # its category only suggests O2
    assert "เผยแพร่ 5 ธ.ค. 2571" in o2  # dates in the Buddhist era
    assert "<details><summary>คำอธิบาย</summary><p>ข่าวของหน่วยงานที่เผยแพร่ในปีงบประมาณ</p></details>" in o2
    assert "ตลอดปีงบประมาณ: 1 ต.ค. 2571 – 30 ก.ย. 2572" in o2
    o3 = html.split('<tr id="O3"')[1].split("</tr>")[0]
    assert "ล่าสุด 1 ธ.ค. 2569" in o3 and "รายงานของปีงบประมาณ พ.ศ. 2571: 1 ต.ค. 2570 – 30 ก.ย. 2572" in o3
    assert "กลุ่มบริหารงานบุคคล" in o3
    assert "ข่าวที่ถอนแล้ว" not in html


def test_an_unverified_list_is_an_internal_note_for_signed_in_staff_only(
    app: Flask, ctx: ServiceContext, client: FlaskClient, ita_list: dict[str, int]
) -> None:
    warning = "รายการข้อการประเมินของปีนี้ยังไม่ได้ตรวจทาน"
    public = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert warning not in public and "ร่างจากปีก่อน" not in public and "คู่มือ" not in public
    staff = signed_in(app, "publisher1")
    for page in (f"/public/ita/{FY}", f"/reports/ita/{FY}"):
        html = staff.get(page).get_data(as_text=True)
        note = html.split('<p class="note" role="note">')[1].split("</p>")[0]
        assert warning in note and "ตรวจสอบทุกข้อกับคู่มือการประเมิน ITA ฉบับทางการ" in note
        text = re.sub(r"<[^>]+>", "", note).replace("ITA", "")
        assert not re.search("[A-Za-z]{3,}", text), note  # Thai, no English half
    with ctx.db.write() as session:
        session.get_one(ItaFramework, FY).verified = True
    assert warning not in staff.get(f"/public/ita/{FY}").get_data(as_text=True)


def test_the_year_selector_lists_the_years_that_have_a_list(
    ctx: ServiceContext, client: FlaskClient, ita_list: dict[str, int]
) -> None:
    with ctx.db.write() as session:
        session.add(ItaFramework(fiscal_year=FY + 1, title="ITA 2573", created_at=ctx.now()))
    html = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert f'<a href="/public/ita/{FY + 1}" >' in html
    assert f'<a href="/public/ita/{FY}" aria-current="page">' in html


def test_a_year_without_a_list_answers_404_and_names_the_years_that_have_one(
    client: FlaskClient, ita_list: dict[str, int]
) -> None:
    response = client.get(f"/public/ita/{FY + 3}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "ยังไม่มีรายการข้อมูล ITA/OIT ของปีงบประมาณนี้" in html and f'href="/public/ita/{FY}"' in html
    assert client.get(f"/public/ita/{FY + 3}.csv").status_code == 404


def test_the_list_can_be_narrowed_to_a_group_and_a_status(client: FlaskClient, items: dict[str, int]) -> None:
    html = client.get(f"/public/ita/{FY}?group=plan&status=missing").get_data(as_text=True)
    assert '<tr id="O1"' in html and '<tr id="O2"' not in html and '<tr id="O4"' not in html
    assert "แสดง 1 จาก 4 รายการ" in html and "กลุ่มนโยบายและแผน" in html
    nobody = client.get(f"/public/ita/{FY}?group=none").get_data(as_text=True)
    assert '<tr id="O4"' in nobody and '<tr id="O1"' not in nobody


# -- the CSV --------------------------------------------------------------------------------------


def test_the_csv_has_one_row_per_o_item_with_absolute_urls(
    ctx: ServiceContext, client: FlaskClient, items: dict[str, int]
) -> None:
    ctx.settings["PUBLIC_BASE_URL"] = "https://www.example.go.th/"
    response = client.get(f"/public/ita/{FY}.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f"attachment; filename=ita-{FY}.csv"
    rows = rows_of(response)
    assert rows[0] == ["รหัส", "รายการข้อมูล", "URL", "สถานะ", "URL บนเว็บไซต์สำนักงาน"]
    tagged = f"https://www.example.go.th/public/items/{items['tagged']}-ข่าวรับสมัครครู"
    assert rows[1:] == [
        ["O1", "โครงสร้างหน่วยงาน", "", "ยังไม่มีข้อมูล", ""],
        ["O2", "ข่าวประชาสัมพันธ์", tagged, "มีข้อมูล", ""],  # the unconfirmed news item is not there
        ["O3", "รายงานผลการดำเนินงานประจำปี", "", "ไม่เป็นปัจจุบัน (ล่าสุด 1 ธ.ค. 2569)", ""],
        ["O4", "แผนการจัดซื้อจัดจ้าง", "", "ยังไม่มีข้อมูล", ""],
    ]


# -- the dashboard --------------------------------------------------------------------------------


def test_the_dashboard_needs_a_sign_in(client: FlaskClient, ita_list: dict[str, int]) -> None:
    response = client.get(f"/reports/ita/{FY}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["owner1", "legal1"])
def test_staff_without_a_publishing_role_get_403(app: Flask, ita_list: dict[str, int], username: str) -> None:
    staff = signed_in(app, username)
    assert staff.get(f"/reports/ita/{FY}").status_code == 403
    assert 'href="/reports/ita"' not in staff.get("/inbox").get_data(as_text=True)


def test_a_group_director_sees_every_group_with_their_own_marked(app: Flask, items: dict[str, int]) -> None:
    director = signed_in(app, "gdir_plan")
    assert 'href="/reports/ita"' in director.get("/inbox").get_data(as_text=True)  # in the menu
    response = director.get(f"/reports/ita/{FY}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    mine = html.split('<tr class="mine">')[1].split("</tr>")[0]
    assert "กลุ่มนโยบายและแผน" in mine and "กลุ่มของคุณ" in mine
    assert html.count("กลุ่มของคุณ") == 1
    assert "กลุ่มบริหารงานบุคคล" in html and "ยังไม่กำหนดกลุ่มที่รับผิดชอบ" in html
    assert f'href="/public/ita/{FY}?status=missing&amp;group=plan"' in mine  # the plan group's missing O1
    total = html.split("<tfoot>")[1]
    assert "รวมทั้งสำนักงาน" in total and "25%" in total


@pytest.mark.parametrize("username", ["publisher1", "director1", "admin1"])
def test_publishers_directors_and_admins_see_the_dashboard(
    app: Flask, ita_list: dict[str, int], clock: Any, username: str
) -> None:
    clock.current = bkk(2029, 1, 5)
    response = signed_in(app, username).get("/reports/ita")  # opens on the current fiscal year
    assert response.status_code == 200
    assert "ความครบถ้วนของข้อมูล ITA/OIT ปีงบประมาณ พ.ศ. 2572" in response.get_data(as_text=True)


def test_the_dashboard_of_a_year_without_a_list_says_so(app: Flask, ita_list: dict[str, int]) -> None:
    response = signed_in(app, "publisher1").get(f"/reports/ita/{FY + 3}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "ยังไม่มีรายการข้อมูล ITA/OIT ของปีงบประมาณนี้" in html and f'href="/reports/ita/{FY}"' in html


# -- hostile text in the CSV ----------------------------------------------------------------------

HOSTILE = [
    "=cmd|' /C calc'!A0",
    '+HYPERLINK("http://evil.example","คลิก")',
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",  # full-width, as some input methods type it
]


def test_a_cell_that_would_start_a_formula_is_escaped_in_the_csv(
    ctx: ServiceContext, client: FlaskClient, ita_list: dict[str, int]
) -> None:
    with ctx.db.write() as session:  # an admin (or a pasted preset) titled the O items so
        for n, title in enumerate(HOSTILE, start=10):
            session.add(ItaItem(fiscal_year=FY, code=f"O{n}", title=title, sort_order=n))
    rows = rows_of(client.get(f"/public/ita/{FY}.csv"))
    titles = [row[1] for row in rows[5:]]
    assert titles == ["'" + title for title in HOSTILE]
    assert rows[1][1] == "โครงสร้างหน่วยงาน"  # ordinary text stays as it is
    html = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert "=cmd|&#39; /C calc&#39;!A0" in html  # the page shows the title as typed


def test_every_csv_the_app_writes_goes_through_the_escaping_writer() -> None:
    """The one CSV writer: every module that writes CSV uses `spreadsheet.to_csv`."""
    src = Path(__file__).resolve().parents[2] / "src" / "bpmnpub"
    writers = [p.relative_to(src).as_posix() for p in src.rglob("*.py") if "csv.writer" in p.read_text()]
    assert writers == ["spreadsheet.py"]
    assert spreadsheet.to_csv([[title, 3, -1, "ครู"] for title in HOSTILE], bom=False).splitlines()[0] == (
        "'=cmd|' /C calc'!A0,3,-1,ครู"
    )


def test_the_index_lists_the_post_on_the_office_website_beside_the_portal_url(
    ctx: ServiceContext, client: FlaskClient, items: dict[str, int]
) -> None:
    post = "https://www.example.go.th/2028/11/ข่าวรับสมัครครู/"
    with ctx.db.write() as session:
        now = ctx.now()
        session.add_all(
            [  # in step, and one still waiting for its first post
                WebsiteCopy(
                    item_id=items["tagged"],
                    wanted="published",
                    version=1,
                    synced_version=1,
                    post_url=post,
                    media={},
                    attempts=0,
                    updated_at=now,
                ),
                WebsiteCopy(
                    item_id=items["news"],
                    wanted="published",
                    version=1,
                    synced_version=0,
                    media={},
                    attempts=0,
                    updated_at=now,
                ),
            ]
        )
    html = client.get(f"/public/ita/{FY}").get_data(as_text=True)
    assert f'<a class="ita-website" href="{post}"><code class="ita-url">{post}</code></a>' in html
    assert html.count('class="ita-website"') == 1
    rows = rows_of(client.get(f"/public/ita/{FY}.csv"))
    assert rows[2][0] == "O2" and rows[2][4] == post
