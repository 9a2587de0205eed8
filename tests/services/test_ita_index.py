"""The ITA index of a fiscal year: which O items the published items meet, by which rule, on both databases.

The year under test is 2572 (1 Oct 2028 - 30 Sep 2029), a year no preset ships, so the catalogue's
presets never mix into these counts. Every moment is written in Bangkok time, as the office reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from bpmnpub.errors import NotFoundError, PermissionDeniedError
from bpmnpub.models import Category, ConfirmedOItem, Group, ItaFramework, ItaItem, PublishedItem
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo_requests
from bpmnpub.services.portal import ita_index, ita_values
from bpmnpub.thaidate import BANGKOK

FY = 2572
BASE = "https://www.example.go.th"


def bkk(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=BANGKOK)


@dataclass
class Office:
    """The test year's list: O1 (current_fy, plan, mapped from category T.NEWS), O2 (first_half, plan),
    O3 (previous_fy, hr), O4 (current_fy, no group)."""

    ctx: ServiceContext
    groups: dict[str, int]

    def publish(
        self,
        title: str,
        at: datetime,
        *,
        category: str = "",
        ita_item: str | None = None,
        also: tuple[str, ...] = (),
        status: str = "published",
        updated_at: datetime | None = None,
    ) -> int:
        """An item a publisher confirmed answers `ita_item` (and `also`); with neither, one nobody
        confirmed: its category only suggests."""
        confirmed = [c for c in (ita_item, *also) if c]
        with self.ctx.db.write() as session:
            item = PublishedItem(
                kind="document",
                title=title,
                slug=title.replace(" ", "-"),
                category=category,
                ita_item=ita_item,
                status=status,
                fiscal_year=0,
                published_at=at,
                updated_at=updated_at or at,
                group_id=self.groups["plan"],
                ita_confirmed_at=at if confirmed else None,
            )
            session.add(item)
            session.flush()
            session.add_all(ConfirmedOItem(item_id=item.id, code=code) for code in confirmed)
            return item.id

    def index(self) -> ita_values.YearIndex:
        return ita_index.year_index(self.ctx, FY, base=BASE)

    def status(self, code: str) -> ita_values.OItemStatus:
        [found] = [i for i in self.index().items if i.code == code]
        return found


@pytest.fixture
def office(ctx: ServiceContext) -> Office:
    with ctx.db.write() as session:
        groups = {g.code: g.id for g in session.scalars(select(Group))}
        news = Category(
            code="T.NEWS", name="ข่าวประชาสัมพันธ์ (ทดสอบ)", created_at=ctx.now(), updated_at=ctx.now()
        )
        session.add_all([news, ItaFramework(fiscal_year=FY, title="ITA 2572", created_at=ctx.now())])
        session.flush()
        o1 = ItaItem(fiscal_year=FY, code="O1", title="ข้อมูลข่าวประชาสัมพันธ์", group_id=groups["plan"])
        o1.categories.append(news)
        session.add_all(
            [
                o1,
                ItaItem(
                    fiscal_year=FY,
                    code="O2",
                    title="รายงานกำกับติดตาม รอบ 6 เดือน",
                    period_rule="first_half",
                    group_id=groups["plan"],
                    sort_order=2,
                ),
                ItaItem(
                    fiscal_year=FY,
                    code="O3",
                    title="รายงานผลการดำเนินงานประจำปี",
                    period_rule="previous_fy",
                    group_id=groups["hr"],
                    sort_order=3,
                ),
                ItaItem(fiscal_year=FY, code="O4", title="แผนการจัดซื้อจัดจ้าง", sort_order=4),
            ]
        )
    assert {i.status for i in ita_index.year_index(ctx, FY, base=BASE).items} == {"missing"}
    return Office(ctx, groups)


# -- period rules --------------------------------------------------------------------------------


def test_current_fy_counts_from_1_october_to_30_september_in_bangkok(office: Office) -> None:
    office.publish("ก่อนปี", bkk(2028, 9, 30, 23, 59, 59), ita_item="O1")
    assert office.status("O1").status == "stale"
    first = office.publish("วันแรกของปี", bkk(2028, 10, 1), ita_item="O1")
    last = office.publish("วันสุดท้ายของปี", bkk(2029, 9, 30, 23, 59, 59), ita_item="O1")
    office.publish("ปีถัดไป", bkk(2029, 10, 1), ita_item="O1")
    o1 = office.status("O1")
    assert (o1.status, o1.in_period, o1.total) == ("have", 2, 4)
    assert [i.id for i in o1.items] == [last, first]  # newest first


def test_first_half_ends_at_midnight_between_31_march_and_1_april_bangkok_time(office: Office) -> None:
    # 1 Apr 00:00 in Bangkok is still 31 Mar in UTC: the boundary is the office's, not the server's.
    office.publish("รายงาน 6 เดือน (ช้า)", bkk(2029, 4, 1), ita_item="O2")
    o2 = office.status("O2")
    assert (o2.status, o2.latest_at, o2.items) == ("stale", bkk(2029, 4, 1), ())  # says how old, lists none
    on_time = office.publish("รายงาน 6 เดือน", bkk(2029, 3, 31, 23, 59, 59), ita_item="O2")
    o2 = office.status("O2")
    assert (o2.status, o2.in_period, [i.id for i in o2.items]) == ("have", 1, [on_time])
    assert o2.window.last_day.isoformat() == "2029-03-31"


def test_previous_fy_counts_the_report_published_in_the_year_before_or_in_the_year(office: Office) -> None:
    office.publish("รายงานประจำปี 2570", bkk(2027, 9, 30), ita_item="O3")  # FY 2570: two years back
    assert office.status("O3").status == "stale"
    office.publish("รายงานประจำปี 2571 (ฉบับกลางปี)", bkk(2028, 3, 1), ita_item="O3")  # in FY 2571
    assert office.status("O3").in_period == 1
    office.publish("รายงานประจำปี 2571", bkk(2028, 11, 15), ita_item="O3")  # after 2571 closed, in 2572
    o3 = office.status("O3")
    assert (o3.status, o3.in_period, o3.total) == ("have", 2, 3)
    assert o3.window.start == bkk(2027, 10, 1)


def test_an_update_in_the_window_makes_an_old_item_current(office: Office) -> None:
    office.publish("โครงสร้างหน่วยงาน", bkk(2026, 1, 10), ita_item="O4", updated_at=bkk(2028, 12, 1))
    assert office.status("O4").status == "have"


# -- what counts ---------------------------------------------------------------------------------


def test_withdrawn_items_never_count(office: Office) -> None:
    office.publish("ข่าวที่ถอนแล้ว", bkk(2028, 11, 1), ita_item="O1", status="withdrawn")
    o1 = office.status("O1")
    assert (o1.status, o1.total, o1.items) == ("missing", 0, ())


def test_only_confirmed_o_items_count_and_a_category_only_suggests(office: Office) -> None:
    office.publish("ข่าวกิจกรรม (ยังไม่ยืนยัน)", bkk(2028, 11, 1), category="T.NEWS")  # mapped to O1: no
    confirmed = office.publish("ข่าวแจ้งเตือน", bkk(2028, 11, 2), category="T.NEWS", ita_item="O1")
    both = office.publish("ข่าวและแผน", bkk(2028, 11, 3), category="T.OTHER", ita_item="O1", also=("O4",))
    o1, o4 = office.status("O1"), office.status("O4")
    assert (o1.in_period, o1.total, [i.id for i in o1.items]) == (2, 2, [both, confirmed])
    assert (o4.status, [i.id for i in o4.items]) == ("have", [both])  # one item, two O items
    assert o1.items[0].url == f"{BASE}/public/items/{both}-ข่าวและแผน"


def test_missing_stale_and_have_are_counted_for_the_year(office: Office) -> None:
    office.publish("ข่าว", bkk(2028, 11, 1), ita_item="O1")  # O1 have
    office.publish("รายงานเก่า", bkk(2025, 1, 1), ita_item="O3")  # O3 stale
    counts = office.index().counts
    assert (counts.assigned, counts.have, counts.stale, counts.missing, counts.percent) == (4, 1, 1, 2, 25)


def test_the_page_lists_a_few_items_and_says_how_many_more(office: Office) -> None:
    for day in range(1, ita_index.SHOWN_PER_ITEM + 4):
        office.publish(f"ข่าว {day}", bkk(2028, 11, day), ita_item="O1")
    o1 = office.status("O1")
    assert (len(o1.items), o1.more, o1.in_period) == (
        ita_index.SHOWN_PER_ITEM,
        3,
        ita_index.SHOWN_PER_ITEM + 3,
    )
    assert o1.items[0].title == f"ข่าว {ita_index.SHOWN_PER_ITEM + 3}"


def test_the_year_takes_a_fixed_number_of_queries_however_many_items(office: Office) -> None:
    for n in range(40):
        office.publish(f"ข่าว {n}", bkk(2028, 11, 1) + timedelta(hours=n), ita_item="O1", also=("O4",))
    statements: list[str] = []
    engine = office.ctx.db.read_engine

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        office.index()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert len(selects) == 4, selects  # the list, the counts, the listed items, the years


def test_due_soon_flags_an_unmet_item_whose_window_closes_within_30_days(office: Office, clock: Any) -> None:
    clock.current = bkk(2029, 3, 10)
    assert [i.code for i in office.index().items if i.due_soon] == ["O2"]
    office.publish("รายงาน 6 เดือน", bkk(2029, 3, 9), ita_item="O2")
    assert not any(i.due_soon for i in office.index().items)


# -- years ---------------------------------------------------------------------------------------


def test_a_year_without_a_list_is_not_found(office: Office) -> None:
    with pytest.raises(NotFoundError):
        ita_index.year_index(office.ctx, FY + 1, base=BASE)
    assert FY in ita_index.list_years(office.ctx)


def test_the_index_opens_on_the_current_year_or_else_the_newest_list(office: Office, clock: Any) -> None:
    clock.current = bkk(2028, 12, 1)
    assert ita_index.default_year(office.ctx) == FY
    clock.current = bkk(2030, 12, 1)  # FY 2574 has no list yet
    assert ita_index.default_year(office.ctx) == max(ita_index.list_years(office.ctx))


# -- dashboard -----------------------------------------------------------------------------------


def test_the_dashboard_counts_per_group_and_marks_the_directors_own(office: Office, actor: Any) -> None:
    office.publish("ข่าว", bkk(2028, 11, 1), ita_item="O1")  # O1 (plan) have
    office.publish("รายงานเก่า", bkk(2025, 1, 1), ita_item="O3")  # O3 (hr) stale
    board = ita_index.dashboard(office.ctx, actor("gdir_hr"), FY)
    rows = {r.code: r for r in board.groups}
    assert list(rows) == ["plan", "hr", None]  # by name (กลุ่มนโยบาย… < กลุ่มบริหาร…), no group last
    plan, hr, nobody = rows["plan"].counts, rows["hr"].counts, rows[None].counts
    assert (plan.assigned, plan.have, plan.missing, plan.percent) == (2, 1, 1, 50)
    assert (hr.assigned, hr.stale, hr.percent) == (1, 1, 0)
    assert (nobody.assigned, nobody.missing) == (1, 1)
    assert [r.code for r in board.groups if r.mine] == ["hr"]
    assert (board.total.assigned, board.total.have, board.total.percent) == (4, 1, 25)


@pytest.mark.parametrize(
    "username", ["publisher1", "director1", "deputy1", "gdir_plan", "admin1", "procowner1"]
)
def test_staff_who_answer_for_publishing_see_the_dashboard(office: Office, actor: Any, username: str) -> None:
    assert ita_index.dashboard(office.ctx, actor(username), FY).total.assigned == 4


@pytest.mark.parametrize("username", ["owner1", "legal1"])
def test_other_staff_do_not(office: Office, actor: Any, username: str) -> None:
    with pytest.raises(PermissionDeniedError):
        ita_index.dashboard(office.ctx, actor(username), FY)


def test_the_demo_office_counts_only_what_its_publisher_confirmed(ctx: ServiceContext) -> None:
    """The demo's action plan (category 1.6, suggesting O6, O7, O22) and monthly procurement result
    (1.9: O12, O13, O14) count for the O items their publisher confirmed, O6 and O13, only."""
    assert demo_requests.create_demo_requests(ctx) == len(demo_requests.DEMO_REQUESTS)
    year = ita_index.year_index(ctx, 2570, base=BASE)
    have = {i.code for i in year.items if i.status == "have"}
    assert have == {"O6", "O13"}
