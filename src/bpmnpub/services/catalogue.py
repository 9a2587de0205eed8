"""The office's catalogue: its information categories (หมวดหมู่ข้อมูล, "1.9") and, per fiscal year, the
ITA/OIT items the assessment asks for ("O12"), joined many-to-many. Both are data an admin edits; the
presets in `bpmnpub/presets/` are where an office starts, never code.

- A category's `code` is what requests, tasks and published items store, so a category is deactivated,
  never deleted, and its code never changes.
- Everyone may read. Admins and process owners edit: process owners decide which procedures file
  items into which category, and the ITA list decides what the office must publish each year.
- Who changed what: every change is one transaction with its `audit` row (area "catalogue", the
  changed fields before/after), shown as the history of the categories and fiscal-year pages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ..errors import ConflictError, FieldProblem, NotFoundError, PermissionDeniedError, ValidationError
from ..models import PERIOD_RULES, Category, Group, ItaFramework, ItaItem
from ..permissions import Actor, may_own_processes
from . import audit
from .context import ServiceContext

DEFAULT_MAPPING = "categories-phitsanulok2"  # the category list the ITA presets map to when in doubt
CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,31}")
YEARS = (2500, 2700)  # Buddhist-era fiscal years an office may keep a list for
# the audit actions of the category list (the rest concern fiscal years, subject "ita <year>")
CATEGORY_ACTIONS = ("category_created", "category_updated", "category_preset_loaded")
NOT_A_CATEGORY = "กรุณาเลือกหมวดหมู่ข้อมูลจากรายการของสำนักงาน"


@dataclass(frozen=True)
class CategoryRow:
    code: str
    name: str
    name_en: str
    description: str
    group_code: str | None
    group_name: str | None
    sort_order: int
    active: bool
    preset: str  # the preset it came from; "" once its name was edited by hand
    updated_at: datetime

    @property
    def label(self) -> str:
        """What a select shows: "1.9 ข้อมูลการจัดซื้อจัดจ้าง"."""
        return f"{self.code} {self.name}"


@dataclass(frozen=True)
class CategoryInput:
    name: str
    name_en: str = ""
    description: str = ""
    group_code: str = ""
    sort_order: int | None = None  # None: after the last one (new) or unchanged (existing)
    active: bool = True


@dataclass(frozen=True)
class Preset:
    name: str  # the file stem, e.g. "ita-2568-oit"
    title: str
    title_en: str
    size: int  # categories or O items in it


@dataclass(frozen=True)
class PresetLoaded:
    added: tuple[str, ...]
    renamed: tuple[str, ...]
    kept: tuple[str, ...]  # edited by hand, left as they are


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


def _require_editor(actor: Actor) -> None:
    if not may_own_processes(actor):
        raise PermissionDeniedError("only administrators and process owners edit the catalogue")


# --- presets ------------------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _preset(name: str) -> dict[str, Any]:
    """A preset by file stem. Raises NotFoundError (the names come from a listing, never a path)."""
    folder = resources.files("bpmnpub") / "presets"
    if name not in {p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")}:
        raise NotFoundError(f"no preset {name!r}")
    data: dict[str, Any] = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return data


def list_presets(kind: str) -> list[Preset]:
    """The presets shipped for `kind` ("categories" or "ita")."""
    folder = resources.files("bpmnpub") / "presets"
    names = sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.startswith(f"{kind}-"))
    out = []
    for name in names:
        data = _preset(name)
        entries = data.get("categories") or data.get("items") or []
        out.append(Preset(name, str(data["title"]), str(data.get("title_en", "")), len(entries)))
    return out


def _preset_of(kind: str, name: str) -> dict[str, Any]:
    """Raises ValidationError for a name that is not a preset of this kind."""
    if not name.startswith(f"{kind}-"):
        raise ValidationError("unknown preset", [FieldProblem("preset", "ไม่พบชุดตั้งต้นนี้")])
    try:
        return _preset(name)
    except NotFoundError as exc:
        raise ValidationError("unknown preset", [FieldProblem("preset", "ไม่พบชุดตั้งต้นนี้")]) from exc


# --- categories ---------------------------------------------------------------------------------------


def _category_rows(session: Session, *, active_only: bool = False) -> list[CategoryRow]:
    stmt = (
        select(Category, Group.code, Group.name)
        .outerjoin(Group, Group.id == Category.group_id)
        .order_by(Category.sort_order, Category.code)
    )
    if active_only:
        stmt = stmt.where(Category.active.is_(True))
    return [
        CategoryRow(
            c.code,
            c.name,
            c.name_en,
            c.description,
            gcode,
            gname,
            c.sort_order,
            c.active,
            c.preset,
            c.updated_at,
        )
        for c, gcode, gname in session.execute(stmt).all()
    ]


def list_categories(ctx: ServiceContext, *, active_only: bool = False) -> list[CategoryRow]:
    with ctx.db.read() as session:
        return _category_rows(session, active_only=active_only)


def get_category(ctx: ServiceContext, code: str) -> CategoryRow:
    """Raises NotFoundError."""
    found = next((c for c in list_categories(ctx) if c.code == code), None)
    if found is None:
        raise NotFoundError(f"no category {code!r}")
    return found


def category_choices(ctx: ServiceContext) -> list[tuple[str, str]]:
    """[(code, "code name")] of the active categories, for the selects of forms (`x-source: categories`)."""
    return [(c.code, c.label) for c in list_categories(ctx, active_only=True)]


def category_names(ctx: ServiceContext) -> dict[str, str]:
    """{code: name} of every category, deactivated ones too: old requests and items still carry them."""
    with ctx.db.read() as session:
        return dict(session.execute(select(Category.code, Category.name)).all())


def category_label(session: Session, code: str) -> str:
    """A code as forms and documents print it, like `CategoryRow.label` ("1.9 ข้อมูลการจัดซื้อจัดจ้าง");
    the bare code when the catalogue has no such category, "" for no code."""
    if not code:
        return ""
    name = session.scalar(select(Category.name).where(Category.code == code))
    return f"{code} {name}" if name else code


def unknown_categories(session: Session, values: Iterable[tuple[str, Any]]) -> list[FieldProblem]:
    """A field error for each submitted (path, value) that is not an active category code; empty values
    are left to the form's own rules (required or not)."""
    given = [(path, value) for path, value in values if value not in (None, "")]
    codes = {value for _, value in given if isinstance(value, str)}
    active = (
        set(session.scalars(select(Category.code).where(Category.code.in_(codes), Category.active.is_(True))))
        if codes
        else set()
    )
    return [FieldProblem(path, NOT_A_CATEGORY) for path, value in given if value not in active]


