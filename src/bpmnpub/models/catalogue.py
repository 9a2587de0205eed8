"""The office's catalogue of information categories and the ITA/OIT items of each fiscal year.

Two separate lists an admin edits (both ship as presets): the office's categories (หมวดหมู่ข้อมูล,
codes such as "1.3") and, per fiscal year, the assessment's required items ("O1", "O2", ...), joined
many-to-many. Nothing here is code: every row is data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, JSONText, UTCDateTime

PERIOD_RULES = ("current_fy", "previous_fy", "first_half")

category_ita_item = Table(
    "category_ita_item",
    Base.metadata,
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
    Column("ita_item_id", ForeignKey("ita_item.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Category(Base):
    """One entry of the office's catalogue. Deactivated, never deleted: published items keep its code."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    name_en: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))  # the usual responsible group
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    preset: Mapped[str] = mapped_column(String(64), default="")  # which preset it came from, "" = edited
    # The publication procedures (process ids) an item of this category goes through; [] = any of them.
    procedures: Mapped[list[str]] = mapped_column(JSONText, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ita_items: Mapped[list[ItaItem]] = relationship(
        secondary=category_ita_item, back_populates="categories", order_by="ItaItem.sort_order"
    )


class ItaFramework(Base):
    """The ITA/OIT item list of one fiscal year (Buddhist era), e.g. 2569."""

    __tablename__ = "ita_framework"

    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(64), default="")  # preset name or "clone:2568"
    # Presets are a starting point: the office must check them against the manual of the year.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ItaItem(Base):
    """One required item ("O item") of a fiscal year's assessment."""

    __tablename__ = "ita_item"
    __table_args__ = (UniqueConstraint("fiscal_year", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(ForeignKey("ita_framework.fiscal_year", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(500))
    guidance: Mapped[str] = mapped_column(Text, default="")
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))  # responsible group
    # current_fy: published within the assessed fiscal year; previous_fy: a report of the year before;
    # first_half: within the first six months (Oct–Mar) of the assessed year.
    period_rule: Mapped[str] = mapped_column(String(16), default="current_fy")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    categories: Mapped[list[Category]] = relationship(
        secondary=category_ita_item, back_populates="ita_items", order_by="Category.sort_order"
    )


class ItemEvent(Base):
    """The audit trail of a published item: published, updated, withdrawn, republished. Append only."""

    __tablename__ = "item_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("published_item.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ItemViewDay(Base):
    """Views of a public item per day (Bangkok). A number only: no address, no cookie, no agent."""

    __tablename__ = "item_view_day"

    item_id: Mapped[int] = mapped_column(ForeignKey("published_item.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)


class DutyTopic(Base):
    """A topic the office publishes on a schedule (เรื่องที่ต้องเผยแพร่ตามรอบ): the monthly procurement
    summary (สขร.1), a quarterly report... Each period it makes a `duty` for its responsible group.
    Its due rule is data: the `due_workdays`-th working day of the period."""

    __tablename__ = "duty_topic"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(32))  # a category code, as items store it
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id"), index=True)
    ita_item: Mapped[str] = mapped_column(String(16), default="")  # an O item code ("O13"), "" = none
    frequency: Mapped[str] = mapped_column(String(16))  # monthly | quarterly | semiannual | yearly
    due_workdays: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)  # the first period is the one this day falls in
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(64), default="")  # "programme:<id>", "preset:<name>", ""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Duty(Base):
    """One period's duty of a topic: satisfied when an item on the topic is published in the period.
    One row per (topic, period): the worker's inserts are idempotent."""

    __tablename__ = "duty"
    __table_args__ = (UniqueConstraint("topic_id", "period_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("duty_topic.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # exclusive
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    satisfied_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("published_item.id", ondelete="SET NULL")
    )
    satisfied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OfficeSetting(Base):
    """Office-wide settings admins edit in the browser (name, memo prefix, emblem file, ...)."""

    __tablename__ = "office_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONText)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
