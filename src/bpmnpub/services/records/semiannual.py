"""The six-monthly report (seed 000 §4): the figures of a fiscal half, per category and per group.

Every figure is read from what the database keeps for good: items' first publication dates and their
audit trail (`item_event`), views per Bangkok day (`item_view_day`), the request event log
(`instance_event`) and the steps' due and completion times (`human_task`). Nothing depends on an
item's *current* status or on when the report is made, so regenerating the report of a past period
gives the same numbers whatever happened since. The report itself (group commentary, PDF, CSV, XLSX)
is assembled in `semiannual_report.py`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ...models import (
    Category,
    Group,
    HumanTask,
    InstanceEvent,
    ItemEvent,
    ItemViewDay,
    ProcessInstance,
    PublishedItem,
    RoleAssignment,
    User,
)
from ...thaidate import BANGKOK, MONTHS_SHORT, be_year, previous_half_year, thai_digits

# The evaluation steps of seed 000: 3.2(5) for photos and news, 3.3(6) for regulatory information.
EVALUATIONS = {"photo_publication": "3.2(5)", "regulatory_publication": "3.3(6)"}
EVALUATION_STEP = "Task_EvaluatePublication"
REPORT_PROCESS = "semiannual_report"
NO_GROUP = ""  # items and requests without a group are counted on a row of their own
NO_CATEGORY = ""


@dataclass(frozen=True)
class Period:
    """A fiscal half: 1 Oct - 31 Mar (the first half) or 1 Apr - 30 Sep, inclusive office dates."""

    start: date
    end: date

    @property
    def fiscal_year(self) -> int:
        return be_year(self.end) + (1 if self.end.month >= 10 else 0)

    @property
    def first_half(self) -> bool:
        return self.start.month == 10

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(), BANGKOK)

    @property
    def ends_before(self) -> datetime:
        """Midnight after the last day (the period is [starts_at, ends_before))."""
        return datetime.combine(self.end + timedelta(days=1), time(), BANGKOK)

    def label(self, digits: str = "arabic") -> str:
        """ครึ่งปีแรก ปีงบประมาณ พ.ศ. 2570 (1 ต.ค. 2569 – 31 มี.ค. 2570); Thai digits on request."""
        half = "ครึ่งปีแรก" if self.first_half else "ครึ่งปีหลัง"
        text = f"{half} ปีงบประมาณ พ.ศ. {self.fiscal_year} ({_day(self.start)} – {_day(self.end)})"
        return thai_digits(text) if digits == "thai" else text


def _day(day: date) -> str:
    return f"{day.day} {MONTHS_SHORT[day.month - 1]} {be_year(day)}"


def previous_period(now: datetime) -> Period:
    """The last complete fiscal half before `now` (what a report started on 1 April covers)."""
    first, last = previous_half_year(now)
    return Period(first, last)


def period_of(data: dict[str, Any], started: datetime) -> Period:
    """The period a report's request covers: the one its first step recorded, else the half before it
    started."""
    summary = data.get("published_summary")
    if isinstance(summary, dict):
        try:
            return Period(
                date.fromisoformat(str(summary["period_start"])),
                date.fromisoformat(str(summary["period_end"])),
            )
        except (KeyError, ValueError):
            pass
    return previous_period(started)


@dataclass(frozen=True)
class Figures:
    """One row of the report: a category, a group or the whole office."""

    code: str
    name: str
    published: int = 0
    withdrawn: int = 0
    views: int = 0
    median_days: float | None = None  # from filing the request to publication, items published in the period
    revise_rounds: int = 0
    overdue_steps: int = 0
    evaluations: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.published
            or self.withdrawn
            or self.views
            or self.revise_rounds
            or self.overdue_steps
            or self.evaluations
        )


@dataclass(frozen=True)
class Evaluation:
    """An evaluation made in the period (the evaluation form of 3.2(5) or 3.3(6))."""

    measure: str  # "3.2(5)" or "3.3(6)"
    instance_id: int
    title: str
    group_code: str
    category: str
    at: datetime
    result: str = ""
    lessons: str = ""


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    by_category: tuple[Figures, ...]
    by_group: tuple[Figures, ...]
    total: Figures
    evaluations: tuple[Evaluation, ...]

    def group(self, code: str) -> Figures:
        return next((row for row in self.by_group if row.code == code), Figures(code, code))

    def category(self, code: str) -> Figures:
        return next((row for row in self.by_category if row.code == code), Figures(code, code))


@dataclass
class _Tally:
    published: int = 0
    withdrawn: int = 0
    views: int = 0
    days: list[float] = field(default_factory=list)
    revise_rounds: int = 0
    overdue_steps: int = 0
    evaluations: int = 0

    def row(self, code: str, name: str) -> Figures:
        median = round(statistics.median(self.days), 1) if self.days else None
        return Figures(
            code,
            name,
            self.published,
            self.withdrawn,
            self.views,
            median,
            self.revise_rounds,
            self.overdue_steps,
            self.evaluations,
        )


class _Tallies:
    """Counts kept per category, per group and for the office at once."""

    def __init__(self) -> None:
        self.categories: dict[str, _Tally] = defaultdict(_Tally)
        self.groups: dict[str, _Tally] = defaultdict(_Tally)
        self.total = _Tally()

    def each(self, category: str | None, group: str | None) -> Iterable[_Tally]:
        return (self.categories[category or NO_CATEGORY], self.groups[group or NO_GROUP], self.total)


def compute_figures(
    session: Session,
    period: Period,
    now: datetime,
    evaluation_texts: dict[int, dict[str, Any]] | None = None,
    groups: Iterable[str] = (),
) -> PeriodFigures:
    """The figures of a period from the database and the event logs. `now` only bounds which steps can
    be overdue yet (a period still running); `evaluation_texts` maps a request to its evaluation form's
    answers; `groups` are listed even when they did nothing."""
    tallies = _Tallies()
    group_codes = {g.id: g.code for g in session.scalars(select(Group))}
    _count_items(session, period, tallies, group_codes)
    _count_requests(session, period, now, tallies, group_codes)
    evaluations = _evaluations(session, period, tallies, group_codes, evaluation_texts or {})
    for code in groups:
        tallies.groups[code]
    category_names = {c.code: c.name for c in session.scalars(select(Category))}
    group_names = {g.code: g.name for g in session.scalars(select(Group))}
    category_order = {
        c.code: i
        for i, c in enumerate(session.scalars(select(Category).order_by(Category.sort_order, Category.id)))
    }
    by_category = tuple(
        tallies.categories[code].row(code, category_names.get(code, code) if code else "ไม่ระบุหมวด")
        for code in sorted(
            tallies.categories, key=lambda c: (c == NO_CATEGORY, category_order.get(c, 10**6), c)
        )
    )
    by_group = tuple(
        tallies.groups[code].row(code, group_names.get(code, code) if code else "ไม่ระบุกลุ่ม")
        for code in sorted(tallies.groups, key=lambda c: (c == NO_GROUP, group_names.get(c, c)))
    )
    return PeriodFigures(period, by_category, by_group, tallies.total.row("", "รวมทั้งสำนักงาน"), evaluations)


def _within(column: Any, period: Period) -> Any:
    return (column >= period.starts_at) & (column < period.ends_before)


def _count_items(session: Session, period: Period, tallies: _Tallies, group_codes: dict[int, str]) -> None:
    """Published (first publication in the period), withdrawn (withdrawals in the period) and views
    (days in the period), each under the category the item was filed in by the end of the period."""
    published = session.execute(
        select(
            PublishedItem.id, PublishedItem.group_id, PublishedItem.published_at, ProcessInstance.created_at
        )
        .outerjoin(ProcessInstance, ProcessInstance.id == PublishedItem.instance_id)
        .where(_within(PublishedItem.published_at, period))
    ).all()
    withdrawn = set(
        session.scalars(
            select(ItemEvent.item_id).where(
                ItemEvent.action == "withdrawn", _within(ItemEvent.created_at, period)
            )
        )
    )
    summed: dict[int, int] = defaultdict(int)
    for item_id, n in session.execute(
        select(ItemViewDay.item_id, ItemViewDay.views).where(
            ItemViewDay.day >= period.start, ItemViewDay.day <= period.end
        )
    ):
        summed[item_id] += int(n or 0)
    views = dict(summed)
    items = {row.id for row in published} | withdrawn | set(views)
    filed = _categories_at(session, items, period.ends_before)
    groups: dict[int, int | None] = {}
    if items:
        rows = session.execute(
            select(PublishedItem.id, PublishedItem.group_id).where(PublishedItem.id.in_(items))
        )
        groups = dict(rows.all())
    for row in published:
        days = (row.published_at - row.created_at).total_seconds() / 86400 if row.created_at else None
        for tally in tallies.each(filed.get(row.id), group_codes.get(row.group_id or 0)):
            tally.published += 1
            if days is not None:
                tally.days.append(days)
    for item_id in withdrawn:
        for tally in tallies.each(filed.get(item_id), group_codes.get(groups.get(item_id) or 0)):
            tally.withdrawn += 1
    for item_id, n in views.items():
        for tally in tallies.each(filed.get(item_id), group_codes.get(groups.get(item_id) or 0)):
            tally.views += n


def _categories_at(session: Session, item_ids: set[int], before: datetime) -> dict[int, str]:
    """Each item's category as its audit trail had it just before `before`: a later re-filing does not
    move an item of a past report."""
    if not item_ids:
        return {}
    filed: dict[int, str] = {}
    rows = session.execute(
        select(ItemEvent.item_id, ItemEvent.details)
        .where(ItemEvent.item_id.in_(item_ids), ItemEvent.created_at < before)
        .order_by(ItemEvent.created_at, ItemEvent.id)
    )
    for item_id, details in rows:
        if isinstance(details, dict) and details.get("category"):
            filed[item_id] = str(details["category"])
    missing = item_ids - set(filed)
    if missing:  # an item whose trail names no category (made before the trail recorded it)
        rows = session.execute(
            select(PublishedItem.id, PublishedItem.category).where(PublishedItem.id.in_(missing))
        )
        filed.update(dict(rows.all()))
    return filed


def _count_requests(
    session: Session, period: Period, now: datetime, tallies: _Tallies, group_codes: dict[int, str]
) -> None:
    """Revise rounds (decisions `revise` made in the period) and overdue steps (steps due in the
    period, done after their due time or not yet done), by the request's category and group."""
    revises = session.execute(
        select(ProcessInstance.category, ProcessInstance.group_id)
        .join(InstanceEvent, InstanceEvent.instance_id == ProcessInstance.id)
        .where(InstanceEvent.decision == "revise", _within(InstanceEvent.at, period))
        .where(ProcessInstance.process_id != REPORT_PROCESS)
    ).all()
    for category, group_id in revises:
        for tally in tallies.each(category, group_codes.get(group_id or 0)):
            tally.revise_rounds += 1
    due_by = min(period.ends_before, now)
    overdue = session.execute(
        select(ProcessInstance.category, ProcessInstance.group_id)
        .join(HumanTask, HumanTask.instance_id == ProcessInstance.id)
        .where(HumanTask.due_at >= period.starts_at, HumanTask.due_at < due_by)
        .where(or_(HumanTask.completed_at.is_(None), HumanTask.completed_at > HumanTask.due_at))
        .where(ProcessInstance.process_id != REPORT_PROCESS)
    ).all()
    for category, group_id in overdue:
        for tally in tallies.each(category, group_codes.get(group_id or 0)):
            tally.overdue_steps += 1


