"""The process library and the modeler (process owners and admins).

HTML: the library (versions, running counts, download, upload), the diff between two versions and the
modeler page. JSON (the modeler's own calls, CSRF header `X-CSRFToken`): save the draft, validate,
deploy, check one condition, render a form preview with the inbox's form macro.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from jinja2 import TemplateError
from jinja2.utils import htmlsafe_json_dumps
from werkzeug.wrappers import Response

from .. import form_files, forms
from ..errors import ConflictError, DiagramError, FieldProblem, ValidationError
from ..permissions import ROLES, may_own_processes
from ..services.procedures import definitions, library, modeler
from . import diagram_text
from .auth import caller, ctx
from .errors import answer_too_large
from .i18n import say
from .jsonio import json_body, json_response
from .queryargs import whole

bp = Blueprint("processes", __name__, url_prefix="/processes")
VENDOR = Path(__file__).resolve().parents[1] / "static" / "vendor"
PROCESS_ID = "string(maxlength=128)"


@bp.before_request
@login_required  # type: ignore[untyped-decorator]
def _owners_only() -> None:
    if not may_own_processes(caller().actor):
        abort(403)


def _diagram(body: dict[str, Any]) -> tuple[str, Any, int | None]:
    xml = body.get("xml")
    base = body.get("base_version")
    if not isinstance(xml, str):
        raise ValidationError("xml is missing", [FieldProblem("xml", "ไม่มีแผนภาพ")])
    return xml, body.get("forms", {}), base if isinstance(base, int) else None


def _assets_built() -> bool:
    return (VENDOR / "modeler.js").is_file()


# -- library -------------------------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    return render_template("processes/index.html", entries=library.list_processes(ctx(), caller().actor))


@bp.post("/upload")
def upload() -> tuple[str, int] | Response:
    if not FlaskForm().validate_on_submit():
        abort(400)
    file = request.files.get("file")
    if file is None or not file.filename:
        flash(_("เลือกไฟล์ .bpmn ก่อน"))
        return redirect(url_for("processes.index"))
    filename = Path(file.filename).name
    if not filename.endswith(".bpmn"):
        flash(_("รับเฉพาะไฟล์ .bpmn"))
        return redirect(url_for("processes.index"))
    try:
        result = definitions.deploy_upload(ctx(), file.read(), filename, {}, actor=caller().actor)
    except DiagramError as exc:
        html = render_template(
            "processes/index.html",
            entries=library.list_processes(ctx(), caller().actor),
            upload_problems=exc.problems,
            upload_name=filename,
        )
        return html, 422
    if result.created:
        flash(_("ติดตั้ง %(p)s รุ่นที่ %(v)s แล้ว", p=result.id, v=result.version))
    else:
        flash(_("ไฟล์นี้ตรงกับรุ่นที่ %(v)s ที่ติดตั้งแล้ว ไม่ได้สร้างรุ่นใหม่", v=result.version))
    return redirect(url_for("processes.index"))


def _library_with(status: int, **shown: Any) -> tuple[str, int]:
    html = render_template(
        "processes/index.html", entries=library.list_processes(ctx(), caller().actor), **shown
    )
    return html, status


@bp.post("/import")
def import_diagram() -> tuple[str, int] | Response:
    """A diagram from another tool (Camunda, bpmn.io, Signavio) opened as a draft with what to fix."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    file = request.files.get("file")
    wanted = (request.form.get("process_id") or "").strip() or None
    if file is None or not file.filename:
        return _library_with(422, import_errors=[_("เลือกไฟล์ .bpmn ก่อน")], import_id=wanted)
    filename = Path(file.filename).name
    try:
        result = modeler.import_diagram(ctx(), caller().actor, file.read(), filename, wanted)
    except DiagramError as exc:
        return _library_with(422, import_problems=exc.problems, import_name=filename, import_id=wanted)
    except ValidationError as exc:
        return _library_with(422, import_errors=[say(p) for p in exc.problems], import_id=wanted)
    except ConflictError as exc:
        message = _(
            "กระบวนงาน %(p)s มีฉบับร่างที่ยังไม่ติดตั้งอยู่แล้ว: ทิ้งฉบับร่างนั้นก่อน หรือนำเข้าด้วยรหัสอื่น",
            p=(exc.details or {}).get("process_id", ""),
        )
        return _library_with(409, import_errors=[message], import_id=wanted)
    if result.problems:
        flash(
            _(
                "เปิด %(f)s เป็นฉบับร่างของ %(p)s แล้ว ยังไม่ได้ติดตั้ง: แก้ %(n)s ปัญหาที่แสดงก่อนติดตั้ง",
                f=filename,
                p=result.process_id,
                n=len(result.problems),
            )
        )
    else:
        flash(_("เปิด %(f)s เป็นฉบับร่างของ %(p)s แล้ว ไม่พบปัญหา ติดตั้งได้", f=filename, p=result.process_id))
    return redirect(url_for("processes.edit", process_id=result.process_id, check=1))


