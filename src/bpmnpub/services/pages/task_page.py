"""The task page: one step as its reader sees it, in one read transaction, with everything the page
shows (the task and its form as it opens, the request's data, timeline, files and discussion, the lists
its fields choose from, the report or memo it is about) and what the reader may do (`TaskActions`:
claim, release, complete, hand over). The template decides nothing: it shows this value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ...forms import FormSpec
from ...models import User
from ...permissions import Actor
from ...statuses import OPEN_STATUSES
from ...thaidate import fiscal_year
from ..catalogue import o_items
from ..catalogue.categories import category_choices_in
from ..files import file_access
from ..kernel.context import ServiceContext
from ..kernel.membership import readable_instance
from ..office import appointments
from ..records import memo, semiannual_report
from ..records.report_document import ReportView
from ..requests import revisions
from ..requests.comments import CommentView, comments_in
from ..requests.drafts import SavedDraft, find_draft
from ..requests.holding import handover_candidates_in
from ..requests.request_data import Field
from ..requests.request_parts import request_parts
from ..requests.results import EventView, TaskDetail
from ..requests.revisions import Changes
from ..requests.tasks import TaskActions, group_choices_in, readable_task, task_actions, task_detail

PREVIEWED = ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf")


@dataclass(frozen=True)
class Preview:
    """A photo or a PDF of the request, shown on the task page itself (not as a file id to download)."""

    file_id: str
    kind: str  # image | pdf
    filename: str
    caption: str | None = None  # an album's photo: its caption and alt text, and whether it is published
    alt: str | None = None
    publish: bool | None = None


@dataclass(frozen=True)
class TaskPage:
    task: TaskDetail
    process_id: str
    process_name: str
    requester: str | None
    group: str | None
    events: list[EventView]
    files: dict[str, dict[str, Any]]  # id -> {filename, content_type, size} of files the request refers to
    labels: dict[str, str]  # data key -> the Thai title its form gives it
    choices: dict[str, dict[str, str]]  # data key -> {code: label} for fields with labelled options
    shown: list[Field]  # the request's data as people read it (request_data.describe)
    may: TaskActions  # what the reader may do on the step now (claim, release, complete, hand over)
    sources: dict[str, list[tuple[str, str]]]  # the office's lists a form's `x-source` fields choose from
    open: bool  # the step is still to be done (its form is shown)
    shared: bool  # a lane's step (not the requester's own): who holds it is shown
    values: dict[str, Any]  # what the form shows: the step's data at a first look, else what was sent
    kept: dict[str, dict[str, Any]]  # files of a submission sent back with errors, the reader's uploads
    o_items: o_items.OItemChoices | None  # a form choosing O items: the year's, the category's marked
    colleagues: list[tuple[int, str]]  # (user id, name) the reader may hand the step to
    sent_back: EventView | None  # the step before returned the request for revision, with its reason
    comments: list[CommentView]
    has_memo: bool  # the procedure makes a memo (บันทึกข้อความ)
    report: ReportView | None  # the six-monthly report the step is about
    hidden_keys: tuple[str, ...]  # data keys the details leave out (the report shows them)
    changes: Changes | None = None  # a re-reviewer's: what changed since they last decided (revisions)
    previews: list[Preview] = field(default_factory=list)  # every photo and PDF, in upload order
    draft: SavedDraft | None = None  # the reader's saved, unsent form, when the page opened with it
    is_draft_request: bool = False  # the request is a draft: its first form not sent, nobody else sees it
    holder_name: str | None = None  # the full name of who holds the step (staff never see usernames)


def get_task_page(
    ctx: ServiceContext,
    task_id: int,
    actor: Actor,
    values: Mapping[str, Any] | None = None,
    english: bool = False,
) -> TaskPage:
    """Everything the task page shows, in one read transaction. `values`: what a submission sent back
    with errors holds (None at a first look, when the O items the category suggests come ticked);
    `english`: the role names of an appointment form in English.
    Raises NotFoundError, PermissionDeniedError."""
    now = ctx.now()
    with ctx.db.read() as session:
        task, instance = readable_task(session, task_id, actor)
        readable_instance(session, actor, instance.id)  # its discussion and report: the request's readers
        detail = task_detail(ctx, session, task, instance)
        parts = request_parts(session, instance, detail.context)
        form = FormSpec(task.form_key or "", detail.form.get("schema", {}))
        sources = {
            # a publication procedure offers only the categories that allow it (3.3: procurement, rules...)
            "categories": category_choices_in(session, instance.process_id),
            "groups": group_choices_in(session),
            **appointments.sources_in(session, form),
        }
        if english and appointments.ROLES_SOURCE in sources:
            sources[appointments.ROLES_SOURCE] = appointments.role_choices(english=True)
        report = None
        if semiannual_report.is_report(instance.process_id):  # the step shows the report it is about
            sources[o_items.SOURCE] = semiannual_report.ita_item_choices_in(session, now)
            report = semiannual_report.report_in(ctx, session, instance)
        choices = None
        if form.uses_source(o_items.SOURCE):  # O items with those the category suggests first
            category = detail.context.get("category")
            choices = o_items.choices(
                session, fiscal_year(now), category if isinstance(category, str) else None
            )
        is_open = task.status in OPEN_STATUSES
        saved = find_draft(session, task.id, actor.id) if values is None and is_open else None
        if values is not None:
            shown = dict(values)
        elif saved is not None:  # the reader's saved draft comes back as they left it
            shown = dict(saved.values)
        else:
            shown = _opening(form, detail.data, choices)
        known = parts["files"]
        holder = session.get(User, task.assigned_user_id) if task.assigned_user_id else None
        colleagues = handover_candidates_in(session, task, actor, now)
        return TaskPage(
            task=detail,
            **parts,
            may=task_actions(actor, task, instance, session, hand_over=bool(colleagues)),
            sources=sources,
            open=is_open,
            shared=task.lane != "requester",
            values=shown,
            # uploaded with a submission that came back with errors: shown to their uploader only
            kept=file_access.own_uploads_in(session, set(form.file_ids(shown)) - set(known), actor.id),
            o_items=choices,
            colleagues=colleagues,
            sent_back=_sent_back(parts["events"]) if is_open else None,
            comments=comments_in(session, instance.id),
            has_memo=memo.has_memo(instance.process_id),
            report=report,
            hidden_keys=semiannual_report.hidden_keys(instance.process_id),
            changes=revisions.changes_for(session, instance, task) if is_open else None,
            previews=previews(known, detail.context),
            draft=saved,
            is_draft_request=instance.submitted_at is None,
            holder_name=holder.full_name or holder.username if holder else None,
        )


def previews(files: dict[str, dict[str, Any]], context: dict[str, Any]) -> list[Preview]:
    """The request's photos and PDFs to show on the page (its referenced files only, thumbnails left out):
    first in the order the request's rows list them (an album's photos, each with the caption, alt text
    and "publish" of its row), then the others in upload order."""
    rows: dict[str, dict[str, Any]] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            file_id = value.get("file")
            if isinstance(file_id, str) and file_id in files:
                rows.setdefault(file_id, value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(context)
    shown: list[Preview] = []
    for file_id in [*rows, *(f for f in files if f not in rows)]:
        info = files[file_id]
        kind = info.get("content_type")
        if info.get("thumbnail") or kind not in PREVIEWED:
            continue
        row = rows.get(file_id, {})
        publish = row.get("publish")
        shown.append(
            Preview(
                file_id,
                "pdf" if kind == "application/pdf" else "image",
                str(info.get("filename") or ""),
                _text(row.get("caption")),
                _text(row.get("alt_text")),
                publish if isinstance(publish, bool) else None,
            )
        )
    return shown


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _opening(form: FormSpec, data: dict[str, Any], choices: o_items.OItemChoices | None) -> dict[str, Any]:
    """The form at a first look: the step's data, the O items the category suggests ticked."""
    if choices is None:
        return dict(data)
    return {**dict.fromkeys(o_item_fields(form), choices.suggested), **data}


def o_item_fields(form: FormSpec) -> list[str]:
    """The form's fields that choose O items (a list whose items come from `x-source: ita_items`)."""
    return [
        name
        for name, prop in form.schema.get("properties", {}).items()
        if isinstance(prop, dict)
        and isinstance(prop.get("items"), dict)
        and prop["items"].get("x-source") == o_items.SOURCE
    ]


def _sent_back(events: list[EventView]) -> EventView | None:
    """The last completed step, when it returned the request for revision (its reason is shown)."""
    done = [e for e in events if e.action == "task_completed"]
    return done[-1] if done and done[-1].decision == "revise" else None
