"""Users, groups, roles, sign-in and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ...errors import AuthenticationError, NotFoundError, ValidationError, problem
from ...models import Delegation, Group, RoleAssignment, User
from ...permissions import ALL_ROLES, PUBLISHER, Actor
from ...thaidate import local_date
from ..kernel import audit
from ..kernel.context import ServiceContext
from . import sessions, throttling

_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    """scrypt with a random salt, in the form `scrypt$n$r$p$salt$hash`."""
    salt = secrets.token_hex(16)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), dklen=32, **_SCRYPT).hex()
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt}${digest}"


_DUMMY_HASH = "scrypt$16384$8$1$00000000000000000000000000000000$" + "0" * 64


def check_password(stored: str, password: str) -> bool:
    try:
        method, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if method != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=salt.encode(), dklen=32, n=int(n), r=int(r), p=int(p))
    return secrets.compare_digest(candidate.hex(), digest)


def actor_of(user: User, now: datetime) -> Actor:
    """The user as the rules see them at `now`: the roles of the assignments in force then
    (RoleAssignment.in_force), without the people they act for (`actor_with_delegations`)."""
    held = user.roles_at(now)
    director_of = frozenset(
        gid for r in held if r.role == "group_director" for gid in [r.group_id or user.group_id] if gid
    )
    return Actor(
        id=user.id,
        roles=frozenset(r.role for r in held),
        group_id=user.group_id,
        director_of=director_of,
        username=user.username,
        # A publisher assignment's group is the unit they publish for; none: the office pool.
        publisher_units=frozenset(r.group_id for r in held if r.role == PUBLISHER),
    )


def get_user(session: Session, user_id: int) -> User:
    """Raises NotFoundError."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    return user


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def sign_in(ctx: ServiceContext, username: str, password: str, remote_addr: str) -> User:
    """`authenticate`, throttled per (username, address) with growing delays and per address against
    spraying (services/office/throttling.py; kept in the database, so every app process sees it). Raises
    TooManyAttemptsError, AuthenticationError."""
    now = ctx.now()
    with ctx.db.read() as session:
        throttling.check(session, username, remote_addr, now)
    try:
        user = authenticate(ctx, username, password)
    except AuthenticationError:
        with ctx.db.write() as session:
            throttling.record_failure(session, username, remote_addr, now)
        raise
    with ctx.db.write() as session:
        throttling.forget(session, username, remote_addr)
    return user


def authenticate(ctx: ServiceContext, username: str, password: str) -> User:
    """The user with these credentials. Raises AuthenticationError (same message whatever was wrong)."""
    with ctx.db.read() as session:
        user = find_user(session, username)
        # Hash even for an unknown user, so the answer takes as long whether or not the name exists.
        valid = check_password(user.password_hash if user else _DUMMY_HASH, password)
        if user is None or not user.is_active or not valid:
            raise AuthenticationError("wrong username or password")
        return user


def create_token(ctx: ServiceContext, username: str, label: str = "") -> str:
    """A new bearer token for the user, expiring after TOKEN_DAYS (shown once; only its hash is kept).
    Raises NotFoundError."""
    with ctx.db.write() as session:
        user = find_user(session, username)
        if user is None:
            raise NotFoundError(f"no user named {username!r}")
        return sessions.new_token(ctx, session, user, label)


def ensure_group(session: Session, code: str, name: str, name_en: str = "") -> Group:
    group = session.scalar(select(Group).where(Group.code == code))
    if group is None:
        group = Group(code=code, name=name, name_en=name_en)
        session.add(group)
        session.flush()
    return group


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    full_name: str,
    roles: list[str],
    group: Group | None,
    position: str = "",
    email: str = "",
    now: datetime,
) -> User:
    unknown = set(roles) - ALL_ROLES
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    user = User(
        username=username,
        full_name=full_name,
        position=position,
        email=email,
        password_hash=hash_password(password),
        group_id=group.id if group else None,
        created_at=now,
    )
    # Undated: held from now on until an administrator ends it (appointments date theirs).
    user.roles = [
        RoleAssignment(
            role=r, group_id=group.id if (group and r == "group_director") else None, created_at=now
        )
        for r in roles
    ]
    session.add(user)
    session.flush()
    return user


def _office_today(ctx: ServiceContext) -> date:
    return local_date(ctx.now())


# The people someone acts for today: run on every signed-in request, so built once.
_PRINCIPALS = (
    select(User)
    .join(Delegation, Delegation.user_id == User.id)
    .where(
        Delegation.substitute_id == bindparam("substitute_id"),
        Delegation.starts_on <= bindparam("today"),
        Delegation.ends_on >= bindparam("today"),
        Delegation.revoked_at.is_(None),
        User.is_active.is_(True),
    )
    .order_by(User.id)
)


def actor_with_delegations(session: Session, user: User, now: datetime) -> Actor:
    """The user as the rules see them at `now`, including the people they act for today
    (รักษาราชการแทน), each with the roles they hold at `now`."""
    principals = session.scalars(_PRINCIPALS, {"substitute_id": user.id, "today": local_date(now)}).all()
    own = actor_of(user, now)
    return replace(own, acting_for=tuple(actor_of(p, now) for p in principals if p.id != user.id))


