"""A request's stored data as people read it: the one place that turns it into display values.

Workflow data holds what machines need: field keys, ISO dates, codes (groups, categories, decisions,
O items), file ids, booleans, nested lists and dicts. `describe` turns it into typed values a page
renders without deciding anything (`templates/_macros/data.html`):

    key                  -> the title the process version's forms give it (None: a system key, the web
                            layer names it or leaves it out)
    "2026-12-07"         -> When(date)             "2026-12-07T09:00:00+07:00" -> When(datetime)
    "plan" (a group)     -> Text("กลุ่มนโยบายและแผน")   by `x-source: groups` or a key naming a group
    "1.1" (a category)   -> Text("1.1 ข้อมูลเกี่ยวกับ…")  by `x-source: categories`
    "O3" (an O item)     -> Text("O3 กฎหมายที่เกี่ยวข้อง") by `x-source: ita_items`
    "publisher1"         -> Text("นางสาวกานดา เผยแพร่")  by `x-source: users` (a person of the office)
    "publisher" (a role) -> Text("ผู้มีหน้าที่เผยแพร่…")   by `x-source: roles`
    "recommend_allow"    -> Text("เห็นควรอนุญาต")       the field's oneOf/enum titles, else any form's
    a file id            -> FileRef(name, type, size, thumbnail id)
    True / False         -> Check(True / False)     shown as ☑ / ☐
    [..]                 -> Items(..)               [{..}, ..] -> Table(columns, rows)
    {..}                 -> Fields(..)              a dict keyed by group codes: labelled by group name

Dates are returned as dates: the page prints them in the Buddhist era through `thai_date`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...forms import FILE_ID, enum_values
from ...models import Category, Group, ItaItem, StoredFile, User
from ...permissions import ROLES
from ..files.storage import thumbnails

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")
_CODE = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Text:
    kind: ClassVar[str] = "text"
    text: str


@dataclass(frozen=True)
class When:
    kind: ClassVar[str] = "when"
    at: date | datetime

    @property
    def with_time(self) -> bool:
        return isinstance(self.at, datetime)


@dataclass(frozen=True)
class Check:
    kind: ClassVar[str] = "check"
    checked: bool


@dataclass(frozen=True)
class FileRef:
    kind: ClassVar[str] = "file"
    id: str
    filename: str
    content_type: str
    size: int
    thumb: str | None  # the id of a photo's thumbnail

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


@dataclass(frozen=True)
class MissingFile:
    kind: ClassVar[str] = "missing_file"
    id: str


@dataclass(frozen=True)
class Link:
    """Where the request's item is on the portal."""

    kind: ClassVar[str] = "link"
    url: str


@dataclass(frozen=True)
class Items:
    kind: ClassVar[str] = "items"
    items: tuple[Value, ...]


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    columns: tuple[Field, ...]  # the header: key and label of each column (their `value` unused)
    rows: tuple[tuple[Value, ...], ...]


@dataclass(frozen=True)
class Fields:
    kind: ClassVar[str] = "fields"
    fields: tuple[Field, ...]


Value = Text | When | Check | FileRef | MissingFile | Link | Items | Table | Fields


@dataclass(frozen=True)
class Field:
    key: str
    label: str | None  # the form's title; None for a key no form names (the web layer names it)
    value: Value


EMPTY = Text("—")


def describe(
    session: Session, forms: dict[str, Any], data: dict[str, Any], *, files: Collection[str]
) -> list[Field]:
    """Every non-empty top-level value of `data`, in its order, as display values (see the module).
    Only the ids in `files` (those the request refers to, `file_access`) are shown as files: any other
    id in a file field is a missing file, and one in free text stays text."""
    describer = _Describer(session, forms, data, files)
    return [
        describer.field(key, value, describer.props.get(key))
        for key, value in data.items()
        if value not in (None, "", [], {})
    ]


def file_ids(value: Any) -> list[str]:
    """Every file id anywhere in a request's data (strings of 32 hex digits)."""
    if isinstance(value, str):
        return [value] if FILE_ID.match(value) else []
    if isinstance(value, dict):
        return [i for v in value.values() for i in file_ids(v)]
    if isinstance(value, list):
        return [i for v in value for i in file_ids(v)]
    return []


def _sub(prop: dict[str, Any], name: str) -> dict[str, Any]:
    found = prop.get(name)
    return found if isinstance(found, dict) else {}


def _is_group_key(key: str) -> bool:
    return key in ("group", "group_code") or key.endswith(("_group", "group_codes"))


