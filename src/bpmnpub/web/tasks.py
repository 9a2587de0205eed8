"""The task page: the request, its timeline and files, and the task's form. Submitting it completes
the task; a form with errors comes back with everything typed and uploaded still there."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from ..errors import BpmnpubError, Conflict, ConflictError, ValidationError
from ..forms import FormSpec, describe
from ..services.catalogue import o_items as o_items_service
from ..services.files import file_access, storage
from ..services.pages import task_page
from ..services.requests import comments, drafts, holding, tasks
from ..statuses import OPEN_STATUSES
from ..thaidate import format_time
from .auth import caller, ctx
from .downloads import send_stored_file
from .errors import answer_too_large, error_response
from .formdata import parse_submission
from .i18n import current_language, say
from .reports import report_context
from .templating import role_name, value_text

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _render(
    task_id: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The task page: one service call (`pages.task_page`), shown as it is."""
    page = task_page.get_task_page(
        ctx(), task_id, caller().actor, values=values, english=current_language() == "en"
    )
    form = FormSpec(page.task.form.get("key", ""), page.task.form.get("schema", {}))
    # Read-only fields are shown, never posted back: as people read them (names, Buddhist-era dates).
    readonly = {
        n for n, p in form.schema.get("properties", {}).items() if isinstance(p, dict) and p.get("readOnly")
    }
    shown = {**page.values, **{f.key: value_text(f.value) for f in page.shown if f.key in readonly}}
    files = {i: _with_url(task_id, i, info) for i, info in {**page.files, **page.kept}.items()}
    sources = dict(page.sources)
    if page.o_items is not None:  # O items with those the category suggests first
        sources[o_items_service.SOURCE] = _labelled(page.o_items)
    report: dict[str, Any] = {}
    if page.report is not None:  # the task shows the report it is about
        report = report_context(
            page.report, lambda file_id: url_for("tasks.file", task_id=task_id, file_id=file_id)
        )
    html = render_template(
        "tasks/show.html",
        page=page,
        task=page.task,
        described=describe(form.schema),
        values=shown,
        errors=errors or {},
        files=files,
        sources=sources,
        extra_hidden=page.hidden_keys,
        **report,
        now=ctx().now(),
        memo_url=url_for("requests.memo_pdf", instance_id=page.task.instance_id) if page.has_memo else None,
        comments=page.comments,
        colleagues=page.colleagues,
        limits=upload_limits(),
        draft_restored=page.draft,
    )
    return html, status


def _labelled(choices: o_items_service.OItemChoices) -> list[tuple[str, str]]:
    """The suggested O items first (ticked, where the publisher looks), then the rest of the list."""
    return [
        (c.code, _("%(item)s (แนะนำตามหมวดหมู่)", item=c.label) if c.suggested else c.label)
        for c in choices.first(choices.suggested)
    ]


def _with_url(task_id: int, file_id: str, info: dict[str, Any]) -> dict[str, Any]:
    return {**info, "url": url_for("tasks.file", task_id=task_id, file_id=file_id)}


@bp.get("/<int(max=2147483647):task_id>")
@login_required  # type: ignore[untyped-decorator]
def show(task_id: int) -> tuple[str, int]:
    return _render(task_id)


@bp.post("/<int(max=2147483647):task_id>")
@login_required  # type: ignore[untyped-decorator]
def submit(task_id: int) -> tuple[str, int] | Response:
    user = caller()
    detail = tasks.task_form(ctx(), task_id, user.actor)  # the form to read the post by; no workflow restored
    if detail.status not in OPEN_STATUSES:
        flash(_("งานนี้ดำเนินการเสร็จแล้ว ไม่ต้องส่งซ้ำ"))
        return redirect(url_for("inbox.index"))
    schema = detail.schema

    def store(upload: FileStorage) -> str:
        return storage.upload_file(ctx(), upload.stream, upload.filename or "file", actor_id=user.id).id

    parsed = parse_submission(schema, request.form, request.files, store)
    try:  # one call: the step completed and where the request stands now, or every problem at once
        done = tasks.submit_task(ctx(), task_id, parsed.data, user.actor, unreadable=bool(parsed.problems))
    except ValidationError as exc:
        errors = dict(parsed.errors)
        for problem in exc.problems:
            errors.setdefault(problem.field or "_form", say(problem))
        return _render(task_id, parsed.form_values, errors, 422)
    except ConflictError as exc:
        flash(_("ไม่ได้บันทึก: %(why)s", why=_conflict_text(exc)))
        return redirect(url_for("inbox.index"))
    return _after_submit(done)


