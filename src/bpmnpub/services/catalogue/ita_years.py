"""Each fiscal year's ITA/OIT items ("O12"): the list an office keeps per Buddhist-era fiscal year, made
from a preset or cloned from another year, each item's categories and responsible group, verified by a
person; and the catalogue's first set-up (`install_presets`). Every change is one transaction with its
`admin_event` row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ...errors import ConflictError, FieldProblem, NotFoundError, ValidationError, problem
from ...models import PERIOD_RULES, Category, Group, ItaFramework, ItaItem
from ...permissions import Actor
from ..kernel import audit
from ..kernel.context import ServiceContext
from .categories import group_id_of, load_categories, require_editor
from .presets import DEFAULT_MAPPING, preset_of

YEARS = (2500, 2700)  # Buddhist-era fiscal years an office may keep a list for


@dataclass(frozen=True)
class FiscalYearRow:
    fiscal_year: int
    title: str
    source: str  # the preset, or "clone:2569"
    verified: bool
    note: str
    created_at: datetime
    item_count: int


@dataclass(frozen=True)
class ItaItemRow:
    code: str
    title: str
    guidance: str
    group_code: str | None
    group_name: str | None
    period_rule: str
    sort_order: int
    categories: tuple[str, ...]  # mapped category codes, in catalogue order


@dataclass(frozen=True)
class ItaItemInput:
    title: str
    guidance: str = ""
    group_code: str = ""
    period_rule: str = "current_fy"
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class FiscalYearList:
    year: FiscalYearRow
    items: list[ItaItemRow]


def _year_row(session: Session, framework: ItaFramework) -> FiscalYearRow:
    count = session.scalar(select(func.count(ItaItem.id)).where(ItaItem.fiscal_year == framework.fiscal_year))
    return FiscalYearRow(
        framework.fiscal_year,
        framework.title,
        framework.source,
        framework.verified,
        framework.note,
        framework.created_at,
        int(count or 0),
    )


def list_fiscal_years(ctx: ServiceContext) -> list[FiscalYearRow]:
    """Every fiscal year with a list, newest first."""
    with ctx.db.read() as session:
        years = session.scalars(select(ItaFramework).order_by(ItaFramework.fiscal_year.desc())).all()
        return [_year_row(session, y) for y in years]


def _framework(session: Session, fiscal_year: int) -> ItaFramework:
    framework = session.get(ItaFramework, fiscal_year)
    if framework is None:
        raise NotFoundError(f"fiscal year {fiscal_year} has no ITA list")
    return framework


def _items(session: Session, fiscal_year: int) -> list[ItaItem]:
    return list(
        session.scalars(
            select(ItaItem)
            .where(ItaItem.fiscal_year == fiscal_year)
            .options(selectinload(ItaItem.categories))
            .order_by(ItaItem.sort_order, ItaItem.id)
        )
    )


def _item_row(item: ItaItem, groups: dict[int, tuple[str, str]]) -> ItaItemRow:
    group = groups.get(item.group_id) if item.group_id is not None else None
    return ItaItemRow(
        item.code,
        item.title,
        item.guidance,
        group[0] if group else None,
        group[1] if group else None,
        item.period_rule,
        item.sort_order,
        tuple(c.code for c in item.categories),
    )


def _groups(session: Session) -> dict[int, tuple[str, str]]:
    return {
        gid: (code, name) for gid, code, name in session.execute(select(Group.id, Group.code, Group.name))
    }


def get_fiscal_year(ctx: ServiceContext, fiscal_year: int) -> FiscalYearList:
    """A year's list with its O items and their mapped categories. Raises NotFoundError."""
    with ctx.db.read() as session:
        framework = _framework(session, fiscal_year)
        groups = _groups(session)
        return FiscalYearList(
            _year_row(session, framework), [_item_row(i, groups) for i in _items(session, fiscal_year)]
        )


