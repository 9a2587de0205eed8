"""The process library and the modeler (process owners and admins).

HTML: the library (versions, running counts, download, upload), the diff between two versions and the
modeler page. JSON (the modeler's own calls, CSRF header `X-CSRFToken`): save the draft, validate,
deploy, check one condition, render a form preview with the inbox's form macro.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from flask_wtf import FlaskForm
from jinja2 import TemplateError
from werkzeug.wrappers import Response

from ..errors import DiagramError, FieldProblem, ValidationError
from ..permissions import ROLES, may_own_processes
from ..services import definitions, library
from . import diagram_text
from .auth import caller, ctx
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
    draft = library.open_draft(ctx(), caller().actor, process_id)
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
        config=config,
        assets_built=_assets_built(),
    )


@bp.post(f"/<{PROCESS_ID}:process_id>/draft")
def save_draft(process_id: str) -> Response:
    xml, forms, base = _diagram(json_body())
    info = library.save_draft(ctx(), caller().actor, process_id, xml, forms, base)
    return jsonify({"saved_at": info.updated_at.isoformat()})


@bp.post(f"/<{PROCESS_ID}:process_id>/draft/discard")
def discard_draft(process_id: str) -> Response:
    if not FlaskForm().validate_on_submit():
        abort(400)
    library.discard_draft(ctx(), caller().actor, process_id)
    flash(_("ทิ้งฉบับร่างของ %(p)s แล้ว", p=process_id))
    return redirect(url_for("processes.index"))


@bp.post(f"/<{PROCESS_ID}:process_id>/validate")
def validate(process_id: str) -> Response:
    xml, forms, _base = _diagram(json_body())
    problems = library.validate_draft(ctx(), caller().actor, process_id, xml, forms)
    return json_response({"problems": diagram_text.as_dicts(problems)})


@bp.post(f"/<{PROCESS_ID}:process_id>/deploy")
def deploy(process_id: str) -> tuple[Response, int]:
    body = json_body()
    xml, forms, base = _diagram(body)
    result = library.deploy_draft(
        ctx(), caller().actor, process_id, xml, forms, base, force=body.get("force") is True
    )
    return jsonify({"id": result.id, "version": result.version, "created": result.created}), 201


@bp.post("/check-expression")
def check_expression() -> Response:
    source = json_body().get("expression")
    if not isinstance(source, str) or len(source) > 5000:
        raise ValidationError("expression must be text", [FieldProblem("expression", "ต้องเป็นข้อความ")])
    message = library.check_expression(caller().actor, source)
    return jsonify({"ok": message is None, "message": message})


@bp.post("/form-preview")
def form_preview() -> Response:
    body = json_body()
    key, schema = body.get("key"), body.get("schema")
    problems = library.check_form(caller().actor, key if isinstance(key, str) else "", schema)
    html = ""
    if isinstance(schema, dict) and not any("not a valid JSON Schema" in p for p in problems):
        try:
            html = render_template("processes/_form_preview.html", schema=schema)
        except (TemplateError, TypeError, ValueError, AttributeError, KeyError):
            # a schema the macro cannot draw is a problem to show, not a server error
            problems.append(_("แสดงตัวอย่างแบบฟอร์มนี้ไม่ได้"))
    return jsonify({"problems": problems, "html": html})