@bp.get(f"/<{PROCESS_ID}:process_id>/v<int(max=2147483647):version>.bpmn")
def download(process_id: str, version: int) -> Response:
    xml, filename = library.version_xml(ctx(), caller().actor, process_id, version)
    response = Response(xml, mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get(f"/<{PROCESS_ID}:process_id>/diff")
def diff(process_id: str) -> str:
    old, new = whole(request.args.get("old"), low=1), whole(request.args.get("new"), low=1)
    if old is None or new is None:
        abort(400)
    actor = caller().actor
    result = library.diff_versions(ctx(), actor, process_id, old, new)
    old_xml = library.version_xml(ctx(), actor, process_id, old)[0]
    new_xml = library.version_xml(ctx(), actor, process_id, new)[0]
    return render_template(
        "processes/diff.html", diff=result, old_xml=old_xml, new_xml=new_xml, assets_built=_assets_built()
    )


# -- modeler -------------------------------------------------------------------------------------


@bp.get(f"/<{PROCESS_ID}:process_id>/edit")
def edit(process_id: str) -> str:
    draft = modeler.open_draft(ctx(), caller().actor, process_id)
    config = {
        "processId": draft.process_id,
        "xml": draft.xml,
        "forms": draft.forms,
        "knownForms": sorted(draft.known_forms),
        "formTitles": {
            k: (v.get("title") if isinstance(v, dict) else None) or k for k, v in draft.known_forms.items()
        },
        # deployed schemas, so a deployed form opens pre-filled in the form editor
        "deployedForms": draft.deployed_forms,
        "formUsers": draft.form_users,
        "baseVersion": draft.base_version,
        # a draft never deployed (imported from another tool) opens with the checker's list
        "checkOnOpen": draft.latest_version is None or request.args.get("check") == "1",
        "latestVersion": draft.latest_version,
        "roles": {code: labels[0] for code, labels in ROLES.items()},
        "minTimerCycle": int(ctx().settings["WORKER_INTERVAL"]),  # as the engine's check (context.py)
        "urls": {
            "draft": url_for("processes.save_draft", process_id=process_id),
            "validate": url_for("processes.validate", process_id=process_id),
            "deploy": url_for("processes.deploy", process_id=process_id),
            "expression": url_for("processes.check_expression"),
            "preview": url_for("processes.form_preview"),
            "library": url_for("processes.index"),
        },
    }
    return render_template(
        "processes/edit.html",
        draft=draft,
        # not Jinja's tojson, which sorts keys: a form's fields would open in alphabetical order
        config_json=htmlsafe_json_dumps(config, dumps=json.dumps, ensure_ascii=False),
        assets_built=_assets_built(),
    )


@bp.post(f"/<{PROCESS_ID}:process_id>/draft")
def save_draft(process_id: str) -> Response:
    xml, forms, base = _diagram(json_body())
    info = modeler.save_draft(ctx(), caller().actor, process_id, xml, forms, base)
    return jsonify({"saved_at": info.updated_at.isoformat()})


@bp.post(f"/<{PROCESS_ID}:process_id>/draft/discard")
def discard_draft(process_id: str) -> Response:
    if not FlaskForm().validate_on_submit():
        abort(400)
    modeler.discard_draft(ctx(), caller().actor, process_id)
    flash(_("ทิ้งฉบับร่างของ %(p)s แล้ว", p=process_id))
    return redirect(url_for("processes.index"))


@bp.post(f"/<{PROCESS_ID}:process_id>/validate")
def validate(process_id: str) -> Response:
    xml, forms, _base = _diagram(json_body())
    problems = modeler.validate_draft(ctx(), caller().actor, process_id, xml, forms)
    return json_response({"problems": diagram_text.as_dicts(problems)})


@bp.post(f"/<{PROCESS_ID}:process_id>/deploy")
def deploy(process_id: str) -> tuple[Response, int]:
    body = json_body()
    xml, forms, base = _diagram(body)
    result = modeler.deploy_draft(
        ctx(), caller().actor, process_id, xml, forms, base, force=body.get("force") is True
    )
    return jsonify({"id": result.id, "version": result.version, "created": result.created}), 201


@bp.post("/check-expression")
def check_expression() -> Response:
    source = json_body().get("expression")
    if not isinstance(source, str) or len(source) > 5000:
        raise ValidationError("expression must be text", [FieldProblem("expression", "ต้องเป็นข้อความ")])
    message = modeler.check_expression(caller().actor, source)
    return jsonify({"ok": message is None, "message": message})


@bp.post("/form-preview")
def form_preview() -> Response:
    body = json_body()
    key, schema, process_id = body.get("key"), body.get("schema"), body.get("process_id")
    found = modeler.check_form(caller().actor, key if isinstance(key, str) else "", schema)
    fields = schema.get("properties") if isinstance(schema, dict) else None
    titles: dict[str, str] = {}
    if isinstance(fields, dict):
        titles = {k: str(v.get("title") or k) for k, v in fields.items() if isinstance(v, dict)}

    def named(p: FieldProblem) -> str:  # "เบอร์โทรศัพท์ (phone): ยังไม่มีชื่อที่แสดง"
        title = titles.get(p.field)
        if title is None:
            return say(p)
        return f"{p.field}: {say(p)}" if title == p.field else f"{title} ({p.field}): {say(p)}"

    problems = [named(p) for p in found]
    html = ""
    if isinstance(schema, dict) and not any(p.template == form_files.INVALID_SCHEMA for p in found):
        # the x-source selects with the office's real options, as the task page draws them
        sources = modeler.form_sources(
            ctx(), caller().actor, process_id if isinstance(process_id, str) else None, schema
        )
        try:
            html = render_template(
                "processes/_form_preview.html", schema=forms.describe(schema), sources=sources
            )
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError):
            # a schema the macro cannot draw is a problem to show, not a server error
            problems.append(_("แสดงตัวอย่างแบบฟอร์มนี้ไม่ได้"))
    field_problems = [
        {"field": p.field, "message": say(p), "text": named(p)} for p in found if p.field in titles
    ]
    form_problems = [text for text in problems if text not in {f["text"] for f in field_problems}]
    return jsonify(
        {"problems": problems, "field_problems": field_problems, "form_problems": form_problems, "html": html}
    )


def _too_large() -> tuple[str, int]:
    """The library again after a file over the request limit: a diagram is at most 2 MB."""
    message = _("ไฟล์ใหญ่เกินไป: แผนภาพต้องไม่เกิน 2 MB")
    return _library_with(413, import_errors=[message])


answer_too_large(("processes.import_diagram", "processes.upload"), _too_large)
