"""The publishers' pages: the items on the portal, an item's audit trail, withdraw and republish, and
which O items (ITA/OIT) an item answers.

Who may is decided by the service (publishers and admins); these views only parse and render.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from ..errors import ConflictError, NotFoundError, ValidationError
from ..permissions import Actor
from ..services.kernel.context import ServiceContext
from ..services.pages import item_page
from ..services.portal import channels, published_items, website, website_settings
from .account import local_target
from .auth import caller, ctx
from .i18n import field_errors
from .queryargs import page_number

bp = Blueprint("publishing", __name__, url_prefix="/publishing")
Action = Callable[[ServiceContext, Actor, int, str], published_items.ItemChange]


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _signed_in() -> None:
    """Every page here needs a signed-in user; which ones may is the service's rule."""


@bp.get("/items")
def items() -> str:
    q = (request.args.get("q") or "").strip()[:200] or None
    status = request.args.get("status") or None
    category = request.args.get("category") or None
    ita = request.args.get("ita") or None
    listing = published_items.list_items(
        ctx(), caller().actor, q=q, status=status, category=category, ita=ita, page=page_number()
    )
    filters = {"q": q, "status": status, "category": category, "ita": ita}
    return render_template(
        "publishing/items.html", listing=listing, filters=filters, website_on=_website_on()
    )


@bp.get("/items/<int(max=2147483647):item_id>")
def item(item_id: int) -> str:
    return _item_page(item_id)


def _item_page(item_id: int, **page: object) -> str:
    """The item's page (one service call); `page` overrides what a form sent back with errors shows."""
    shown = item_page.get_item_page(ctx(), caller().actor, item_id)
    values: dict[str, object] = {"reason": "", "errors": {}, "channel_values": {}, "channel_errors": {}}
    return render_template(
        "publishing/item.html", page=shown, history=shown.history, may=shown.may, **{**values, **page}
    )


def _website_on() -> bool:
    """Whether the office sends items to its WordPress (the website column shows only then)."""
    return website_settings.get_settings(ctx()).enabled


@bp.post("/items/<int(max=2147483647):item_id>/website/retry")
def website_retry(item_id: int) -> Response:
    website.retry(ctx(), caller().actor, item_id)
    flash(_("จะส่งรายการนี้ไปยังเว็บไซต์สำนักงานในรอบถัดไปของระบบเบื้องหลัง (ภายในไม่กี่นาที)"))
    return redirect(local_target(request.form.get("next"), url_for("publishing.item", item_id=item_id)))


@bp.post("/items/<int(max=2147483647):item_id>/ita")
def set_o_items(item_id: int) -> Response | tuple[str, int]:
    """Confirm which O items the item answers (every box unticked: it answers none)."""
    codes = [c for c in request.form.getlist("ita_items") if c.strip()][:200]
    try:
        published_items.set_item_o_items(
            ctx(), caller().actor, item_id, codes, request.form.get("ita_reason", "")
        )
    except ValidationError as exc:
        return _item_page(item_id, errors=field_errors(exc.problems)), 422
    flash(_("บันทึกข้อการประเมิน ITA/OIT ของรายการแล้ว"))
    return redirect(url_for("publishing.item", item_id=item_id))


@bp.post("/items/<int(max=2147483647):item_id>/withdraw")
def withdraw(item_id: int) -> Response | tuple[str, int]:
    return _change(item_id, published_items.withdraw_item, _("ถอนรายการออกจากเว็บไซต์แล้ว"))


@bp.post("/items/<int(max=2147483647):item_id>/republish")
def republish(item_id: int) -> Response | tuple[str, int]:
    return _change(item_id, published_items.republish_item, _("นำรายการกลับขึ้นเว็บไซต์แล้ว"))


def _change(item_id: int, action: Action, done: str) -> Response | tuple[str, int]:
    """Withdraw or republish, then back to where the form was; a bad reason shows the item's page
    with the error and what was typed."""
    reason = request.form.get("reason", "")
    back = local_target(request.form.get("next"), url_for("publishing.item", item_id=item_id))
    try:
        action(ctx(), caller().actor, item_id, reason)
    except ValidationError as exc:
        return _item_page(item_id, reason=reason, errors=field_errors(exc.problems)), 422
    except ConflictError:
        flash(_("รายการนี้มีผู้เปลี่ยนสถานะไปแล้ว กรุณาตรวจสอบอีกครั้ง"))
        return redirect(url_for("publishing.item", item_id=item_id))
    flash(done)
    return redirect(back)


@bp.post("/items/<int(max=2147483647):item_id>/channels")
def add_channel(item_id: int) -> Response | tuple[str, int]:
    """PR records another channel the item went out on, with a link or a photo as evidence; errors
    come back on the item's page with what was typed (a chosen photo must be chosen again)."""
    values = {k: (request.form.get(k) or "")[:2100] for k in ("kind", "url", "note")}
    upload = request.files.get("photo")
    photo = channels.Evidence(upload.stream, upload.filename) if upload and upload.filename else None
    try:
        channels.record_channel(
            ctx(),
            caller().actor,
            item_id,
            kind=values["kind"],
            url=values["url"],
            note=values["note"],
            photo=photo,
        )
    except ValidationError as exc:
        errors = field_errors(exc.problems)
        return _item_page(item_id, channel_values=values, channel_errors=errors), 422
    except ConflictError:
        flash(_("ช่องทางนี้บันทึกไว้แล้ว หรือรายการถูกถอนออกแล้ว กรุณาตรวจสอบอีกครั้ง"))
        return redirect(url_for("publishing.item", item_id=item_id, _anchor="channels"))
    flash(_("บันทึกช่องทางการเผยแพร่แล้ว"))
    return redirect(url_for("publishing.item", item_id=item_id, _anchor="channels"))


@bp.post("/items/<int(max=2147483647):item_id>/channels/<int(max=2147483647):channel_id>/remove")
def remove_channel(item_id: int, channel_id: int) -> Response:
    try:
        channels.remove_channel(ctx(), caller().actor, item_id, channel_id)
    except NotFoundError:
        flash(_("บันทึกนี้ถูกลบไปแล้ว"))
        return redirect(url_for("publishing.item", item_id=item_id, _anchor="channels"))
    flash(_("ลบบันทึกช่องทางแล้ว"))
    return redirect(url_for("publishing.item", item_id=item_id, _anchor="channels"))
