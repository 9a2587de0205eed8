"""Admin pages: users, their roles, and groups. Every action is checked again in the services."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..errors import ValidationError
from ..permissions import ROLES, SYSTEM_ROLES
from ..services import admin, throttling
from .auth import caller, ctx
from .queryargs import whole

bp = Blueprint("admin", __name__, url_prefix="/admin")
ROLE_LABELS = {
    **{k: v[0] for k, v in ROLES.items() if k != "requester"},
    **{k: v[0] for k, v in SYSTEM_ROLES.items()},
}
USER_FIELDS = ("username", "full_name", "position", "email", "group", "password")


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _admins_only() -> None:
    if not caller().actor.is_admin:
        abort(403)


@bp.get("/throttles")
def throttles() -> str:
    return render_template(
        "admin/throttles.html", throttles=throttling.list_throttles(ctx(), caller().actor), now=ctx().now()
    )


@bp.post("/throttles/clear")
def clear_throttle() -> Response:
    if FlaskForm().validate_on_submit():
        username = (request.form.get("username") or "")[:64]
        address = (request.form.get("address") or "")[:64]
        throttling.clear(ctx(), caller().actor, username, address)
        flash(_("ล้างการจำกัดการลงชื่อเข้าใช้ของ %(u)s แล้ว", u=username))
    return redirect(url_for("admin.throttles"))


@bp.get("/users")
def users() -> str:
    return render_template(
        "admin/users.html", users=admin.list_users(ctx(), caller().actor), roles=ROLE_LABELS
    )


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int(max=2147483647):user_id>", methods=["GET", "POST"])
def user(user_id: int | None) -> tuple[str, int] | Response:
    actor = caller().actor
    existing = next((u for u in admin.list_users(ctx(), actor) if u.id == user_id), None) if user_id else None
    if user_id and existing is None:
        abort(404)
    values: dict[str, Any] = {"roles": list(existing.roles) if existing else [], "is_active": True}
    if existing:
        values.update(
            username=existing.username,
            full_name=existing.full_name,
            position=existing.position,
            email=existing.email,
            group=existing.group_code or "",
            is_active=existing.is_active,
        )
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in USER_FIELDS}
        values["roles"] = request.form.getlist("roles")
        values["is_active"] = request.form.get("is_active") == "true"
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            admin.save_user(
                ctx(),
                actor,
                user_id=user_id,
                username=values["username"],
                full_name=values["full_name"],
                position=values["position"],
                email=values["email"],
                group_code=values["group"],
                roles=values["roles"],
                is_active=values["is_active"],
                password=values["password"],
            )
            flash(_("บันทึกผู้ใช้ %(u)s แล้ว", u=values["username"]))
            return redirect(url_for("admin.users"))
        except ValidationError as exc:
            errors = {p.field: p.message for p in exc.problems}
            status = 422
        values["password"] = ""  # never echoed back
    html = render_template(
        "admin/user.html",
        values=values,
        errors=errors,
        roles=ROLE_LABELS,
        user_id=user_id,
        groups=admin.list_groups(ctx()),
    )
    return html, status


@bp.route("/groups", methods=["GET", "POST"])
def groups() -> tuple[str, int] | Response:
    errors: dict[str, str] = {}
    values = {"code": "", "name": "", "name_en": ""}
    status = 200
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        values = {k: (request.form.get(k) or "").strip() for k in values}
        group_id = request.form.get("group_id")
        try:
            admin.save_group(
                ctx(),
                caller().actor,
                group_id=whole(group_id, low=1),
                code=values["code"],
                name=values["name"],
                name_en=values["name_en"],
            )
            flash(_("บันทึกกลุ่มแล้ว"))
            return redirect(url_for("admin.groups"))
        except ValidationError as exc:
            errors = {p.field: p.message for p in exc.problems}
            status = 422
    html = render_template("admin/groups.html", groups=admin.list_groups(ctx()), values=values, errors=errors)
    return html, status
