"""Publishing through every procedure, the O items the publisher confirms, the item audit, withdraw and
republish.

Each procedure is walked the way its users do it (tests/scenarios), filed under a category of this
test's own catalogue, so what lands on the portal is known exactly.
"""

from __future__ import annotations

import dataclasses
import io
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from bpmnpub.engine import OperatorCall
from bpmnpub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from bpmnpub.models import (
    Category,
    InstanceEvent,
    ItaFramework,
    ItaItem,
    ItemEvent,
    ProcessInstance,
    PublishedItem,
    StoredFile,
)
from bpmnpub.services.catalogue import o_items
from bpmnpub.services.files import file_access, storage
from bpmnpub.services.kernel import trail
from bpmnpub.services.kernel.context import ServiceContext, StepScope
from bpmnpub.services.portal import portal_text, public_pages, published_items, publishing
from bpmnpub.services.requests import instances, tasks

from ..blobs import image as image_of
from ..photos import jpeg
from ..scenarios import runner
from ..scenarios.paths import PLAN, REPORT_O_ITEM, SCENARIOS, SHOT, captioned, captions
from ..scenarios.runner import Expect, Scenario, Step
from .conftest import PDF, task_id

FY = 2570  # the fiscal year of the test clock (16 Nov 2026)
MAPPED, UNMAPPED = "T.1", "T.2"

# The forms on which a publisher confirms the O items an item answers.
CONFIRMING_FORMS = {"certify_form", "publish_check_form", "publish_confirm_form", "pdpa_check_form"}
# The path of every procedure that publishes, and what it puts on the portal.
PUBLISHING_PATHS = {
    "general_publication-approve": ("document", "attachments"),
    "memo_publication-approve": ("document", "attachments"),
    "photo_publication-approve": ("album", None),
    "regulatory_publication-continue": ("document", "attachments"),
    "semiannual_report-by-publisher-published": ("report", None),  # the files it made: test_semiannual.py
    "publication_programme-by-publisher": ("document", "announcement_files"),
}


@pytest.fixture
def catalogue(ctx: ServiceContext) -> None:
    """Categories T.1 (mapped to O items OT2 and OT1 of FY 2570, OT1 first by order) and T.2 (mapped
    to none). OT2 is made first, so only `sort_order` puts OT1 first."""
    now = ctx.now()
    with ctx.db.write() as session:
        if session.get(ItaFramework, FY) is None:
            session.add(ItaFramework(fiscal_year=FY, title=f"ITA {FY}", created_at=now))
            session.flush()
        second = ItaItem(fiscal_year=FY, code="OT2", title="ข้อสอง", sort_order=902)
        first = ItaItem(fiscal_year=FY, code="OT1", title="ข้อหนึ่ง", sort_order=901)
        session.add_all([second, first])
        mapped = Category(code=MAPPED, name="หมวดทดสอบ", created_at=now, updated_at=now, sort_order=900)
        mapped.ita_items = [second, first]
        unmapped = Category(code=UNMAPPED, name="หมวดไม่มีตัวชี้วัด", created_at=now, updated_at=now)
        session.add_all([mapped, unmapped])


def filed_under(scenario: Scenario, code: str, confirmed: list[str] | None = None) -> Scenario:
    """The scenario filed under category `code`; with `confirmed`, the publisher ticks those O items
    on every form that asks."""

    def changed(step: Step) -> Step:
        data = {**step.data, "category": code} if "category" in step.data else dict(step.data)
        if confirmed is not None and step.form in CONFIRMING_FORMS:
            data["ita_items"] = confirmed
        return dataclasses.replace(step, data=data)

    steps = [changed(s) if isinstance(s, Step) else s for s in scenario.steps]
    return dataclasses.replace(scenario, steps=steps)


def walk(
    ctx: ServiceContext,
    clock: Any,
    actor: Any,
    path: str,
    code: str = MAPPED,
    confirmed: list[str] | None = None,
) -> tuple[int, dict[str, Any]]:
    scenario = next(s for s in SCENARIOS if s.id == path)
    return runner.walk(ctx, clock, actor, filed_under(scenario, code, confirmed))


def confirmed_of(ctx: ServiceContext, item_id: int) -> list[str]:
    with ctx.db.read() as session:
        return o_items.confirmed_codes(session, [item_id]).get(item_id, [])


def item_of(ctx: ServiceContext, instance_id: int) -> PublishedItem:
    with ctx.db.read() as session:
        item = session.scalar(select(PublishedItem).where(PublishedItem.instance_id == instance_id))
        assert item is not None, f"request {instance_id} published nothing"
        session.expunge(item)
        return item