def _group_id(session: Session, code: str, problems: list[FieldProblem]) -> int | None:
    if not code:
        return None
    group_id = session.scalar(select(Group.id).where(Group.code == code))
    if group_id is None:
        problems.append(FieldProblem("group", "ไม่พบกลุ่มนี้"))
    return group_id


def _category_facts(session: Session, row: Category | None) -> dict[str, Any]:
    """What the audit trail compares of a category (the group by its code)."""
    if row is None:
        return {}
    group = session.get(Group, row.group_id) if row.group_id is not None else None
    return {
        "name": row.name,
        "name_en": row.name_en,
        "description": row.description,
        "group": group.code if group else "",
        "sort_order": row.sort_order,
        "active": row.active,
    }


def _check_category(code: str, values: CategoryInput, *, new: bool) -> list[FieldProblem]:
    problems = []
    if new and not CODE.fullmatch(code):
        problems.append(FieldProblem("code", "รหัสหมวดหมู่ใช้ตัวเลข ตัวอักษรอังกฤษ จุด หรือ - ไม่เกิน 32 ตัว เช่น 1.18"))
    if not values.name.strip():
        problems.append(FieldProblem("name", "กรุณากรอกชื่อหมวดหมู่"))
    elif len(values.name.strip()) > 500:
        problems.append(FieldProblem("name", "ยาวได้ไม่เกิน 500 ตัวอักษร"))
    if len(values.name_en.strip()) > 500:
        problems.append(FieldProblem("name_en", "ยาวได้ไม่เกิน 500 ตัวอักษร"))
    if values.sort_order is not None and not 0 <= values.sort_order <= 1_000_000:
        problems.append(FieldProblem("sort_order", "ต้องอยู่ระหว่าง 0 ถึง 1000000"))
    return problems


def save_category(
    ctx: ServiceContext, actor: Actor, code: str, values: CategoryInput, *, create: bool | None = None
) -> tuple[CategoryRow, bool]:
    """Create or update the category `code` (create True: must be new; False: must exist; None: either).
    Returns the row and whether it was created. Deactivate with `active=False`; nothing is deleted.
    Raises PermissionDeniedError, ValidationError, NotFoundError."""
    _require_editor(actor)
    code = code.strip()
    with ctx.db.write() as session:
        row = session.scalar(select(Category).where(Category.code == code))
        if row is None and create is False:
            raise NotFoundError(f"no category {code!r}")
        problems = _check_category(code, values, new=row is None)
        if row is not None and create:
            problems.append(FieldProblem("code", "รหัสนี้มีอยู่แล้ว"))
        group_id = _group_id(session, values.group_code, problems)
        if problems:
            raise ValidationError("the category has errors", problems)
        now = ctx.now()
        created = row is None
        before = _category_facts(session, row)
        if row is None:
            last = session.scalar(select(func.max(Category.sort_order))) or 0
            row = Category(code=code, preset="", created_at=now, sort_order=last + 10)
            session.add(row)
        elif (values.name.strip(), values.name_en.strip()) != (row.name, row.name_en):
            row.preset = ""  # worded by hand: loading a preset again keeps these words
        row.name, row.name_en = values.name.strip(), values.name_en.strip()
        row.description, row.group_id, row.active = values.description.strip(), group_id, values.active
        if values.sort_order is not None:
            row.sort_order = values.sort_order
        row.updated_at = now
        session.flush()
        audit.record(
            session,
            "catalogue",
            "category_created" if created else "category_updated",
            f"category {code}",
            actor_id=actor.id,
            now=now,
            details=audit.changes(before, _category_facts(session, row)),
        )
        saved = next(c for c in _category_rows(session) if c.code == code)
        return saved, created


