"""Signing in and out, and the language switch."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..errors import AuthenticationError, TooManyAttemptsError
from ..services import accounts
from .auth import SignedInUser, ctx
from .i18n import LANGUAGES

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
            error = _(
                "ลงชื่อเข้าใช้ผิดหลายครั้งเกินไป กรุณารอ %(minutes)s นาทีแล้วลองใหม่", minutes=exc.retry_after // 60 + 1
            )
            status = 429
        except AuthenticationError:
            error = _("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง")
            status = 401
        else:
            session.clear()  # a fresh session at sign-in: no fixation
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
        logout_user()
        session.clear()
        flash(_("ออกจากระบบแล้ว"))
    return redirect(url_for("account.login"))


@bp.get("/lang/<code>")
def language(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(local_target(request.args.get("next"), url_for("home.index")))
