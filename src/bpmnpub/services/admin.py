"""Administering the office: groups (กลุ่ม/หน่วย), users and their roles. Admins only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import FieldProblem, NotFoundError, PermissionDeniedError, ValidationError
from ..models import Group, RoleAssignment, User
from ..permissions import ALL_ROLES, Actor
from . import audit, sessions
from .accounts import hash_password
from .context import ServiceContext

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


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise PermissionDeniedError("only administrators manage users and groups")


def _row(user: User) -> UserRow:
    return UserRow(
        user.id,
        user.username,
        user.full_name,
        user.position,
        user.email,
        user.group.code if user.group else None,
        user.group.name if user.group else None,
        tuple(sorted(user.role_codes)),
        user.is_active,
    )


def list_users(ctx: ServiceContext, actor: Actor) -> list[UserRow]:
    """Raises PermissionDeniedError."""
    _require_admin(actor)
    with ctx.db.read() as session:
        return [_row(u) for u in session.scalars(select(User).order_by(User.username))]


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
    _require_admin(actor)
    problems = []
    username = username.strip()
    if not username or len(username) > 64 or not username.replace("_", "").replace(".", "").isalnum():
        problems.append(FieldProblem("username", "ใช้ตัวอักษรอังกฤษ ตัวเลข จุด หรือ _ ไม่เกิน 64 ตัว"))
    if not full_name.strip():
        problems.append(FieldProblem("full_name", "กรุณากรอกชื่อ-นามสกุล"))
    unknown = sorted(set(roles) - ALL_ROLES)
    if unknown:
        problems.append(FieldProblem("roles", f"ไม่รู้จักบทบาท: {', '.join(unknown)}"))
    if (user_id is None or password) and len(password) < MIN_PASSWORD:
        problems.append(FieldProblem("password", f"รหัสผ่านอย่างน้อย {MIN_PASSWORD} ตัวอักษร"))
    if user_id == actor.id and ("admin" not in roles or not is_active):
        problems.append(FieldProblem("roles", "ไม่สามารถถอดสิทธิ์ผู้ดูแลระบบหรือปิดบัญชีของตนเอง"))
    with ctx.db.write() as session:
        group = _group(session, group_code, problems)
        clash = session.scalar(select(User.id).where(User.username == username, User.id != (user_id or 0)))
        if clash is not None:
            problems.append(FieldProblem("username", "ชื่อผู้ใช้นี้มีอยู่แล้ว"))
        if problems:
            raise ValidationError("the user has errors", problems)
        user = User(created_at=ctx.now()) if user_id is None else session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"user {user_id} not found")
        before = _user_facts(user) if user_id is not None else {}
        was_active, old_roles = user.is_active, {r.role for r in user.roles}
        user.username, user.full_name, user.position = username, full_name.strip(), position.strip()
        user.email, user.is_active = email.strip(), is_active
        user.group_id = group.id if group else None
        if password:
            user.password_hash = hash_password(password)
        keep = {r.role: r for r in user.roles if r.role in roles}
        user.roles = [
            keep.get(role)
            or RoleAssignment(role=role, group_id=group.id if group and role == "group_director" else None)
            for role in sorted(set(roles))
        ]
        session.add(user)
        session.flush()
        session.refresh(user)
        if user_id is not None:  # sessions that end: what the person could do has changed
            if password or (was_active and not is_active):
                why = sessions.PASSWORD_CHANGED if password else sessions.DEACTIVATED
                sessions.end_all(session, user.id, why, ctx.now(), tokens=True)
            elif old_roles != set(roles):
                sessions.end_all(session, user.id, sessions.ROLES_CHANGED, ctx.now(), tokens=False)
        details: dict[str, object] = {**audit.changes(before, _user_facts(user))}
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
        return _row(user)


def _user_facts(user: User) -> dict[str, object]:
    """What the audit trail compares of a user (never the password)."""
    row = _row(user)
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
        problems.append(FieldProblem("group", "ไม่พบกลุ่มนี้"))
    return group


def save_group(
    ctx: ServiceContext, actor: Actor, *, group_id: int | None, code: str, name: str, name_en: str
) -> GroupRow:
    """Create or rename a group. Raises PermissionDeniedError, ValidationError, NotFoundError."""
    _require_admin(actor)
    problems = []
    code = code.strip()
    if not code or len(code) > 64 or not code.replace("_", "").isalnum():
        problems.append(FieldProblem("code", "รหัสกลุ่ม: ตัวอักษรอังกฤษ ตัวเลข หรือ _"))
    if not name.strip():
        problems.append(FieldProblem("name", "กรุณากรอกชื่อกลุ่ม"))
    with ctx.db.write() as session:
        if (
            session.scalar(select(Group.id).where(Group.code == code, Group.id != (group_id or 0)))
            is not None
        ):
            problems.append(FieldProblem("code", "รหัสนี้มีอยู่แล้ว"))
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
