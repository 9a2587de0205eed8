"""The admin audit trail: one `AdminEvent` row per change to the catalogue, the office settings, process
drafts, delegations and users, written by the changing service inside its own transaction (a change
that rolls back leaves no row; a row never exists without its change). Read back for the history
sections of the admin pages (admins only)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import AdminEvent, User
from ...permissions import Actor, require_admin
from . import trail
from .context import ServiceContext

HISTORY_SIZE = 50
# the first words of subjects that name a kind of thing ("category 1.9")
KINDS = ("category", "ita", "user", "group", "delegation", "office")
LONGEST_VALUE = 200  # details stay small: long texts (guidance, addresses) are cut in the trail


@dataclass(frozen=True)
class AdminEventRow:
    at: datetime
    actor: str  # full name, "" for the system
    area: str
    action: str
    subject: str
    details: dict[str, Any]  # {field: {"from", "to"}} for changed fields, plain facts otherwise

    @property
    def thing(self) -> str:
        """The subject without its kind ("category 1.9" -> "1.9"), for pages that name the kind."""
        kind, _, rest = self.subject.partition(" ")
        return rest if kind in KINDS else self.subject


def record(
    session: Session,
    area: str,
    action: str,
    subject: str,
    *,
    actor_id: int | None,
    now: datetime,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add the audit row of a change to the caller's open transaction."""
    event = AdminEvent(
        at=now,
        actor_id=actor_id,
        area=area,
        action=action,
        subject=subject[:255],
        details=dict(details or {}),
    )
    trail.link_admin_event(session, event)
    session.add(event)


def _small(value: Any) -> Any:
    if isinstance(value, str) and len(value) > LONGEST_VALUE:
        return value[:LONGEST_VALUE] + "…"
    return value


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{field: {"from": before, "to": after}} of the fields whose value differs (JSON-ready values
    expected; a field missing from `before` is new)."""
    return {
        key: {"from": _small(before.get(key)), "to": _small(value)}
        for key, value in after.items()
        if before.get(key) != value
    }


def history(
    ctx: ServiceContext,
    actor: Actor,
    area: str,
    *,
    actions: Collection[str] = (),
    subject: str = "",
    limit: int = HISTORY_SIZE,
) -> list[AdminEventRow]:
    """The latest changes of an area, newest first; narrowed to some actions and to a subject and the
    things under it ("ita 2570" also finds "ita 2570 O5"). Raises PermissionDeniedError."""
    require_admin(actor, "read the audit trail")
    stmt = (
        select(AdminEvent, User.full_name)
        .outerjoin(User, User.id == AdminEvent.actor_id)
        .where(AdminEvent.area == area)
        .order_by(AdminEvent.at.desc(), AdminEvent.id.desc())
        .limit(limit)
    )
    if actions:
        stmt = stmt.where(AdminEvent.action.in_(actions))
    if subject:
        stmt = stmt.where(
            (AdminEvent.subject == subject) | AdminEvent.subject.startswith(f"{subject} ", autoescape=True)
        )
    with ctx.db.read() as session:
        return [
            AdminEventRow(e.at, name or "", e.area, e.action, e.subject, e.details or {})
            for e, name in session.execute(stmt).all()
        ]
