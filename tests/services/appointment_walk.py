"""The walk that appointment tests share: the yearly programme's appointment order given (people get
dated roles), a memo request filed to wait for the legal officer, and the moments around a term's end.
Used by test_appointments.py, test_stranded_holds.py, test_loose_steps.py and the roles pages' tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bpmnpub.models import HumanTask, InstanceEvent
from bpmnpub.permissions import Actor
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import inbox, instances, tasks

from ..scenarios.paths import ANNOUNCEMENT, MEMO
from .conftest import task_id, upload_pdf

ORDER = {
    "order_number": "103/2569",
    "order_date": "2026-11-16",
    "valid_from": "2026-11-16",
    "valid_to": "2026-11-30",
}
BANGKOK_MIDNIGHT = timedelta(hours=-7)  # 00:00 in Bangkok is 17:00 UTC the day before
LEGAL_OFFICER = {"user": "legal1", "role": "legal_officer", "duty": "ให้ความเห็นทางกฎหมาย"}
TERM_LAST_DAY = "2026-11-20"  # the legal officer's term in the shared walk


def at_bangkok(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) + BANGKOK_MIDNIGHT


DAY_AFTER_TERM = at_bangkok(date(2026, 11, 21), 9)  # 09:00 the day after the order's last day


def programme_at_appointment(ctx: ServiceContext, actor: Any) -> tuple[int, int]:
    """The yearly programme, its measures announced: (request id, the appointment step's task id)."""
    director = actor("director1")
    started = instances.start_instance(ctx, "publication_programme", None, director)
    announcement = {**ANNOUNCEMENT, "announcement_files": [upload_pdf(ctx, director)]}
    tasks.complete_task(ctx, task_id(ctx, director, started.id), announcement, director)
    return started.id, task_id(ctx, director, started.id)


def appoint(ctx: ServiceContext, actor: Any, *people: dict[str, str], **order: str) -> int:
    """The appointment order given for `people` (ORDER's dates unless `order` says otherwise); returns
    the programme's request id."""
    request, step = programme_at_appointment(ctx, actor)
    data = {**ORDER, **order, "appointees": list(people)}
    tasks.complete_task(ctx, step, data, actor("director1"))
    return request


def file_memo(ctx: ServiceContext, actor: Any) -> tuple[int, int]:
    """owner1's memo request, waiting for the legal officer: (request id, the legal step's task id)."""
    owner = actor("owner1")
    started = instances.start_instance(ctx, "memo_publication", None, owner)
    memo = {**MEMO, "attachments": [upload_pdf(ctx, owner)]}
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), memo, owner)
    with ctx.db.read() as session:
        step = session.scalar(
            select(HumanTask.id).where(
                HumanTask.instance_id == started.id, HumanTask.task_spec == "Task_LegalOpinion"
            )
        )
    assert step is not None
    return started.id, step


def legal_step_on_a_term(ctx: ServiceContext, actor: Any) -> tuple[int, int]:
    """legal1 appointed legal officer until TERM_LAST_DAY (their only role for the lane), and owner1's
    memo waiting for them: (request id, the legal step's task id). Set the clock to DAY_AFTER_TERM to
    see the term over."""
    appoint(ctx, actor, LEGAL_OFFICER, valid_to=TERM_LAST_DAY)
    return file_memo(ctx, actor)


def events(ctx: ServiceContext, instance_id: int) -> list[InstanceEvent]:
    with ctx.db.read() as session:
        return list(
            session.scalars(
                select(InstanceEvent)
                .where(InstanceEvent.instance_id == instance_id)
                .order_by(InstanceEvent.id)
            )
        )


def inbox_ids(ctx: ServiceContext, who: Actor) -> set[int]:
    return {t.id for t in inbox.list_tasks(ctx, who, limit=200)}
