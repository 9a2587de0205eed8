"""Admin pages for requests: the list, one request on its diagram with its timeline and data, the actions
that steer it (each with a reason), and the statistics of a process version. Thin: parse, call one
service, render or redirect; the services check again that the caller is an admin."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from ..errors import ConflictError, NotFoundError, ValidationError
from ..permissions import may_own_processes
from ..services.files import file_access
from ..services.requests import admin_page, consistency, instances, interventions, monitoring, statistics
from ..services.requests.monitoring import InstanceFilters
from .auth import caller, ctx
from .downloads import send_stored_file
from .formdata import parse_date
from .i18n import field_errors
from .queryargs import page_number, whole

bp = Blueprint("instances_admin", __name__, url_prefix="/admin/instances")
Page = tuple[str, int] | Response


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _admins_only() -> None:
    actor = caller().actor
    stats = request.endpoint == "instances_admin.stats"
    if not (actor.is_admin or (stats and may_own_processes(actor))):
        abort(403)


def _date(name: str) -> date | None:
    """A filter date as typed: Buddhist era (16/11/2569, 16 พ.ย. 2569) or ISO; a wrong one is ignored."""
    raw = (request.args.get(name) or "").strip()
    try:
        return date.fromisoformat(parse_date(raw)) if raw else None
    except ValueError:
        return None


def _int(name: str) -> int | None:
    return whole(request.args.get(name), high=999_999)


@bp.get("")
def index() -> str:
    filters = InstanceFilters(
        process_id=request.args.get("process") or None,
        version=_int("version"),
        status=request.args.get("status") or None,
        group=request.args.get("group") or None,
        requester=(request.args.get("requester") or "").strip() or None,
        created_from=_date("from"),
        created_to=_date("to"),
        overdue=request.args.get("overdue") == "1",
        waiting_days=_int("waiting"),
        q=(request.args.get("q") or "").strip() or None,
    )
    listing = monitoring.list_instances(ctx(), caller().actor, filters, page=page_number())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/instances/index.html", listing=listing, filters=filters, args=args, now=ctx().now()
    )


def _show(instance_id: int, errors: dict[str, str] | None = None, form: str = "", status: int = 200) -> Page:
    page = admin_page.get_instance_page(ctx(), instance_id, caller().actor)
    files = {
        i: {**info, "url": url_for("instances_admin.file", instance_id=instance_id, file_id=i)}
        for i, info in page.files.items()
    }
    html = render_template(
        "admin/instances/show.html",
        page=page,
        files=files,
        errors=errors or {},
        failed_form=form,
        values=request.form if errors else {},
        now=ctx().now(),
    )
    return html, status


@bp.get("/check")
def check() -> str:
    report = consistency.check_all(ctx(), caller().actor)
    return render_template("admin/instances/check.html", report=report, finding_labels=_finding_labels())


def _finding_labels() -> dict[str, str]:
    return {
        consistency.PROJECTION: _("กล่องงานไม่ตรงกับแผนภาพ"),
        consistency.STALLED: _("ค้าง: ไม่มีผู้ดำเนินการได้"),
        consistency.TIMER_UNSCHEDULED: _("ตัวจับเวลาไม่ได้ถูกตั้ง"),
        consistency.ENDED_BUT_RUNNING: _("แผนภาพจบแล้วแต่สถานะยังดำเนินอยู่"),
        consistency.OPEN_ON_ENDED: _("มีงานค้างในคำขอที่จบแล้ว"),
        consistency.EVENTS: _("บันทึกเหตุการณ์ไม่ตรงกับงานที่ทำเสร็จ"),
        consistency.UNREADABLE: _("อ่านสถานะของคำขอไม่ได้"),
        consistency.NO_HOLDER: _("ไม่มีผู้ดำเนินการได้"),
    }


@bp.get("/<int(max=2147483647):instance_id>")
def show(instance_id: int) -> Page:
    return _show(instance_id)


@bp.get("/<int(max=2147483647):instance_id>/files/<file_id>")
def file(instance_id: int, file_id: str) -> Response:
    return send_stored_file(file_access.open_file(ctx(), file_id, caller().actor, instance_id=instance_id))


ACTIONS: dict[str, Any] = {
    "suspend": interventions.suspend_instance,
    "resume": interventions.resume_instance,
    "terminate": interventions.terminate_instance,
}
MESSAGES = {
    "suspend": lambda: _("พักคำขอไว้แล้ว"),
    "resume": lambda: _("ให้คำขอดำเนินการต่อแล้ว"),
    "terminate": lambda: _("ยุติคำขอแล้ว"),
    "retry": lambda: _("สั่งทำขั้นตอนที่ขัดข้องอีกครั้งแล้ว"),
    "rewind": lambda: _("ย้อนกลับไปยังขั้นตอนที่เลือกแล้ว"),
    "migrate": lambda: _("ย้ายคำขอไปใช้กระบวนงานรุ่นใหม่แล้ว"),
    "correct": lambda: _("แก้ไขข้อมูลแล้ว"),
    "reassign": lambda: _("มอบหมายงานแล้ว"),
}


def _act(instance_id: int, form: str, run: Any) -> Page:
    """Run one action from a form on the instance page: back to the page, or the page again with the
    problems beside the fields and what was typed kept."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        run()
    except ValidationError as exc:
        return _show(instance_id, field_errors(exc.problems), form, 422)
    except ConflictError as exc:
        flash(_("ทำไม่ได้: %(why)s", why=exc.message))
        return redirect(url_for("instances_admin.show", instance_id=instance_id))
    flash(MESSAGES[form.split("-")[0]]())
    return redirect(url_for("instances_admin.show", instance_id=instance_id))


