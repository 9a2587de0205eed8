"""Starting a request and following my requests."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from ..errors import Conflict, ConflictError, ValidationError
from ..services.files import file_access
from ..services.pages import request_page
from ..services.procedures import definitions
from ..services.records import issued_memo
from ..services.requests import comments, instances
from .account import local_target
from .auth import caller, ctx
from .downloads import send_document, send_stored_file
from .reports import report_context
from .templating import role_name

bp = Blueprint("requests", __name__, url_prefix="/requests")


@bp.get("")
@login_required  # type: ignore[untyped-decorator]
def mine() -> str:
    return render_template("requests/mine.html", requests=instances.list_my_requests(ctx(), caller().actor))


@bp.get("/<int(max=2147483647):instance_id>")
@login_required  # type: ignore[untyped-decorator]
def show(instance_id: int) -> str:
    user = caller()
    page = request_page.get_request_page(ctx(), instance_id, user.actor)
    files = {
        i: {**info, "url": url_for("requests.file", instance_id=instance_id, file_id=i)}
        for i, info in page.files.items()
    }
    report: dict[str, Any] = {}
    if page.report is not None:  # shown as the report, not as its raw data
        report = report_context(
            page.report, lambda i: url_for("requests.file", instance_id=instance_id, file_id=i)
        )
    return render_template(
        "requests/show.html",
        page=page,
        files=files,
        comments=page.comments,
        memo_url=url_for("requests.memo_pdf", instance_id=instance_id) if page.has_memo else None,
        extra_hidden=page.hidden_keys,
        lane_names={i: role_name(code) for i, code in (page.progress.lanes if page.progress else {}).items()},
        **report,
    )


@bp.get("/<int(max=2147483647):instance_id>/memo.pdf")
@login_required  # type: ignore[untyped-decorator]
def memo_pdf(instance_id: int) -> Response:
    """The request's memo (บันทึกข้อความ): the issued, signed PDF once the director decided; before
    that a draft, where ?digits=thai|arabic overrides the office's choice."""
    digits = request.args.get("digits") or None
    document = issued_memo.memo_download(
        ctx(), instance_id, caller().actor, digits, base_url=request.host_url
    )
    return send_document(document.content, document.filename)


@bp.get("/<int(max=2147483647):instance_id>/files/<file_id>")
@login_required  # type: ignore[untyped-decorator]
def file(instance_id: int, file_id: str) -> Response:
    return send_stored_file(file_access.open_file(ctx(), file_id, caller().actor, instance_id=instance_id))


@bp.post("/<int(max=2147483647):instance_id>/withdraw")
@login_required  # type: ignore[untyped-decorator]
def withdraw(instance_id: int) -> Response:
    try:
        instances.withdraw_request(ctx(), instance_id, caller().actor, request.form.get("reason", ""))
        flash(_("ถอนคำขอแล้ว"))
    except ValidationError:
        flash(_("ถอนคำขอไม่ได้: กรุณาระบุเหตุผล"))
    except ConflictError:
        flash(_("ถอนคำขอไม่ได้: มีผู้พิจารณาคำขอนี้แล้ว"))
    return redirect(url_for("requests.mine"))


@bp.post("/<int(max=2147483647):instance_id>/discard")
@login_required  # type: ignore[untyped-decorator]
def discard(instance_id: int) -> Response:
    """Delete a draft its requester never sent."""
    try:
        instances.discard_draft(ctx(), instance_id, caller().actor)
        flash(_("ลบร่างคำขอแล้ว"))
    except ConflictError as exc:
        if exc.reason == Conflict.NOT_DRAFT:
            flash(_("ลบไม่ได้: คำขอนี้ส่งแล้ว ใช้ “ถอนคำขอ” แทน"))
        else:
            flash(_("ลบไม่ได้: ร่างนี้ถูกลบไปแล้ว"))
    return redirect(url_for("requests.mine"))


@bp.post("/<int(max=2147483647):instance_id>/comments")
@login_required  # type: ignore[untyped-decorator]
def comment(instance_id: int) -> Response:
    # static/comments.js asks for JSON: the comment joins the thread without reloading the page.
    wants_json = request.accept_mimetypes.best == "application/json"
    try:
        added = comments.add_comment(ctx(), instance_id, caller().actor, request.form.get("body", ""))
    except ValidationError:
        if wants_json:
            return Response(
                json.dumps({"error": str(_("กรุณาพิมพ์ความเห็นก่อนส่ง"))}), 422, mimetype="application/json"
            )
        flash(_("กรุณาพิมพ์ความเห็นก่อนส่ง"))
    else:
        if wants_json:
            html = render_template("requests/_comment.html", c=added)
            return Response(json.dumps({"html": html}), 201, mimetype="application/json")
    return redirect(local_target(request.form.get("next"), url_for("requests.mine")) + "#comments")


@bp.get("/new")
@login_required  # type: ignore[untyped-decorator]
def new() -> str:
    return render_template("requests/new.html", processes=definitions.list_startable(ctx(), caller().actor))


@bp.post("/new/<process_id>")
@login_required  # type: ignore[untyped-decorator]
def start(process_id: str) -> Response:
    """ "เริ่ม": the first form of a new draft (nobody else sees it until it is sent); an untouched draft of
    the same procedure opens again instead of piling up another."""
    user = caller()
    again = instances.untouched_draft(ctx(), process_id, user.actor)
    if again is not None:
        return redirect(url_for("tasks.show", task_id=again))
    started = instances.start_instance(ctx(), process_id, None, user.actor)
    first = instances.first_task_for(ctx(), started.id, user.actor)
    if first is not None:
        return redirect(url_for("tasks.show", task_id=first))
    flash(_("เริ่ม %(name)s แล้ว", name=started.title or process_id))
    return redirect(url_for("requests.mine"))
