"""The task page: the request, its timeline and files, and the task's form. Submitting it completes
the task; a form with errors comes back with everything typed and uploaded still there."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response

from ..errors import ConflictError, ValidationError
from ..forms import FormSpec
from ..permissions import ROLES
from ..services import catalogue, comments, file_access, files, memo, semiannual_report, tasks
from ..services import o_items as o_items_service
from .auth import caller, ctx
from .downloads import send_stored_file
from .formdata import parse_submission
from .i18n import current_language
from .reports import report_context
from .templating import value_text

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def _render(
    task_id: int,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    page = tasks.get_task_page(ctx(), task_id, caller().actor)
    form = FormSpec(page.task.form.get("key", ""), page.task.form.get("schema", {}))
    o_items = (
        o_item_source(page.task.context.get("category"))
        if form.uses_source(o_items_service.SOURCE)
        else o_items_service.OItemChoices(0, ())
    )
    shown = page.task.data if values is None else values
    if values is None:  # a first look: the O items the category suggests come ticked
        shown = {**dict.fromkeys(o_item_fields(form), o_items.suggested), **shown}
    # Read-only fields are shown, never posted back: as people read them (names, Buddhist-era dates).
    readonly = {
        n for n, p in form.schema.get("properties", {}).items() if isinstance(p, dict) and p.get("readOnly")
    }
    shown = {**shown, **{f.key: value_text(f.value) for f in page.shown if f.key in readonly}}
    known: dict[str, dict[str, Any]] = {i: _with_url(task_id, i, info) for i, info in page.files.items()}
    # uploaded with a submission that came back with errors: shown to their uploader only
    kept = file_access.own_uploads(ctx(), set(form.file_ids(shown)) - set(known), caller().id)
    known.update({i: _with_url(task_id, i, info) for i, info in kept.items()})
    sources = {"categories": catalogue.category_choices(ctx()), "groups": tasks.group_choices(ctx())}
    report: dict[str, Any] = {}
    if semiannual_report.is_report(page.process_id):  # the task shows the report it is about
        sources["ita_items"] = semiannual_report.ita_item_choices(ctx())
        view = semiannual_report.get_report(ctx(), page.task.instance_id, caller().actor)
        report = report_context(view, lambda file_id: url_for("tasks.file", task_id=task_id, file_id=file_id))
    if form.uses_source(o_items_service.SOURCE):  # O items with those the category suggests first
        sources[o_items_service.SOURCE] = _labelled(o_items)
    html = render_template(
        "tasks/show.html",
        page=page,
        task=page.task,
        values=shown,
        errors=errors or {},
        files=known,
        sources=sources,
        extra_hidden=semiannual_report.hidden_keys(page.process_id),
        **report,
        now=ctx().now(),
        memo_url=(
            url_for("requests.memo_pdf", instance_id=page.task.instance_id)
            if memo.has_memo(page.process_id)
            else None
        ),
        comments=comments.list_comments(ctx(), page.task.instance_id, caller().actor),
        colleagues=tasks.handover_candidates(ctx(), task_id, caller().actor),
        limits=upload_limits(),
    )
    return html, status


def o_item_source(category: Any) -> o_items_service.OItemChoices:
    return o_items_service.form_choices(ctx(), category if isinstance(category, str) else None)


def o_item_fields(form: FormSpec) -> list[str]:
    """The form's fields that choose O items (a list whose items come from `x-source: ita_items`)."""
    return [
        name
        for name, prop in form.schema.get("properties", {}).items()
        if isinstance(prop, dict)
        and isinstance(prop.get("items"), dict)
        and prop["items"].get("x-source") == o_items_service.SOURCE
    ]


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
    detail = tasks.get_task(ctx(), task_id, user.actor)
    if detail.status not in ("ready", "claimed"):
        flash(_("งานนี้ดำเนินการเสร็จแล้ว ไม่ต้องส่งซ้ำ"))
        return redirect(url_for("inbox.index"))
    schema = detail.form.get("schema", {})

    def store(upload: FileStorage) -> str:
        return files.upload_file(ctx(), upload.stream, upload.filename or "file", actor_id=user.id).id

    parsed = parse_submission(schema, request.form, request.files, store)
    try:
        if parsed.problems:  # still validate, so every problem shows at once (parse problems first)
            tasks.check_submission(ctx(), task_id, parsed.data, user.actor)
            raise ValidationError("the form has errors", [])
        done = tasks.complete_task(ctx(), task_id, parsed.data, user.actor)
    except ValidationError as exc:
        errors = dict(parsed.errors)
        for problem in exc.problems:
            errors.setdefault(problem.field or "_form", problem.message)
        return _render(task_id, parsed.form_values, errors, 422)
    except ConflictError as exc:
        flash(_("ไม่ได้บันทึก: %(why)s", why=_conflict_text(exc)))
        return redirect(url_for("inbox.index"))
    return _after_submit(detail.name, done.id)