def _after_submit(done: tasks.Submitted) -> Response:
    """Open the submitter's next task of the request at once; otherwise say who has the request now."""
    step, after = done.step, done.next
    if after.task_id is not None:
        flash(_("บันทึก “%(name)s” แล้ว ขั้นตอนถัดไปเป็นของคุณ", name=step))
        return redirect(url_for("tasks.show", task_id=after.task_id))
    who = [
        *after.holders,
        *(_("ผู้อำนวยการ%(group)s", group=g) for g in after.groups),
        *(role_name(lane) for lane in after.lanes),
    ]
    if who:
        flash(_("บันทึก “%(name)s” แล้ว ขณะนี้คำขออยู่ที่ %(who)s", name=step, who=", ".join(who)))
    elif after.published is not None:
        item_id, slug = after.published
        url = url_for("public.item", item_id=item_id, slug=slug)
        flash(
            escape(_("บันทึก “%(name)s” แล้ว เผยแพร่รายการบนเว็บไซต์แล้ว: %(link)s"))
            % {"name": step, "link": Markup('<a href="%s">%s</a>') % (url, _("ดูรายการบนเว็บไซต์"))}
        )
    else:
        flash(_("บันทึก “%(name)s” แล้ว คำขอนี้ไม่มีขั้นตอนรอดำเนินการแล้ว", name=step))
    return redirect(url_for("inbox.index"))


def upload_limits() -> dict[str, Any]:
    """The upload limits the task form states and form.js checks before sending (config.py)."""
    per_file = int(ctx().settings["MAX_UPLOAD_BYTES"])
    total = int(current_app.config["MAX_CONTENT_LENGTH"] or per_file)
    return {
        "file": per_file,
        "total": total,
        "file_text": _megabytes(per_file),
        "total_text": _megabytes(total),
    }


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def _too_large() -> Response | tuple[str, int]:
    """A task form over the size limit comes back as the task page stating the limit, not a bare 413."""
    task_id = (request.view_args or {}).get("task_id")
    if not current_user.is_authenticated or not isinstance(task_id, int):
        return error_response(413, "too_large", "the upload is too large")
    try:
        return render_too_large(task_id)
    except BpmnpubError:  # the task is gone or not theirs: the plain answer
        return error_response(413, "too_large", "the upload is too large")


def render_too_large(task_id: int) -> tuple[str, int]:
    """The task page again after a body over the limit (web/errors.py): what was sent is lost, so
    the page says the limit and keeps the person on the form."""
    limits = upload_limits()
    message = _(
        "ไม่ได้บันทึก: ไฟล์ที่แนบใหญ่เกินกำหนด (แต่ละไฟล์ไม่เกิน %(file)s รวมกันไม่เกิน %(total)s)"
        " กรุณาแนบไฟล์ที่เล็กลงแล้วส่งอีกครั้ง",
        file=limits["file_text"],
        total=limits["total_text"],
    )
    return _render(task_id, None, {"_upload": message}, 413)


answer_too_large(("tasks.submit", "tasks.comment", "tasks.save_draft"), _too_large)


@bp.post("/<int(max=2147483647):task_id>/draft")
@login_required  # type: ignore[untyped-decorator]
def save_draft(task_id: int) -> tuple[str, int] | Response:
    """ "บันทึกร่าง": keep the form as typed without sending it. static/drafts.js calls it for the
    autosave and asks for JSON (it sends no files); the button alone posts the whole form, files too,
    and comes back to the task page."""
    user = caller()
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        detail = tasks.task_form(ctx(), task_id, user.actor)
        if detail.status not in OPEN_STATUSES:
            raise ConflictError(
                "closed", reason=Conflict.TASK_DONE if detail.status == "completed" else Conflict.TASK_CLOSED
            )

        def store(upload: FileStorage) -> str:
            return storage.upload_file(ctx(), upload.stream, upload.filename or "file", actor_id=user.id).id

        values = parse_submission(detail.schema, request.form, request.files, store).form_values
        saved = drafts.save_draft(ctx(), task_id, values, user.actor)
    except ConflictError as exc:
        why = _("ไม่ได้บันทึกร่าง: %(why)s", why=_conflict_text(exc))
        if wants_json:
            return _json({"error": str(why), "conflict": str(exc.reason or "")}, 409)
        flash(why)
        return redirect(url_for("tasks.show", task_id=task_id))
    # Other errors (the task not theirs or gone, a refused file) answer as everywhere (web/errors.py),
    # in JSON to the script.
    text = _("บันทึกร่างแล้ว เวลา %(time)s น.", time=format_time(saved.saved_at))
    if wants_json:
        return _json({"saved_at": saved.saved_at.isoformat(), "text": str(text)}, 200)
    flash(_("%(saved)s ยังไม่ได้ส่ง", saved=text))
    return redirect(url_for("tasks.show", task_id=task_id))


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status, mimetype="application/json")


