"""The memo (บันทึกข้อความ) of a request: seed 001's form with the real names, positions, decisions and
Buddhist-era dates of the people who signed in the system, printed as a PDF a person can read."""

from __future__ import annotations

import io
import time
from datetime import date
from typing import Any

import pytest
from PIL import Image

from bpmnpub.documents import Endorsement
from bpmnpub.errors import NotFoundError, PermissionDeniedError, ValidationError
from bpmnpub.services.catalogue import categories
from bpmnpub.services.kernel import office_settings
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts, settings_editor
from bpmnpub.services.records import memo
from bpmnpub.services.requests import instances, tasks

from .. import pdflayout, pdftools
from ..conftest import Clock
from .conftest import request_data, task_id, upload_pdf

NAMES = {
    "owner1": "นางสาวสมใจ ใจดี",
    "legal1": "นายนิติ ยุติธรรม",
    "gdir_plan": "นางวันเพ็ญ แสงทอง",
    "publisher1": "นางสาวกานดา เผยแพร่",
    "deputy1": "นางรัชนี ศรีสุข",
    "director1": "นายบุญสม โพธิ์เงิน",
}


def memo_data(file_id: str, **overrides: Any) -> dict[str, Any]:
    """A memo_request_form submission: seed 001's memo as owner1 fills it in."""
    data = {
        "office_unit": "สพป.ฉะเชิงเทรา เขต 1 กลุ่มนโยบายและแผน",
        "document_number": "ศธ 04032/123",
        "memo_date": "2026-11-16",
        "title": "ขออนุญาตเผยแพร่ข้อมูลบนเว็บไซต์",
        "requester_name": "นางสาวสมใจ ใจดี",
        "requester_position": "นักวิเคราะห์นโยบายและแผนชำนาญการ",  # the profile says นักวิเคราะห์นโยบายและแผน
        "requester_group": "plan",
        "topic": "แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570",
        "category": "1.3",
        "description": "แผนปฏิบัติการประจำปีของสำนักงาน 45 โครงการ",
        "purpose": "เพื่อเผยแพร่ประชาสัมพันธ์งานที่ดำเนินการ ต่อผู้รับบริการภายในและภายนอกหน่วยงาน",
        "file_formats": ["pdf", "word"],
        "delivery_channel": "email",
        "delivery_email": "owner1@example.go.th",
        "attachments": [file_id],
    }
    data.update(overrides)
    return data


class Walk:
    """Moves one request through its steps, a day apart, as the demo users."""

    def __init__(self, ctx: ServiceContext, clock: Clock, actor: Any, instance_id: int) -> None:
        self.ctx, self.clock, self.actor, self.id = ctx, clock, actor, instance_id

    def do(self, username: str, data: dict[str, Any], who: Any = None) -> None:
        self.clock.advance(days=1)
        person = who or self.actor(username)
        tasks.complete_task(self.ctx, task_id(self.ctx, person, self.id), data, person)


def file_memo(ctx: ServiceContext, clock: Clock, actor: Any, **overrides: Any) -> Walk:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "memo_publication", None, owner)
    walk = Walk(ctx, clock, actor, started.id)
    walk.do("owner1", memo_data(upload_pdf(ctx, owner, name="แผนปฏิบัติการ.pdf"), **overrides))
    return walk


@pytest.fixture
def published_memo(ctx: ServiceContext, clock: Clock, actor: Any) -> int:
    """A memo_publication request that went through every block, with one revise round at the group
    director's, and was published."""
    walk = file_memo(ctx, clock, actor)
    walk.do("legal1", {"decision": "approve", "comment": "ไม่ขัดต่อกฎหมาย"})
    walk.do("gdir_plan", {"decision": "revise", "comment": "แนบไฟล์ฉบับล่าสุด"})
    walk.do("owner1", memo_data(upload_pdf(ctx, actor("owner1"), name="แผนฉบับแก้ไข.pdf")))
    walk.do("legal1", {"decision": "approve", "comment": "ไม่ขัดต่อกฎหมาย"})  # the revision goes back through
    walk.do("gdir_plan", {"decision": "approve"})
    walk.do("publisher1", {"decision": "approve", "certified": True})
    walk.do("deputy1", {"decision": "recommend_allow"})
    walk.do("director1", {"decision": "approve"})
    walk.do("publisher1", {"confirmed": True})
    return walk.id