def evaluated_requests(session: Session, period: Period) -> list[tuple[int, datetime]]:
    """The requests whose evaluation step (3.2(5), 3.3(6)) was done in the period, with when."""
    rows = session.execute(
        select(InstanceEvent.instance_id, InstanceEvent.at)
        .join(ProcessInstance, ProcessInstance.id == InstanceEvent.instance_id)
        .where(
            InstanceEvent.action == "task_completed",
            InstanceEvent.task_spec == EVALUATION_STEP,
            ProcessInstance.process_id.in_(EVALUATIONS),
            _within(InstanceEvent.at, period),
        )
        .order_by(InstanceEvent.at, InstanceEvent.id)
    ).all()
    return [(int(i), at) for i, at in rows]


def _evaluations(
    session: Session,
    period: Period,
    tallies: _Tallies,
    group_codes: dict[int, str],
    texts: dict[int, dict[str, Any]],
) -> tuple[Evaluation, ...]:
    done = evaluated_requests(session, period)
    if not done:
        return ()
    instances = {
        i.id: i
        for i in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_({i for i, _ in done})))
    }
    found = []
    for instance_id, at in done:
        instance = instances[instance_id]
        group = group_codes.get(instance.group_id or 0, NO_GROUP)
        for tally in tallies.each(instance.category, group):
            tally.evaluations += 1
        answers = texts.get(instance_id, {})
        found.append(
            Evaluation(
                measure=EVALUATIONS[instance.process_id],
                instance_id=instance_id,
                title=instance.title,
                group_code=group,
                category=instance.category or NO_CATEGORY,
                at=at,
                result=str(answers.get("evaluation_result") or ""),
                lessons=str(answers.get("lessons") or ""),
            )
        )
    return tuple(found)


