"""What people see of recurring duties: the inbox's "หน้าที่ประจำ" (each duty of the reader's groups and
its state), the ITA dashboard's topics and duties per O item, and the data a duty's request starts from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import NotFoundError, PermissionDeniedError, ValidationError, problem
from ...models import (
    Category,
    Duty,
    DutyTopic,
    Group,
)
from ...permissions import Actor, may_start, may_view_ita_dashboard
from ..catalogue.o_items import code_order
from ..kernel.context import ServiceContext
from . import definitions
from .duties import STATES, state_of
from .duty_periods import (
    label,
    today,
)


@dataclass(frozen=True)
class DutyView:
    id: int
    topic_id: int
    title: str
    category: str
    group_name: str
    ita_item: str
    frequency: str
    period_start: date
    period_end: date
    due_at: datetime
    state: str  # done | late | overdue | due | missed
    satisfied_at: datetime | None
    satisfied_item_id: int | None
    procedures: tuple[tuple[str, str], ...] = ()  # (process id, name) the viewer may start for it

    @property
    def period(self) -> str:
        return label(self.frequency, self.period_start)


def _groups_of(actor: Actor) -> set[int]:
    return set(actor.director_of) | ({actor.group_id} if actor.group_id is not None else set())


def my_duties(ctx: ServiceContext, actor: Actor) -> list[DutyView]:
    """The open duties of the viewer's groups in the running periods, overdue first then by due time,
    each with the procedures its category allows that the viewer may start."""
    if not _groups_of(actor):
        return []
    with ctx.db.read() as session:
        return my_duties_in(session, actor, ctx.now())


def my_duties_in(session: Session, actor: Actor, now: datetime) -> list[DutyView]:
    """my_duties inside the caller's transaction."""
    groups = _groups_of(actor)
    if not groups:
        return []
    rows = session.execute(
        select(Duty, DutyTopic, Group.name)
        .join(DutyTopic, DutyTopic.id == Duty.topic_id)
        .join(Group, Group.id == DutyTopic.group_id)
        .where(
            DutyTopic.group_id.in_(groups),
            DutyTopic.active.is_(True),
            Duty.satisfied_item_id.is_(None),
            Duty.period_start <= today(now),
            Duty.period_end > today(now),
        )
        .order_by(Duty.due_at, Duty.id)
    ).all()
    startable = _startable(session, actor)
    return [
        _view(duty, topic, group, now, _procedures_for(session, topic.category, startable))
        for duty, topic, group in rows
    ]


def _view(
    duty: Duty, topic: DutyTopic, group: str, now: datetime, procedures: tuple[tuple[str, str], ...] = ()
) -> DutyView:
    return DutyView(
        duty.id,
        topic.id,
        topic.title,
        topic.category,
        group,
        topic.ita_item,
        topic.frequency,
        duty.period_start,
        duty.period_end,
        duty.due_at,
        state_of(duty, now),
        duty.satisfied_at,
        duty.satisfied_item_id,
        procedures,
    )


def _startable(session: Session, actor: Actor) -> dict[str, str]:
    """{process id: name} of the publication procedures the actor may start, newest versions."""
    return {
        d.process_id: d.name
        for d in definitions.latest_versions(session)
        if d.category == "publication" and may_start(actor, d.start_roles)
    }


def _procedures_for(
    session: Session, category: str, startable: dict[str, str]
) -> tuple[tuple[str, str], ...]:
    allowed = session.scalar(select(Category.procedures).where(Category.code == category)) or []
    ids = [p for p in allowed if p in startable] if allowed else list(startable)
    return tuple((p, startable[p]) for p in ids)


def start_data(ctx: ServiceContext, duty_id: int, process_id: str, actor: Actor) -> dict[str, Any]:
    """What a request started for a duty begins with: its first form filled with the topic's category
    and a title naming the period (`requests.instances.start_for_duty` starts it). Only the group's
    people, only a procedure the category allows. Raises NotFoundError, PermissionDeniedError,
    ValidationError."""
    with ctx.db.read() as session:
        row = session.execute(
            select(Duty, DutyTopic).join(DutyTopic, DutyTopic.id == Duty.topic_id).where(Duty.id == duty_id)
        ).first()
        if row is None:
            raise NotFoundError(f"no duty {duty_id}")
        duty, topic = row
        if topic.group_id not in _groups_of(actor):
            raise PermissionDeniedError("only the responsible group's people start its duties")
        allowed = dict(_procedures_for(session, topic.category, _startable(session, actor)))
        if process_id not in allowed:
            raise ValidationError(
                "this procedure is not one the topic's category allows",
                [problem("process", "กระบวนงานนี้ใช้กับหมวดหมู่ของหน้าที่นี้ไม่ได้")],
            )
        return {
            "title": f"{topic.title} — {label(topic.frequency, duty.period_start)}"[:500],
            "category": topic.category,
        }


@dataclass(frozen=True)
class TopicProgress:
    """One topic's duties in a fiscal year, counted by state."""

    topic_id: int
    title: str
    group_name: str
    frequency: str
    counts: dict[str, int]  # state -> duties
    current: DutyView | None  # the duty of the running period


@dataclass(frozen=True)
class OItemDuties:
    code: str  # "" for topics that name no O item
    topics: tuple[TopicProgress, ...]


def o_item_duties(ctx: ServiceContext, actor: Actor, fiscal_year_be: int) -> list[OItemDuties]:
    """For the ITA dashboard: per O item, each topic's duties of the fiscal year by state. Raises
    PermissionDeniedError."""
    if not may_view_ita_dashboard(actor):
        raise PermissionDeniedError("the ITA dashboard is for publishers, directors and administrators")
    now = ctx.now()
    start = date(fiscal_year_be - 544, 10, 1)
    end = date(fiscal_year_be - 543, 10, 1)
    with ctx.db.read() as session:
        rows = session.execute(
            select(Duty, DutyTopic, Group.name)
            .join(DutyTopic, DutyTopic.id == Duty.topic_id)
            .join(Group, Group.id == DutyTopic.group_id)
            .where(Duty.period_start >= start, Duty.period_start < end)
            .order_by(Duty.period_start)
        ).all()
    by_topic: dict[int, tuple[DutyTopic, str, list[Duty]]] = {}
    for duty, topic, group in rows:
        by_topic.setdefault(topic.id, (topic, group, []))[2].append(duty)
    by_code: dict[str, list[TopicProgress]] = {}
    for topic, group, duties in by_topic.values():
        counts = dict.fromkeys(STATES, 0)
        current = None
        for duty in duties:
            counts[state_of(duty, now)] += 1
            if duty.period_start <= today(now) < duty.period_end:
                current = _view(duty, topic, group, now)
        by_code.setdefault(topic.ita_item, []).append(
            TopicProgress(topic.id, topic.title, group, topic.frequency, counts, current)
        )
    return [
        OItemDuties(code, tuple(sorted(topics, key=lambda t: t.title)))
        for code, topics in sorted(by_code.items(), key=lambda kv: (kv[0] == "", code_order(kv[0] or "O0")))
    ]
