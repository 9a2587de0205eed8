"""Sessions that end: browser sign-ins and API tokens, server side.

A browser session is a `user_session` row; the signed cookie carries only a random id (its sha256 is
stored). It ends at sign-out, when the person's password is changed, their account is deactivated
or their roles change, after SESSION_IDLE_MINUTES without a request and SESSION_MAX_HOURS after
sign-in — whatever the cookie says. An API token expires after TOKEN_DAYS; its owner lists and revokes
their tokens (a page, `DELETE /api/v1/session`, `bpmnpub token revoke`); a password change or a
deactivation revokes them all, and reactivating an account revives none.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from ...errors import NotFoundError
from ...models import ApiToken, User, UserSession
from ...permissions import Actor
from ..kernel.context import ServiceContext

# Only every so often is a session's last request written (not one write per page).
TOUCH_EVERY = timedelta(seconds=60)

PASSWORD_CHANGED = "password_changed"  # noqa: S105 - a reason code, not a password
DEACTIVATED = "deactivated"
ROLES_CHANGED = "roles_changed"
SIGNED_OUT = "signed_out"
REVOKED = "revoked"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _limits(ctx: ServiceContext) -> tuple[timedelta, timedelta]:
    idle = timedelta(minutes=int(ctx.settings["SESSION_IDLE_MINUTES"]))
    absolute = timedelta(hours=int(ctx.settings["SESSION_MAX_HOURS"]))
    return idle, absolute


# -- browser sessions -------------------------------------------------------------------------------


def start_session(ctx: ServiceContext, user_id: int, remote_addr: str, user_agent: str) -> str:
    """A new session for a person who has just signed in; returns the id for the cookie."""
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    with ctx.db.write() as session:
        session.add(
            UserSession(
                user_id=user_id,
                token_hash=_hash(token),
                created_at=now,
                last_seen_at=now,
                remote_addr=remote_addr[:64],
                user_agent=user_agent[:255],
            )
        )
    return token


def session_user_id(ctx: ServiceContext, token: str) -> int | None:
    """The user of a live session (and it is kept alive), or None: unknown, ended, idle or too old."""
    if not token or len(token) > 128:
        return None
    now = ctx.now()
    idle, absolute = _limits(ctx)
    with ctx.db.read() as session:
        row = session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
        if row is None or row.ended_at is not None:
            return None
        expired = now - row.last_seen_at > idle or now - row.created_at > absolute
        stale = now - row.last_seen_at > TOUCH_EVERY
        user_id, row_id = row.user_id, row.id
    if expired:
        _end(ctx, row_id, "idle" if now - row.created_at <= absolute else "too_old", now)
        return None
    if stale:
        with ctx.db.write() as session:
            session.execute(update(UserSession).where(UserSession.id == row_id).values(last_seen_at=now))
    return user_id


def end_session(ctx: ServiceContext, token: str, reason: str = SIGNED_OUT) -> None:
    with ctx.db.write() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
            .values(ended_at=ctx.now(), ended_reason=reason)
        )


def _end(ctx: ServiceContext, row_id: int, reason: str, now: datetime) -> None:
    with ctx.db.write() as session:
        session.execute(
            update(UserSession)
            .where(UserSession.id == row_id, UserSession.ended_at.is_(None))
            .values(ended_at=now, ended_reason=reason)
        )


def end_all(session: Session, user_id: int, reason: str, now: datetime, *, tokens: bool) -> None:
    """In the caller's transaction: every open session of the user ends; with `tokens`, every token
    is revoked too (a password change, a deactivation)."""
    session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason)
    )
    if tokens:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )


# -- API tokens -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenView:
    id: int
    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def live(self) -> bool:
        return self.revoked_at is None


def new_token(ctx: ServiceContext, session: Session, user: User, label: str) -> str:
    """In the caller's transaction: a token for the user, expiring after TOKEN_DAYS; returns it (shown
    once: only its sha256 is kept)."""
    token = "bp_" + secrets.token_urlsafe(32)
    now = ctx.now()
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=_hash(token),
            label=label[:255],
            created_at=now,
            expires_at=now + timedelta(days=int(ctx.settings["TOKEN_DAYS"])),
        )
    )
    return token


# Every API call looks its token up: the statement is built once.
_LIVE_TOKEN = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
    .options(joinedload(ApiToken.user).joinedload(User.roles))
)


def token_row(session: Session, token: str, now: datetime) -> ApiToken | None:
    """A token that is neither revoked nor expired; its user, group and roles come in the same statement."""
    row = session.scalars(_LIVE_TOKEN, {"token_hash": _hash(token)}).unique().first()
    if row is None or (row.expires_at is not None and row.expires_at <= now):
        return None
    return row


def touch_token(ctx: ServiceContext, token_id: int, last_used: datetime | None) -> None:
    now = ctx.now()
    if last_used is not None and now - last_used < TOUCH_EVERY:
        return
    with ctx.db.write() as session:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


def list_tokens(ctx: ServiceContext, actor: Actor) -> list[TokenView]:
    """The actor's own tokens, newest first (revoked ones of the last 90 days included)."""
    since = ctx.now() - timedelta(days=90)
    with ctx.db.read() as session:
        rows = session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == actor.id)
            .where((ApiToken.revoked_at.is_(None)) | (ApiToken.revoked_at > since))
            .order_by(ApiToken.id.desc())
        ).all()
        return [
            TokenView(r.id, r.label, r.created_at, r.expires_at, r.last_used_at, r.revoked_at) for r in rows
        ]


def revoke_token(ctx: ServiceContext, actor: Actor, token_id: int) -> None:
    """The owner revokes one of their tokens. Raises NotFoundError (also for someone else's token)."""
    with ctx.db.write() as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.user_id != actor.id:
            raise NotFoundError(f"token {token_id} not found")
        if row.revoked_at is None:
            row.revoked_at, row.revoked_reason = ctx.now(), REVOKED


def revoke_presented(ctx: ServiceContext, token: str) -> bool:
    """`DELETE /api/v1/session`: the token the caller presented ends now."""
    with ctx.db.write() as session:
        result = session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None))
            .values(revoked_at=ctx.now(), revoked_reason=SIGNED_OUT)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_for_user(ctx: ServiceContext, username: str, token_id: int | None = None) -> int:
    """`bpmnpub token revoke`: one token of the user, or all of them. Raises NotFoundError."""
    with ctx.db.write() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFoundError(f"no user named {username!r}")
        query = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        if token_id is not None:
            query = query.where(ApiToken.id == token_id)
        result = session.execute(query.values(revoked_at=ctx.now(), revoked_reason=REVOKED))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