def _reason() -> str:
    return request.form.get("reason", "")


@bp.post("/<int(max=2147483647):instance_id>/<any(suspend, resume, terminate):action>")
def lifecycle(instance_id: int, action: str) -> Page:
    service = ACTIONS[action]
    return _act(instance_id, action, lambda: service(ctx(), instance_id, caller().actor, _reason()))


@bp.post("/<int(max=2147483647):instance_id>/retry")
def retry(instance_id: int) -> Page:
    return _act(
        instance_id, "retry", lambda: instances.retry_instance(ctx(), instance_id, caller().actor, _reason())
    )


@bp.post("/<int(max=2147483647):instance_id>/rewind")
def rewind(instance_id: int) -> Page:
    target = request.form.get("target", "")
    return _act(
        instance_id,
        "rewind",
        lambda: interventions.rewind_instance(ctx(), instance_id, target, caller().actor, _reason()),
    )


@bp.post("/<int(max=2147483647):instance_id>/correct")
def correct(instance_id: int) -> Page:
    key, value = request.form.get("key", ""), request.form.get("value", "")
    return _act(
        instance_id,
        "correct",
        lambda: interventions.correct_value(ctx(), instance_id, key, value, caller().actor, _reason()),
    )


@bp.post("/<int(max=2147483647):instance_id>/tasks/<int(max=2147483647):task_id>/reassign")
def reassign(instance_id: int, task_id: int) -> Page:
    user = request.form.get("user", "")
    return _act(
        instance_id,
        f"reassign-{task_id}",
        lambda: interventions.reassign_task(ctx(), task_id, user, caller().actor, _reason()),
    )


@bp.route("/<int(max=2147483647):instance_id>/migrate", methods=["GET", "POST"])
def migrate(instance_id: int) -> Page:
    version = _int("version") or (
        whole(request.form.get("version"), low=1) or 0 if request.method == "POST" else 0
    )
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            interventions.migrate_instance(ctx(), instance_id, version, caller().actor, _reason())
            flash(MESSAGES["migrate"]())
            return redirect(url_for("instances_admin.show", instance_id=instance_id))
        except ValidationError as exc:
            errors = field_errors(exc.problems)
            status = 422
        except ConflictError as exc:
            errors = {"": exc.message}
            status = 409
    try:
        preview = interventions.preview_migration(ctx(), instance_id, version, caller().actor)
    except (ValidationError, NotFoundError):
        abort(404)
    page = admin_page.get_instance_page(ctx(), instance_id, caller().actor)
    html = render_template(
        "admin/instances/migrate.html", preview=preview, page=page, errors=errors, reason=_reason()
    )
    return html, status


@bp.get("/stats/<process_id>")
def stats(process_id: str) -> str:
    result = statistics.process_stats(
        ctx(),
        caller().actor,
        process_id,
        version=_int("version"),
        date_from=_date("from"),
        date_to=_date("to"),
    )
    return render_template("admin/instances/stats.html", stats=result)
