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

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...errors import N_, FieldProblem, NotFoundError, PermissionDeniedError, ValidationError, problem
from ...models import Category, Group, ProcessDefinition
from ...permissions import Actor, may_own_processes
from ..kernel import audit
from ..kernel.context import ServiceContext
from .presets import preset_of

CODE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,31}")
# the audit actions of the category list (the rest concern fiscal years, subject "ita <year>")
CATEGORY_ACTIONS = ("category_created", "category_updated", "category_preset_loaded")
NOT_A_CATEGORY = N_("กรุณาเลือกหมวดหมู่ข้อมูลจากรายการของสำนักงาน")


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
    procedures: tuple[str, ...] = ()  # the publication procedures it allows; () = any

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
    procedures: tuple[str, ...] | None = None  # None: unchanged (a new category: any procedure)


@dataclass(frozen=True)
class PresetLoaded:
    added: tuple[str, ...]
    renamed: tuple[str, ...]
    kept: tuple[str, ...]  # edited by hand, left as they are


def require_editor(actor: Actor) -> None:
    if not may_own_processes(actor):
        raise PermissionDeniedError("only administrators and process owners edit the catalogue")


# --- presets ------------------------------------------------------------------------------------------


# --- categories ---------------------------------------------------------------------------------------


def category_rows(session: Session, *, active_only: bool = False) -> list[CategoryRow]:
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
            tuple(c.procedures or ()),
        )
        for c, gcode, gname in session.execute(stmt).all()
    ]


def list_categories(ctx: ServiceContext, *, active_only: bool = False) -> list[CategoryRow]:
    with ctx.db.read() as session:
        return category_rows(session, active_only=active_only)


def get_category(ctx: ServiceContext, code: str) -> CategoryRow:
    """Raises NotFoundError."""
    found = next((c for c in list_categories(ctx) if c.code == code), None)
    if found is None:
        raise NotFoundError(f"no category {code!r}")
    return found


def category_choices(ctx: ServiceContext, process_id: str | None = None) -> list[tuple[str, str]]:
    """[(code, "code name")] of the active categories, for the selects of forms (`x-source: categories`);
    for a publication procedure, only the categories that allow it."""
    with ctx.db.read() as session:
        return category_choices_in(session, process_id)


def category_choices_in(session: Session, process_id: str | None = None) -> list[tuple[str, str]]:
    """`category_choices` in the caller's transaction (the task page)."""
    guarded = process_id is not None and _is_guarded(session, process_id)
    return [
        (c.code, c.label)
        for c in category_rows(session, active_only=True)
        if not guarded or not c.procedures or process_id in c.procedures
    ]


# --- which procedure a category goes through ----------------------------------------------------------

PUBLICATION = "publication"  # the diagrams' `category` property of the procedures categories choose among


def _is_guarded(session: Session, process_id: str) -> bool:
    """A publication procedure (3.1, 3.2, 3.3, the memo): the categories it may file into are limited."""
    category = session.scalar(
        select(ProcessDefinition.category)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )
    return category == PUBLICATION


def publication_procedures(ctx: ServiceContext) -> list[tuple[str, str]]:
    """[(process id, name)] of the deployed publication procedures, for the category form."""
    with ctx.db.read() as session:
        rows = session.execute(
            select(ProcessDefinition.process_id, ProcessDefinition.name, ProcessDefinition.category).order_by(
                ProcessDefinition.version
            )
        ).all()
    newest = {pid: (name, category) for pid, name, category in rows}
    return sorted((pid, name) for pid, (name, category) in newest.items() if category == PUBLICATION)


def procedure_names(session: Session) -> dict[str, str]:
    """{process id: name} of the newest version of each deployed process."""
    rows = session.execute(
        select(ProcessDefinition.process_id, ProcessDefinition.name).order_by(ProcessDefinition.version)
    ).all()
    return dict(rows)


def procedure_problems(
    session: Session, definition: ProcessDefinition, values: Iterable[tuple[str, Any]]
) -> list[FieldProblem]:
    """A field error for each chosen category (top-level fields; rows such as the programme's topics
    plan, not file) that the procedure `definition` may not file into, naming the procedure(s) it
    allows. Procedures other than publication ones take any category."""
    if definition.category != PUBLICATION:
        return []
    chosen = [(path, value) for path, value in values if "." not in path and isinstance(value, str) and value]
    if not chosen:
        return []
    allowed = dict(
        session.execute(
            select(Category.code, Category.procedures).where(Category.code.in_({v for _, v in chosen}))
        ).all()
    )
    problems = []
    names = procedure_names(session)
    for path, code in chosen:
        procedures = list(allowed.get(code) or [])
        if not procedures or definition.process_id in procedures:
            continue
        right = " หรือ ".join(f"“{names.get(p, p)}”" for p in procedures)
        problems.append(
            problem(
                path,
                "หมวดหมู่ %(category)s ต้องเผยแพร่ด้วยกระบวนงาน %(procedures)s ไม่ใช่ “%(procedure)s”: "
                "กรุณาเลือกหมวดหมู่อื่น หรือเริ่มคำขอใหม่จากกระบวนงานนั้น",
                category=category_label(session, code),
                procedures=right,
                procedure=definition.name,
            )
        )
    return problems