class _Describer:
    def __init__(
        self, session: Session, forms: dict[str, Any], data: dict[str, Any], referenced: Collection[str]
    ) -> None:
        self.session = session
        self.people: dict[str, str] = {}  # username -> full name, read when a `users` field is shown
        self.props: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, str] = {}  # every oneOf const of every form -> its title
        for schema in forms.values():
            if isinstance(schema, dict):
                self._collect(schema)
        self.groups = dict(session.execute(select(Group.code, Group.name)).all())
        self.categories = {
            code: f"{code} {name}" for code, name in session.execute(select(Category.code, Category.name))
        }
        # An O item's title by its code, the newest list's wording first.
        self.o_items: dict[str, str] = {}
        for code, title in session.execute(
            select(ItaItem.code, ItaItem.title).order_by(ItaItem.fiscal_year.desc())
        ):
            self.o_items.setdefault(code, f"{code} {title}")
        ids = sorted(set(file_ids(data)) & set(referenced))
        stored = session.scalars(select(StoredFile).where(StoredFile.id.in_(ids))).all() if ids else []
        thumbs = thumbnails(session, [f.id for f in stored if f.content_type.startswith("image/")])
        self.files = {
            f.id: FileRef(f.id, f.filename, f.content_type, f.size, thumbs.get(f.id)) for f in stored
        }

    def _collect(self, schema: dict[str, Any]) -> None:
        for name, prop in (schema.get("properties") or {}).items():
            if not isinstance(prop, dict):
                continue
            if prop.get("title"):
                self.props.setdefault(name, prop)
            for option in (prop.get("oneOf") or []) + ((prop.get("items") or {}).get("oneOf") or []):
                if isinstance(option, dict) and isinstance(option.get("const"), str) and option.get("title"):
                    self.codes.setdefault(option["const"], str(option["title"]))
            items = prop.get("items")
            if isinstance(items, dict) and isinstance(items.get("properties"), dict):
                self._collect(items)
            if isinstance(prop.get("properties"), dict):
                self._collect(prop)

    def field(self, key: str, value: Any, prop: dict[str, Any] | None) -> Field:
        label = str(prop["title"]) if prop and prop.get("title") else None
        return Field(key, label, self.value(key, value, prop or {}))

    def value(self, key: str, value: Any, prop: dict[str, Any]) -> Value:
        if value is None or value == "":
            return EMPTY
        if isinstance(value, bool):
            return Check(value)
        if isinstance(value, (int, float)):
            return Text(str(value))
        if isinstance(value, str):
            return self.text(key, value, prop)
        if isinstance(value, list):
            items = _sub(prop, "items")
            if value and all(isinstance(v, dict) for v in value):
                return self.table(value, items)
            return Items(tuple(self.value(key, v, items) for v in value))
        if isinstance(value, dict):
            if key == "published_item" and isinstance(value.get("url"), str):
                return Link(value["url"])
            return self.fields(value, prop)
        return Text(str(value))

    def text(self, key: str, value: str, prop: dict[str, Any]) -> Value:
        source = prop.get("x-source")
        if source == "groups" or (source is None and _is_group_key(key) and value in self.groups):
            return Text(self.groups.get(value, value))
        if source == "categories":
            return Text(self.categories.get(value, value))
        if source == "ita_items":
            return Text(self.o_items.get(value, value))
        if source == "users":
            return Text(self._person(value))
        if source == "roles":
            return Text(ROLES[value][0] if value in ROLES else value)
        if value in self.files:
            return self.files[value]
        if prop.get("format") == "file-id":
            return MissingFile(value)
        own = {
            str(o.get("const")): str(o.get("title")) for o in prop.get("oneOf") or [] if isinstance(o, dict)
        }
        if value in own:
            return Text(own[value])
        if prop.get("enum") and value in enum_values(prop):
            return Text(value)
        if _ISO_DATETIME.fullmatch(value):
            try:
                return When(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                return Text(value)
        if _ISO_DATE.fullmatch(value):
            try:
                return When(date.fromisoformat(value))
            except ValueError:
                return Text(value)
        if _CODE.fullmatch(value) and value in self.codes:  # e.g. deputy_recommendation = "recommend_allow"
            return Text(self.codes[value])
        return Text(value)

    def _person(self, username: str) -> str:
        if username not in self.people:
            name = self.session.scalar(select(User.full_name).where(User.username == username))
            self.people[username] = name or username
        return self.people[username]

    def table(self, rows: list[dict[str, Any]], items: dict[str, Any]) -> Table:
        own = _sub(items, "properties")
        keys: list[str] = list(own)
        for row in rows:
            keys += [k for k in row if k not in keys]
        keys = [k for k in keys if any(row.get(k) not in (None, "", [], {}) for row in rows)]
        columns = tuple(self.field(k, None, own.get(k) or self.props.get(k)) for k in keys)
        return Table(
            columns,
            tuple(
                tuple(self.value(k, row.get(k), own.get(k) or self.props.get(k) or {}) for k in keys)
                for row in rows
            ),
        )

    def fields(self, value: dict[str, Any], prop: dict[str, Any]) -> Fields:
        own = _sub(prop, "properties")
        by_group = bool(value) and all(k in self.groups for k in value)
        out = []
        for k, v in value.items():
            if v in (None, "", [], {}):
                continue
            if by_group:  # {"plan": 3, "hr": 0}: counts per group
                out.append(Field(k, self.groups[k], self.value(k, v, {})))
            else:
                out.append(self.field(k, v, own.get(k) or self.props.get(k)))
        return Fields(tuple(out))