def _after_submit(step: str, instance_id: int) -> Response:
    """Open the submitter's next task of the request at once; otherwise say who has the request now."""
    after = tasks.next_step(ctx(), instance_id, caller().actor)
    if after.task_id is not None:
        flash(_("บันทึก “%(name)s” แล้ว ขั้นตอนถัดไปเป็นของคุณ", name=step))
        return redirect(url_for("tasks.show", task_id=after.task_id))
    who = [
        *after.holders,
        *(_("ผู้อำนวยการ%(group)s", group=g) for g in after.groups),
        *(_role_name(lane) for lane in after.lanes),
    ]
    if who:
        flash(_("บันทึก “%(name)s” แล้ว ขณะนี้คำขออยู่ที่ %(who)s", name=step, who=", ".join(who)))
    else:
        flash(_("บันทึก “%(name)s” แล้ว คำขอนี้ไม่มีขั้นตอนรอดำเนินการแล้ว", name=step))
    return redirect(url_for("inbox.index"))


def _role_name(code: str) -> str:
    names = ROLES.get(code)
    if names is None:
        return code
    return names[1] if current_language() == "en" else names[0]


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


@bp.post("/<int(max=2147483647):task_id>/handover")
@login_required  # type: ignore[untyped-decorator]
def hand_over(task_id: int) -> tuple[str, int] | Response:
    try:
        to = int(request.form.get("to") or 0)
    except ValueError:
        to = 0
    try:
        given = tasks.hand_over_task(ctx(), task_id, to, caller().actor, request.form.get("reason", ""))
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
    if "already been completed" in exc.message:
        return str(_("งานนี้ดำเนินการเสร็จแล้ว"))
    if "someone else" in exc.message:
        return str(_("มีผู้อื่นรับงานนี้ไปแล้ว"))
    return exc.message


@bp.post("/<int(max=2147483647):task_id>/comment")
@login_required  # type: ignore[untyped-decorator]
def comment(task_id: int) -> tuple[str, int]:
    """A comment sent with the task form (without JavaScript): the comment is added and the page comes
    back with everything typed and attached in the form, not yet submitted."""
    user = caller()
    detail = tasks.get_task(ctx(), task_id, user.actor)
    values: dict[str, Any] | None = None
    if detail.status in ("ready", "claimed"):

        def store(upload: FileStorage) -> str:
            return files.upload_file(ctx(), upload.stream, upload.filename or "file", actor_id=user.id).id

        values = parse_submission(
            detail.form.get("schema", {}), request.form, request.files, store
        ).form_values
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
        tasks.claim_task(ctx(), task_id, caller().actor)
        flash(_("รับงานแล้ว ผู้อื่นจะไม่เห็นงานนี้จนกว่าคุณจะคืนงาน"))
    except ConflictError as exc:
        flash(_("รับงานไม่ได้: %(why)s", why=_conflict_text(exc)))
    return redirect(url_for("tasks.show", task_id=task_id))


@bp.post("/<int(max=2147483647):task_id>/release")
@login_required  # type: ignore[untyped-decorator]
def release(task_id: int) -> Response:
    try:
        tasks.release_task(ctx(), task_id, caller().actor)
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
