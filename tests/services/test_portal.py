"""The portal's read side on SQLite and PostgreSQL: lists newest first, categories with their counts,
Thai substring search, the item as the public sees it, feeds, the sitemap and the view counter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select, text

from bpmnpub.errors import NotFoundError
from bpmnpub.models import Category, ItemViewDay, PublishedItem
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.portal import feeds, portal_text, public_pages, search

from ..conftest import Clock
from ..portal_data import add_category, add_ita_item, add_item, republish, retitle, upload, withdraw

PROCUREMENT = "ประกาศผลการจัดซื้อจัดจ้างวัสดุ"


def _name(ctx: ServiceContext, code: str) -> str:
    with ctx.db.read() as session:
        name = session.scalar(select(Category.name).where(Category.code == code))
    assert name, code
    return name


def test_home_lists_the_newest_published_items_and_every_category_with_its_count(ctx: ServiceContext) -> None:
    now = ctx.now()
    old = add_item(ctx, "รายงานผลการดำเนินงาน", category="1.5", published_at=now - timedelta(days=3))
    new = add_item(ctx, PROCUREMENT, published_at=now - timedelta(days=1))
    gone = add_item(ctx, "ประกาศที่ถอนแล้ว", published_at=now)
    withdraw(ctx, gone.id, "ผิดพลาด")
    unknown = add_item(ctx, "รหัสที่แคตตาล็อกไม่รู้จัก", category="9.99", published_at=now - timedelta(days=2))

    home = public_pages.home(ctx)

    assert [i.id for i in home.latest] == [new.id, unknown.id, old.id]  # the withdrawn one is not there
    assert home.latest[0].category_name == _name(ctx, "1.9")
    counts = {c.code: c.items for c in home.categories}
    assert counts["1.9"] == 1 and counts["1.5"] == 1 and counts["9.99"] == 1
    assert counts["1.1"] == 0  # an empty category is listed: the public sees what is not there yet
    assert home.categories[-1] == public_pages.CategoryEntry(
        "9.99", "9.99", "", "", 1
    )  # after the catalogue's


def test_a_deactivated_category_is_listed_only_while_it_holds_items(ctx: ServiceContext) -> None:
    add_category(ctx, "1.2", "หมวดที่เลิกใช้", active=False)
    add_category(ctx, "1.3", "หมวดที่เลิกใช้แต่มีข้อมูล", active=False)
    add_item(ctx, "ข้อมูลเก่า", category="1.3")

    codes = [c.code for c in public_pages.home(ctx).categories]

    assert "1.2" not in codes and "1.3" in codes
    assert public_pages.category_page(ctx, "1.3").items[0].title == "ข้อมูลเก่า"


def test_category_page_pages_newest_first(ctx: ServiceContext) -> None:
    now = ctx.now()
    ids = [add_item(ctx, f"ประกาศ {n}", published_at=now - timedelta(hours=n)).id for n in range(45)]
    add_item(ctx, "หมวดอื่น", category="1.1")

    first = public_pages.category_page(ctx, "1.9")
    last = public_pages.category_page(ctx, "1.9", 3)

    assert first.category.name == _name(ctx, "1.9") and first.category.items == 45
    assert first.pages == 3 and [i.id for i in first.items] == ids[:20]
    assert [i.id for i in last.items] == ids[40:]
    with pytest.raises(NotFoundError):
        public_pages.category_page(ctx, "1.9", 4)


def test_unknown_categories_are_not_found_but_an_empty_known_one_is_a_page(ctx: ServiceContext) -> None:
    with pytest.raises(NotFoundError):
        public_pages.category_page(ctx, "no-such-code")
    empty = public_pages.category_page(ctx, "1.1")
    assert empty.items == [] and empty.pages == 1


@pytest.mark.parametrize("window", [search.SEARCH_WINDOW, 0])  # the newest items, then all through the index
@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("จัดซื้อ", True),  # a Thai word inside a longer run of Thai without spaces
        ("ผลการจัดซื้อจัดจ้างวัสดุ", True),
        ("จัดซื้อ วัสดุ", True),  # every term, anywhere
        ("จัดซื้อ ครุภัณฑ์", False),  # one term missing
        ("ห้องเรียน", True),  # in a photo's caption
        ("PROCUREMENT", True),  # English ignores case
        ("ซื", True),  # shorter than a trigram: found by LIKE alone
        ("จ ซื้อ", True),
        ("จัดซื้อ ฆ", False),
        ("100%", False),  # LIKE's wildcards are plain characters
        ("จัด_ซื้อ", False),
        ('"โครงการ', True),  # a quote is a character like any other, for the index too
        ('"โครงการ"', True),
        ('โครง"การ', False),
        ('"', True),
        ("notice: AND NEAR(", True),  # words of the index's query language are plain text
        ("* OR -", False),
        ("ดาวเทียมสำรวจ", False),
        ("จัดซื้อ\0วัสดุ", True),  # a NUL separates terms (PostgreSQL refuses it in text)
    ],
)
def test_search_finds_substrings_of_thai_text_with_every_term(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch, window: int, query: str, found: bool
) -> None:
    monkeypatch.setattr(search, "SEARCH_WINDOW", window)
    add_item(
        ctx,
        PROCUREMENT,
        body='Procurement notice: AND NEAR( รายละเอียดตามเอกสารแนบ "โครงการ"',
        photos=[{"file": "x", "caption": "ภาพห้องเรียนใหม่", "alt_text": "ห้องเรียน"}],
    )
    add_item(ctx, "รายงานการประชุม", body="ไม่มีคำที่ค้นหา")

    results = search.search(ctx, query)

    assert [h.item.title for h in results.hits] == ([PROCUREMENT] if found else [])


def test_a_rare_term_among_older_items_is_found_and_a_missing_one_finds_nothing(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the newest items, search goes through the trigram index (FTS5 on SQLite, pg_trgm on
    PostgreSQL): what it finds must be exactly what LIKE finds."""
    monkeypatch.setattr(search, "SEARCH_WINDOW", 5)
    now = ctx.now()
    rare = add_item(
        ctx,
        "ผลการประเมินโรงเรียนคุณธรรมระดับดีเยี่ยม",
        body="โรงเรียนในสังกัดผ่านการประเมิน",
        published_at=now - timedelta(days=300),
    )
    for n in range(30):
        add_item(ctx, f"{PROCUREMENT} {n}", body="โรงเรียนในสังกัด", published_at=now - timedelta(days=n))

    assert [h.item.id for h in search.search(ctx, "โรงเรียนคุณธรรม").hits] == [rare.id]
    assert [h.item.id for h in search.search(ctx, "คุณธรรม ดีเยี่ยม").hits] == [rare.id]
    assert [h.item.id for h in search.search(ctx, "ธรรม สังกัด").hits] == [rare.id]
    assert search.search(ctx, "ดาวเทียมสำรวจ").hits == []
    assert search.search(ctx, "คุณธรรม ดาวเทียม").hits == []
    assert len(search.search(ctx, "โรงเรียน").hits) == public_pages.PER_PAGE