@bp.post("/<int(max=2147483647):task_id>/handover")
@login_required  # type: ignore[untyped-decorator]
def hand_over(task_id: int) -> tuple[str, int] | Response:
    try:
        to = int(request.form.get("to") or 0)
    except ValueError:
        to = 0
    try:
        given = holding.hand_over_task(ctx(), task_id, to, caller().actor, request.form.get("reason", ""))
    except ValidationError as exc:
        field = exc.problems[0].field if exc.problems else ""
        why = _("กรุณาระบุเหตุผล") if field == "reason" else _("เลือกผู้รับงานจากรายชื่อ")
        return _render(task_id, None, {"handover": str(why)}, 422)
    except ConflictError as exc:
        flash(_("ส่งต่องานไม่ได้: %(why)s", why=_conflict_text(exc)))
        return redirect(url_for("tasks.show", task_id=task_id))
    flash(_("ส่งต่อ “%(name)s” แล้ว", name=given.name))
    return redirect(url_for("inbox.index"))


def _conflict_text(exc: ConflictError) -> str:
    """Why, in the page's language, from the conflict's code (never from its message)."""
    if exc.reason == Conflict.TASK_DONE:
        return str(_("งานนี้ดำเนินการเสร็จแล้ว"))
    if exc.reason == Conflict.TASK_HELD:
        return str(_("มีผู้อื่นรับงานนี้ไปแล้ว"))
    if exc.reason == Conflict.TASK_CLOSED:
        return str(_("ขั้นตอนนี้ถูกยกเลิกหรือไม่อยู่ในคำขอแล้ว"))
    if exc.reason == Conflict.REQUEST_ENDED:
        return str(_("คำขอนี้สิ้นสุดแล้ว"))
    return exc.message


@bp.post("/<int(max=2147483647):task_id>/comment")
@login_required  # type: ignore[untyped-decorator]
def comment(task_id: int) -> tuple[str, int]:
    """A comment sent with the task form (without JavaScript): the comment is added and the page comes
    back with everything typed and attached in the form, not yet submitted."""
    user = caller()
    detail = tasks.task_form(ctx(), task_id, user.actor)
    values: dict[str, Any] | None = None
    if detail.status in OPEN_STATUSES:

        def store(upload: FileStorage) -> str:
            return storage.upload_file(ctx(), upload.stream, upload.filename or "file", actor_id=user.id).id

        values = parse_submission(detail.schema, request.form, request.files, store).form_values
    try:
        comments.add_comment(ctx(), detail.instance_id, user.actor, request.form.get("body", ""))
        flash(_("ส่งความเห็นแล้ว แบบฟอร์มยังไม่ได้ส่ง"))
    except ValidationError:
        flash(_("กรุณาพิมพ์ความเห็นก่อนส่ง"))
    return _render(task_id, values)


@bp.post("/<int(max=2147483647):task_id>/claim")
@login_required  # type: ignore[untyped-decorator]
def claim(task_id: int) -> Response:
    try:
        holding.claim_task(ctx(), task_id, caller().actor)
        flash(_("รับงานแล้ว ผู้อื่นจะไม่เห็นงานนี้จนกว่าคุณจะคืนงาน"))
    except ConflictError as exc:
        flash(_("รับงานไม่ได้: %(why)s", why=_conflict_text(exc)))
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<int(max=2147483647):task_id>/release")
@login_required  # type: ignore[untyped-decorator]
def release(task_id: int) -> Response:
    try:
        holding.release_task(ctx(), task_id, caller().actor)
        flash(_("คืนงานแล้ว"))
    except ConflictError as exc:
        flash(exc.message)
    return redirect(url_for("inbox.index"))


@bp.get("/<int(max=2147483647):task_id>/files/<file_id>")
@login_required  # type: ignore[untyped-decorator]
def file(task_id: int, file_id: str) -> Response:
    """A file the request refers to, for whoever may see the task (inline for PDF and images)."""
    actor = caller().actor
    instance_id = tasks.get_task(ctx(), task_id, actor).instance_id
    return send_stored_file(file_access.open_file(ctx(), file_id, actor, instance_id=instance_id))
