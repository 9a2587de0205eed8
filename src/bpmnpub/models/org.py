"""The office: groups (กลุ่ม/หน่วย), users, their roles and API tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Date, ForeignKey, Index, Integer, String, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..thaidate import local_date
from .base import Base, UTCDateTime


class Group(Base):
    __tablename__ = "group"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255), default="")


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    position: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # E-mail of notifications (services/office/mail.py): "immediate", "digest" (once a day) or "off".
    mail_preference: Mapped[str] = mapped_column(String(16), default="immediate", server_default="immediate")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    group: Mapped[Group | None] = relationship(lazy="joined")
    # Every assignment ever made, past and future ones too: what holds now is `roles_at(now)`.
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        lazy="selectin",
        cascade="all, delete-orphan",
        foreign_keys="RoleAssignment.user_id",
    )

    def roles_at(self, now: datetime) -> list[RoleAssignment]:
        """The assignments in force at `now` (RoleAssignment.in_force)."""
        return [r for r in self.roles if r.in_force(now)]

    def role_codes_at(self, now: datetime) -> frozenset[str]:
        return frozenset(r.role for r in self.roles_at(now))


class RoleAssignment(Base):
    """A role held by a user. `group_id` scopes group roles; empty means the user's own group.

    Dated (issue #11): it holds from `valid_from` to `valid_to`, office dates in Bangkok, both days
    included; an empty bound is open (an assignment made before dates existed holds since always and
    until ended). An administrator may end it early (`ended_at`, with who and why); a newer appointment
    order for the same role ends the older one where the new one starts. `order_number` and
    `instance_id` say which appointment order (and the request that recorded it) gave it.
    `in_force` / `in_force_sql` are the one rule of whether it counts at a moment, as Python (an
    actor's roles) and as SQL (who holds a lane, the chain of superiors, notifications)."""

    __tablename__ = "role_assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(64), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    order_number: Mapped[str] = mapped_column(String(100), default="", server_default="")
    order_date: Mapped[date | None] = mapped_column(Date)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    ended_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])

    def in_force(self, now: datetime) -> bool:
        """Whether the assignment counts at `now`: its dates include the office's day of `now`, and
        nobody ended it at or before `now`."""
        today = local_date(now)
        return (
            (self.valid_from is None or self.valid_from <= today)
            and (self.valid_to is None or today <= self.valid_to)
            and (self.ended_at is None or now < self.ended_at)
        )

    @classmethod
    def in_force_sql(cls, now: datetime) -> ColumnElement[bool]:
        """`in_force` as SQL, for queries over assignments (tests/services/test_role_validity.py checks
        that the two agree)."""
        return cls.in_force_at(local_date(now), now)

    @classmethod
    def in_force_at(cls, today: Any, now: Any) -> ColumnElement[bool]:
        """`in_force_sql` with the office's day and the moment as values or bound parameters (a
        statement built once and run with `today` and `now` as its parameters)."""
        return and_(
            or_(cls.valid_from.is_(None), cls.valid_from <= today),
            or_(cls.valid_to.is_(None), cls.valid_to >= today),
            or_(cls.ended_at.is_(None), cls.ended_at > now),
        )


class ApiToken(Base):
    """A bearer token; only its sha256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(lazy="joined")


class UserSession(Base):
    """A browser sign-in, server side: the cookie carries a random id whose sha256 is kept here, so a
    session ends for real (sign-out, password change, deactivation, role change, idle, age)."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_open", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_reason: Mapped[str | None] = mapped_column(String(32))
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")


class LoginFailure(Base):
    """A failed sign-in, kept a short while to slow down password guessing (across app processes)."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    remote_addr: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Delegation(Base):
    """รักษาราชการแทน: during [starts_on, ends_on] (office dates, inclusive) the tasks of `user` also
    reach `substitute`, whose actions are recorded as "substitute acting for user"."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ClosureDay(Base):
    """A day the office is closed besides weekends and Thai public holidays (added by an admin): due
    times counted in working days skip it (engine/workdays.py)."""

    __tablename__ = "closure_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
