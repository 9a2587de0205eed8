"""file references: which request field or published item refers to which stored file (reading a file is
decided from them), thumbnails tied to their photo, file names without control characters

The data step fills the new table from what is there: a request refers to the files in the file fields
its forms declare (wherever that data sits in its saved state) and to the files its steps made (the
six-monthly report's `report_files`); a published item to its attachments, photos and thumbnails.
Free text is never read as a reference, which is the point.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:10:00
"""

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

import bpmnpub.models.base

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

FILE_ID = re.compile(r"^[0-9a-f]{32}$")
UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def upgrade() -> None:
    op.create_table(
        "file_reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=32), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("created_at", bpmnpub.models.base.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["stored_file.id"], name=op.f("fk_file_reference_file_id_stored_file")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instance.id"],
            name=op.f("fk_file_reference_instance_id_process_instance"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["published_item.id"], name=op.f("fk_file_reference_item_id_published_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_reference")),
    )
    op.create_index(op.f("ix_file_reference_file_id"), "file_reference", ["file_id"], unique=False)
    op.create_index(
        "ix_file_reference_instance_file", "file_reference", ["instance_id", "file_id"], unique=False
    )
    op.create_index("ix_file_reference_item_file", "file_reference", ["item_id", "file_id"], unique=False)
    op.add_column("stored_file", sa.Column("thumbnail_of", sa.String(length=32), nullable=True))
    op.create_index(op.f("ix_stored_file_thumbnail_of"), "stored_file", ["thumbnail_of"], unique=False)
    op.create_index(op.f("ix_stored_file_uploaded_by_id"), "stored_file", ["uploaded_by_id"], unique=False)
    _fill(op.get_bind())


def downgrade() -> None:
    op.drop_index(op.f("ix_stored_file_uploaded_by_id"), table_name="stored_file")
    op.drop_index(op.f("ix_stored_file_thumbnail_of"), table_name="stored_file")
    op.drop_column("stored_file", "thumbnail_of")  # SQLite 3.35+ drops a plain column in place
    op.drop_index("ix_file_reference_item_file", table_name="file_reference")
    op.drop_index("ix_file_reference_instance_file", table_name="file_reference")
    op.drop_index(op.f("ix_file_reference_file_id"), table_name="file_reference")
    op.drop_table("file_reference")


# --- the data step: plain SQL and JSON, no application code (it changes; this must not) ---------------

stored_file = sa.table(
    "stored_file",
    sa.column("id", sa.String),
    sa.column("filename", sa.String),
    sa.column("thumbnail_of", sa.String),
)
file_reference = sa.table(
    "file_reference",
    sa.column("file_id", sa.String),
    sa.column("instance_id", sa.Integer),
    sa.column("item_id", sa.Integer),
    sa.column("field", sa.String),
    sa.column("created_at", bpmnpub.models.base.UTCDateTime),
)
instance = sa.table(
    "process_instance",
    sa.column("id", sa.Integer),
    sa.column("definition_id", sa.Integer),
    sa.column("state", sa.Text),
)
definition = sa.table("process_definition", sa.column("id", sa.Integer), sa.column("forms", sa.Text))
item = sa.table(
    "published_item",
    sa.column("id", sa.Integer),
    sa.column("instance_id", sa.Integer),
    sa.column("attachments", sa.Text),
    sa.column("photos", sa.Text),
)


def _fill(conn: sa.Connection) -> None:
    now = datetime.now(UTC)
    ids = {row.id: row.filename for row in conn.execute(sa.select(stored_file.c.id, stored_file.c.filename))}
    for file_id in ids:  # a thumbnail's id is derived from its photo's (services/files.thumbnail_id)
        thumb = hashlib.sha256(f"thumbnail:{file_id}".encode()).hexdigest()[:32]
        if thumb in ids:
            conn.execute(sa.update(stored_file).where(stored_file.c.id == thumb).values(thumbnail_of=file_id))
    for file_id, name in ids.items():
        cleaned = UNSHOWABLE.sub("", name or "").strip() or "file"
        if cleaned != name:
            conn.execute(sa.update(stored_file).where(stored_file.c.id == file_id).values(filename=cleaned))
    forms = {
        row.id: _json(row.forms) or {} for row in conn.execute(sa.select(definition.c.id, definition.c.forms))
    }
    rows: list[dict[str, Any]] = []
    for row in conn.execute(sa.select(instance.c.id, instance.c.definition_id, instance.c.state)):
        found = set(_request_files(_json(row.state), forms.get(row.definition_id, {})))
        rows += [
            {"file_id": f, "instance_id": row.id, "item_id": None, "field": field, "created_at": now}
            for field, f in sorted(found)
            if f in ids
        ]
    for row in conn.execute(sa.select(item.c.id, item.c.attachments, item.c.photos)):
        parts = [("attachments", a) for a in _json(row.attachments) or [] if isinstance(a, str)]
        for photo in _json(row.photos) or []:
            if isinstance(photo, dict):
                parts += [("photos", photo.get("file")), ("thumbnails", photo.get("thumb"))]
        rows += [
            {"file_id": f, "instance_id": None, "item_id": row.id, "field": field, "created_at": now}
            for field, f in dict.fromkeys(parts)
            if isinstance(f, str) and f in ids
        ]
    if rows:
        conn.execute(sa.insert(file_reference), rows)


def _json(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return text if isinstance(text, (dict, list)) else None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _request_files(state: Any, forms: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(field, file id) of every declared file field of the version's forms, in every data dict of
    the saved workflow state, and the report files a step filed."""
    properties: dict[str, Any] = {}
    for schema in forms.values():
        if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
            properties.update(schema["properties"])
    for data in _dicts(state):
        for name, prop in properties.items():
            if name in data:
                yield from _declared(prop, data[name], name)
        report = data.get("report_files")
        if isinstance(report, dict):
            yield from (
                ("report_files", v) for v in report.values() if isinstance(v, str) and FILE_ID.match(v)
            )


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for sub in value.values():
            yield from _dicts(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _dicts(sub)


def _declared(prop: Any, value: Any, path: str) -> Iterator[tuple[str, str]]:
    if not isinstance(prop, dict) or value is None:
        return
    if prop.get("format") == "file-id" and isinstance(value, str) and FILE_ID.match(value):
        yield path, value
    elif prop.get("type") == "array" and isinstance(value, list):
        for sub in value:
            yield from _declared(prop.get("items", {}), sub, path)
    elif prop.get("type") == "object" and isinstance(value, dict):
        for name, sub in (prop.get("properties") or {}).items():
            yield from _declared(sub, value.get(name), f"{path}.{name}")