def blocks(document: Any) -> dict[str, Endorsement]:
    return {e.heading: e for e in document.endorsements}


def test_a_published_memo_carries_every_signature(
    ctx: ServiceContext, actor: Any, published_memo: int
) -> None:
    document = memo.get_memo(ctx, published_memo, actor("owner1"))
    assert (document.office_unit, document.number, document.document_number, document.subject) == (
        "สพป.ฉะเชิงเทรา เขต 1 กลุ่มนโยบายและแผน",
        "ศธ 04088",  # the demo office's code
        "ศธ 04032/123",  # as typed in the memo
        "ขออนุญาตเผยแพร่ข้อมูลบนเว็บไซต์",
    )
    assert document.date == "16 พฤศจิกายน 2569"
    assert document.to == "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต 2"  # the demo office
    opening = document.paragraphs[0]
    assert opening.startswith("ข้าพเจ้า นางสาวสมใจ ใจดี ตำแหน่ง นักวิเคราะห์นโยบายและแผนชำนาญการ กลุ่มนโยบายและแผน")
    assert "เรื่อง แผนปฏิบัติการประจำปีงบประมาณ พ.ศ. 2570" in opening
    assert f"ข้อ 1.3 {categories.category_names(ctx)['1.3']}" in opening
    assert "☑ PDF ☐ JPG ☑ Word" in document.paragraphs[-1]
    assert "☑ e-mail owner1@example.go.th ☐ ระบบ AMSS++ ☐ อื่น ๆ" in document.paragraphs[-1]
    assert document.attachments == ("แผนฉบับแก้ไข.pdf",)
    assert document.requester is not None
    assert (document.requester.name, document.requester.date) == (NAMES["owner1"], "20 พฤศจิกายน 2569")
    assert document.requester.position == "นักวิเคราะห์นโยบายและแผนชำนาญการ"  # the memo's, not the profile's

    by_heading = blocks(document)
    assert list(by_heading) == [
        "ความเห็นของนิติกร",
        "ความเห็นของผู้อำนวยการกลุ่ม/หน่วย",
        "ผู้มีหน้าที่เผยแพร่ข้อมูล/ผู้ดูแลระบบ",
        "ความเห็นของ รอง ผอ.สพป.พิษณุโลก เขต 2",
        "ความเห็นของผู้อำนวยการ สพป.พิษณุโลก เขต 2",
    ]
    legal, group, publisher, deputy, director = by_heading.values()
    assert (legal.opinion, legal.reason) == ("เห็นควรอนุญาต", "ไม่ขัดต่อกฎหมาย")
    # the latest round counts: the group director first sent it back, then approved
    assert (group.opinion, group.reason) == ("เห็นควรอนุญาต", "")
    assert publisher.statement.startswith("ข้าพเจ้าขอรับรองว่าข้อมูลที่ได้รับ ผ่านการตรวจสอบความถูกต้องเรียบร้อยแล้ว")
    assert deputy.choices == (("เห็นควรอนุญาต", True), ("เห็นควรไม่อนุญาต", False))
    assert director.choices == (("อนุญาต", True), ("ไม่อนุญาต", False))
    signed = [
        (e.signature.name, e.signature.date)
        for e in (legal, group, publisher, deputy, director)
        if e.signature
    ]
    assert signed == [
        # the legal officer's second opinion, on the revised memo (the first was of the old content)
        (NAMES["legal1"], "21 พฤศจิกายน 2569"),
        (NAMES["gdir_plan"], "22 พฤศจิกายน 2569"),
        (NAMES["publisher1"], "23 พฤศจิกายน 2569"),
        (NAMES["deputy1"], "24 พฤศจิกายน 2569"),
        (NAMES["director1"], "25 พฤศจิกายน 2569"),
    ]
    assert director.signature is not None and deputy.signature is not None
    # the profile says ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษา: the office-wide position gets the office in full
    assert director.signature.position == "ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต 2"
    assert deputy.signature.position == "รองผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต 2"
    assert group.signature is not None and group.signature.position == "ผู้อำนวยการกลุ่มนโยบายและแผน"
    assert [e.dated for e in by_heading.values()] == [False, False, False, True, True]  # as seed 001
    assert director.signature.signed_at == "25 พ.ย. 2569 09:00 น."
    assert document.note == "เผยแพร่บนเว็บไซต์ของสำนักงานแล้ว เมื่อ 26 พ.ย. 2569 09:00 น."