def audit(ctx: ServiceContext, item_id: int) -> list[ItemEvent]:
    with ctx.db.read() as session:
        events = list(
            session.scalars(select(ItemEvent).where(ItemEvent.item_id == item_id).order_by(ItemEvent.id))
        )
        session.expunge_all()
        return events


# --- publishing through every procedure -----------------------------------------------------------------


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("path", sorted(PUBLISHING_PATHS))
def test_every_procedure_publishes_under_its_category_and_the_o_items_a_person_confirmed(
    ctx: ServiceContext, clock: Any, actor: Any, path: str
) -> None:
    """The category T.1 suggests OT1 and OT2; the publisher confirms OT2 only, and only OT2 is filed.
    A procedure whose forms ask nobody (the programme, the six-monthly report) files none confirmed."""
    kind, files_field = PUBLISHING_PATHS[path]
    iid, data = walk(ctx, clock, actor, path, confirmed=["OT2"])
    item = item_of(ctx, iid)
    asks = "ita_items" in data
    report = path.startswith("semiannual_report")  # the director files it under the O item they choose
    expected = ("OT2", ["OT2"]) if asks else (REPORT_O_ITEM, [REPORT_O_ITEM]) if report else (None, [])
    assert (item.kind, item.category, item.status) == (kind, MAPPED, "published")
    assert (item.ita_item, confirmed_of(ctx, item.id)) == expected
    assert (item.ita_confirmed_at is not None) is (asks or report)
    assert item.fiscal_year == FY
    if files_field:
        assert item.attachments == data[files_field]
        names = [storage.get_file(ctx, f)[0].filename for f in item.attachments]
        assert all(name.lower() in item.search_text for name in names)  # file names are searchable
    [published] = audit(ctx, item.id)
    assert (published.action, published.instance_id) == ("published", iid)
    assert published.details["category"] == MAPPED
    assert published.details.get("ita_items") == (["OT2"] if asks else [REPORT_O_ITEM] if report else None)
    assert published.actor_id is not None


def test_the_procedures_that_publish_ask_their_publisher_which_o_items() -> None:
    asking = {p for p in PUBLISHING_PATHS if any(s.form in CONFIRMING_FORMS for s in scenario_of(p).steps)}
    assert asking == {
        "general_publication-approve",
        "memo_publication-approve",
        "photo_publication-approve",
        "regulatory_publication-continue",
    }


def scenario_of(path: str) -> Scenario:
    return next(s for s in SCENARIOS if s.id == path)


