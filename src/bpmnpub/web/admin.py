"""Admin pages: users, their roles, and groups. Every action is checked again in the services."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..engine import thai_public_holidays
from ..errors import ConflictError, NotFoundError, ValidationError
from ..permissions import ROLES, SYSTEM_ROLES
from ..services.office import appointments, people, publishers, throttling
from ..services.requests import deadlines
from ..thaidate import format_date, local_date
from .auth import admins_only, caller, ctx
from .formdata import Unreadable, parse_date
from .i18n import field_errors, say
from .queryargs import whole
from .templating import role_name

bp = Blueprint("admin", __name__, url_prefix="/admin")
ROLE_LABELS = {
    **{k: v[0] for k, v in ROLES.items() if k != "requester"},
    **{k: v[0] for k, v in SYSTEM_ROLES.items()},
}
USER_FIELDS = ("username", "full_name", "position", "email", "group", "password")


admins_only(bp)


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
        "admin/users.html", users=people.list_users(ctx(), caller().actor), roles=ROLE_LABELS
    )


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int(max=2147483647):user_id>", methods=["GET", "POST"])
def user(user_id: int | None) -> tuple[str, int] | Response:
    actor = caller().actor
    existing = (
        next((u for u in people.list_users(ctx(), actor) if u.id == user_id), None) if user_id else None
    )
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
            people.save_user(
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
            errors = field_errors(exc.problems)
            status = 422
        values["password"] = ""  # never echoed back
    html = render_template(
        "admin/user.html",
        values=values,
        errors=errors,
        roles=ROLE_LABELS,
        user_id=user_id,
        groups=people.list_groups(ctx()),
    )
    return html, status


@bp.get("/roles")
def roles() -> tuple[str, int]:
    return _roles_page()


def _roles_page(
    values: dict[int, str] | None = None,
    errors: dict[int, str] | None = None,
    status: int = 200,
    publisher: dict[str, str] | None = None,
    publisher_errors: dict[str, str] | None = None,
) -> tuple[str, int]:
    """Who holds which role under which order: in force, to come, ended (services/appointments.py);
    and the form that appoints a publisher for a unit (services/office/publishers.py)."""
    html = render_template(
        "admin/roles.html",
        assignments=appointments.list_assignments(ctx(), caller().actor),
        values=values or {},
        errors=errors or {},
        units=publishers.unit_choices(ctx()),
        people=people.list_users(ctx(), caller().actor),
        publisher=publisher or {},
        publisher_errors=publisher_errors or {},
    )
    return html, status


PUBLISHER_FIELDS = ("user", "unit", "valid_from", "valid_to", "order_number")


@bp.post("/roles/publisher")
def appoint_publisher() -> tuple[str, int] | Response:
    """Appoint a publisher for a unit (or the office pool); errors come back with what was typed."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    values = {k: (request.form.get(k) or "").strip()[:200] for k in PUBLISHER_FIELDS}
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("valid_from", "valid_to"):
        try:
            dates[name] = date.fromisoformat(parse_date(values[name])) if values[name] else None
        except Unreadable as exc:
            errors[name] = say(exc.problem(name))
    if not errors:
        try:
            publishers.appoint_publisher(
                ctx(),
                caller().actor,
                username=values["user"],
                unit_code=values["unit"],
                valid_from=dates["valid_from"],
                valid_to=dates["valid_to"],
                order_number=values["order_number"],
            )
        except ValidationError as exc:
            errors = field_errors(exc.problems)
        except ConflictError:
            errors = {"user": _("ผู้นี้เป็นผู้เผยแพร่ของหน่วยนี้ในช่วงวันดังกล่าวอยู่แล้ว")}
    if errors:
        return _roles_page(status=422, publisher=values, publisher_errors=errors)
    flash(_("แต่งตั้งผู้เผยแพร่ประจำหน่วยแล้ว"))
    return redirect(url_for("admin.roles"))


@bp.post("/roles/<int(max=2147483647):assignment_id>/end")
def end_role(assignment_id: int) -> tuple[str, int] | Response:
    """End an assignment early (or cancel one still to come), with a reason; a missing reason comes
    back on the page with what was typed."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    reason = (request.form.get("reason") or "")[:2100]
    try:
        ended = appointments.end_assignment(ctx(), caller().actor, assignment_id, reason)
    except NotFoundError:
        abort(404)
    except ValidationError as exc:
        message = field_errors(exc.problems).get("reason", exc.message)
        return _roles_page({assignment_id: reason}, {assignment_id: message}, 422)
    except ConflictError:
        flash(_("การแต่งตั้งนี้สิ้นสุดไปแล้ว"))
        return redirect(url_for("admin.roles"))
    flash(_("สิ้นสุดบทบาท “%(role)s” ของ %(name)s แล้ว", role=role_name(ended.role), name=ended.full_name))
    return redirect(url_for("admin.roles"))


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
            people.save_group(
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
            errors = field_errors(exc.problems)
            status = 422
    html = render_template(
        "admin/groups.html", groups=people.list_groups(ctx()), values=values, errors=errors
    )
    return html, status


@bp.route("/closures", methods=["GET", "POST"])
def closures() -> tuple[str, int] | Response:
    """The office's closure days (besides weekends and Thai public holidays), which working days skip."""
    actor = caller().actor
    values = {"day": "", "reason": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        values = {k: (request.form.get(k) or "").strip()[:255] for k in values}
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            errors["day"] = _("ระบุวันที่ให้ถูกต้อง")
        else:
            try:
                deadlines.add_closure(ctx(), actor, day, values["reason"])
                flash(_("เพิ่มวันปิดทำการ %(d)s แล้ว", d=format_date(day)))
                return redirect(url_for("admin.closures"))
            except ValidationError as exc:
                errors = field_errors(exc.problems)
            except ConflictError:
                errors["day"] = _("วันนี้เป็นวันปิดทำการอยู่แล้ว")
        status = 422
    year = local_date(ctx().now()).year
    html = render_template(
        "admin/closures.html",
        closures=deadlines.list_closures(ctx(), actor, since=date(year, 1, 1)),
        holidays=sorted(thai_public_holidays(year)),
        year=year,
        values=values,
        errors=errors,
    )
    return html, status


@bp.post("/closures/<day>/remove")
def remove_closure(day: str) -> Response:
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        deadlines.remove_closure(ctx(), caller().actor, date.fromisoformat(day[:10]))
    except (ValueError, NotFoundError):
        abort(404)
    flash(_("ยกเลิกวันปิดทำการ %(d)s แล้ว", d=format_date(date.fromisoformat(day[:10]))))
    return redirect(url_for("admin.closures"))