def test_the_pdf_reads_like_the_seed_form_in_thai_digits(
    ctx: ServiceContext, actor: Any, published_memo: int, backend: str
) -> None:
    emblem = io.BytesIO()
    Image.new("RGB", (120, 140), (180, 140, 20)).save(emblem, "PNG")
    settings_editor.update_settings(
        ctx,
        actor("admin1"),
        {
            "name": "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาฉะเชิงเทรา เขต 1",
            "short_name": "สพป.ฉะเชิงเทรา เขต 1",
            "address": "",
            "memo_prefix": "ศธ 04032/",
            "thai_digits": True,
        },
        emblem=settings_editor.Emblem(io.BytesIO(emblem.getvalue()), "ครุฑ.png"),
    )
    started = time.perf_counter()
    pdf = memo.memo_pdf(ctx, published_memo, actor("owner1")).content
    print(f"\nmemo rendered in {time.perf_counter() - started:.3f} s")
    assert pdftools.first_page_png(pdf, f"memo-publication-{backend}").exists()  # for a person to look at
    text = pdftools.text(pdf)
    for line in (
        "บันทึกข้อความ",
        "ส่วนราชการ สพป.ฉะเชิงเทรา เขต ๑ กลุ่มนโยบายและแผน",
        "ที่",
        "ศธ ๐๔๐๓๒/๑๒๓",
        "วันที่ ๑๖ พฤศจิกายน ๒๕๖๙",
        "เรื่อง",
        "เรียน ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาฉะเชิงเทรา เขต ๑",
        "จึงเรียนมาเพื่อโปรดพิจารณาอนุญาต",
        "ความเห็นของนิติกร",
        "ความเห็นของ รอง ผอ.สพป.ฉะเชิงเทรา เขต ๑",
        "☑ เห็นควรอนุญาต",
        "☑ อนุญาต",
        "☐ ไม่อนุญาต",
        "และขออนุญาต",
        "ลงนามโดยการอนุมัติในระบบ เมื่อ ๒๕ พ.ย. ๒๕๖๙ ๐๙:๐๐ น.",
        "ลงนามโดยการอนุมัติในระบบ เมื่อ ๒๑ พ.ย. ๒๕๖๙ ๐๙:๐๐ น.",  # the legal officer: no date line, as seed 001
        "วันที่ ๒๔ พฤศจิกายน ๒๕๖๙",  # the deputy's decision is dated
        f"คำขอเลขที่ {str(published_memo).translate(str.maketrans('0123456789', '๐๑๒๓๔๕๖๗๘๙'))}",
    ):
        assert pdftools.same(line) in text, line
    for name in NAMES.values():
        assert pdftools.same(f"({name})") in text, name
    assert pdftools.ASCII_DIGIT.findall(text) == ["1"], "every digit is Thai (but owner1's e-mail address)"
    assert ("Laksaman", True) in pdftools.fonts(pdf)
    assert ("Laksaman-Bold", True) in pdftools.fonts(pdf)
    assert all(embedded for _, embedded in pdftools.fonts(pdf))
    assert pdftools.image_count(pdf) == 1  # the emblem
    assert pdftools.page_count(pdf) == 1  # the usual chain, with a revise round, on one page
    flat = text.replace("\n", " ")
    assert pdftools.same("ตำแหน่ง นักวิเคราะห์นโยบายและแผนชำนาญการ") in flat  # as typed in the memo
    # the director's full position, wrapped in the half-page block as a typed memo wraps it
    assert pdftools.same("ผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาฉะเชิงเทรา เขต ๑") in text.replace("\n", "")
    words = pdflayout.words(pdf)
    assert len(words) > 150
    assert [
        (w.text, round(w.drawn / w.by_font, 3))
        for w in words
        if w.by_font and w.text.strip(".") and abs(w.drawn / w.by_font - 1) > 0.02
    ] == [], "every word is drawn as wide as its embedded font makes it"


