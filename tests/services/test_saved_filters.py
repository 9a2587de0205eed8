"""Saved inbox filters (issue #12): a person saves the view they look at under a Thai name, applies it,
renames and deletes it; private to them, at most MAX_FILTERS, bad input refused with a field problem.
And the inbox page in one call: its counts per view are what each view lists."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.errors import NotFoundError, ValidationError
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.pages import inbox_page
from bpmnpub.services.requests import holding, inbox, saved_filters

from .conftest import task_id
from .test_inbox_views import at_publisher


def _field(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    (only,) = exc.value.problems
    return only.field


def test_a_saved_filter_is_the_view_it_was_saved_from_and_private(ctx: ServiceContext, actor: Any) -> None:
    gdir, other = actor("gdir_plan"), actor("gdir_hr")
    saved = saved_filters.save_filter(
        ctx, gdir, "  งานเกินกำหนดของฉัน ", {"q": " ประกาศ ", "view": "overdue", "sort": "due", "step": ""}
    )
    assert saved.name == "งานเกินกำหนดของฉัน"
    assert saved.query == {"view": "overdue", "sort": "due", "q": "ประกาศ"}
    assert [f.name for f in saved_filters.list_saved_filters(ctx, gdir)] == ["งานเกินกำหนดของฉัน"]
    assert saved_filters.list_saved_filters(ctx, other) == []
    # someone else's filter is not found, whatever they do with its id
    with pytest.raises(NotFoundError):
        saved_filters.rename_filter(ctx, other, saved.id, "ของฉันแล้ว")
    with pytest.raises(NotFoundError):
        saved_filters.delete_filter(ctx, other, saved.id)
    renamed = saved_filters.rename_filter(ctx, gdir, saved.id, "เกินกำหนด")
    assert renamed.name == "เกินกำหนด" and renamed.query == saved.query
    assert saved_filters.delete_filter(ctx, gdir, saved.id) == "เกินกำหนด"
    assert saved_filters.list_saved_filters(ctx, gdir) == []


@pytest.mark.parametrize(
    ("name", "raw", "field"),
    [
        ("", {"view": "mine"}, "name"),
        ("   ", {"view": "mine"}, "name"),
        ("ก" * 200, {"view": "mine"}, "name"),
        ("ตัวกรอง", {"view": "mine", "evil": "1"}, "filters"),
        ("ตัวกรอง", {"view": "everything"}, "filters"),
        ("ตัวกรอง", {"sort": "random()"}, "filters"),
        ("ตัวกรอง", {"q": "x" * 201}, "filters"),
        ("ตัวกรอง", {"q": "\u202eabc"}, "filters"),
    ],
)
def test_bad_input_is_a_field_problem(
    ctx: ServiceContext, actor: Any, name: str, raw: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        saved_filters.save_filter(ctx, actor("owner1"), name, raw)
    assert _field(exc) == field
    assert saved_filters.list_saved_filters(ctx, actor("owner1")) == []


def test_names_are_unique_per_person_and_twenty_at_most(ctx: ServiceContext, actor: Any) -> None:
    owner, other = actor("owner1"), actor("owner2")
    first = saved_filters.save_filter(ctx, owner, "ของฉัน", {"view": "mine"})
    saved_filters.save_filter(ctx, other, "ของฉัน", {"view": "mine"})  # another person's may share it
    with pytest.raises(ValidationError) as exc:
        saved_filters.save_filter(ctx, owner, "ของฉัน", {"view": "overdue"})
    assert _field(exc) == "name"
    second = saved_filters.save_filter(ctx, owner, "อื่น", {})
    with pytest.raises(ValidationError):
        saved_filters.rename_filter(ctx, owner, second.id, "ของฉัน")
    saved_filters.rename_filter(ctx, owner, first.id, "ของฉัน")  # its own name again is no clash
    for n in range(saved_filters.MAX_FILTERS - 2):
        saved_filters.save_filter(ctx, owner, f"ชุดที่ {n}", {"q": str(n)})
    with pytest.raises(ValidationError) as exc:
        saved_filters.save_filter(ctx, owner, "ชุดเกิน", {"view": "mine"})
    assert _field(exc) == "name" and "20" in str(exc.value.problems[0].params)
    page = inbox_page.get_inbox_page(ctx, owner)
    assert len(page.saved) == saved_filters.MAX_FILTERS and not page.may.save_filter


def test_the_inbox_page_counts_each_view_as_it_lists_it(ctx: ServiceContext, actor: Any) -> None:
    publisher, pr = actor("publisher1"), actor("pr1")
    first, _second = at_publisher(ctx, actor), at_publisher(ctx, actor)
    holding.claim_task(ctx, task_id(ctx, publisher, first), publisher)
    for who in (publisher, pr):
        page = inbox_page.get_inbox_page(ctx, who)
        for view in ("all", *inbox.VIEWS):
            listed = inbox.list_tasks(ctx, who, view=None if view == "all" else view)
            assert page.counts[view] == len(listed), (who.username, view)
        assert page.inbox.total == page.counts["all"]
    saved = saved_filters.save_filter(ctx, pr, "ผู้อื่นรับไป", {"view": "others"})
    page = inbox_page.get_inbox_page(ctx, pr, view="others", sort="bogus", q="  ")
    assert page.arguments == {"view": "others"} and page.current_saved == saved.id
    assert page.inbox.total == 1 and page.counts["others"] == 1