@pytest.mark.usefixtures("catalogue")
def test_an_album_has_clean_photos_thumbnails_and_its_pdpa_check(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    iid, data = walk(ctx, clock, actor, "photo_publication-approve")
    item = item_of(ctx, iid)
    chosen = [p for p in data["photos"] if p["publish"]]
    assert [set(p) for p in item.photos] == [{"file", "thumb", "caption", "alt_text"}] * len(chosen)
    assert [(p["file"], p["caption"], p["alt_text"]) for p in item.photos] == [
        (p["file"], p["caption"], p["alt_text"]) for p in chosen
    ]
    for photo in item.photos:
        assert photo["thumb"] == storage.thumbnail_id(photo["file"])
        thumb, _ = storage.get_file(ctx, photo["thumb"])
        assert thumb.content_type == "image/webp"
        with image_of(ctx, photo["thumb"]) as image:
            assert image.format == "WEBP"
    assert all(p["caption"].lower() in item.search_text for p in chosen)
    [published] = audit(ctx, item.id)
    assert published.details["pdpa"] == {
        "people_identifiable": True,
        "children_present": True,
        "consent_on_file": False,
        "measures": ["blur", "wide_shot"],
        "comment": "",
    }
    page = public_pages.get_item(ctx, item.id)  # the public never sees the PDPA check
    assert "pdpa" not in repr(page).lower()


@pytest.mark.usefixtures("catalogue")
def test_the_album_records_the_pdpa_check_that_let_it_through(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    """A check sent back with measures ticked, then passed with consent on file: only the last counts."""
    check = {"people_identifiable": True, "children_present": True}
    sent_back = {
        **check,
        "consent_on_file": False,
        "measures": ["blur"],
        "decision": "revise",
        "comment": "ขอหนังสือยินยอม",
    }
    steps = [
        Step("Task_PlanPhotography", "owner1", "photo_plan_form", {**PLAN, "category": MAPPED}),
        Step("Task_ShootAndSelect", "pr1", "photo_select_form", {"photos": SHOT}),
        captions(),
        Step("Task_PdpaCheck", "pr1", "pdpa_check_form", sent_back),
        Step("Task_ShootAndSelect", "pr1", "photo_select_form", {"photos": captioned("<jpg:2>")}),
        captions(),
        Step(
            "Task_PdpaCheck",
            "pr1",
            "pdpa_check_form",
            {**check, "consent_on_file": True, "decision": "approve"},
        ),
    ]
    scenario = Scenario("pdpa", "photo_publication", "owner1", steps, Expect("running", ""))
    iid, _ = runner.walk(ctx, clock, actor, scenario)
    [published] = audit(ctx, item_of(ctx, iid).id)
    assert published.details["pdpa"] == {**check, "consent_on_file": True, "measures": [], "comment": ""}


@pytest.mark.usefixtures("catalogue")
def test_a_publisher_who_ticks_nothing_confirms_the_item_answers_none(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    iid, _ = walk(ctx, clock, actor, "general_publication-approve", MAPPED, confirmed=[])
    item = item_of(ctx, iid)
    assert (item.ita_item, confirmed_of(ctx, item.id), item.ita_confirmed_at) == (None, [], clock())


# --- the publish operator itself ------------------------------------------------------------------------


def publish(
    ctx: ServiceContext,
    actor: Any,
    request: int | None = None,
    *,
    data: dict[str, Any] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Call the publish operator of `request` (a fresh one by default; `data` its task data) in one
    transaction, as the engine does. The stored files it names are the request's own (its forms
    referred to them) unless `own_files` is False."""
    owner = actor("owner1")
    own_files = params.pop("own_files", True)
    if request is None:
        request = instances.start_instance(ctx, "general_publication", None, owner).id
    now = ctx.now()
    with ctx.db.write() as session:
        instance = session.get(ProcessInstance, request)
        assert instance is not None
        named = [*params.get("attachments", []), *(p["file"] for p in params.get("photos", []))]
        stored = session.scalars(select(StoredFile.id).where(StoredFile.id.in_(named))).all()
        if own_files:
            file_access.record_request_files(session, request, [("attachments", f) for f in stored], now)
        operator = partial(publishing.publish_item, StepScope(ctx, session, instance, owner.id, now))
        defaults = {"kind": "document", "title": "ประกาศทดสอบ", "body": "", "category": MAPPED}
        call = OperatorCall("publish_item", {**defaults, **params}, data or {}, "Task_PublishItem", now)
        result: dict[str, Any] = operator(call)
        return result


@pytest.mark.usefixtures("catalogue")
def test_publishing_again_updates_the_same_item(ctx: ServiceContext, clock: Any, actor: Any) -> None:
    first = publish(ctx, actor, title="ประกาศ ฉบับแรก")
    request = item_of_id(ctx, first["id"]).instance_id
    published_items.withdraw_item(ctx, actor("publisher1"), first["id"], "รอฉบับแก้ไข")
    clock.advance(days=1)
    again = publish(ctx, actor, request, title="ประกาศ ฉบับแก้ไข", category=UNMAPPED)
    assert (again["id"], again["published_at"]) == (first["id"], first["published_at"])
    item = item_of_id(ctx, first["id"])
    assert (item.title, item.category, item.ita_item, item.status) == (
        "ประกาศ ฉบับแก้ไข",
        UNMAPPED,
        None,
        "published",
    )
    assert (item.withdrawn_at, item.withdrawn_reason, item.updated_at) == (None, None, clock())
    events = audit(ctx, item.id)
    assert [e.action for e in events] == ["published", "withdrawn", "updated"]
    assert events[-1].details["was_withdrawn"] is True


@pytest.mark.usefixtures("catalogue")
def test_the_mapping_never_files_an_o_item_by_itself_a_named_or_ticked_one_does(
    ctx: ServiceContext, actor: Any
) -> None:
    assert publish(ctx, actor)["ita_item"] is None  # T.1 suggests OT1 and OT2: nobody confirmed
    assert publish(ctx, actor, ita_item="OT2")["ita_item"] == "OT2"  # named by a form (a director)
    assert publish(ctx, actor, category=UNMAPPED, ita_item="OT2")["ita_item"] == "OT2"
    ticked = publish(ctx, actor, ita_items=["OT2", "OT1"])
    assert (ticked["ita_item"], confirmed_of(ctx, ticked["id"])) == ("OT1", ["OT1", "OT2"])


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"category": "9.99"}, "not in the office catalogue"),
        ({"category": ""}, "without a category"),
        ({"ita_item": "O999"}, "not an ITA item of fiscal year 2570"),
        ({"ita_items": ["OT1", "O999"]}, "O999 is not an ITA item of fiscal year 2570"),
        ({"attachments": ["0" * 32]}, "files not found"),
        ({"kind": "album", "photos": []}, "PDPA check"),
    ],
)
def test_the_publish_step_refuses_what_it_cannot_file(
    ctx: ServiceContext, actor: Any, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        publish(ctx, actor, **params)
    with ctx.db.read() as session:
        assert session.scalar(select(PublishedItem.id)) is None


@pytest.mark.usefixtures("catalogue")
def test_the_publish_step_puts_only_the_requests_own_files_on_the_portal(
    ctx: ServiceContext, actor: Any
) -> None:
    """A diagram that passes an id from anywhere (free text, another request) publishes nothing."""
    other = storage.upload_file(ctx, io.BytesIO(PDF), "ของคนอื่น.pdf", actor_id=actor("owner2").id).id
    with pytest.raises(ValueError, match="not part of this request"):
        publish(ctx, actor, attachments=[other], own_files=False)
    with ctx.db.read() as session:
        assert session.scalar(select(PublishedItem.id)) is None
    with pytest.raises(NotFoundError):
        file_access.open_file(ctx, other)


@pytest.mark.usefixtures("catalogue")
def test_every_published_photo_is_an_image_with_alt_text(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    photo = storage.upload_file(ctx, io.BytesIO(jpeg()), "ภาพ.jpg", actor_id=owner.id).id
    pdf = storage.upload_file(ctx, io.BytesIO(PDF), "ประกาศ.pdf", actor_id=owner.id).id
    album = {"kind": "album", "pdpa": {"people_identifiable": False}}
    with pytest.raises(ValueError, match="has no alt text"):
        publish(
            ctx, actor, **album, photos=[{"file": photo, "caption": "ภาพ", "alt_text": " ", "publish": True}]
        )
    with pytest.raises(ValueError, match="is not an image"):
        publish(ctx, actor, **album, photos=[{"file": pdf, "alt_text": "เอกสาร", "publish": True}])
    chosen = [{"file": photo, "alt_text": "ครูยืนเรียงแถว", "publish": True}, {"file": pdf, "publish": False}]
    result = publish(ctx, actor, **album, photos=chosen)
    item = item_of_id(ctx, result["id"])
    assert item.photos == [
        {"file": photo, "thumb": storage.thumbnail_id(photo), "caption": "", "alt_text": "ครูยืนเรียงแถว"}
    ]


@pytest.mark.usefixtures("catalogue")
def test_an_album_from_an_older_diagram_takes_the_pdpa_answers_from_the_request(
    ctx: ServiceContext, actor: Any
) -> None:
    photo = storage.upload_file(ctx, io.BytesIO(jpeg()), "ภาพ.jpg", actor_id=actor("pr1").id).id
    answers = {"people_identifiable": False, "children_present": False, "consent_on_file": True}
    chosen = [{"file": photo, "alt_text": "ห้องประชุม", "publish": True}]
    result = publish(ctx, actor, kind="album", photos=chosen, data={**answers, "comment": "ภาพมุมกว้าง"})
    [published] = audit(ctx, result["id"])
    assert published.details["pdpa"] == {**answers, "measures": [], "comment": "ภาพมุมกว้าง"}


def item_of_id(ctx: ServiceContext, item_id: int) -> PublishedItem:
    with ctx.db.read() as session:
        item = session.get(PublishedItem, item_id)
        assert item is not None
        session.expunge(item)
        return item


# --- a failed publish step, fixed by an admin ------------------------------------------------------------


@pytest.mark.usefixtures("catalogue")
def test_a_category_gone_from_the_catalogue_fails_the_step_until_it_is_back(
    ctx: ServiceContext, clock: Any, actor: Any
) -> None:
    scenario = filed_under(next(s for s in SCENARIOS if s.id == "general_publication-approve"), MAPPED)
    iid, _ = runner.walk(ctx, clock, actor, dataclasses.replace(scenario, steps=scenario.steps[:-1]))
    rename(ctx, MAPPED, "T.1-old")  # an admin recoded the category while the request was in review
    publisher = actor("publisher1")
    tasks.complete_task(ctx, task_id(ctx, publisher, iid), {"certified": True}, publisher)
    failed = instances.get_instance(ctx, iid, actor("admin1"))
    assert failed.status == "error"
    assert "'T.1' is not in the office catalogue" in (failed.events[-1].comment or "")
    with ctx.db.read() as session:
        assert session.scalar(select(PublishedItem.id)) is None
    rename(ctx, "T.1-old", MAPPED)
    retried = instances.retry_instance(ctx, iid, actor("admin1"), "คืนรหัสหมวดหมู่แล้ว")
    assert (retried.status, retried.outcome) == ("completed", "published")
    assert item_of(ctx, iid).ita_item is None  # the publisher was asked nothing here
    assert trail.verify(ctx).intact  # the failed step's savepoint left no hole in the request's chain


def rename(ctx: ServiceContext, old: str, new: str) -> None:
    with ctx.db.write() as session:
        category = session.scalar(select(Category).where(Category.code == old))
        assert category is not None
        category.code = new


# --- withdraw and republish -----------------------------------------------------------------------------


@pytest.fixture
def published(ctx: ServiceContext, clock: Any, actor: Any, catalogue: None) -> PublishedItem:
    iid, _ = walk(ctx, clock, actor, "general_publication-approve")
    return item_of(ctx, iid)


def test_a_publisher_withdraws_with_a_reason_and_the_url_stays(
    ctx: ServiceContext, clock: Any, actor: Any, published: PublishedItem
) -> None:
    before = public_pages.get_item(ctx, published.id)
    [attachment] = published.attachments
    assert file_access.open_file(ctx, attachment)[0].id == attachment
    when = clock.advance(hours=2)
    change = published_items.withdraw_item(ctx, actor("publisher1"), published.id, "  ข้อมูลผิด รอแก้ไข  ")
    assert (change.status, change.withdrawn_reason, change.withdrawn_at) == (
        "withdrawn",
        "ข้อมูลผิด รอแก้ไข",
        when,
    )
    assert change.url == portal_text.public_url("", before.id, before.slug)
    page = public_pages.get_item(ctx, published.id)  # still answers at its URL, as withdrawn
    assert (page.slug, page.status, page.withdrawn_reason) == (before.slug, "withdrawn", "ข้อมูลผิด รอแก้ไข")
    with pytest.raises(NotFoundError):
        file_access.open_file(ctx, attachment)
    assert [i.id for i in publishing.list_public_items(ctx)] == []
    item = item_of(ctx, published.instance_id or 0)
    assert (item.withdrawn_by_id, item.updated_at) == (actor("publisher1").id, when)
    event = audit(ctx, published.id)[-1]
    assert (event.action, event.reason, event.actor_id) == (
        "withdrawn",
        "ข้อมูลผิด รอแก้ไข",
        actor("publisher1").id,
    )
    assert timeline(ctx, published.instance_id)[-1] == ("item_withdrawn", "ข้อมูลผิด รอแก้ไข", published.id)


def test_republish_brings_the_same_item_back_at_the_same_url(
    ctx: ServiceContext, clock: Any, actor: Any, published: PublishedItem
) -> None:
    published_items.withdraw_item(ctx, actor("pr1"), published.id, "ตรวจสอบไฟล์")
    when = clock.advance(days=1)
    change = published_items.republish_item(ctx, actor("admin1"), published.id, "")
    assert (change.status, change.withdrawn_at, change.withdrawn_reason) == ("published", None, None)
    assert change.updated_at == when
    page = public_pages.get_item(ctx, published.id)
    assert (page.id, page.slug, page.status, page.published_at) == (
        published.id,
        published.slug,
        "published",
        published.published_at,
    )
    assert file_access.open_file(ctx, published.attachments[0])
    assert [e.action for e in audit(ctx, published.id)] == ["published", "withdrawn", "republished"]
    assert [t[0] for t in timeline(ctx, published.instance_id)[-2:]] == ["item_withdrawn", "item_republished"]


def test_withdraw_and_republish_only_in_the_right_state(
    ctx: ServiceContext, actor: Any, published: PublishedItem
) -> None:
    publisher = actor("publisher1")
    with pytest.raises(ConflictError):
        published_items.republish_item(ctx, publisher, published.id, "")
    published_items.withdraw_item(ctx, publisher, published.id, "ครั้งแรก")
    with pytest.raises(ConflictError):
        published_items.withdraw_item(ctx, publisher, published.id, "ครั้งที่สอง")
    assert [e.action for e in audit(ctx, published.id)] == ["published", "withdrawn"]
    with pytest.raises(NotFoundError):
        published_items.withdraw_item(ctx, publisher, 999_999, "ไม่มีรายการนี้")


@pytest.mark.parametrize("reason", ["", "   ", "ก" * 2001])
def test_a_withdrawal_needs_a_reason_of_sensible_length(
    ctx: ServiceContext, actor: Any, published: PublishedItem, reason: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        published_items.withdraw_item(ctx, actor("publisher1"), published.id, reason)
    assert [p.field for p in caught.value.problems] == ["reason"]
    assert item_of(ctx, published.instance_id or 0).status == "published"


@pytest.mark.parametrize("username", ["owner1", "gdir_plan", "director1", "legal1", "procowner1"])
def test_nobody_else_withdraws_republishes_or_reads_the_audit(
    ctx: ServiceContext, actor: Any, published: PublishedItem, username: str
) -> None:
    who = actor(username)
    with pytest.raises(PermissionDeniedError):
        published_items.withdraw_item(ctx, who, published.id, "ไม่มีสิทธิ์")
    published_items.withdraw_item(ctx, actor("publisher1"), published.id, "ตรวจสอบ")
    with pytest.raises(PermissionDeniedError):
        published_items.republish_item(ctx, who, published.id, "")
    with pytest.raises(PermissionDeniedError):
        published_items.list_items(ctx, who)
    with pytest.raises(PermissionDeniedError):
        published_items.get_item_history(ctx, who, published.id)


def timeline(ctx: ServiceContext, instance_id: int | None) -> list[tuple[str, str | None, Any]]:
    with ctx.db.read() as session:
        rows = session.scalars(
            select(InstanceEvent).where(InstanceEvent.instance_id == instance_id).order_by(InstanceEvent.id)
        )
        return [(e.action, e.comment, (e.details or {}).get("item_id")) for e in rows]


# --- the publishers' list and an item's audit trail ------------------------------------------------------


def test_the_list_searches_filters_and_pages(
    ctx: ServiceContext, clock: Any, actor: Any, published: PublishedItem
) -> None:
    publisher = actor("publisher1")
    clock.advance(hours=1)
    iid, _ = walk(ctx, clock, actor, "memo_publication-approve", UNMAPPED)
    memo = item_of(ctx, iid)
    clock.advance(minutes=5)
    published_items.withdraw_item(ctx, publisher, published.id, "ตรวจสอบ")
    everything = published_items.list_items(ctx, publisher)
    assert [i.id for i in everything.items] == [published.id, memo.id]  # the last changed first
    assert everything.categories == sorted([MAPPED, UNMAPPED])
    first = everything.items[0]
    assert first.last_change is not None
    assert (first.last_change.action, first.last_change.actor) == ("withdrawn", "นางสาวกานดา เผยแพร่")
    assert (first.views, first.url) == (0, portal_text.public_url("", published.id, published.slug))
    assert [i.id for i in published_items.list_items(ctx, publisher, status="withdrawn").items] == [
        published.id
    ]
    assert [i.id for i in published_items.list_items(ctx, publisher, category=UNMAPPED).items] == [memo.id]
    assert [i.id for i in published_items.list_items(ctx, publisher, q=memo.title[3:12]).items] == [memo.id]
    assert published_items.list_items(ctx, publisher, q="100%_").total == 0
    paged = published_items.list_items(ctx, publisher, per_page=1, page=2)
    assert ([i.id for i in paged.items], paged.total, paged.pages) == ([memo.id], 2, 2)


def test_the_audit_trail_of_an_item(ctx: ServiceContext, actor: Any, published: PublishedItem) -> None:
    published_items.withdraw_item(ctx, actor("publisher1"), published.id, "ตรวจสอบ")
    history = published_items.get_item_history(ctx, actor("admin1"), published.id)
    assert history.request_id == published.instance_id
    assert (history.withdrawn_by, history.withdrawn_reason) == ("นางสาวกานดา เผยแพร่", "ตรวจสอบ")
    assert [(e.action, e.actor, e.reason) for e in history.events] == [
        ("published", "นางสาวกานดา เผยแพร่", ""),
        ("withdrawn", "นางสาวกานดา เผยแพร่", "ตรวจสอบ"),
    ]
    with pytest.raises(NotFoundError):
        published_items.get_item_history(ctx, actor("admin1"), 999_999)
