"""Recurring duties: the topics an office publishes on a schedule, and each period's duty of each.

A topic (`duty_topic`: the monthly procurement summary สขร.1, a quarterly report...) names a category,
its responsible group, optionally the O item it answers, a frequency and its due rule (the `n`-th
working day of the period). The yearly programme's "กำหนดเรื่องที่จะเผยแพร่" step writes the topics it
plans (`duty_topics.py`); admins and process owners edit them in the catalogue. What people
see of them (the inbox, the dashboard) is `duty_views.py`.

The worker's pass (`run_pass`) makes each active topic's duty for every period from the topic's start to
today (one row per topic and period: a second pass, or a second worker at the same moment, makes
nothing twice), then tells the group's people once when a duty comes due (three days before) and once
when it is overdue (in-app notifications, which are also the e-mail outbox).

A duty is satisfied when an item *on its topic* is published in its period: an item on the portal
(not withdrawn) of the topic's category, filed by a request of the topic's group, published between
the period's first and last day (Bangkok), and, when the topic names an O item, confirmed as answering
it. Publishing, withdrawing, republishing and confirming O items re-check the duties of that item's
period in their own transaction (`item_changed`); the worker re-checks open duties too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...engine import WorkCalendar
from ...models import (
    ClosureDay,
    ConfirmedOItem,
    Duty,
    DutyTopic,
    Notification,
    PublishedItem,
    RoleAssignment,
    User,
)
from ...thaidate import format_date, local_date
from ..kernel.context import ServiceContext
from .duty_periods import (
    due_at,
    label,
    local_midnight,
    period_of,
    periods_from,
    remind_from,
    today,
)

REMINDER = "duty_reminder"
OVERDUE = "duty_overdue"
STATES = ("done", "late", "overdue", "due", "missed")


# -- satisfaction ----------------------------------------------------------------------------------


def _matching_items(topic: DutyTopic, start: date, end: date) -> Any:
    """The items on `topic` published in [start, end): the one definition of "on its topic"."""
    stmt = select(PublishedItem.id, PublishedItem.published_at).where(
        PublishedItem.status == "published",
        PublishedItem.category == topic.category,
        PublishedItem.group_id == topic.group_id,
        PublishedItem.published_at >= local_midnight(start),
        PublishedItem.published_at < local_midnight(end),
    )
    if topic.ita_item:
        stmt = stmt.where(
            exists().where(ConfirmedOItem.item_id == PublishedItem.id, ConfirmedOItem.code == topic.ita_item)
        )
    return stmt.order_by(PublishedItem.published_at, PublishedItem.id)


def refresh(session: Session, duty: Duty, topic: DutyTopic) -> None:
    """The duty's satisfaction, read again from the items (the first one on its topic in its period)."""
    found = session.execute(_matching_items(topic, duty.period_start, duty.period_end).limit(1)).first()
    duty.satisfied_item_id = found[0] if found else None
    duty.satisfied_at = found[1] if found else None


def item_changed(session: Session, item: PublishedItem) -> None:
    """An item was published, updated, withdrawn, republished or had its O items confirmed: check the
    duties its category and group may satisfy in the period it was published in (caller's transaction)."""
    session.flush()
    day = local_date(item.published_at)
    rows = session.execute(
        select(Duty, DutyTopic)
        .join(DutyTopic, DutyTopic.id == Duty.topic_id)
        .where(
            DutyTopic.category == item.category,
            DutyTopic.group_id == item.group_id,
            Duty.period_start <= day,
            Duty.period_end > day,
        )
    ).all()
    for duty, topic in rows:
        refresh(session, duty, topic)


# -- the worker's pass -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DutyPass:
    created: int
    reminded: int  # duties whose group was told they come due
    overdue: int  # duties whose group was told they are overdue


def calendar_of(session: Session) -> WorkCalendar:
    return WorkCalendar(frozenset(session.scalars(select(ClosureDay.day))))


def _insert_ignoring_duplicates(session: Session, values: list[dict[str, Any]]) -> int:
    """One INSERT … ON CONFLICT DO NOTHING on (topic, period): a concurrent pass waits on the same key
    and then inserts nothing. Returns the rows made."""
    if not values:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(Duty)
        .values(values)
        .on_conflict_do_nothing(index_elements=["topic_id", "period_start"])
        .returning(Duty.id)
    )
    return len(session.execute(statement).all())


def _first_period(topic: DutyTopic, calendar: WorkCalendar) -> date:
    """The period the topic starts in, or the next one when its due day was already past at the start."""
    start, end = period_of(topic.frequency, topic.starts_on)
    if local_date(due_at(start, topic.due_workdays, calendar)) < topic.starts_on:
        return end
    return start