def directed_groups(session: Session, now: datetime) -> set[str]:
    """Groups with an active group director at `now` (a role scoped to a group, or to the director's
    own)."""
    rows = session.execute(
        select(RoleAssignment.group_id, User.group_id)
        .join(User, User.id == RoleAssignment.user_id)
        .where(
            RoleAssignment.role == "group_director",
            RoleAssignment.in_force_sql(now),
            User.is_active.is_(True),
        )
    ).all()
    ids = {scoped or own for scoped, own in rows if scoped or own}
    return set(session.scalars(select(Group.code).where(Group.id.in_(ids)))) if ids else set()


def summary(session: Session, now: datetime) -> dict[str, Any]:
    """What the report's first step records (the `count_published_items` operator): the period, the
    groups that report (their directors; the deputy director for groups with figures but no
    director) and each group's published count, pre-filled on its form."""
    period = previous_period(now)
    figures = compute_figures(session, period, now)
    active = {row.code for row in figures.by_group if not row.empty and row.code != NO_GROUP}
    directed = directed_groups(session, now)
    by_group = {code: figures.group(code).published for code in sorted(directed | active)}
    return {
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "period_label": period.label(),
        "fiscal_year": period.fiscal_year,
        "total": figures.total.published,
        "by_group": by_group,
        "group_codes": sorted(directed),
        "deputy_group_codes": sorted(active - directed),
    }