def _load_categories(session: Session, name: str, now: datetime) -> PresetLoaded:
    spec = _preset_of("categories", name)
    rows = {c.code: c for c in session.scalars(select(Category))}
    groups = dict(session.execute(select(Group.code, Group.id)).all())
    added, renamed, kept = [], [], []
    for index, entry in enumerate(spec["categories"]):
        code, row = str(entry["code"]), rows.get(str(entry["code"]))
        if row is None:
            session.add(
                Category(
                    code=code,
                    name=entry["name"],
                    name_en=entry.get("name_en", ""),
                    description="",
                    group_id=groups.get(entry.get("group", "")),
                    sort_order=(index + 1) * 10,
                    active=True,
                    preset=name,
                    created_at=now,
                    updated_at=now,
                )
            )
            added.append(code)
        elif row.preset:
            row.name, row.name_en, row.preset, row.updated_at = (
                entry["name"],
                entry.get("name_en", ""),
                name,
                now,
            )
            renamed.append(code)
        else:
            kept.append(code)
    session.flush()
    return PresetLoaded(tuple(added), tuple(renamed), tuple(kept))


def load_category_preset(ctx: ServiceContext, actor: Actor, name: str) -> PresetLoaded:
    """Add the preset's missing codes and reword the rows that still come from a preset; rows worded by
    hand are kept, and nothing is deleted or deactivated. Raises PermissionDeniedError, ValidationError."""
    _require_editor(actor)
    with ctx.db.write() as session:
        now = ctx.now()
        loaded = _load_categories(session, name, now)
        audit.record(
            session,
            "catalogue",
            "category_preset_loaded",
            name,
            actor_id=actor.id,
            now=now,
            details={"added": list(loaded.added), "renamed": list(loaded.renamed)},
        )
    return loaded


# --- ITA/OIT items of a fiscal year -------------------------------------------------------------------


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
            [FieldProblem(field, f"ปีงบประมาณ (พ.ศ.) ระหว่าง {YEARS[0]} ถึง {YEARS[1]}")],
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
    spec = _preset_of("ita", name)
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
    _require_editor(actor)
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
    _require_editor(actor)
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
        problems.append(FieldProblem("title", "กรุณากรอกชื่อข้อ"))
    elif len(values.title.strip()) > 500:
        problems.append(FieldProblem("title", "ยาวได้ไม่เกิน 500 ตัวอักษร"))
    if values.period_rule not in PERIOD_RULES:
        problems.append(FieldProblem("period_rule", "กรุณาเลือกช่วงเวลาของข้อมูล"))
    return problems


def update_ita_item(
    ctx: ServiceContext, actor: Actor, fiscal_year: int, code: str, values: ItaItemInput
) -> ItaItemRow:
    """Edit an O item: title, guidance, responsible group, period rule and mapped categories.
    Raises PermissionDeniedError, NotFoundError, ValidationError."""
    _require_editor(actor)
    problems = _check_item(values)
    with ctx.db.write() as session:
        item = next((i for i in _items(session, fiscal_year) if i.code == code), None)
        if item is None:
            raise NotFoundError(f"fiscal year {fiscal_year} has no item {code!r}")
        group_id = _group_id(session, values.group_code, problems)
        wanted = set(values.categories)
        categories = list(
            session.scalars(select(Category).where(Category.code.in_(wanted)).order_by(Category.sort_order))
        )
        if wanted - {c.code for c in categories}:
            problems.append(FieldProblem("categories", "ไม่พบหมวดหมู่บางรายการ"))
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
    _require_editor(actor)
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


# --- set-up -------------------------------------------------------------------------------------------


def install_presets(ctx: ServiceContext, categories: str, years: dict[int, str]) -> bool:
    """First set-up (demo, init): the categories preset when the catalogue is empty, and an ITA preset for
    each year without a list. Changes nothing that exists, so running it again keeps an office's edits.
    Returns whether anything was added."""
    with ctx.db.write() as session:
        now = ctx.now()
        added = False
        if not session.scalar(select(func.count(Category.id))):
            _load_categories(session, categories, now)
            added = True
        for fiscal_year, preset in sorted(years.items()):
            if session.get(ItaFramework, fiscal_year) is None:
                _create_year(session, fiscal_year, preset, now)
                added = True
        return added