def test_search_follows_an_items_new_title_and_its_withdrawal(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SEARCH_WINDOW", 0)  # through the index alone
    added = add_item(ctx, "ประกาศรับสมัครครูอัตราจ้าง")
    other = add_item(ctx, "ประกาศรับสมัครลูกจ้างชั่วคราว")

    retitle(ctx, added.id, "ประกาศผลการคัดเลือกครูอัตราจ้าง")
    assert [h.item.id for h in search.search(ctx, "ผลการคัดเลือก").hits] == [added.id]
    assert [h.item.id for h in search.search(ctx, "รับสมัคร").hits] == [other.id]

    withdraw(ctx, added.id, "ผิด")
    assert search.search(ctx, "ผลการคัดเลือก").hits == []
    republish(ctx, added.id)
    assert [h.item.id for h in search.search(ctx, "ผลการคัดเลือก").hits] == [added.id]


def test_the_search_index_keeps_in_step_with_the_items(ctx: ServiceContext, backend: str) -> None:
    """SQLite: FTS5 compares its index with published_item, row by row, after inserts, updates and
    a delete. PostgreSQL: a Thai term's LIKE can be answered from the pg_trgm index."""
    kept, gone = add_item(ctx, "ประกาศรับสมัครครู"), add_item(ctx, "ประกาศที่ลบ")
    retitle(ctx, kept.id, "ประกาศผลการคัดเลือกครู")
    with ctx.db.write() as session:
        session.execute(delete(PublishedItem).where(PublishedItem.id == gone.id))
    add_item(ctx, "ประกาศใหม่")  # SQLite gives it the deleted item's id again
    with ctx.db.write() as session:
        if backend == "sqlite":
            session.execute(
                text("INSERT INTO published_item_search(published_item_search) VALUES ('integrity-check')")
            )
            return
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = session.execute(
            text("EXPLAIN SELECT id FROM published_item WHERE search_text LIKE :p"), {"p": "%คัดเลือก%"}
        ).scalars()
        assert "ix_published_item_search_trgm" in "\n".join(plan)


def test_search_skips_withdrawn_items_and_pages_newest_first(ctx: ServiceContext) -> None:
    now = ctx.now()
    ids = [add_item(ctx, f"{PROCUREMENT} {n}", published_at=now - timedelta(hours=n)).id for n in range(25)]
    withdraw(ctx, ids[0], "ผิด")

    first = search.search(ctx, "จัดซื้อ")
    second = search.search(ctx, "จัดซื้อ", 2)

    assert [h.item.id for h in first.hits] == ids[1:21] and first.has_next
    assert [h.item.id for h in second.hits] == ids[21:] and not second.has_next
    assert second.first_rank == 21


@pytest.mark.parametrize("window", [3, 30, 1000])
def test_search_looks_past_the_newest_items_when_they_do_not_fill_the_page(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    monkeypatch.setattr(search, "SEARCH_WINDOW", window)
    now = ctx.now()
    matching = []
    for n in range(55):  # 44 match: two full pages and four on the third
        title = "รายงานการประชุม" if n % 5 == 4 else f"{PROCUREMENT} {n}"
        added = add_item(ctx, title, published_at=now - timedelta(hours=n))
        if n % 5 != 4:
            matching.append(added.id)

    pages = [search.search(ctx, "จัดซื้อ", page) for page in (1, 2)]

    assert [h.item.id for h in pages[0].hits + pages[1].hits] == matching[:40]
    assert pages[0].has_next and pages[1].has_next
    assert [h.item.id for h in search.search(ctx, "จัดซื้อ", 3).hits] == matching[40:]


def test_search_marks_every_match_in_the_title_and_a_snippet_around_the_first_in_the_text(
    ctx: ServiceContext,
) -> None:
    body = "ก" * 300 + "ผลการจัดซื้อวัสดุสำนักงาน" + "ข" * 300
    add_item(ctx, "จัดซื้อและจัดซื้อ", body=body)

    [hit] = search.search(ctx, "  จัดซื้อ   ").hits

    assert hit.title == [("จัดซื้อ", True), ("และ", False), ("จัดซื้อ", True)]
    assert hit.snippet[0] == ("…", False) and hit.snippet[-1] == ("…", False)
    text = "".join(t for t, _ in hit.snippet)
    assert "ผลการจัดซื้อวัสดุ" in text and len(text) < 200
    assert [t for t, marked in hit.snippet if marked] == ["จัดซื้อ"]


def test_a_mark_keeps_the_tone_and_vowel_signs_of_its_last_letter() -> None:
    assert portal_text.highlight("ซื้อของ", ["ซื"]) == [("ซื้", True), ("อของ", False)]
    assert portal_text.highlight("ที่นี่", ["ท"]) == [("ที่", True), ("นี่", False)]
    cut = portal_text.snippet("ที่" + "ก" * 48 + "ข" * 300, ["ข"], length=20)  # would open on "ี่"
    assert cut[0] == ("…", False) and cut[1] == ("ก" * 20, False)


def test_an_empty_query_finds_nothing_without_asking_the_database(ctx: ServiceContext) -> None:
    assert search.search(ctx, "   ") == search.SearchResults("   ", [], [], 1, False)
    assert portal_text.search_terms("ก ข ก " + "ค" * 500) == ["ก", "ข", "ค" * 100]


def test_item_page_has_names_files_in_order_and_photos_with_thumbnails(ctx: ServiceContext) -> None:
    add_ita_item(ctx, 2570, "O20", "ประกาศการจัดซื้อจัดจ้าง")
    second, first = upload(ctx, filename="ข.pdf"), upload(ctx, filename="ก.pdf")
    photo, old_photo = upload(ctx, filename="ภาพ.pdf"), upload(ctx, filename="ภาพเก่า.pdf")
    added = add_item(
        ctx,
        PROCUREMENT,
        body="รายละเอียด",
        attachments=[second, first, "missing-file"],
        photos=[
            {
                "file": photo,
                "thumb": storage.thumbnail_id(photo),
                "caption": "คำบรรยาย",
                "alt_text": "ข้อความแทนภาพ",
            },
            {"file": old_photo, "caption": "", "alt_text": "ภาพเก่า"},  # published before thumbnails
        ],
        ita_item="O20",
        group="plan",
    )

    item = public_pages.get_item(ctx, added.id)

    assert item.category_name == _name(ctx, "1.9") and item.ita_title == "ประกาศการจัดซื้อจัดจ้าง"
    assert item.group == "กลุ่มนโยบายและแผน"
    assert [(f.filename, f.type_label) for f in item.files] == [("ข.pdf", "PDF"), ("ก.pdf", "PDF")]
    assert [(p.caption, p.alt_text) for p in item.photos] == [("คำบรรยาย", "ข้อความแทนภาพ"), ("", "ภาพเก่า")]
    assert item.photos[0].thumb_id == photo  # its thumbnail was never stored: the photo stands in
    assert item.photos[1].thumb_id == old_photo
    assert not item.withdrawn


def test_a_withdrawn_item_still_has_a_page_that_says_why(ctx: ServiceContext, clock: Clock) -> None:
    photo = upload(ctx, filename="ภาพ.pdf")
    added = add_item(ctx, PROCUREMENT, attachments=[upload(ctx)], photos=[{"file": photo, "alt_text": "ภาพ"}])
    withdraw(ctx, added.id, "ข้อมูลไม่ถูกต้อง", clock.advance(days=2))

    item = public_pages.get_item(ctx, added.id)

    assert item.withdrawn and item.withdrawn_reason == "ข้อมูลไม่ถูกต้อง" and item.withdrawn_at == clock()
    assert item.files == [] and item.photos == []  # not listed, and not served either
    with pytest.raises(NotFoundError):
        public_pages.get_item(ctx, added.id + 1000)


def test_file_types_are_named_as_people_know_them() -> None:
    assert portal_text.file_type("application/pdf", "a.pdf") == "PDF"
    assert portal_text.file_type("image/jpeg", "a.jpg") == "JPEG"
    assert (
        portal_text.file_type(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "a.docx"
        )
        == "Word"
    )
    assert portal_text.file_type("text/plain", "บันทึก.txt") == "TXT"
    assert portal_text.file_type("application/x-unknown", "noextension") == "application/x-unknown"


def test_feed_has_the_newest_items_with_a_short_summary(ctx: ServiceContext) -> None:
    now = ctx.now()
    for n in range(35):
        add_item(ctx, f"ประกาศ {n}", body="ข" * 400, published_at=now - timedelta(days=n))

    feed = feeds.category_feed(ctx, "1.9")

    assert len(feed.entries) == feeds.FEED_SIZE and feed.entries[0].item.title == "ประกาศ 0"
    assert len(feed.entries[0].summary) == portal_text.SUMMARY_LENGTH + 1 and feed.updated == now
    assert feeds.category_feed(ctx, "1.1").entries == []
    with pytest.raises(NotFoundError):
        feeds.category_feed(ctx, "no-such-code")


def test_sitemap_chunks_hold_published_items_by_id(ctx: ServiceContext) -> None:
    kept = add_item(ctx, "อยู่")
    gone = add_item(ctx, "ถอนแล้ว")
    withdraw(ctx, gone.id, "ผิด")

    assert feeds.sitemap_chunks(ctx) == 1
    assert [i.id for i in feeds.sitemap_items(ctx, 1)] == [kept.id]
    assert feeds.sitemap_items(ctx, 2) == []


def test_views_are_counted_per_item_and_bangkok_day(ctx: ServiceContext, clock: Clock) -> None:
    added = add_item(ctx, PROCUREMENT)
    gone = add_item(ctx, "ถอนแล้ว")
    withdraw(ctx, gone.id, "ผิด")
    clock.current = clock.current.replace(hour=16, minute=30)  # 23:30 in Bangkok, 16 Nov

    assert public_pages.record_view(ctx, added.id) and public_pages.record_view(ctx, added.id)
    clock.advance(hours=1)  # 00:30 on 17 Nov in Bangkok, still the 16th in UTC
    assert public_pages.record_view(ctx, added.id)
    assert not public_pages.record_view(ctx, gone.id)
    assert not public_pages.record_view(ctx, 999_999)

    with ctx.db.read() as session:
        days = dict(session.execute(select(ItemViewDay.day, ItemViewDay.views)).all())  # type: ignore[arg-type]
        total = session.scalar(select(PublishedItem.views).where(PublishedItem.id == added.id))
    assert days == {date(2026, 11, 16): 2, date(2026, 11, 17): 1}
    assert total == 3


@pytest.mark.parametrize(
    ("agent", "robot"),
    [
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("Mozilla/5.0 (compatible; bingbot/2.0)", True),
        ("facebookexternalhit/1.1", True),
        ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36", False),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Safari/604.1", False),
        ("", False),
    ],
)
def test_robots_that_say_so_are_told_apart(agent: str, robot: bool) -> None:
    assert portal_text.looks_like_robot(agent) is robot