def run_pass(ctx: ServiceContext, now: datetime | None = None) -> DutyPass:
    """Make the missing duties up to today's period, re-check the open ones, and notify once per duty
    when it comes due and when it is overdue. One transaction; safe to run twice or concurrently."""
    when = now or ctx.now()
    with ctx.db.write() as session:
        calendar = calendar_of(session)
        created = _create_missing(session, calendar, when)
        _recheck_open(session, when)
        reminded, overdue = _notify_due(session, when)
        return DutyPass(created, reminded, overdue)


def _create_missing(session: Session, calendar: WorkCalendar, now: datetime) -> int:
    day = today(now)
    values: list[dict[str, Any]] = []
    for topic in session.scalars(select(DutyTopic).where(DutyTopic.active.is_(True))):
        have = set(session.scalars(select(Duty.period_start).where(Duty.topic_id == topic.id)))
        first = _first_period(topic, calendar)
        if first > day:
            continue
        for start, end in periods_from(topic.frequency, first, day):
            if start in have:
                continue
            values.append(
                {
                    "topic_id": topic.id,
                    "period_start": start,
                    "period_end": end,
                    "due_at": due_at(start, topic.due_workdays, calendar),
                    "created_at": now,
                }
            )
    return _insert_ignoring_duplicates(session, values)


def _recheck_open(session: Session, now: datetime) -> None:
    """Open duties of periods that have begun are checked against the items (an item published before
    its duty existed, a topic edited, a confirmation changed)."""
    rows = session.execute(
        select(Duty, DutyTopic)
        .join(DutyTopic, DutyTopic.id == Duty.topic_id)
        .where(Duty.satisfied_item_id.is_(None), Duty.period_start <= today(now))
    ).all()
    for duty, topic in rows:
        refresh(session, duty, topic)
    session.flush()


def group_people(session: Session, group_id: int) -> list[int]:
    """Active members of the group and its directors (a director may belong to no group row)."""
    members = select(User.id).where(User.group_id == group_id, User.is_active.is_(True))
    directors = (
        select(User.id)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.role == "group_director",
            func.coalesce(RoleAssignment.group_id, User.group_id) == group_id,
            User.is_active.is_(True),
        )
    )
    return sorted(set(session.scalars(members)) | set(session.scalars(directors)))


def _notify_due(session: Session, now: datetime) -> tuple[int, int]:
    """Each open duty of a running period: one reminder from three days before its due time, one
    overdue notice after it. The claim is a conditional UPDATE, so two passes never both notify."""
    day = today(now)
    rows = session.execute(
        select(Duty, DutyTopic)
        .join(DutyTopic, DutyTopic.id == Duty.topic_id)
        .where(
            DutyTopic.active.is_(True),
            Duty.satisfied_item_id.is_(None),
            Duty.period_start <= day,
            Duty.period_end > day,
            or_(
                and_(Duty.overdue_notified_at.is_(None), Duty.due_at < now),
                Duty.reminded_at.is_(None),
            ),
        )
        .order_by(Duty.due_at, Duty.id)
    ).all()
    reminded = overdue = 0
    for duty, topic in rows:
        period = label(topic.frequency, duty.period_start)
        due_text = format_date(duty.due_at)
        if duty.due_at < now:
            if _claim(session, duty.id, Duty.overdue_notified_at, now):
                text = f"หน้าที่ประจำเลยกำหนด ({due_text}): {topic.title} — {period}"
                _tell(session, topic.group_id, OVERDUE, text, now)
                overdue += 1
        elif now >= remind_from(duty.due_at) and _claim(session, duty.id, Duty.reminded_at, now):
            text = f"หน้าที่ประจำใกล้ครบกำหนด ({due_text}): {topic.title} — {period}"
            _tell(session, topic.group_id, REMINDER, text, now)
            reminded += 1
    return reminded, overdue


def _claim(session: Session, duty_id: int, column: Any, now: datetime) -> bool:
    result = session.execute(
        update(Duty).where(Duty.id == duty_id, column.is_(None)).values({column.key: now})
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def _tell(session: Session, group_id: int, kind: str, text: str, now: datetime) -> None:
    for user_id in group_people(session, group_id):
        session.add(
            Notification(user_id=user_id, instance_id=None, kind=kind, text=text[:500], created_at=now)
        )


def state_of(duty: Duty, now: datetime) -> str:
    if duty.satisfied_at is not None:
        return "late" if duty.satisfied_at > duty.due_at else "done"
    if local_midnight(duty.period_end) <= now:
        return "missed"
    return "overdue" if duty.due_at < now else "due"