def test_digits_follow_the_office_and_the_reader_may_override(
    ctx: ServiceContext, actor: Any, published_memo: int
) -> None:
    owner = actor("owner1")
    settings_editor.update_settings(ctx, actor("admin1"), {**_settings(ctx), "thai_digits": False})
    arabic = pdftools.text(memo.memo_pdf(ctx, published_memo, owner).content)
    assert "16 พฤศจิกายน 2569" in arabic
    assert not pdftools.THAI_DIGIT.search(arabic)
    thai = pdftools.text(memo.memo_pdf(ctx, published_memo, owner, digits="thai").content)
    assert "๑๖ พฤศจิกายน ๒๕๖๙" in thai
    with pytest.raises(ValidationError):
        memo.get_memo(ctx, published_memo, owner, digits="roman")


def _settings(ctx: ServiceContext) -> dict[str, Any]:
    current = office_settings.get_settings(ctx)
    return {k: getattr(current, k) for k in ("name", "short_name", "address", "memo_prefix", "thai_digits")}


def test_someone_acting_for_the_director_signs_as_acting_for(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    walk = file_memo(ctx, clock, actor)
    for username, data in (
        ("legal1", {"decision": "approve"}),
        ("gdir_plan", {"decision": "approve"}),
        ("publisher1", {"decision": "approve", "certified": True}),
        ("deputy1", {"decision": "recommend_allow"}),
    ):
        walk.do(username, data)
    accounts.add_delegation(
        ctx, actor("director1"), "deputy1", date(2026, 11, 16), date(2026, 11, 30), "ไปราชการ"
    )
    clock.advance(days=1)
    with ctx.db.read() as session:
        user = accounts.find_user(session, "deputy1")
        assert user is not None
        deputy = accounts.actor_with_delegations(session, user, date(2026, 11, 21))
    walk.do("deputy1", {"decision": "reject", "comment": "ข้อมูลส่วนบุคคลยังไม่ได้ปกปิด"}, who=deputy)

    document = memo.get_memo(ctx, walk.id, actor("owner1"))
    director = blocks(document)["ความเห็นของผู้อำนวยการ สพป.พิษณุโลก เขต 2"]
    assert director.choices == (("อนุญาต", False), ("ไม่อนุญาต", True))
    assert director.reason == "ข้อมูลส่วนบุคคลยังไม่ได้ปกปิด"
    assert director.signature is not None
    assert (director.signature.name, director.signature.acting_for) == (
        NAMES["deputy1"],
        f"รักษาราชการแทนผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต 2 ({NAMES['director1']})",
    )
    assert document.note.startswith("คำขอนี้ไม่ได้รับอนุญาต")
    text = pdftools.text(memo.memo_pdf(ctx, walk.id, actor("owner1")).content)
    wrapped = text.replace("\n", "")  # a half-page block wraps the long line between Thai words
    assert (
        pdftools.same(
            f"รักษาราชการแทนผู้อำนวยการสำนักงานเขตพื้นที่การศึกษาประถมศึกษาพิษณุโลก เขต ๒ ({NAMES['director1']})"
        )
        in wrapped
    )


def test_steps_not_yet_decided_are_empty_blocks(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    walk = file_memo(ctx, clock, actor)
    walk.do("legal1", {"decision": "approve"})
    walk.do("gdir_plan", {"decision": "revise", "comment": "แก้ชื่อเรื่อง"})
    document = memo.get_memo(ctx, walk.id, actor("gdir_plan"))
    legal, group, publisher, deputy, director = document.endorsements
    assert legal.signature is not None and legal.note == ""
    # sent back and not reconsidered yet: the latest decision stands, signed
    assert (group.opinion, group.reason) == ("ส่งกลับให้แก้ไข", "แก้ชื่อเรื่อง")
    assert [e.note for e in (publisher, deputy, director)] == ["ยังไม่ได้พิจารณา"] * 3
    assert director.choices == (("อนุญาต", False), ("ไม่อนุญาต", False))
    walk.do("owner1", memo_data(upload_pdf(ctx, actor("owner1"))))
    again = memo.get_memo(ctx, walk.id, actor("gdir_plan")).endorsements[1]
    assert (again.signature, again.note) == (None, "ยังไม่ได้พิจารณา")  # waiting for the new round


def test_a_general_publication_memo(ctx: ServiceContext, clock: Clock, actor: Any, backend: str) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    walk = Walk(ctx, clock, actor, started.id)
    walk.do("owner1", request_data(upload_pdf(ctx, owner), channels=["website", "newsletter"]))
    walk.do("gdir_plan", {"decision": "approve", "comment": "เห็นควรเผยแพร่"})
    walk.do("director1", {"decision": "approve"})
    walk.do("publisher1", {"certified": True})
    document = memo.get_memo(ctx, walk.id, actor("director1"))
    assert (document.office_unit, document.number, document.date) == (
        "สพป.พิษณุโลก เขต 2 กลุ่มนโยบายและแผน",  # the demo office
        "ศธ 04088",
        "17 พฤศจิกายน 2569",
    )
    assert document.subject == "ขออนุญาตเผยแพร่ข้อมูลข่าวสาร เรื่อง ประกาศผลการคัดเลือกครูผู้ช่วย"
    assert (
        "☑ เว็บไซต์ของสำนักงาน ☐ สื่อสังคมออนไลน์ ☑ จดหมายข่าว ☐ ป้ายประกาศภายในสำนักงาน" in (document.paragraphs[-1])
    )
    group, director, _ = document.endorsements
    assert (group.opinion, group.reason) == ("เห็นควรอนุญาต", "เห็นควรเผยแพร่")
    assert director.choices == (("อนุญาต", True), ("ไม่อนุญาต", False))
    assert [e.signature.name for e in document.endorsements if e.signature] == [
        NAMES["gdir_plan"],
        NAMES["director1"],
        NAMES["publisher1"],
    ]
    pdf = memo.memo_pdf(ctx, walk.id, owner).content
    assert pdftools.first_page_png(pdf, f"general-publication-{backend}").exists()  # for a person to look at
    text = pdftools.text(pdf)
    assert pdftools.same("ขออนุญาตเผยแพร่ข้อมูลข่าวสาร เรื่อง ประกาศผลการคัดเลือกครูผู้ช่วย") in text
    assert pdftools.same(f"({NAMES['publisher1']})") in text


def test_who_may_read_a_memo(ctx: ServiceContext, clock: Clock, actor: Any) -> None:
    walk = file_memo(ctx, clock, actor)
    with pytest.raises(PermissionDeniedError):
        memo.get_memo(ctx, walk.id, actor("owner2"))  # another group's staff
    with pytest.raises(NotFoundError):
        memo.get_memo(ctx, 999_999, actor("admin1"))
    photos = instances.start_instance(ctx, "photo_publication", None, actor("owner1"))
    with pytest.raises(NotFoundError):
        memo.get_memo(ctx, photos.id, actor("owner1"))
    assert memo.get_memo(ctx, walk.id, actor("legal1")).endorsements[0].note == "ยังไม่ได้พิจารณา"


def test_after_the_directors_send_back_the_memo_prints_only_endorsements_of_the_revision(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    """Issue 11: the revised memo went straight back to the director and printed the legal opinion, the
    group director's approval and the certification of the old content. Now it goes back through them,
    and until each has endorsed the revision again their block is empty."""
    walk = file_memo(ctx, clock, actor)
    walk.do("legal1", {"decision": "approve", "comment": "ไม่ขัดต่อกฎหมาย"})
    walk.do("gdir_plan", {"decision": "approve"})
    walk.do("publisher1", {"decision": "approve", "certified": True})
    walk.do("deputy1", {"decision": "recommend_allow"})
    walk.do("director1", {"decision": "revise", "comment": "ระบุปีงบประมาณในเรื่อง"})
    sent_back = memo.get_memo(ctx, walk.id, actor("owner1")).endorsements
    assert all(e.signature is not None for e in sent_back)  # the round the director sent back, whole
    assert sent_back[-1].opinion == "ส่งกลับให้แก้ไข"

    walk.do(
        "owner1", memo_data(upload_pdf(ctx, actor("owner1"), name="แผนฉบับแก้ไข.pdf"), topic="แผน ปีงบ 2570")
    )
    revised = memo.get_memo(ctx, walk.id, actor("owner1")).endorsements
    assert [e.signature for e in revised] == [None] * 5  # nothing endorses the revised content yet
    assert [e.note for e in revised] == ["ยังไม่ได้พิจารณา"] * 5

    walk.do("legal1", {"decision": "recommend_deny", "comment": "ควรตัดรายชื่อบุคคลออก"})
    walk.do("gdir_plan", {"decision": "approve"})  # the legal officer's opinion does not end the request
    legal, group, publisher, deputy, director = memo.get_memo(ctx, walk.id, actor("owner1")).endorsements
    assert (legal.opinion, legal.reason) == ("เห็นควรไม่อนุญาต", "ควรตัดรายชื่อบุคคลออก")
    assert legal.signature is not None and legal.signature.date == "24 พฤศจิกายน 2569"  # the second round's
    assert group.signature is not None and group.signature.date == "25 พฤศจิกายน 2569"
    assert [e.signature for e in (publisher, deputy, director)] == [None] * 3
    pdf = memo.memo_pdf(ctx, walk.id, actor("owner1")).content
    text = pdftools.text(pdf)
    assert NAMES["publisher1"] not in text and NAMES["deputy1"] not in text and NAMES["director1"] not in text
    assert pdftools.same("ลงนามโดยการอนุมัติในระบบ เมื่อ ๒๔ พ.ย. ๒๕๖๙ ๐๙:๐๐ น.") in text
    assert pdftools.same("ลงนามโดยการอนุมัติในระบบ เมื่อ ๑๘ พ.ย. ๒๕๖๙ ๐๙:๐๐ น.") not in text  # round one's
    pdftools.first_page_png(pdf, "memo-revised-round-2")


def test_the_general_memo_has_a_legal_block_only_when_the_legal_officer_was_asked(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    owner = actor("owner1")
    plain = instances.start_instance(ctx, "general_publication", None, owner).id
    tasks.complete_task(ctx, task_id(ctx, owner, plain), request_data(upload_pdf(ctx, owner)), owner)
    headings = [e.heading for e in memo.get_memo(ctx, plain, owner).endorsements]
    assert "ความเห็นของนิติกร" not in headings
    personal = instances.start_instance(ctx, "general_publication", None, owner).id
    data = request_data(upload_pdf(ctx, owner), personal_data=True)
    tasks.complete_task(ctx, task_id(ctx, owner, personal), data, owner)
    legal = actor("legal1")
    assert memo.get_memo(ctx, personal, owner).endorsements[0].heading == "ความเห็นของนิติกร"
    tasks.complete_task(ctx, task_id(ctx, legal, personal), {"decision": "approve"}, legal)
    first = memo.get_memo(ctx, personal, owner).endorsements[0]
    assert first.heading == "ความเห็นของนิติกร" and first.signature is not None
