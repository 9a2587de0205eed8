"""A step's submission read against its form and the office's lists: categories the procedure allows, this
year's O items, appointees, files that exist, are images where photos are asked for, and are the
submitter's own or already the request's (`validated`); then what completing it writes and removes
(`written`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ...errors import (
    ValidationError,
    problem,
)
from ...forms import validate
from ...models import HumanTask, ProcessInstance
from ...permissions import (
    Actor,
)
from ..catalogue import o_items
from ..catalogue.categories import procedure_problems, unknown_categories
from ..files import file_access
from ..files.storage import not_images, uploaders
from ..kernel.context import ServiceContext
from ..office import appointments
from ..procedures import prefill
from ..procedures.versions import form_for, spec_for


def written(
    ctx: ServiceContext, session: Session, instance: ProcessInstance, task: HumanTask, cleaned: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """(values to set, names to remove) for a checked submission (services/prefill.submission)."""
    if not task.form_key:
        return cleaned, []
    form = form_for(session, instance.definition, task.form_key)
    return prefill.submission(
        spec_for(ctx, session, instance.definition).model, task.task_spec, form, cleaned
    )


def validated(
    session: Session, instance: ProcessInstance, task: HumanTask, data: Any, actor: Actor, now: datetime
) -> dict[str, Any]:
    """The submission checked against the task's form, categories and files included: a category must be
    an active one of the catalogue; a file must exist and be the submitter's own upload or already part
    of the request. Raises ValidationError."""
    if not task.form_key:
        return {}
    form = form_for(session, instance.definition, task.form_key)
    cleaned = validate(form, data if data is not None else {})
    not_listed = unknown_categories(session, form.sourced(cleaned, "categories"))
    if not_listed:
        raise ValidationError("a category is not in the office's catalogue", not_listed)
    # A category goes through the procedures it allows (procurement and rules: 3.3 only...).
    wrong_procedure = procedure_problems(session, instance.definition, form.sourced(cleaned, "categories"))
    if wrong_procedure:
        raise ValidationError("the category is published through another procedure", wrong_procedure)
    # The people an appointment order names must be users of the office, with a role an order gives.
    not_appointable = appointments.form_problems(session, form, cleaned)
    if not_appointable:
        raise ValidationError("an appointee or role is not one of the office's", not_appointable)
    # O items chosen for this item (the publisher's ticks, the director's choice for the six-monthly
    # report) must be the current year's; a code in a row (the programme's topics, planned for a year)
    # is left to its form. Found by the differential walk: an unknown code used to pass here and put
    # the request in error at the publish step.
    ticked = [(path, v) for path, v in form.sourced(cleaned, o_items.SOURCE) if path.count(".") <= 1]
    not_o_items = o_items.unknown_o_items(session, ticked, now)
    if not_o_items:
        raise ValidationError("an O item is not in the year's ITA list", not_o_items)
    ids = form.file_ids(cleaned)
    stored = uploaders(session, ids)
    missing = [f for f in ids if f not in stored]
    if missing:
        raise ValidationError(
            "attached files do not exist",
            [problem("", "ไม่พบไฟล์แนบ: %(files)s", files=", ".join(missing))],
        )
    # An album's photos must be images: found here, not when the album is published at the very end
    # (a PDF there put the approved request in error; tests/services/test_task_projection_orders.py).
    photos = form.photo_ids(cleaned)
    wrong = set(not_images(session, [file_id for _, file_id in photos]))
    if wrong:
        raise ValidationError(
            "a photo is not an image",
            [problem(path, "ไฟล์นี้ไม่ใช่ไฟล์ภาพ") for path, f in photos if f in wrong],
        )
    ours = file_access.referenced_by(session, instance.id, ids)
    foreign = [f for f in ids if f not in ours and stored[f] != actor.id]
    if foreign:
        raise ValidationError(
            "attached files belong to someone else",
            [problem("", "ไฟล์แนบไม่ได้อัปโหลดโดยคุณและไม่อยู่ในคำขอนี้")],
        )
    return cleaned
