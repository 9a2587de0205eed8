"""Who is calling: the browser session (Flask-Login) or `Authorization: Bearer <token>`."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Flask, abort, current_app, g, request, session
from flask_login import AnonymousUserMixin, LoginManager, UserMixin, current_user, login_required

from ..errors import AuthenticationError, PermissionDeniedError
from ..permissions import Actor
from ..services.kernel.context import ServiceContext
from ..services.office import accounts, sessions

login_manager = LoginManager()
login_manager.login_view = "account.login"

CSRF_HEADER = "X-CSRF-Token"
SESSION_KEY = "sid"  # the browser session's id in the signed cookie (services/office/sessions.py)


class SignedInUser(UserMixin):  # type: ignore[misc]
    """The session's view of a user: plain values, safe after the database session closed."""

    def __init__(self, user: Any, actor: Actor | None = None) -> None:
        self.id = user.id
        self.username = user.username
        self.full_name = user.full_name
        self.position = user.position
        self.group_code = user.group.code if user.group else None
        self.group_name = user.group.name if user.group else None
        self.actor: Actor = actor or accounts.actor_of(user, ctx().now())
        self.acting_for = [p.username for p in self.actor.acting_for]

    def get_id(self) -> str:
        return str(self.id)


def ctx() -> ServiceContext:
    context: ServiceContext = current_app.extensions["bpmnpub"]
    return context


def init(app: Flask) -> None:
    login_manager.init_app(app)

    @login_manager.user_loader  # type: ignore[untyped-decorator]
    def _load(user_id: str) -> SignedInUser | None:
        # The cookie alone signs nobody in: its session must be live on the server (services/sessions).
        live = sessions.session_user_id(ctx(), str(session.get(SESSION_KEY) or ""))
        if live is None or str(live) != user_id:
            return None
        found = accounts.signed_in(ctx(), live)
        return SignedInUser(*found) if found else None

    @login_manager.request_loader  # type: ignore[untyped-decorator]
    def _from_token(req: Any) -> SignedInUser | None:
        header = req.headers.get("Authorization", "")
        if not header.lower().startswith("bearer "):
            return None
        found = accounts.bearer(ctx(), header[7:].strip())
        if found is None:
            return None
        g.bearer = True
        return SignedInUser(*found)


def caller() -> SignedInUser:
    """The signed-in caller. Raises AuthenticationError."""
    user = current_user
    if isinstance(user, AnonymousUserMixin) or not getattr(user, "is_authenticated", False):
        if request.headers.get("Authorization"):
            raise AuthenticationError("the token is not valid")
        raise AuthenticationError("sign in or send Authorization: Bearer <token>")
    return user  # type: ignore[no-any-return]


def check_api_csrf() -> None:
    """A cookie-authenticated API write must prove it came from our own page: the page's signed
    token (`csrf_token()` in templates) or the session's raw token, in the X-CSRF-Token header."""
    from flask_wtf.csrf import validate_csrf
    from wtforms import ValidationError as TokenError

    sent = request.headers.get(CSRF_HEADER) or request.headers.get("X-CSRFToken")
    expected = session.get("csrf_token")
    if sent and expected and hmac.compare_digest(str(sent), str(expected)):
        return
    try:
        validate_csrf(sent)
    except TokenError as exc:
        raise PermissionDeniedError("missing or wrong CSRF token") from exc


def admins_only(blueprint: Blueprint) -> None:
    """Every page of `blueprint` is for administrators: others are asked to sign in, or get 403. The
    services check again (`permissions.require_admin`)."""

    @blueprint.before_request
    @login_required  # type: ignore[untyped-decorator]
    def _admins_only() -> None:
        if not caller().actor.is_admin:
            abort(403)
