"""The office's settings as every room reads them: its name, the memo's heading and digits, the emblem.

Read by the portal (header, feeds), the memo PDF, the register, file access and the ITA index. Stored as
key/value rows (`office_setting`); a key never set falls back to the default below. Admins change them
through `office/settings_editor.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import OfficeSetting
from .context import ServiceContext


@dataclass(frozen=True)
class OfficeSettings:
    name: str = "สำนักงานเขตพื้นที่การศึกษาประถมศึกษา"
    name_en: str = "Primary Educational Service Area Office"
    short_name: str = "สพป."
    address: str = ""
    phone: str = ""
    email: str = ""
    memo_prefix: str = "ศธ"  # the "ที่" line of a memo starts with it, e.g. "ศธ ๐๔๐๔๗/"
    thai_digits: bool = True  # official documents use Thai digits unless the office says otherwise
    emblem_file_id: str | None = None  # a StoredFile id (an image), None = no emblem


EDITABLE = tuple(f.name for f in fields(OfficeSettings))


def load(session: Session) -> OfficeSettings:
    """The settings inside an open session (for services that already hold one)."""
    stored = {row.key: row.value for row in session.scalars(select(OfficeSetting))}
    return replace(OfficeSettings(), **{k: v for k, v in stored.items() if k in EDITABLE})


def get_settings(ctx: ServiceContext) -> OfficeSettings:
    with ctx.db.read() as session:
        return load(session)


def store(session: Session, values: dict[str, Any], *, actor_id: int | None, now: Any) -> None:
    """Write the given keys (unknown keys are refused) inside the caller's transaction. None puts a
    key back to its default (the row goes: values are never NULL)."""
    unknown = sorted(set(values) - set(EDITABLE))
    if unknown:
        raise ValueError(f"unknown office settings: {', '.join(unknown)}")
    for key, value in values.items():
        row = session.get(OfficeSetting, key)
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(OfficeSetting(key=key, value=value, updated_at=now, updated_by_id=actor_id))
        else:
            row.value, row.updated_at, row.updated_by_id = value, now, actor_id
