"""PR records the other channels of a published item (seed 000 §2.2: Facebook page, newsletter,
notice board) with a link or a photo as evidence; bad input is a field error and stores nothing; a
second record of the same channel is a conflict; only PR (and administrators) record."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from bpmnpub.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from bpmnpub.models import FileReference, ItemChannel, ItemEvent, PublishedItem, StoredFile
from bpmnpub.services.files import file_access
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations import demo_requests
from bpmnpub.services.pages import item_page
from bpmnpub.services.portal import channels, published_items

from ..photos import jpeg
from .conftest import PDF


@pytest.fixture
def item_id(ctx: ServiceContext) -> int:
    demo_requests.create_demo_requests(ctx)
    with ctx.db.read() as session:
        found = session.scalar(select(func.min(PublishedItem.id)).where(PublishedItem.status == "published"))
    assert found is not None
    return int(found)


def counts(ctx: ServiceContext) -> tuple[int, int, int]:
    with ctx.db.read() as session:
        return (
            session.scalar(select(func.count(ItemChannel.id))) or 0,
            session.scalar(select(func.count(StoredFile.id))) or 0,
            session.scalar(select(func.count(ItemEvent.id)).where(ItemEvent.action.like("channel_%"))) or 0,
        )


def test_pr_records_a_link_and_a_photo_and_the_item_page_shows_them(
    ctx: ServiceContext, actor: Any, item_id: int
) -> None:
    pr = actor("pr1")
    link = channels.record_channel(
        ctx, pr, item_id, kind="facebook", url="https://www.facebook.com/obec.pl2/posts/1", note="โพสต์แรก"
    )
    photo = channels.Evidence(io.BytesIO(jpeg("board")), "บอร์ด.jpg")
    board = channels.record_channel(ctx, pr, item_id, kind="notice_board", url="", photo=photo)
    history = published_items.get_item_history(ctx, actor("publisher1"), item_id)
    assert [(c.kind, c.url, c.recorded_by) for c in history.channels] == [
        ("facebook", "https://www.facebook.com/obec.pl2/posts/1", "นายประชา สัมพันธ์"),
        ("notice_board", "", "นายประชา สัมพันธ์"),
    ]
    assert link.note == "โพสต์แรก" and board.file_id and board.thumbnail_id
    assert not history.may_record_channels  # publisher1 is no PR officer
    assert published_items.get_item_history(ctx, pr, item_id).may_record_channels
    # The photo is evidence the public may see while the item is published, and no longer once removed.
    info, _ = file_access.open_file(ctx, board.file_id)
    assert info.content_type == "image/jpeg"
    assert [e.action for e in history.events if e.action.startswith("channel_")] == ["channel_added"] * 2
    channels.remove_channel(ctx, pr, item_id, board.id)
    with pytest.raises(NotFoundError):
        file_access.open_file(ctx, board.file_id)
    with pytest.raises(NotFoundError):  # a second click on "remove"
        channels.remove_channel(ctx, pr, item_id, board.id)
    assert counts(ctx)[0] == 1


@pytest.mark.parametrize(
    ("url", "filename", "content", "field"),
    [
        ("javascript:alert(1)", None, None, "url"),
        ("www.facebook.com/page", None, None, "url"),
        ("https://exa mple.com/x", None, None, "url"),
        ("https://localhost/x", None, None, "url"),
        ("", None, None, "url"),  # no evidence at all
        ("", "ประกาศ.pdf", PDF, "photo"),  # a document is no photo
        ("", "virus.exe", b"MZ\x90\x00", "photo"),
        ("", "fake.jpg", b"not a jpeg at all", "photo"),
    ],
)
def test_bad_evidence_is_a_field_error_and_stores_nothing(
    ctx: ServiceContext,
    actor: Any,
    item_id: int,
    url: str,
    filename: str | None,
    content: bytes | None,
    field: str,
) -> None:
    before = counts(ctx)
    photo = channels.Evidence(io.BytesIO(content), filename) if filename and content is not None else None
    with pytest.raises(ValidationError) as caught:
        channels.record_channel(ctx, actor("pr1"), item_id, kind="newsletter", url=url, photo=photo)
    assert field in {p.field for p in caught.value.problems}
    assert all(any("\u0e00" <= ch <= "\u0e7f" for ch in p.message) for p in caught.value.problems)  # Thai
    assert counts(ctx) == before


def test_an_unknown_channel_is_refused(ctx: ServiceContext, actor: Any, item_id: int) -> None:
    with pytest.raises(ValidationError) as caught:
        channels.record_channel(ctx, actor("pr1"), item_id, kind="website", url="https://example.go.th/a")
    assert [p.field for p in caught.value.problems] == ["kind"]


def test_a_second_click_is_a_conflict_and_keeps_one_record(
    ctx: ServiceContext, actor: Any, item_id: int
) -> None:
    url = "https://example.go.th/newsletter/12.pdf"
    channels.record_channel(ctx, actor("pr1"), item_id, kind="newsletter", url=url)
    before = counts(ctx)
    with pytest.raises(ConflictError):
        channels.record_channel(ctx, actor("pr1"), item_id, kind="newsletter", url=url)
    photo = channels.Evidence(io.BytesIO(jpeg("2")), "ฉบับที่12.jpg")
    with pytest.raises(ConflictError):  # nor is the photo of a refused second record kept as evidence
        channels.record_channel(ctx, actor("pr1"), item_id, kind="newsletter", url="", photo=photo)
    assert counts(ctx)[0] == before[0] and counts(ctx)[2] == before[2]
    with ctx.db.read() as session:
        assert not session.scalar(
            select(func.count(FileReference.id)).where(FileReference.field == channels.FILE_FIELD)
        )


@pytest.mark.parametrize("username", ["owner1", "publisher1", "gdir_plan"])
def test_only_pr_records_channels(ctx: ServiceContext, actor: Any, item_id: int, username: str) -> None:
    with pytest.raises(PermissionDeniedError):
        channels.record_channel(ctx, actor(username), item_id, kind="facebook", url="https://fb.com/x")
    assert counts(ctx)[0] == 0


def test_a_withdrawn_item_takes_no_new_channel(ctx: ServiceContext, actor: Any, item_id: int) -> None:
    published_items.withdraw_item(ctx, actor("publisher1"), item_id, "ข้อมูลผิด")
    with pytest.raises(ConflictError):
        channels.record_channel(ctx, actor("pr1"), item_id, kind="facebook", url="https://fb.com/x")
    with pytest.raises(NotFoundError):
        channels.record_channel(ctx, actor("pr1"), 999_999, kind="facebook", url="https://fb.com/x")


def test_the_item_page_says_what_each_reader_may_do(ctx: ServiceContext, actor: Any, item_id: int) -> None:
    """One call: the item and what the reader may do, in step with the services that act."""
    pr, publisher = actor("pr1"), actor("publisher1")
    page = item_page.get_item_page(ctx, pr, item_id)
    assert page.history.item.id == item_id and not page.shows_website
    assert (page.may.may_withdraw, page.may.may_publish) == (True, False)
    assert page.may.may_edit_channels and page.may.free_channel_kinds == channels.KINDS
    assert not item_page.get_item_page(ctx, publisher, item_id).may.may_edit_channels  # no PR officer
    channels.record_channel(ctx, pr, item_id, kind="facebook", url="https://www.facebook.com/x/posts/1")
    assert item_page.get_item_page(ctx, pr, item_id).may.free_channel_kinds == ("newsletter", "notice_board")
    published_items.withdraw_item(ctx, publisher, item_id, "ตรวจสอบ")
    page = item_page.get_item_page(ctx, pr, item_id)
    assert (page.may.may_withdraw, page.may.may_publish, page.may.may_edit_channels) == (False, True, False)
    assert page.may.may_remove_channels  # a record made by mistake can still be taken back
    with pytest.raises(PermissionDeniedError):
        item_page.get_item_page(ctx, actor("owner1"), item_id)
    with pytest.raises(NotFoundError):
        item_page.get_item_page(ctx, pr, 999_999)
