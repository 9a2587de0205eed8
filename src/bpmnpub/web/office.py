"""The office's settings page (admins): its name, address, the memo's heading and digits, the emblem.
Checked and stored by services/office.update_settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..errors import ValidationError
from ..services.files import file_access
from ..services.kernel import audit, office_settings
from ..services.office import settings_editor
from ..services.portal import website_settings
from .auth import admins_only, caller, ctx
from .downloads import send_stored_file
from .i18n import field_errors

bp = Blueprint("office", __name__, url_prefix="/admin/office")
TEXT_FIELDS = ("name", "short_name", "name_en", "address", "phone", "email", "memo_prefix")


admins_only(bp)


@bp.route("", methods=["GET", "POST"])
def settings() -> tuple[str, int] | Response:
    current = office_settings.get_settings(ctx())
    values: dict[str, Any] = {name: getattr(current, name) for name in (*TEXT_FIELDS, "thai_digits")}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        values = {name: request.form.get(name, "") for name in TEXT_FIELDS}
        values["thai_digits"] = request.form.get("thai_digits") == "true"
        changes = dict(values)
        if request.form.get("remove_emblem") == "true":
            changes["emblem_file_id"] = None
        upload = request.files.get("emblem")
        emblem = (
            settings_editor.Emblem(upload.stream, upload.filename) if upload and upload.filename else None
        )
        try:
            settings_editor.update_settings(ctx(), caller().actor, changes, emblem=emblem)
            flash(_("บันทึกการตั้งค่าสำนักงานแล้ว"))
            return redirect(url_for("office.settings"))
        except ValidationError as exc:
            errors = field_errors(exc.problems)
            status = 422
    html = render_template(
        "office/settings.html",
        values=values,
        errors=errors,
        emblem_id=current.emblem_file_id,
        limit_mb=settings_editor.EMBLEM_MAX_BYTES // (1024 * 1024),
        history=audit.history(ctx(), caller().actor, "office"),
    )
    return html, status


@bp.get("/emblem/<file_id>")
def emblem(file_id: str) -> Response:
    """The emblem in place (its id in the address, so a new one is never an old cached picture)."""
    if file_id != office_settings.get_settings(ctx()).emblem_file_id:
        abort(404)  # an earlier emblem's address: no longer this one
    return send_stored_file(file_access.open_file(ctx(), file_id))


@bp.route("/website", methods=["GET", "POST"])
def website() -> tuple[str, int] | Response:
    """The connection to the office's WordPress: address, user, application password, categories."""
    page = website_settings.settings_page(ctx(), caller().actor)
    current = page.settings
    values: dict[str, Any] = {
        "enabled": current.enabled,
        "url": current.url,
        "user": current.user,
        "categories": {code: str(wp_id) for code, wp_id in current.categories.items()},
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        values = {
            "enabled": request.form.get("enabled") == "true",
            "url": request.form.get("url", "")[:1000],
            "user": request.form.get("user", "")[:1000],
            "password": request.form.get("password", "")[:1000],
            "categories": {
                code: request.form.get(f"category_{code}", "")[:20] for code, _name in page.categories
            },
        }
        try:
            website_settings.update_settings(ctx(), caller().actor, values)
            flash(_("บันทึกการเชื่อมต่อเว็บไซต์แล้ว"))
            return redirect(url_for("office.website"))
        except ValidationError as exc:
            errors = field_errors(exc.problems)
            status = 422
    html = render_template(
        "office/website.html",
        values=values,
        errors=errors,
        has_password=current.has_password,
        categories=page.categories,
        check=None,
    )
    return html, status


@bp.post("/website/test")
def website_test() -> str:
    """Try the stored connection now and show who WordPress says we are, with its categories."""
    page = website_settings.settings_page(ctx(), caller().actor)
    check = website_settings.check_connection(ctx(), caller().actor)
    current = page.settings
    values = {
        "enabled": current.enabled,
        "url": current.url,
        "user": current.user,
        "categories": {code: str(wp_id) for code, wp_id in current.categories.items()},
    }
    return render_template(
        "office/website.html",
        values=values,
        errors={},
        has_password=current.has_password,
        categories=page.categories,
        check=check,
    )
