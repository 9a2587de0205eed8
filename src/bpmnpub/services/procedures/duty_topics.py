"""The topics an office publishes on a schedule (`duty_topic`): edited by admins and process owners in the
catalogue, planned by the yearly programme's "กำหนดเรื่องที่จะเผยแพร่" step (`record_programme_topics`),
installed from a preset; a changed topic's open duties follow it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...errors import FieldProblem, NotFoundError, PermissionDeniedError, ValidationError, problem
from ...models import (
    Category,
    Duty,
    DutyTopic,
    Group,
    ProcessInstance,
)
from ...permissions import Actor, may_own_processes
from ..kernel import audit
from ..kernel.context import ServiceContext
from .duties import calendar_of, refresh
from .duty_periods import (
    DEFAULT_DUE_WORKDAYS,
    FREQUENCIES,
    MAX_DUE_WORKDAYS,
    due_at,
    period_of,
    today,
)

PROGRAMME_FORM = "define_topics_form"  # the programme's step whose rows are topics
PROGRAMME_SOURCE = "programme:"
TOPIC_ACTIONS = ("duty_topic_created", "duty_topic_updated", "duty_topics_planned")


@dataclass(frozen=True)
class TopicRow:
    id: int
    title: str
    category: str
    group_code: str
    group_name: str
    ita_item: str
    frequency: str
    due_workdays: int
    starts_on: date
    active: bool
    source: str


@dataclass(frozen=True)
class TopicInput:
    title: str
    category: str
    group_code: str
    frequency: str
    due_workdays: int | None = None  # None: the frequency's default
    ita_item: str = ""
    starts_on: date | None = None  # None: today (a new topic) or unchanged
    active: bool = True


def _topic_rows(session: Session, topic_id: int | None = None) -> list[TopicRow]:
    stmt = select(DutyTopic, Group.code, Group.name).join(Group, Group.id == DutyTopic.group_id)
    if topic_id is not None:
        stmt = stmt.where(DutyTopic.id == topic_id)
    rows = session.execute(stmt.order_by(DutyTopic.active.desc(), Group.name, DutyTopic.title)).all()
    return [
        TopicRow(
            t.id,
            t.title,
            t.category,
            gcode,
            gname,
            t.ita_item,
            t.frequency,
            t.due_workdays,
            t.starts_on,
            t.active,
            t.source,
        )
        for t, gcode, gname in rows
    ]


def list_topics(ctx: ServiceContext) -> list[TopicRow]:
    """Every topic, active first, by group and title."""
    with ctx.db.read() as session:
        return _topic_rows(session)


def _check_topic(session: Session, values: TopicInput) -> tuple[list[FieldProblem], int | None]:
    problems: list[FieldProblem] = []
    title = values.title.strip()
    if not title:
        problems.append(problem("title", "กรุณากรอกชื่อเรื่อง"))
    elif len(title) > 500:
        problems.append(problem("title", "ยาวได้ไม่เกิน 500 ตัวอักษร"))
    category = session.scalar(select(Category).where(Category.code == values.category.strip()))
    if category is None or not category.active:
        problems.append(problem("category", "กรุณาเลือกหมวดหมู่ข้อมูลจากรายการของสำนักงาน"))
    group_id = session.scalar(select(Group.id).where(Group.code == values.group_code.strip()))
    if group_id is None:
        problems.append(problem("group", "กรุณาเลือกกลุ่มที่รับผิดชอบ"))
    if values.frequency not in FREQUENCIES:
        problems.append(problem("frequency", "กรุณาเลือกความถี่ (ทุกเดือน ทุกไตรมาส ทุก 6 เดือน หรือปีละครั้ง)"))
    elif (
        values.due_workdays is not None and not 1 <= values.due_workdays <= MAX_DUE_WORKDAYS[values.frequency]
    ):
        most = MAX_DUE_WORKDAYS[values.frequency]
        problems.append(
            problem("due_workdays", "ต้องอยู่ระหว่าง 1 ถึง %(most)s วันทำการ (ให้ครบกำหนดภายในรอบ)", most=most)
        )
    if len(values.ita_item.strip()) > 16:
        problems.append(problem("ita_item", "รหัสข้อการประเมินยาวได้ไม่เกิน 16 ตัวอักษร"))
    return problems, group_id


def _topic_facts(topic: DutyTopic | None) -> dict[str, Any]:
    if topic is None:
        return {}
    return {
        "title": topic.title,
        "category": topic.category,
        "group_id": topic.group_id,
        "ita_item": topic.ita_item,
        "frequency": topic.frequency,
        "due_workdays": topic.due_workdays,
        "starts_on": topic.starts_on.isoformat(),
        "active": topic.active,
    }


def save_topic(ctx: ServiceContext, actor: Actor, topic_id: int | None, values: TopicInput) -> TopicRow:
    """Create (topic_id None) or change a topic, with its audit row; the duties of its current and
    coming periods follow the new rule (due date, what satisfies them) at once. Raises
    PermissionDeniedError, NotFoundError, ValidationError."""
    if not may_own_processes(actor):
        raise PermissionDeniedError("only administrators and process owners edit the duty topics")
    with ctx.db.write() as session:
        now = ctx.now()
        topic = session.get(DutyTopic, topic_id) if topic_id is not None else None
        if topic_id is not None and topic is None:
            raise NotFoundError(f"no duty topic {topic_id}")
        problems, group_id = _check_topic(session, values)
        if problems:
            raise ValidationError("the topic has errors", problems)
        assert group_id is not None
        before = _topic_facts(topic)
        if topic is None:
            topic = DutyTopic(created_at=now, source="", starts_on=values.starts_on or today(now))
            session.add(topic)
        topic.title = values.title.strip()
        topic.category = values.category.strip()
        topic.group_id = group_id
        topic.ita_item = values.ita_item.strip().upper()
        topic.frequency = values.frequency
        topic.due_workdays = values.due_workdays or DEFAULT_DUE_WORKDAYS[values.frequency]
        if values.starts_on is not None:
            topic.starts_on = values.starts_on
        topic.active = values.active
        topic.updated_at = now
        session.flush()
        _follow_topic(session, topic, now)
        audit.record(
            session,
            "catalogue",
            "duty_topic_created" if not before else "duty_topic_updated",
            f"topic {topic.id}",
            actor_id=actor.id,
            now=now,
            details=audit.changes(before, _topic_facts(topic)),
        )
        return _topic_rows(session, topic.id)[0]


def _follow_topic(session: Session, topic: DutyTopic, now: datetime) -> None:
    """After a topic changed: its duties of periods not yet over take the new due rule and are checked
    again; a duty of a period that no longer fits the frequency is left as history."""
    calendar = calendar_of(session)
    for duty in session.scalars(select(Duty).where(Duty.topic_id == topic.id, Duty.period_end > today(now))):
        if period_of(topic.frequency, duty.period_start)[0] == duty.period_start:
            duty.due_at = due_at(duty.period_start, topic.due_workdays, calendar)
        refresh(session, duty, topic)


def record_programme_topics(
    session: Session, instance: ProcessInstance, values: dict[str, Any], actor_id: int | None, now: datetime
) -> None:
    """The programme's "กำหนดเรื่องที่จะเผยแพร่" step, completed: each planned row with a recurring
    frequency and a category becomes an active topic (the same title and group: updated); topics an
    earlier programme planned and this one does not are deactivated. Topics made by hand stay."""
    groups = dict(session.execute(select(Group.code, Group.id)).all())
    planned: list[int] = []
    for row in values.get("topics") or []:
        if not isinstance(row, dict) or row.get("frequency") not in FREQUENCIES:
            continue
        title, category = str(row.get("topic") or "").strip(), str(row.get("category") or "").strip()
        group_id = groups.get(str(row.get("responsible_group") or ""))
        if not title or not category or group_id is None:
            continue
        topic = session.scalar(
            select(DutyTopic).where(DutyTopic.title == title[:500], DutyTopic.group_id == group_id)
        )
        if topic is None:
            topic = DutyTopic(
                title=title[:500],
                group_id=group_id,
                created_at=now,
                starts_on=today(now),
                source=f"{PROGRAMME_SOURCE}{instance.id}",
                due_workdays=DEFAULT_DUE_WORKDAYS[str(row["frequency"])],
            )
            session.add(topic)
        elif topic.frequency != row["frequency"]:
            topic.due_workdays = DEFAULT_DUE_WORKDAYS[str(row["frequency"])]
        topic.category = category[:32]
        topic.frequency = str(row["frequency"])
        topic.ita_item = str(row.get("ita_item") or "").strip().upper()[:16]
        topic.active = True
        topic.updated_at = now
        session.flush()
        planned.append(topic.id)
    dropped = session.scalars(
        select(DutyTopic).where(
            DutyTopic.source.startswith(PROGRAMME_SOURCE),
            DutyTopic.active.is_(True),
            DutyTopic.id.not_in(planned) if planned else DutyTopic.id.is_not(None),
        )
    ).all()
    for topic in dropped:
        topic.active = False
        topic.updated_at = now
    audit.record(
        session,
        "catalogue",
        "duty_topics_planned",
        f"programme {instance.id}",
        actor_id=actor_id,
        now=now,
        details={"planned": planned, "deactivated": [t.id for t in dropped]},
    )


def install_topic_preset(ctx: ServiceContext, name: str, category_preset: str) -> int:
    """First set-up (the demo): the topics of `presets/<name>.json` whose category (as the categories
    preset `category_preset` codes it) and group exist, unless the office has any topic. Returns how
    many were added."""
    folder = resources.files("bpmnpub") / "presets"
    spec = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    with ctx.db.write() as session:
        return _install_topics(session, spec["topics"], category_preset, ctx.now())


def _install_topics(
    session: Session, topics: Iterable[dict[str, Any]], category_preset: str, now: datetime
) -> int:
    if session.scalar(select(func.count(DutyTopic.id))):
        return 0
    groups = dict(session.execute(select(Group.code, Group.id)).all())
    codes = set(session.scalars(select(Category.code)))
    added = 0
    for entry in topics:
        category = str(dict(entry.get("categories") or {}).get(category_preset, ""))
        group_id = groups.get(str(entry.get("group") or ""))
        if category not in codes or group_id is None:
            continue
        frequency = str(entry["frequency"])
        session.add(
            DutyTopic(
                title=str(entry["title"]),
                category=category,
                group_id=group_id,
                ita_item=str(entry.get("ita_item") or ""),
                frequency=frequency,
                due_workdays=int(entry.get("due_workdays") or DEFAULT_DUE_WORKDAYS[frequency]),
                starts_on=today(now),
                active=True,
                source="preset",
                created_at=now,
                updated_at=now,
            )
        )
        added += 1
    return added