def category_names(ctx: ServiceContext) -> dict[str, str]:
    """{code: name} of every category, deactivated ones too: old requests and items still carry them."""
    with ctx.db.read() as session:
        return category_names_in(session)


def category_names_in(session: Session) -> dict[str, str]:
    """category_names inside the caller's transaction."""
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
    return [problem(path, NOT_A_CATEGORY) for path, value in given if value not in active]


def group_id_of(session: Session, code: str, problems: list[FieldProblem]) -> int | None:
    if not code:
        return None
    group_id = session.scalar(select(Group.id).where(Group.code == code))
    if group_id is None:
        problems.append(problem("group", "ไม่พบกลุ่มนี้"))
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
        "procedures": list(row.procedures or []),
    }


def _check_category(code: str, values: CategoryInput, *, new: bool) -> list[FieldProblem]:
    problems = []
    if new and not CODE.fullmatch(code):
        problems.append(problem("code", "รหัสหมวดหมู่ใช้ตัวเลข ตัวอักษรอังกฤษ จุด หรือ - ไม่เกิน 32 ตัว เช่น 1.18"))
    if not values.name.strip():
        problems.append(problem("name", "กรุณากรอกชื่อหมวดหมู่"))
    elif len(values.name.strip()) > 500:
        problems.append(problem("name", "ยาวได้ไม่เกิน 500 ตัวอักษร"))
    if len(values.name_en.strip()) > 500:
        problems.append(problem("name_en", "ยาวได้ไม่เกิน 500 ตัวอักษร"))
    if values.sort_order is not None and not 0 <= values.sort_order <= 1_000_000:
        problems.append(problem("sort_order", "ต้องอยู่ระหว่าง 0 ถึง 1000000"))
    return problems


def save_category(
    ctx: ServiceContext, actor: Actor, code: str, values: CategoryInput, *, create: bool | None = None
) -> tuple[CategoryRow, bool]:
    """Create or update the category `code` (create True: must be new; False: must exist; None: either).
    Returns the row and whether it was created. Deactivate with `active=False`; nothing is deleted.
    Raises PermissionDeniedError, ValidationError, NotFoundError."""
    require_editor(actor)
    code = code.strip()
    with ctx.db.write() as session:
        row = session.scalar(select(Category).where(Category.code == code))
        if row is None and create is False:
            raise NotFoundError(f"no category {code!r}")
        problems = _check_category(code, values, new=row is None)
        if row is not None and create:
            problems.append(problem("code", "รหัสนี้มีอยู่แล้ว"))
        group_id = group_id_of(session, values.group_code, problems)
        if values.procedures:
            known = procedure_names(session)
            if any(p not in known for p in values.procedures):
                problems.append(problem("procedures", "ไม่พบกระบวนงานนี้ในระบบ"))
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
        if values.procedures is not None:
            row.procedures = list(dict.fromkeys(values.procedures))
        elif created:
            row.procedures = []
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
        saved = next(c for c in category_rows(session) if c.code == code)
        return saved, created


def load_categories(session: Session, name: str, now: datetime) -> PresetLoaded:
    spec = preset_of("categories", name)
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
                    procedures=list(entry.get("procedures") or []),
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
            if not row.procedures:  # chosen by an admin: kept
                row.procedures = list(entry.get("procedures") or [])
            renamed.append(code)
        else:
            kept.append(code)
    session.flush()
    return PresetLoaded(tuple(added), tuple(renamed), tuple(kept))


def load_category_preset(ctx: ServiceContext, actor: Actor, name: str) -> PresetLoaded:
    """Add the preset's missing codes and reword the rows that still come from a preset; rows worded by
    hand are kept, and nothing is deleted or deactivated. Raises PermissionDeniedError, ValidationError."""
    require_editor(actor)
    with ctx.db.write() as session:
        now = ctx.now()
        loaded = load_categories(session, name, now)
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


# --- set-up -------------------------------------------------------------------------------------------
