"""The connection to the office's WordPress, as admins set it on /admin/office/website.

Stored as `office_setting` rows under `website.*`. The application password is kept encrypted
(Fernet) with a key derived from SECRET_KEY, or, when none is configured, a key made once and kept in
DATA_DIR/website.key; it is never shown again, only replaced.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import FieldProblem, ValidationError, problem
from ...models import Category, OfficeSetting
from ...permissions import Actor, require_admin
from ..kernel import audit
from ..kernel.context import ServiceContext
from .wordpress import Connection, WordPress, WordPressError

PREFIX = "website."


@dataclass(frozen=True)
class WebsiteSettings:
    enabled: bool = False
    url: str = ""
    user: str = ""
    has_password: bool = False
    categories: dict[str, int] = field(default_factory=dict)  # bpmnpub category code -> WP category id


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    user_name: str = ""
    categories: tuple[tuple[int, str], ...] = ()
    error_code: str | None = None
    error_detail: str = ""


def _fernet(ctx: ServiceContext) -> Fernet:
    secret = str(ctx.settings.get("SECRET_KEY") or "")
    if secret:
        digest = hashlib.sha256(b"bpmnpub website password\0" + secret.encode()).digest()
        return Fernet(base64.urlsafe_b64encode(digest))
    path = Path(ctx.settings["DATA_DIR"]) / "website.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(Fernet.generate_key())
    return Fernet(path.read_bytes().strip())


def _stored(session: Session) -> dict[str, Any]:
    rows = session.scalars(select(OfficeSetting).where(OfficeSetting.key.startswith(PREFIX)))
    return {row.key.removeprefix(PREFIX): row.value for row in rows}


def load(session: Session) -> WebsiteSettings:
    stored = _stored(session)
    return WebsiteSettings(
        enabled=stored.get("enabled") is True,
        url=str(stored.get("url") or ""),
        user=str(stored.get("user") or ""),
        has_password=bool(stored.get("password")),
        categories={str(k): int(v) for k, v in dict(stored.get("categories") or {}).items()},
    )


def get_settings(ctx: ServiceContext) -> WebsiteSettings:
    with ctx.db.read() as session:
        return load(session)


@dataclass(frozen=True)
class SettingsPage:
    """What the admin's page shows: the settings and the office's categories to map."""

    settings: WebsiteSettings
    categories: list[tuple[str, str]]  # (code, name), in catalogue order


def settings_page(ctx: ServiceContext, actor: Actor) -> SettingsPage:
    """Raises PermissionDeniedError."""
    require_admin(actor, "see the website connection")
    with ctx.db.read() as session:
        rows = session.execute(
            select(Category.code, Category.name).order_by(Category.sort_order, Category.code)
        )
        return SettingsPage(load(session), [(str(code), str(name)) for code, name in rows])


def connection(ctx: ServiceContext, session: Session) -> Connection | None:
    """The connection to use, or None when publishing to WordPress is off or incomplete."""
    stored = _stored(session)
    settings = load(session)
    if not (settings.enabled and settings.url and settings.user and stored.get("password")):
        return None
    try:
        password = _fernet(ctx).decrypt(str(stored["password"]).encode()).decode()
    except InvalidToken:  # the key changed (new SECRET_KEY): the admin enters the password again
        return None
    return Connection(settings.url, settings.user, password)


def update_settings(ctx: ServiceContext, actor: Actor, values: Mapping[str, Any]) -> WebsiteSettings:
    """Store the connection: `enabled`, `url`, `user`, `password` (empty keeps the stored one),
    `categories` {code: WordPress category id}. Raises PermissionDeniedError, ValidationError."""
    require_admin(actor, "change the website connection")
    url = str(values.get("url") or "").strip().rstrip("/")
    user = str(values.get("user") or "").strip()
    password = str(values.get("password") or "").strip()
    enabled = values.get("enabled") is True
    problems: list[FieldProblem] = []
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        problems.append(problem("url", "กรุณากรอกที่อยู่เว็บไซต์ที่ขึ้นต้นด้วย https:// หรือ http://"))
    if len(url) > 500:
        problems.append(problem("url", "ยาวได้ไม่เกิน 500 ตัวอักษร"))
    if len(user) > 200:
        problems.append(problem("user", "ยาวได้ไม่เกิน 200 ตัวอักษร"))
    categories: dict[str, int] = {}
    with ctx.db.write() as session:
        known = set(session.scalars(select(Category.code)))
        for code, raw in dict(values.get("categories") or {}).items():
            text = str(raw or "").strip()
            if not text:
                continue
            if code not in known:
                problems.append(problem(f"category_{code}", "ไม่มีหมวดนี้"))
            elif not text.isdigit() or int(text) <= 0:
                problems.append(problem(f"category_{code}", "กรุณากรอกเลขหมวดหมู่ของ WordPress"))
            else:
                categories[code] = int(text)
        before = load(session)
        if enabled and not (url and user and (password or before.has_password)):
            problems.append(problem("enabled", "กรอกที่อยู่ ชื่อผู้ใช้ และรหัสผ่านแอปพลิเคชันก่อนเปิดใช้"))
        if problems:
            raise ValidationError("the website settings have errors", problems)
        now = ctx.now()
        changes: dict[str, Any] = {"enabled": enabled, "url": url, "user": user, "categories": categories}
        if password:
            changes["password"] = _fernet(ctx).encrypt(password.encode()).decode()
        for key, value in changes.items():
            row = session.get(OfficeSetting, PREFIX + key)
            if row is None:
                session.add(
                    OfficeSetting(key=PREFIX + key, value=value, updated_at=now, updated_by_id=actor.id)
                )
            else:
                row.value, row.updated_at, row.updated_by_id = value, now, actor.id
        session.flush()
        after = load(session)
        details = audit.changes(_audited(before), _audited(after))
        if password:
            details["password"] = {"from": "…", "to": "…"}
        audit.record(
            session, "office", "website_updated", "office", actor_id=actor.id, now=now, details=details
        )
        return after


def _audited(settings: WebsiteSettings) -> dict[str, Any]:
    return {
        "enabled": settings.enabled,
        "url": settings.url,
        "user": settings.user,
        "categories": settings.categories,
    }


def check_connection(ctx: ServiceContext, actor: Actor) -> ConnectionCheck:
    """Try the stored connection (outside any transaction): who we are, and the site's categories.
    Raises PermissionDeniedError."""
    require_admin(actor, "test the website connection")
    with ctx.db.read() as session:
        stored = _stored(session)
        settings = load(session)
        conn = None
        if settings.url and settings.user and stored.get("password"):
            try:
                password = _fernet(ctx).decrypt(str(stored["password"]).encode()).decode()
                conn = Connection(settings.url, settings.user, password)
            except InvalidToken:
                return ConnectionCheck(False, error_code="password_unreadable")
    if conn is None:
        return ConnectionCheck(False, error_code="not_configured")
    client = WordPress(conn, timeout=10)
    try:
        return ConnectionCheck(True, user_name=client.whoami(), categories=tuple(client.categories()))
    except WordPressError as exc:
        return ConnectionCheck(False, error_code=exc.code, error_detail=exc.detail)