def _check_new_year(session: Session, fiscal_year: int, field: str) -> None:
    """Raises ValidationError (out of range) or ConflictError (the year has its list already)."""
    if not YEARS[0] <= fiscal_year <= YEARS[1]:
        raise ValidationError(
            "fiscal year out of range",
            [problem(field, "ปีงบประมาณ (พ.ศ.) ระหว่าง %(low)s ถึง %(high)s", low=YEARS[0], high=YEARS[1])],
        )
    if session.get(ItaFramework, fiscal_year) is not None:
        raise ConflictError(f"fiscal year {fiscal_year} already has its ITA list")


def _mapping_of_office(session: Session) -> str:
    """Which category preset the office's catalogue mostly comes from: the ITA presets map to it."""
    counts = session.execute(
        select(Category.preset, func.count(Category.id))
        .where(Category.preset != "")
        .group_by(Category.preset)
    ).all()
    return str(max(counts, key=lambda row: (row[1], row[0]))[0]) if counts else DEFAULT_MAPPING


def _create_year(session: Session, fiscal_year: int, name: str, now: datetime) -> ItaFramework:
    spec = preset_of("ita", name)
    framework = ItaFramework(
        fiscal_year=fiscal_year,
        title=spec["title"],
        source=name,
        verified=False,
        note=spec["note"],
        created_at=now,
    )
    session.add(framework)
    session.flush()
    mapping = _mapping_of_office(session)
    categories = {c.code: c for c in session.scalars(select(Category))}
    groups = dict(session.execute(select(Group.code, Group.id)).all())
    for index, entry in enumerate(spec["items"]):
        codes = entry.get("categories", {}).get(mapping, [])
        session.add(
            ItaItem(
                fiscal_year=fiscal_year,
                code=entry["code"],
                title=entry["title"],
                guidance=entry.get("guidance", ""),
                group_id=groups.get(entry.get("group", "")),
                period_rule=entry.get("period_rule", "current_fy"),
                sort_order=index + 1,
                categories=[categories[c] for c in codes if c in categories],
            )
        )
    session.flush()
    return framework


def create_fiscal_year(ctx: ServiceContext, actor: Actor, fiscal_year: int, preset: str) -> FiscalYearRow:
    """A year's list from an ITA preset, mapped to the office's categories by code; unverified until an
    admin checks it against the manual. Raises PermissionDeniedError, ValidationError, ConflictError."""
    require_editor(actor)
    with ctx.db.write() as session:
        _check_new_year(session, fiscal_year, "fiscal_year")
        now = ctx.now()
        row = _year_row(session, _create_year(session, fiscal_year, preset, now))
        audit.record(
            session,
            "catalogue",
            "year_created",
            f"ita {fiscal_year}",
            actor_id=actor.id,
            now=now,
            details={"preset": preset, "items": row.item_count},
        )
    return row


def clone_fiscal_year(ctx: ServiceContext, actor: Actor, source: int, target: int) -> FiscalYearRow:
    """Copy a year's list (items, guidance, groups, period rules, mappings) to another year, unverified:
    the new year's manual may differ. Raises PermissionDeniedError, NotFoundError, ValidationError,
    ConflictError (the target has a list already)."""
    require_editor(actor)
    with ctx.db.write() as session:
        original = _framework(session, source)
        _check_new_year(session, target, "to")
        copy = ItaFramework(
            fiscal_year=target,
            title=original.title,
            source=f"clone:{source}",
            verified=False,
            note=original.note,
            created_at=ctx.now(),
        )
        session.add(copy)
        session.flush()
        for item in _items(session, source):
            session.add(
                ItaItem(
                    fiscal_year=target,
                    code=item.code,
                    title=item.title,
                    guidance=item.guidance,
                    group_id=item.group_id,
                    period_rule=item.period_rule,
                    sort_order=item.sort_order,
                    categories=list(item.categories),
                )
            )
        session.flush()
        row = _year_row(session, copy)
        audit.record(
            session,
            "catalogue",
            "year_cloned",
            f"ita {target}",
            actor_id=actor.id,
            now=copy.created_at,
            details={"from": source, "items": row.item_count},
        )
    return row


