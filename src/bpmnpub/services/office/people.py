"""Administering the office: groups (กลุ่ม/หน่วย), users and their roles. Admins only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...errors import FieldProblem, NotFoundError, ValidationError, problem
from ...models import Group, RoleAssignment, User
from ...permissions import ALL_ROLES, Actor, require_admin
from ...thaidate import local_date
from ..kernel import audit
from ..kernel.context import ServiceContext
from . import sessions
from .accounts import hash_password

MIN_PASSWORD = 8


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    full_name: str
    position: str
    email: str
    group_code: str | None
    group_name: str | None
    roles: tuple[str, ...]
    is_active: bool


@dataclass(frozen=True)
class GroupRow:
    id: int
    code: str
    name: str
    name_en: str
    members: int


def _row(user: User, now: datetime) -> UserRow:
    return UserRow(
        user.id,
        user.username,
        user.full_name,
        user.position,
        user.email,
        user.group.code if user.group else None,
        user.group.name if user.group else None,
        tuple(sorted(user.role_codes_at(now))),
        user.is_active,
    )


def list_users(ctx: ServiceContext, actor: Actor) -> list[UserRow]:
    """Raises PermissionDeniedError."""
    require_admin(actor, "manage users and groups")
    with ctx.db.read() as session:
        now = ctx.now()
        return [_row(u, now) for u in session.scalars(select(User).order_by(User.username))]


def list_groups(ctx: ServiceContext, actor: Actor | None = None) -> list[GroupRow]:
    with ctx.db.read() as session:
        counts = dict(
            session.execute(select(User.group_id, func.count(User.id)).group_by(User.group_id)).all()
        )
        return [
            GroupRow(g.id, g.code, g.name, g.name_en, int(counts.get(g.id, 0)))
            for g in session.scalars(select(Group).order_by(Group.name))
        ]


def save_user(
    ctx: ServiceContext,
    actor: Actor,
    *,
    user_id: int | None,
    username: str,
    full_name: str,
    position: str,
    email: str,
    group_code: str,
    roles: list[str],
    is_active: bool,
    password: str,
) -> UserRow:
    """Create (user_id None) or update a user with their roles. A new user needs a password; an empty
    password on update keeps the old one. Raises PermissionDeniedError, ValidationError, NotFoundError."""
    require_admin(actor, "manage users and groups")
    problems = []
    username = username.strip()
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        problems.append(problem("username", "ใช้ตัวอักษรอังกฤษ ตัวเลข จุด หรือ _ ไม่เกิน 64 ตัว"))
    if not full_name.strip():
        problems.append(problem("full_name", "กรุณากรอกชื่อ-นามสกุล"))
    unknown = sorted(set(roles) - ALL_ROLES)
    if unknown:
        problems.append(problem("roles", "ไม่รู้จักบทบาท: %(roles)s", roles=", ".join(unknown)))
    if (user_id is None or password) and len(password) < MIN_PASSWORD:
        problems.append(problem("password", "รหัสผ่านอย่างน้อย %(n)s ตัวอักษร", n=MIN_PASSWORD))
    if user_id == actor.id and ("admin" not in roles or not is_active):
        problems.append(problem("roles", "ไม่สามารถถอดสิทธิ์ผู้ดูแลระบบหรือปิดบัญชีของตนเอง"))
    with ctx.db.write() as session:
        group = _group(session, group_code, problems)
        clash = session.scalar(select(User.id).where(User.username == username, User.id != (user_id or 0)))
        if clash is not None:
            problems.append(problem("username", "ชื่อผู้ใช้นี้มีอยู่แล้ว"))
        if problems:
            raise ValidationError("the user has errors", problems)
        user = User(created_at=ctx.now()) if user_id is None else session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"user {user_id} not found")
        now = ctx.now()
        before = _user_facts(user, now) if user_id is not None else {}
        was_active, old_roles = user.is_active, user.role_codes_at(now)
        user.username, user.full_name, user.position = username, full_name.strip(), position.strip()
        user.email, user.is_active = email.strip(), is_active
        user.group_id = group.id if group else None
        if password:
            user.password_hash = hash_password(password)
        _set_roles(user, set(roles), group, actor, now)
        session.add(user)
        session.flush()
        session.refresh(user)
        if user_id is not None:  # sessions that end: what the person could do has changed
            if password or (was_active and not is_active):
                why = sessions.PASSWORD_CHANGED if password else sessions.DEACTIVATED
                sessions.end_all(session, user.id, why, ctx.now(), tokens=True)
            elif old_roles != set(roles):
                sessions.end_all(session, user.id, sessions.ROLES_CHANGED, ctx.now(), tokens=False)
        details: dict[str, object] = {**audit.changes(before, _user_facts(user, now))}
        if password and user_id is not None:
            details["password_changed"] = True  # that it changed, never the hash
        audit.record(
            session,
            "users",
            "user_created" if user_id is None else "user_updated",
            f"user {user.username}",
            actor_id=actor.id,
            now=ctx.now(),
            details=details,
        )
        return _row(user, now)


ENDED_ON_USER_PAGE = "ถอดบทบาทในหน้าแก้ไขผู้ใช้"


def _set_roles(user: User, roles: set[str], group: Group | None, actor: Actor, now: datetime) -> None:
    """The roles ticked on the user page, held from now on: a role newly ticked gets an open-ended
    assignment from today; a role no longer ticked has its assignments in force ended now (kept, with
    who and why, for the roles page); future and past assignments are left as they are."""
    held = user.roles_at(now)
    for assignment in held:
        if assignment.role not in roles:
            _end(assignment, actor, ENDED_ON_USER_PAGE, now)
    for role in sorted(roles - {r.role for r in held}):
        user.roles.append(
            RoleAssignment(
                role=role,
                group_id=group.id if group and role == "group_director" else None,
                valid_from=local_date(now),
                created_at=now,
            )
        )


def _end(assignment: RoleAssignment, actor: Actor, reason: str, now: datetime) -> None:
    assignment.ended_at = now
    assignment.ended_by_id = actor.id
    assignment.ended_reason = reason[:500]


def _user_facts(user: User, now: datetime) -> dict[str, object]:
    """What the audit trail compares of a user (never the password)."""
    row = _row(user, now)
    return {
        "username": row.username,
        "full_name": row.full_name,
        "position": row.position,
        "email": row.email,
        "group": row.group_code or "",
        "roles": list(row.roles),
        "is_active": row.is_active,
    }


def _group(session: Session, code: str, problems: list[FieldProblem]) -> Group | None:
    if not code:
        return None
    group = session.scalar(select(Group).where(Group.code == code))
    if group is None:
        problems.append(problem("group", "ไม่พบกลุ่มนี้"))
    return group


def save_group(
    ctx: ServiceContext, actor: Actor, *, group_id: int | None, code: str, name: str, name_en: str
) -> GroupRow:
    """Create or rename a group. Raises PermissionDeniedError, ValidationError, NotFoundError."""
    require_admin(actor, "manage users and groups")
    problems = []
    code = code.strip()
    if not code or len(code) > 64 or not code.replace("_", "").isalnum():
        problems.append(problem("code", "รหัสกลุ่ม: ตัวอักษรอังกฤษ ตัวเลข หรือ _"))
    if not name.strip():
        problems.append(problem("name", "กรุณากรอกชื่อกลุ่ม"))
    with ctx.db.write() as session:
        if (
            session.scalar(select(Group.id).where(Group.code == code, Group.id != (group_id or 0)))
            is not None
        ):
            problems.append(problem("code", "รหัสนี้มีอยู่แล้ว"))
        if problems:
            raise ValidationError("the group has errors", problems)
        group = Group() if group_id is None else session.get(Group, group_id)
        if group is None:
            raise NotFoundError(f"group {group_id} not found")
        before = {"code": group.code, "name": group.name, "name_en": group.name_en} if group_id else {}
        group.code, group.name, group.name_en = code, name.strip(), name_en.strip()
        session.add(group)
        session.flush()
        audit.record(
            session,
            "users",
            "group_created" if group_id is None else "group_updated",
            f"group {group.code}",
            actor_id=actor.id,
            now=ctx.now(),
            details=audit.changes(before, {"code": group.code, "name": group.name, "name_en": group.name_en}),
        )
        return GroupRow(group.id, group.code, group.name, group.name_en, 0)
