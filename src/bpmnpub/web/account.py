"""Signing in and out, and the language switch."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..errors import AuthenticationError, TooManyAttemptsError, ValidationError
from ..services.office import accounts, mail, sessions
from ..services.requests import notify
from .auth import SESSION_KEY, SignedInUser, caller, ctx
from .formdata import Unreadable, parse_date
from .i18n import LANGUAGES, field_errors, say

bp = Blueprint("account", __name__)


class SignInForm(FlaskForm):  # type: ignore[misc]
    username = StringField("username", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("password", validators=[DataRequired(), Length(max=256)])


def local_target(target: str | None, default: str) -> str:
    """`target` when it is a path on this site; anything else (other hosts, schemes) gives `default`."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.route("/auth/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | Response:
    if getattr(current_user, "is_authenticated", False):
        return redirect(local_target(request.args.get("next"), url_for("inbox.index")))
    form = SignInForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.sign_in(ctx(), form.username.data, form.password.data, request.remote_addr or "")
        except TooManyAttemptsError as exc:
            if exc.retry_after < 60:
                error = _("ลงชื่อเข้าใช้ผิดหลายครั้ง กรุณารอ %(seconds)s วินาทีแล้วลองใหม่", seconds=exc.retry_after)
            else:
                error = _(
                    "ลงชื่อเข้าใช้ผิดหลายครั้งเกินไป กรุณารอ %(minutes)s นาทีแล้วลองใหม่",
                    minutes=exc.retry_after // 60 + 1,
                )
            status = 429
        except AuthenticationError:
            error = _("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
            status = 401
        else:
            session.clear()  # a fresh session at sign-in: no fixation
            agent = request.headers.get("User-Agent", "")
            session[SESSION_KEY] = sessions.start_session(ctx(), user.id, request.remote_addr or "", agent)
            login_user(SignedInUser(user))
            return redirect(local_target(request.args.get("next"), url_for("inbox.index")))
    elif request.method == "POST":
        error = _("กรุณากรอกชื่อผู้ใช้และรหัสผ่าน")
        status = 400
    return render_template("account/login.html", form=form, error=error), status


@bp.post("/auth/logout")
def logout() -> Response:
    form = FlaskForm()
    if form.validate_on_submit():
        sessions.end_session(ctx(), str(session.get(SESSION_KEY) or ""))
        logout_user()
        session.clear()
        flash(_("ออกจากระบบแล้ว"))
    return redirect(url_for("account.login"))


@bp.get("/lang/<code>")
def language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(local_target(request.args.get("next"), url_for("home.index")))


@bp.get("/notifications")
@login_required  # type: ignore[untyped-decorator]
def notifications() -> str:
    actor = caller().actor
    preference, address = mail.get_preference(ctx(), actor)
    return render_template(
        "account/notifications.html",
        items=notify.list_notifications(ctx(), actor),
        preference=preference,
        address=address,
        mail_on=mail.mail_enabled(ctx()),
    )


@bp.post("/notifications/mail")
@login_required  # type: ignore[untyped-decorator]
def notifications_mail() -> Response:
    if FlaskForm().validate_on_submit():
        try:
            mail.set_preference(ctx(), caller().actor, request.form.get("mail_preference", ""))
            flash(_("บันทึกการตั้งค่าอีเมลแล้ว"))
        except ValidationError:
            flash(_("เลือกวิธีรับอีเมลจากรายการ"))
    return redirect(url_for("account.notifications"))


@bp.post("/notifications/read")
@login_required  # type: ignore[untyped-decorator]
def notifications_read() -> Response:
    if FlaskForm().validate_on_submit():
        notify.mark_all_read(ctx(), caller().actor)
    return redirect(url_for("account.notifications"))


@bp.route("/account/acting-for", methods=["GET", "POST"])
@login_required  # type: ignore[untyped-decorator]
def acting_for() -> tuple[str, int] | Response:
    """Name a substitute (รักษาราชการแทน) for a date range; list the ones given and received."""
    user = caller()
    errors: dict[str, str] = {}
    values = {"substitute": "", "starts_on": "", "ends_on": "", "reason": ""}
    status = 200
    if request.method == "POST":
        values = {k: (request.form.get(k) or "").strip() for k in values}
        if not FlaskForm().validate_on_submit():
            errors["_form"] = str(_("แบบฟอร์มหมดอายุ กรุณาลองใหม่"))
        dates: dict[str, date] = {}
        for key in ("starts_on", "ends_on"):
            try:
                dates[key] = date.fromisoformat(parse_date(values[key]))
            except Unreadable as exc:
                errors[key] = say(exc.problem(key))
        if not errors:
            try:
                accounts.add_delegation(
                    ctx(),
                    user.actor,
                    values["substitute"],
                    dates["starts_on"],
                    dates["ends_on"],
                    values["reason"],
                )
                flash(_("บันทึกผู้รักษาราชการแทนแล้ว"))
                return redirect(url_for("account.acting_for"))
            except ValidationError as exc:
                errors.update(field_errors(exc.problems))
        status = 422
    given, received = accounts.list_delegations(ctx(), user.actor)
    people = accounts.list_colleagues(ctx(), user.actor)
    html = render_template(
        "account/acting_for.html", given=given, received=received, people=people, values=values, errors=errors
    )
    return html, status


@bp.post("/account/acting-for/<int(max=2147483647):delegation_id>/revoke")
@login_required  # type: ignore[untyped-decorator]
def revoke(delegation_id: int) -> Response:
    if FlaskForm().validate_on_submit():
        accounts.revoke_delegation(ctx(), caller().actor, delegation_id)
        flash(_("ยกเลิกผู้รักษาราชการแทนแล้ว"))
    return redirect(url_for("account.acting_for"))


@bp.get("/account/tokens")
@login_required  # type: ignore[untyped-decorator]
def tokens() -> str:
    return render_template(
        "account/tokens.html", tokens=sessions.list_tokens(ctx(), caller().actor), now=ctx().now()
    )


@bp.post("/account/tokens/<int(max=2147483647):token_id>/revoke")
@login_required  # type: ignore[untyped-decorator]
def revoke_token(token_id: int) -> Response:
    if FlaskForm().validate_on_submit():
        sessions.revoke_token(ctx(), caller().actor, token_id)
        flash(_("ยกเลิกโทเค็นแล้ว"))
    return redirect(url_for("account.tokens"))