def _check_item(values: ItaItemInput) -> list[FieldProblem]:
    problems = []
    if not values.title.strip():
        problems.append(problem("title", "กรุณากรอกชื่อข้อ"))
    elif len(values.title.strip()) > 500:
        problems.append(problem("title", "ยาวได้ไม่เกิน 500 ตัวอักษร"))
    if values.period_rule not in PERIOD_RULES:
        problems.append(problem("period_rule", "กรุณาเลือกช่วงเวลาของข้อมูล"))
    return problems


def update_ita_item(
    ctx: ServiceContext, actor: Actor, fiscal_year: int, code: str, values: ItaItemInput
) -> ItaItemRow:
    """Edit an O item: title, guidance, responsible group, period rule and mapped categories.
    Raises PermissionDeniedError, NotFoundError, ValidationError."""
    require_editor(actor)
    problems = _check_item(values)
    with ctx.db.write() as session:
        item = next((i for i in _items(session, fiscal_year) if i.code == code), None)
        if item is None:
            raise NotFoundError(f"fiscal year {fiscal_year} has no item {code!r}")
        group_id = group_id_of(session, values.group_code, problems)
        wanted = set(values.categories)
        categories = list(
            session.scalars(select(Category).where(Category.code.in_(wanted)).order_by(Category.sort_order))
        )
        if wanted - {c.code for c in categories}:
            problems.append(problem("categories", "ไม่พบหมวดหมู่บางรายการ"))
        if problems:
            raise ValidationError("the item has errors", problems)
        groups = _groups(session)
        before = _item_facts(_item_row(item, groups))
        item.title, item.guidance = values.title.strip(), values.guidance.strip()
        item.group_id, item.period_rule, item.categories = group_id, values.period_rule, categories
        session.flush()
        row = _item_row(item, groups)
        audit.record(
            session,
            "catalogue",
            "item_updated",
            f"ita {fiscal_year} {code}",
            actor_id=actor.id,
            now=ctx.now(),
            details=audit.changes(before, _item_facts(row)),
        )
    return row


def _item_facts(row: ItaItemRow) -> dict[str, Any]:
    """What the audit trail compares of an O item."""
    return {
        "title": row.title,
        "guidance": row.guidance,
        "group": row.group_code or "",
        "period_rule": row.period_rule,
        "categories": list(row.categories),
    }


def set_verified(ctx: ServiceContext, actor: Actor, fiscal_year: int, verified: bool) -> FiscalYearRow:
    """Mark a year's list as checked against the official manual of that year (or not).
    Raises PermissionDeniedError, NotFoundError."""
    require_editor(actor)
    with ctx.db.write() as session:
        framework = _framework(session, fiscal_year)
        details = audit.changes({"verified": framework.verified}, {"verified": verified})
        framework.verified = verified
        session.flush()
        row = _year_row(session, framework)
        audit.record(
            session,
            "catalogue",
            "year_verified",
            f"ita {fiscal_year}",
            actor_id=actor.id,
            now=ctx.now(),
            details=details,
        )
    return row


def install_presets(ctx: ServiceContext, categories: str, years: dict[int, str]) -> bool:
    """First set-up (demo, init): the categories preset when the catalogue is empty, and an ITA preset for
    each year without a list. Changes nothing that exists, so running it again keeps an office's edits.
    Returns whether anything was added."""
    with ctx.db.write() as session:
        now = ctx.now()
        added = False
        if not session.scalar(select(func.count(Category.id))):
            load_categories(session, categories, now)
            added = True
        for fiscal_year, preset in sorted(years.items()):
            if session.get(ItaFramework, fiscal_year) is None:
                _create_year(session, fiscal_year, preset, now)
                added = True
        return added
