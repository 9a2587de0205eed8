"""A request as the people involved see it, in one read transaction: its data, files, timeline, open
steps, register number, discussion, and the memo or six-monthly report it makes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import thaidate
from ...models import HumanTask, PublishedItem
from ...permissions import Actor
from ...statuses import OPEN_STATUSES
from ..kernel import office_settings
from ..kernel.context import ServiceContext
from ..kernel.membership import readable_instance
from ..procedures.versions import spec_for
from ..records import memo, semiannual_report
from ..records.report_document import ReportView
from ..requests import register
from ..requests.comments import CommentView, comments_in
from ..requests.progress import Progress, request_progress
from ..requests.request_data import Field
from ..requests.request_parts import request_parts
from ..requests.results import EventView


@dataclass(frozen=True)
class RequestPage:
    id: int
    title: str
    status: str
    outcome: str | None
    created_at: datetime
    process_id: str
    process_name: str
    requester: str | None
    group: str | None
    context: dict[str, Any]
    events: list[EventView]
    files: dict[str, dict[str, Any]]
    labels: dict[str, str]
    choices: dict[str, dict[str, str]]
    shown: list[Field]  # the request's data as people read it
    open_steps: list[tuple[int, str]]  # (task id, step name) still to be done
    comments: list[CommentView]
    has_memo: bool  # the procedure makes a memo (บันทึกข้อความ)
    report: ReportView | None  # a six-monthly report request is shown as its report, not its raw data
    hidden_keys: tuple[str, ...]  # data keys the details leave out (the report shows them)
    document_number: str | None = None  # the register's number as printed (ศธ ๐๔๐๘๒/๑๒๓), once decided
    verification_code: str | None = None  # its public page: /v/<code>
    progress: Progress | None = None  # steps done, open (who holds them), to come; the diagram marked
    draft: bool = False  # not sent yet: its requester's alone
    published_url: str | None = None  # its item's page on the portal while the item is published


def get_request_page(ctx: ServiceContext, instance_id: int, actor: Actor) -> RequestPage:
    """Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        instance = readable_instance(session, actor, instance_id)
        parsed = spec_for(ctx, session, instance.definition)
        context = dict(ctx.engine.inspect_state(parsed, instance.state, ctx.now()).data)
        steps = session.execute(
            select(HumanTask.id, HumanTask.name)
            .where(HumanTask.instance_id == instance_id, HumanTask.status.in_(OPEN_STATUSES))
            .order_by(HumanTask.id)
        ).all()
        entry = register.find_entry(session, instance_id)
        printed = None
        if entry is not None:
            thai = office_settings.load(session).thai_digits
            printed = thaidate.thai_digits(entry.number_text) if thai else entry.number_text
        return RequestPage(
            id=instance.id,
            title=instance.title,
            status=instance.status,
            outcome=instance.outcome,
            created_at=instance.created_at,
            context=context,
            open_steps=[(i, n) for i, n in steps],
            comments=comments_in(session, instance_id),
            has_memo=memo.has_memo(instance.process_id),
            report=(
                semiannual_report.report_in(ctx, session, instance)
                if semiannual_report.is_report(instance.process_id)
                else None
            ),
            hidden_keys=semiannual_report.hidden_keys(instance.process_id),
            document_number=printed,
            verification_code=entry.code if entry is not None else None,
            progress=request_progress(ctx, session, instance),
            draft=instance.submitted_at is None,
            published_url=_item_url(context) if _on_portal(session, instance_id) else None,
            **request_parts(session, instance, context),
        )


def _on_portal(session: Session, instance_id: int) -> bool:
    """The request's item is published now (not withdrawn, not yet published)."""
    found = select(PublishedItem.id).where(
        PublishedItem.instance_id == instance_id, PublishedItem.status == "published"
    )
    return session.scalar(found) is not None


def _item_url(context: dict[str, Any]) -> str | None:
    """The public address the publish step wrote into the request's data (`published_item.url`)."""
    item = context.get("published_item")
    url = item.get("url") if isinstance(item, dict) else None
    return url if isinstance(url, str) else None