def signed_in(ctx: ServiceContext, user_id: int) -> tuple[User, Actor] | None:
    """An active user by id and their actor for today (None when unknown or inactive)."""
    with ctx.db.read() as session:
        user = session.get(User, user_id)
        if user is None or not user.is_active:
            return None
        return user, actor_with_delegations(session, user, ctx.now())


def bearer(ctx: ServiceContext, token: str) -> tuple[User, Actor] | None:
    """The user a live bearer token belongs to (not revoked, not expired), and their actor for today."""
    # Every API request comes through here: one statement for the token, its user, group and roles,
    # one for the people the user acts for, and no transaction around them (db.lookup).
    with ctx.db.lookup() as session:
        row = sessions.token_row(session, token, ctx.now())
        if row is None or not row.user.is_active:
            return None
        found = row.user, actor_with_delegations(session, row.user, ctx.now())
        token_id, last_used = row.id, row.last_used_at
    sessions.touch_token(ctx, token_id, last_used)
    return found


@dataclass(frozen=True)
class DelegationView:
    id: int
    user: str  # full name of the person who is away
    substitute: str  # full name of who acts for them
    starts_on: date
    ends_on: date
    reason: str
    active: bool


def add_delegation(
    ctx: ServiceContext, actor: Actor, substitute_username: str, starts_on: date, ends_on: date, reason: str
) -> DelegationView:
    """Name a substitute for a date range (inclusive). Raises ValidationError."""
    problems = []
    if ends_on < starts_on:
        problems.append(problem("ends_on", "วันสิ้นสุดต้องไม่ก่อนวันเริ่ม"))
    with ctx.db.write() as session:
        substitute = find_user(session, substitute_username)
        if substitute is None or not substitute.is_active:
            problems.append(problem("substitute", "ไม่พบผู้ใช้นี้"))
        elif substitute.id == actor.id:
            problems.append(problem("substitute", "เลือกผู้อื่นที่จะรักษาราชการแทน"))
        if problems:
            raise ValidationError("the delegation has errors", problems)
        assert substitute is not None
        row = Delegation(
            user_id=actor.id,
            substitute_id=substitute.id,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.strip()[:500],
            created_at=ctx.now(),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            "delegation",
            "delegation_added",
            f"delegation {row.id}",
            actor_id=actor.id,
            now=row.created_at,
            details={
                "substitute": substitute.username,
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
        )
        return _delegation_view(session, row, _office_today(ctx))


def revoke_delegation(ctx: ServiceContext, actor: Actor, delegation_id: int) -> None:
    """End a delegation the actor gave. Raises NotFoundError."""
    with ctx.db.write() as session:
        row = session.get(Delegation, delegation_id)
        if row is None or row.user_id != actor.id or row.revoked_at is not None:
            raise NotFoundError("no such delegation")
        row.revoked_at = ctx.now()
        audit.record(
            session,
            "delegation",
            "delegation_revoked",
            f"delegation {row.id}",
            actor_id=actor.id,
            now=row.revoked_at,
            details={"starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat()},
        )


def list_delegations(ctx: ServiceContext, actor: Actor) -> tuple[list[DelegationView], list[DelegationView]]:
    """(delegations the actor gave, delegations to the actor), current and future ones."""
    today = _office_today(ctx)
    with ctx.db.read() as session:
        rows = session.scalars(
            select(Delegation)
            .where(
                (Delegation.user_id == actor.id) | (Delegation.substitute_id == actor.id),
                Delegation.revoked_at.is_(None),
                Delegation.ends_on >= today,
            )
            .order_by(Delegation.starts_on)
        ).all()
        views = [(_delegation_view(session, r, today), r.user_id == actor.id) for r in rows]
    return [v for v, given in views if given], [v for v, given in views if not given]


def _delegation_view(session: Session, row: Delegation, today: date) -> DelegationView:
    names = dict(
        session.execute(
            select(User.id, User.full_name).where(User.id.in_([row.user_id, row.substitute_id]))
        ).all()
    )
    return DelegationView(
        id=row.id,
        user=names.get(row.user_id, ""),
        substitute=names.get(row.substitute_id, ""),
        starts_on=row.starts_on,
        ends_on=row.ends_on,
        reason=row.reason,
        active=row.starts_on <= today <= row.ends_on and row.revoked_at is None,
    )


def list_colleagues(ctx: ServiceContext, actor: Actor) -> list[tuple[str, str]]:
    """(username, "full name — position") of every other active user, to choose a substitute."""
    with ctx.db.read() as session:
        rows = session.execute(
            select(User.username, User.full_name, User.position)
            .where(User.is_active.is_(True), User.id != actor.id)
            .order_by(User.full_name)
        ).all()
    return [(u, f"{name} — {position}" if position else name) for u, name, position in rows]
