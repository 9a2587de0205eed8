"""The admin audit trail: every change to the catalogue, the office settings, process drafts, delegations
and users writes exactly one `admin_event` row with its change; a change refused writes none."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from bpmnpub.errors import PermissionDeniedError, ValidationError
from bpmnpub.models import AdminEvent, StoredFile
from bpmnpub.services.catalogue import categories as catalogue
from bpmnpub.services.catalogue import ita_years
from bpmnpub.services.catalogue.categories import CategoryInput
from bpmnpub.services.catalogue.ita_years import ItaItemInput
from bpmnpub.services.kernel import audit
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts, people, settings_editor
from bpmnpub.services.procedures import modeler

from ..conftest import PROCESSES

GENERAL = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")


def events(ctx: ServiceContext) -> list[tuple[str, str, str, int | None, dict[str, Any]]]:
    with ctx.db.read() as session:
        rows = session.scalars(select(AdminEvent).order_by(AdminEvent.id))
        return [(e.area, e.action, e.subject, e.actor_id, e.details) for e in rows]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 100), (200, 150, 30)).save(out, "PNG")
    return out.getvalue()


def stored_files(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(StoredFile)) or 0)


def _changes(ctx: ServiceContext, actor: Any) -> list[tuple[Callable[[], object], str, str, str]]:
    """(one change, its area, action and subject), in an order where each can run after the others."""
    boss, owner = actor("admin1"), actor("procowner1")
    delegation: list[int] = []
    return [
        (
            lambda: catalogue.save_category(ctx, boss, "1.18", CategoryInput(name="ข้อมูลใหม่")),
            "catalogue",
            "category_created",
            "category 1.18",
        ),
        (
            lambda: catalogue.save_category(ctx, boss, "1.9", CategoryInput(name="การจัดซื้อ", active=False)),
            "catalogue",
            "category_updated",
            "category 1.9",
        ),
        (
            lambda: catalogue.load_category_preset(ctx, boss, "categories-chachoengsao1"),
            "catalogue",
            "category_preset_loaded",
            "categories-chachoengsao1",
        ),
        (
            lambda: ita_years.create_fiscal_year(ctx, boss, 2580, "ita-2566-oit"),
            "catalogue",
            "year_created",
            "ita 2580",
        ),
        (lambda: ita_years.clone_fiscal_year(ctx, boss, 2580, 2581), "catalogue", "year_cloned", "ita 2581"),
        (lambda: ita_years.set_verified(ctx, boss, 2581, True), "catalogue", "year_verified", "ita 2581"),
        (
            lambda: ita_years.update_ita_item(
                ctx, boss, 2581, "O5", ItaItemInput(title="ข้อห้า", categories=("1.9",))
            ),
            "catalogue",
            "item_updated",
            "ita 2581 O5",
        ),
        (
            lambda: settings_editor.update_settings(ctx, boss, {"phone": "055 000 000"}),
            "office",
            "settings_updated",
            "office",
        ),
        (
            lambda: modeler.save_draft(ctx, owner, "general_publication", GENERAL, {}, 1),
            "process",
            "draft_saved",
            "general_publication",
        ),
        (
            lambda: modeler.discard_draft(ctx, owner, "general_publication"),
            "process",
            "draft_discarded",
            "general_publication",
        ),
        (
            lambda: delegation.append(
                accounts.add_delegation(
                    ctx, boss, "owner1", date(2026, 11, 20), date(2026, 11, 24), "ไปราชการ"
                ).id
            ),
            "delegation",
            "delegation_added",
            "delegation",
        ),
        (
            lambda: accounts.revoke_delegation(ctx, boss, delegation[0]),
            "delegation",
            "delegation_revoked",
            "delegation",
        ),
        (
            lambda: people.save_user(
                ctx,
                boss,
                user_id=None,
                username="clerk9",
                full_name="นางสาวใหม่ ใจดี",
                position="",
                email="",
                group_code="",
                roles=[],
                is_active=True,
                password="long enough",
            ),
            "users",
            "user_created",
            "user clerk9",
        ),
        (
            lambda: people.save_group(
                ctx, boss, group_id=None, code="audit", name="หน่วยตรวจสอบภายใน", name_en=""
            ),
            "users",
            "group_created",
            "group audit",
        ),
    ]


def test_every_kind_of_change_writes_exactly_one_row(ctx: ServiceContext, actor: Any) -> None:
    assert events(ctx) == []
    for change, area, action, subject in _changes(ctx, actor):
        before = len(events(ctx))
        change()
        written = events(ctx)[before:]
        assert len(written) == 1, action
        assert written[0][:2] == (area, action)
        assert written[0][2].startswith(subject), (written[0][2], subject)
        assert written[0][3] is not None


def test_the_row_holds_the_fields_before_and_after(ctx: ServiceContext, actor: Any) -> None:
    boss = actor("admin1")
    catalogue.save_category(ctx, boss, "1.9", CategoryInput(name="การจัดซื้อ", active=False))
    ita_years.set_verified(ctx, boss, 2566, True)
    settings_editor.update_settings(ctx, boss, {"name": "สพป.ทดสอบ", "phone": ""})
    details = [e[4] for e in events(ctx)]
    assert details[0]["name"] == {"from": "ข้อมูลการจัดซื้อจัดจ้าง", "to": "การจัดซื้อ"}
    assert details[0]["active"] == {"from": True, "to": False}
    assert "sort_order" not in details[0]  # unchanged fields are left out
    assert details[1] == {"verified": {"from": False, "to": True}}
    assert details[2]["name"]["to"] == "สพป.ทดสอบ" and "phone" not in details[2]


def test_a_password_change_is_noted_never_stored(ctx: ServiceContext, actor: Any) -> None:
    boss = actor("admin1")
    user = next(u for u in people.list_users(ctx, boss) if u.username == "owner1")
    people.save_user(
        ctx,
        boss,
        user_id=user.id,
        username="owner1",
        full_name=user.full_name,
        position="ครู",
        email=user.email,
        group_code=user.group_code or "",
        roles=list(user.roles),
        is_active=True,
        password="a new secret",
    )
    ((area, action, subject, _, details),) = events(ctx)
    assert (area, action, subject) == ("users", "user_updated", "user owner1")
    assert details["password_changed"] is True and details["position"]["to"] == "ครู"
    assert "a new secret" not in str(details) and "scrypt" not in str(details)


def test_refused_changes_write_nothing(ctx: ServiceContext, actor: Any) -> None:
    boss, staff = actor("admin1"), actor("owner1")
    refused: list[Callable[[], object]] = [
        lambda: catalogue.save_category(ctx, boss, "1.9", CategoryInput(name="  ")),
        lambda: catalogue.save_category(ctx, staff, "1.9", CategoryInput(name="x")),
        lambda: catalogue.load_category_preset(ctx, boss, "ita-2566-oit"),
        lambda: ita_years.create_fiscal_year(ctx, boss, 1999, "ita-2566-oit"),
        lambda: ita_years.update_ita_item(
            ctx, boss, 2566, "O5", ItaItemInput(title="x", categories=("9.9",))
        ),
        lambda: settings_editor.update_settings(ctx, boss, {"name": ""}),
        lambda: modeler.save_draft(ctx, boss, "general_publication", "", {}, 1),
        lambda: accounts.add_delegation(ctx, boss, "admin1", date(2026, 11, 20), date(2026, 11, 24), ""),
        lambda: people.save_user(
            ctx,
            boss,
            user_id=None,
            username="x y",
            full_name="",
            position="",
            email="",
            group_code="",
            roles=[],
            is_active=True,
            password="short",
        ),
        lambda: people.save_group(ctx, boss, group_id=None, code="plan", name="ซ้ำ", name_en=""),
    ]
    for change in refused:
        with pytest.raises((ValidationError, PermissionDeniedError)):
            change()
    modeler.discard_draft(ctx, boss, "general_publication")  # no draft: nothing changed
    assert events(ctx) == []


def test_an_emblem_is_stored_only_with_settings_that_hold(ctx: ServiceContext, actor: Any) -> None:
    boss = actor("admin1")
    files_before = stored_files(ctx)
    emblem = settings_editor.Emblem(io.BytesIO(png()), "ครุฑ.png")
    with pytest.raises(ValidationError) as refused:
        settings_editor.update_settings(ctx, boss, {"name": "", "email": "nope"}, emblem=emblem)
    assert {p.field for p in refused.value.problems} == {"name", "email"}
    bad_picture = settings_editor.Emblem(io.BytesIO(b"not a picture"), "ครุฑ.png")
    with pytest.raises(ValidationError) as both:
        settings_editor.update_settings(ctx, boss, {"name": ""}, emblem=bad_picture)
    assert {p.field for p in both.value.problems} == {"name", "emblem"}  # every mistake at once
    assert stored_files(ctx) == files_before and events(ctx) == []

    saved = settings_editor.update_settings(
        ctx, boss, {"name": "สพป.ทดสอบ"}, emblem=settings_editor.Emblem(io.BytesIO(png()), "ครุฑ.png")
    )
    assert saved.emblem_file_id is not None
    assert stored_files(ctx) == files_before + 2  # the picture and its thumbnail
    ((_, _, _, _, details),) = events(ctx)
    assert details["emblem_file_id"] == {"from": None, "to": saved.emblem_file_id}


def test_history_is_for_admins_newest_first_and_narrowed(ctx: ServiceContext, actor: Any, clock: Any) -> None:
    boss = actor("admin1")
    catalogue.save_category(ctx, boss, "1.9", CategoryInput(name="การจัดซื้อ"))
    clock.advance(minutes=1)
    ita_years.set_verified(ctx, boss, 2566, True)
    clock.advance(minutes=1)
    ita_years.update_ita_item(ctx, boss, 2566, "O21", ItaItemInput(title="ข้อ 21", categories=("1.9",)))
    everything = audit.history(ctx, boss, "catalogue")
    assert [e.action for e in everything] == ["item_updated", "year_verified", "category_updated"]
    assert everything[0].actor == "ผู้ดูแลระบบ"  # admin1's full name
    assert [e.thing for e in audit.history(ctx, boss, "catalogue", subject="ita 2566")] == [
        "2566 O21",
        "2566",
    ]
    assert audit.history(ctx, boss, "catalogue", subject="ita 256") == []
    categories = audit.history(ctx, boss, "catalogue", actions=catalogue.CATEGORY_ACTIONS)
    assert [e.thing for e in categories] == ["1.9"]
    assert audit.history(ctx, boss, "office") == []
    with pytest.raises(PermissionDeniedError):
        audit.history(ctx, actor("procowner1"), "catalogue")
