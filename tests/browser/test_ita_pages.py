"""The ITA index and the completeness dashboard in a real Chromium, on a desktop and a phone: every O item
readable, URLs whole and selectable, nothing wider than the screen. Screenshots go to
test-artifacts/screenshots/ for a person to look at."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from bpmnpub.models import Category, ConfirmedOItem, Group, ItaFramework, ItaItem, PublishedItem
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.thaidate import BANGKOK

from .conftest import no_horizontal_overflow, screenshot, sign_in, thai_font_ok

pytestmark = pytest.mark.browser

FY = 2572  # 1 Oct 2028 - 30 Sep 2029: a year no preset ships
SIZES = [pytest.param((1280, 800), id="desktop"), pytest.param((390, 844), id="phone")]
# code, title, period rule, group, category mapped to it
O_ITEMS = (
    ("O1", "โครงสร้างหน่วยงาน", "current_fy", "plan", "T.1"),
    ("O2", "ข้อมูลผู้บริหาร", "current_fy", "hr", "T.2"),
    ("O3", "ข่าวประชาสัมพันธ์", "current_fy", "admin", "T.3"),
    ("O4", "แผนดำเนินงานและการใช้งบประมาณประจำปี", "current_fy", "plan", "T.4"),
    ("O5", "รายงานการกำกับติดตามการดำเนินงานและการใช้งบประมาณ รอบ 6 เดือน", "first_half", "plan", "T.5"),
    ("O6", "รายงานผลการดำเนินงานประจำปี", "previous_fy", "plan", "T.6"),
    ("O7", "แผนการจัดซื้อจัดจ้างหรือแผนการจัดหาพัสดุ", "current_fy", "legal", "T.7"),
    ("O8", "ช่องทางการรับฟังความคิดเห็น", "current_fy", None, "T.8"),
)
ITEMS = (  # category, title, published (Bangkok)
    ("T.1", "โครงสร้างการแบ่งส่วนราชการ สพป. ปีงบประมาณ 2572", datetime(2028, 10, 3, 9)),
    ("T.3", "ข่าวประชาสัมพันธ์ การประชุมผู้บริหารสถานศึกษา ครั้งที่ 1/2572", datetime(2028, 11, 8, 14)),
    ("T.3", "ข่าวประชาสัมพันธ์ กิจกรรมวันครู ประจำปี 2572", datetime(2029, 1, 16, 10)),
    ("T.4", "แผนปฏิบัติราชการประจำปีงบประมาณ พ.ศ. 2572", datetime(2028, 10, 20, 11)),
    ("T.5", "รายงานผลการดำเนินงาน รอบ 6 เดือน ปีงบประมาณ 2571", datetime(2028, 4, 10, 9)),
    ("T.6", "รายงานผลการดำเนินงานประจำปีงบประมาณ พ.ศ. 2571", datetime(2028, 11, 30, 16)),
    ("T.7", "แผนการจัดซื้อจัดจ้าง ปีงบประมาณ 2570", datetime(2026, 11, 2, 9)),
)


@pytest.fixture
def ita_year(ctx: ServiceContext, clock: Any) -> None:
    """Fiscal year 2572 with eight O items: four met, two stale, two missing; today is 10 Mar 2572."""
    clock.current = datetime(2029, 3, 10, 9, tzinfo=BANGKOK)
    now = clock.current
    with ctx.db.write() as session:
        groups = {g.code: g.id for g in session.scalars(select(Group))}
        session.add(
            ItaFramework(
                fiscal_year=FY,
                title="ITA Online ปีงบประมาณ พ.ศ. 2572",
                created_at=now,
                note="ปรับจากรายการปี 2571",
            )
        )
        for n, (code, title, rule, group, category) in enumerate(O_ITEMS):
            mapped = Category(code=category, name=title, created_at=now, updated_at=now)
            item = ItaItem(
                fiscal_year=FY,
                code=code,
                title=title,
                period_rule=rule,
                sort_order=n,
                group_id=groups[group] if group else None,
                guidance="เผยแพร่ข้อมูลที่เป็นปัจจุบันบนเว็บไซต์ของหน่วยงาน ตามคู่มือการประเมิน",
            )
            item.categories.append(mapped)
            session.add_all([mapped, item])
        codes = {category: code for code, _, _, _, category in O_ITEMS}
        for category, title, at in ITEMS:
            moment = at.replace(tzinfo=BANGKOK)
            item = PublishedItem(
                kind="document",
                title=title,
                slug=title.replace(" ", "-"),
                category=category,
                ita_item=codes[category],
                ita_confirmed_at=moment,  # the publisher confirmed the O item its category suggests
                fiscal_year=0,
                published_at=moment,
                updated_at=moment,
            )
            session.add(item)
            session.flush()
            session.add(ConfirmedOItem(item_id=item.id, code=codes[category]))


@pytest.mark.parametrize("size", SIZES)
def test_the_index_page_on_a_desktop_and_a_phone(
    live_server: str, open_page: Any, ita_year: None, size: tuple[int, int]
) -> None:
    page = open_page(*size)
    page.goto(f"{live_server}/public/ita/")
    page.wait_for_url(f"**/public/ita/{FY}")
    assert "ดัชนีข้อมูล ITA/OIT ปีงบประมาณ พ.ศ. 2572" in page.locator("h1").inner_text()
    assert "50%" in page.locator(".ita-percent").inner_text()  # 4 of 8
    o3 = page.locator("tr#O3")
    assert "มีข้อมูล" in o3.inner_text() and "16 ม.ค. 2572" in o3.inner_text()
    url = o3.locator(".ita-url").first
    assert url.is_visible() and url.inner_text().startswith(f"{live_server}/public/items/")
    assert "ล่าสุด 2 พ.ย. 2569" in page.locator("tr#O7").inner_text()
    assert page.locator("tr#O5 .ita-due").is_visible()  # the first half closes on 31 Mar
    no_horizontal_overflow(page)
    thai_font_ok(page, "h1")
    screenshot(page, "ita-index")


@pytest.mark.parametrize("size", SIZES)
def test_the_dashboard_on_a_desktop_and_a_phone(
    live_server: str, open_page: Any, ita_year: None, size: tuple[int, int]
) -> None:
    page = open_page(*size)
    sign_in(page, live_server, "gdir_plan")
    page.goto(f"{live_server}/reports/ita")
    mine = page.locator("tr.mine")
    assert "กลุ่มนโยบายและแผน" in mine.inner_text() and "กลุ่มของคุณ" in mine.inner_text()
    assert "50%" in page.locator("tfoot").inner_text()
    no_horizontal_overflow(page)
    screenshot(page, "ita-dashboard")
    mine.locator("a").first.click()  # the plan group's unmet items, on the public index
    page.wait_for_url(f"**/public/ita/{FY}?*group=plan*")
    assert page.locator("tbody tr").count() >= 1
