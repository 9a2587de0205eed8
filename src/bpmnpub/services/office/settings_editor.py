"""The office's settings as admins edit them in the browser (/admin/office): the texts, the digits and
the emblem, checked, each change with its `admin_event` row. Everyone reads them through
`kernel/office_settings.py`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import IO, Any

from sqlalchemy.orm import Session

from ...errors import (
    FieldProblem,
    UnsupportedMediaTypeError,
    UploadTooLargeError,
    ValidationError,
    problem,
)
from ...models import StoredFile
from ...permissions import Actor, require_admin
from ..files import storage
from ..kernel import audit
from ..kernel.context import ServiceContext
from ..kernel.office_settings import EDITABLE, OfficeSettings, load, store

# The emblem is printed 1.5 cm high on memos: a small picture is plenty, and it is read for every memo.
EMBLEM_TYPES = ("image/png", "image/jpeg", "image/webp")
EMBLEM_MAX_BYTES = 1024 * 1024
# text settings: key -> (longest, required)
TEXTS: dict[str, tuple[int, bool]] = {
    "name": (255, True),
    "name_en": (255, False),
    "short_name": (100, True),
    "address": (500, False),
    "phone": (100, False),
    "email": (200, False),
    "memo_prefix": (50, False),
}


@dataclass(frozen=True)
class Emblem:
    """An image uploaded to become the office's emblem (ครุฑ)."""

    stream: IO[bytes]
    filename: str


def update_settings(
    ctx: ServiceContext, actor: Actor, values: Mapping[str, Any], *, emblem: Emblem | None = None
) -> OfficeSettings:
    """Change the given settings (any of `EDITABLE`; `emblem_file_id` None removes the emblem) and,
    with `emblem`, put a new emblem in place. Every field and the picture are checked before anything
    is stored: the new emblem's file, the settings and their audit row are one transaction, so a form
    that fails leaves no stray file. Raises PermissionDeniedError, ValidationError."""
    require_admin(actor, "change the office's settings")
    cleaned, problems = _checked(values)
    picture = None
    if emblem is not None:
        try:
            picture = _checked_emblem(ctx, emblem)
        except ValidationError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationError("the office settings have errors", problems)
    with ctx.db.write() as session:
        before = asdict(load(session))
        if picture is not None:
            cleaned["emblem_file_id"] = storage.store_upload(ctx, session, picture, actor_id=actor.id).id
        elif cleaned.get("emblem_file_id"):
            _check_emblem(session, cleaned["emblem_file_id"], actor, before["emblem_file_id"])
        now = ctx.now()
        store(session, cleaned, actor_id=actor.id, now=now)
        session.flush()
        after = load(session)
        audit.record(
            session,
            "office",
            "settings_updated",
            "office",
            actor_id=actor.id,
            now=now,
            details=audit.changes(before, asdict(after)),
        )
        return after


def _checked(values: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
    cleaned: dict[str, Any] = {}
    problems = [problem(key, "ไม่มีการตั้งค่านี้") for key in sorted(set(values) - set(EDITABLE))]
    for key, value in values.items():
        if key in TEXTS:
            longest, required = TEXTS[key]
            text = value.strip() if isinstance(value, str) else ""
            if required and not text:
                problems.append(problem(key, "กรุณากรอกข้อมูลนี้"))
            elif len(text) > longest:
                problems.append(problem(key, "ยาวได้ไม่เกิน %(n)s ตัวอักษร", n=longest))
            elif key == "email" and text and "@" not in text:
                problems.append(problem(key, "กรุณากรอกอีเมลให้ถูกต้อง"))
            cleaned[key] = text
        elif key == "thai_digits":
            if not isinstance(value, bool):
                problems.append(problem(key, "ต้องเป็นใช่หรือไม่ใช่"))
            cleaned[key] = value is True
        elif key == "emblem_file_id":
            if value is not None and not isinstance(value, str):
                problems.append(problem(key, "ไม่พบไฟล์ตราสัญลักษณ์"))
            cleaned[key] = value or None
    return cleaned, problems


def _checked_emblem(ctx: ServiceContext, emblem: Emblem) -> storage.CheckedUpload:
    """The picture sniffed and cleaned like every upload, not stored yet. Raises ValidationError."""
    content = emblem.stream.read(EMBLEM_MAX_BYTES + 1)
    if len(content) > EMBLEM_MAX_BYTES:
        raise ValidationError("the emblem is too large", [problem("emblem", "ไฟล์ตราสัญลักษณ์ต้องไม่เกิน 1 MB")])
    if storage.ALLOWED.get(emblem.filename.rsplit(".", 1)[-1].lower()) not in EMBLEM_TYPES:
        raise ValidationError(
            "the emblem must be an image", [problem("emblem", "ใช้ไฟล์ภาพ PNG, JPEG หรือ WebP")]
        )
    try:
        return storage.check_upload(ctx, io.BytesIO(content), emblem.filename)
    except (UnsupportedMediaTypeError, UploadTooLargeError) as exc:
        raise ValidationError(
            "the emblem is not a usable image",
            [problem("emblem", "ไฟล์นี้ไม่ใช่ภาพที่ใช้ได้ กรุณาเลือกไฟล์ภาพ PNG, JPEG หรือ WebP")],
        ) from exc


def _check_emblem(session: Session, file_id: str, actor: Actor, current: str | None) -> None:
    """An emblem is an image the admin uploaded (or the one already in place). Raises ValidationError."""
    row = session.get(StoredFile, file_id)
    if (
        row is None
        or row.content_type not in EMBLEM_TYPES
        or (file_id != current and row.uploaded_by_id != actor.id)
    ):
        raise ValidationError(
            "the emblem file is not an image of yours", [problem("emblem", "ไม่พบไฟล์ภาพตราสัญลักษณ์")]
        )
