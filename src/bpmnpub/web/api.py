"""JSON API v1 (docs/api.md): parse input, call one service, return JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask import session as flask_session
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import jsontext
from ..errors import FieldProblem, NotFoundError, UnsupportedMediaTypeError, ValidationError
from ..services.catalogue import categories, ita_years
from ..services.files import storage
from ..services.office import accounts, sessions
from ..services.operations import heartbeat
from ..services.portal import published_items, publishing
from ..services.procedures import definitions
from ..services.records import issued_memo, semiannual_report, verification
from ..services.requests import holding, inbox, instances, interventions, statistics, tasks
from . import openapi
from .auth import SESSION_KEY, caller, check_api_csrf, ctx
from .downloads import send_document
from .jsonio import json_body as _body
from .jsonio import json_response as _json
from .jsonio import plain as _plain
from .queryargs import MAX_ID

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _csrf_for_cookie_sessions() -> None:
    """Bearer calls carry no ambient credential; a write on a browser session must prove its origin
    (HTML forms are checked by Flask-WTF; the API is exempt from it and checks its header here)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    # Loading the user decides how the caller authenticated: a session cookie wins over a header.
    if getattr(current_user, "is_authenticated", False) and not g.get("bearer"):
        check_api_csrf()


def _int_arg(name: str, default: int, *, low: int = 0, high: int = 1_000_000) -> int:
    """An integer query argument within [low, high]. Raises ValidationError."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValidationError(f"{name} must be a number", [FieldProblem(name, "ต้องเป็นตัวเลข")]) from exc
    if not low <= value <= high:
        raise ValidationError(
            f"{name} must be between {low} and {high}", [FieldProblem(name, f"ต้องอยู่ระหว่าง {low} ถึง {high}")]
        )
    return value


def _string(body: dict[str, Any], name: str) -> str:
    """A string member of the body ("" when absent). Raises ValidationError."""
    value = body.get(name, "")
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string", [FieldProblem(name, "ต้องเป็นข้อความ")])
    return value


def _whole(body: dict[str, Any], name: str) -> int | None:
    """An integer member of the body (None when absent). Raises ValidationError."""
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValidationError(f"{name} must be a number", [FieldProblem(name, "ต้องเป็นตัวเลข")])
    return value


@bp.get("/openapi.json")
def openapi_document() -> Response:
    """The OpenAPI 3.1 description of this API (web/openapi.py); no sign-in needed."""
    return jsonify(openapi.document())


@bp.post("/session")
def create_session() -> Response:
    body = _body()
    username, password = body.get("username"), body.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ValidationError(
            "username and password are required",
            [
                FieldProblem(f, "required")
                for f in ("username", "password")
                if not isinstance(body.get(f), str)
            ],
        )
    user = accounts.sign_in(ctx(), username, password, request.remote_addr or "")
    token = accounts.create_token(ctx(), user.username, label="api session")
    return _json({"token": token, "user": _user(user)}, 201)


@bp.delete("/session")
def end_session() -> Response:
    """Sign out: the bearer token presented is revoked (or the browser session ends)."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and sessions.revoke_presented(ctx(), header[7:].strip()):
        return Response(status=204)
    caller()  # raises AuthenticationError (401) for no valid credentials
    check_api_csrf()
    sessions.end_session(ctx(), str(flask_session.get(SESSION_KEY) or ""))
    flask_session.clear()
    return Response(status=204)


def _user(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "group": user.group.code if user.group else None,
        "roles": sorted(user.role_codes_at(ctx().now())),
    }


@bp.get("/processes")
def list_processes() -> Response:
    return _json(definitions.list_startable(ctx(), caller().actor))


@bp.post("/processes")
def deploy_process() -> Response:
    user = caller()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError(
            "send the BPMN file as multipart field 'file'", [FieldProblem("file", "required")]
        )
    if not upload.filename.lower().endswith(".bpmn"):
        raise UnsupportedMediaTypeError("only .bpmn files can be deployed")
    extra_forms: dict[str, Any] = {}
    for key, part in request.files.items(multi=True):
        if key != "file" and part.filename and part.filename.endswith(".json"):
            try:
                extra_forms[part.filename.rsplit("/", 1)[-1][:-5]] = jsontext.loads(part.read())
            except ValidationError as exc:
                raise ValidationError("a form file is not JSON", exc.problems) from exc
    result = definitions.deploy_upload(ctx(), upload.read(), upload.filename, extra_forms, actor=user.actor)
    return _json(
        {"id": result.id, "version": result.version, "created": result.created},
        201 if result.created else 200,
    )


@bp.post("/processes/<process_id>/instances")
def start_instance(process_id: str) -> Response:
    body = _body()
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise ValidationError("data must be an object", [FieldProblem("data", "expected an object")])
    return _json(instances.start_instance(ctx(), process_id, data, caller().actor), 201)


@bp.get("/instances/<int(max=2147483647):instance_id>")
def get_instance(instance_id: int) -> Response:
    return _json(instances.get_instance(ctx(), instance_id, caller().actor))


@bp.post("/instances/<int(max=2147483647):instance_id>/retry")
def retry_instance(instance_id: int) -> Response:
    return _json(instances.retry_instance(ctx(), instance_id, caller().actor, _string(_body(), "reason")))


@bp.get("/worker")
def worker_health() -> Response:
    return _json(heartbeat.worker_health(ctx(), caller().actor))


# -- admins steer requests (services/requests/interventions.py); each needs {"reason": "..."} ----------------


@bp.post("/instances/<int(max=2147483647):instance_id>/<any(suspend, resume, terminate):action>")
def steer_instance(instance_id: int, action: str) -> Response:
    service = {
        "suspend": interventions.suspend_instance,
        "resume": interventions.resume_instance,
        "terminate": interventions.terminate_instance,
    }[action]
    return _json(service(ctx(), instance_id, caller().actor, _string(_body(), "reason")))


@bp.post("/instances/<int(max=2147483647):instance_id>/rewind")
def rewind_instance(instance_id: int) -> Response:
    body, actor = _body(), caller().actor
    return _json(
        interventions.rewind_instance(
            ctx(), instance_id, _string(body, "target"), actor, _string(body, "reason")
        )
    )


@bp.post("/instances/<int(max=2147483647):instance_id>/migrate")
def migrate_instance(instance_id: int) -> Response:
    """{version, reason, dry_run}: a dry run answers what would change; otherwise the request moves."""
    body = _body()
    version = _whole(body, "version")
    if version is None:
        raise ValidationError("version is required", [FieldProblem("version", "ต้องเป็นตัวเลข")])
    if not 1 <= version <= MAX_ID:
        raise NotFoundError(f"there is no version {version}")
    if body.get("dry_run"):
        return _json(interventions.preview_migration(ctx(), instance_id, version, caller().actor))
    reason = _string(body, "reason")
    return _json(interventions.migrate_instance(ctx(), instance_id, version, caller().actor, reason))


@bp.post("/tasks/<int(max=2147483647):task_id>/reassign")
def reassign_task(task_id: int) -> Response:
    body = _body()
    return _json(
        interventions.reassign_task(
            ctx(), task_id, _string(body, "user"), caller().actor, _string(body, "reason")
        )
    )


@bp.get("/processes/<process_id>/stats")
def process_stats(process_id: str) -> Response:
    def day(name: str) -> date | None:
        raw = request.args.get(name) or ""
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError as exc:
            raise ValidationError(f"{name} must be YYYY-MM-DD", [FieldProblem(name, "วันที่ไม่ถูกต้อง")]) from exc

    return _json(
        statistics.process_stats(
            ctx(),
            caller().actor,
            process_id,
            version=_int_arg("version", 0, low=0) or None,
            date_from=day("from"),
            date_to=day("to"),
        )
    )


@bp.get("/tasks")
def list_tasks() -> Response:
    view, sort = request.args.get("view") or None, request.args.get("sort") or None
    if view not in (None, *inbox.VIEWS) or sort not in (None, *inbox.SORTS):
        raise ValidationError(
            "unknown view or sort",
            [FieldProblem("view" if view not in (None, *inbox.VIEWS) else "sort", "ไม่รู้จัก")],
        )
    return _json(
        inbox.list_tasks(
            ctx(),
            caller().actor,
            limit=_int_arg("limit", 50, low=1, high=200),
            offset=_int_arg("offset", 0),
            q=(request.args.get("q") or "").strip()[:200] or None,
            view=view,
            sort=sort,
        )
    )


@bp.post("/tasks/<int(max=2147483647):task_id>/handover")
def hand_over_task(task_id: int) -> Response:
    body = _body()
    to = _whole(body, "to")
    return _json(holding.hand_over_task(ctx(), task_id, to or 0, caller().actor, _string(body, "reason")))


@bp.get("/tasks/<int(max=2147483647):task_id>")
def get_task(task_id: int) -> Response:
    return _json(tasks.get_task(ctx(), task_id, caller().actor))


@bp.post("/tasks/<int(max=2147483647):task_id>/claim")
def claim_task(task_id: int) -> Response:
    return _json(holding.claim_task(ctx(), task_id, caller().actor))


@bp.post("/tasks/<int(max=2147483647):task_id>/release")
def release_task(task_id: int) -> Response:
    return _json(holding.release_task(ctx(), task_id, caller().actor))


@bp.post("/tasks/<int(max=2147483647):task_id>/complete")
def complete_task(task_id: int) -> Response:
    body = _body()
    data = body.get("data", {})
    return _json({"instance": tasks.complete_task(ctx(), task_id, data, caller().actor)})


@bp.post("/files")
def upload_file() -> Response:
    user = caller()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("send the file as multipart field 'file'", [FieldProblem("file", "required")])
    info = storage.upload_file(ctx(), upload.stream, upload.filename, actor_id=user.id)
    return _json(info, 201)


@bp.get("/public/items")
def public_items() -> Response:
    items = publishing.list_public_items(
        ctx(),
        category=request.args.get("category") or None,
        fiscal_year_be=_int_arg("fiscal_year", 0, low=0, high=3000) or None,
        q=request.args.get("q") or None,
        limit=_int_arg("limit", 50, low=1, high=200),
        offset=_int_arg("offset", 0),
    )
    return _json(items)


# --- Published items: withdraw and republish (publishers and admins) --------------------------------


@bp.post("/public/items/<int(max=2147483647):item_id>/withdraw")
def withdraw_item(item_id: int) -> Response:
    return _json(published_items.withdraw_item(ctx(), caller().actor, item_id, _string(_body(), "reason")))


@bp.post("/public/items/<int(max=2147483647):item_id>/republish")
def republish_item(item_id: int) -> Response:
    return _json(published_items.republish_item(ctx(), caller().actor, item_id, _string(_body(), "reason")))


# --- Catalogue: the office's categories and each fiscal year's ITA/OIT items -----------------------


@bp.get("/catalogue/categories")
def catalogue_categories() -> Response:
    caller()
    return _json(categories.list_categories(ctx()))


@bp.put("/catalogue/categories/<code>")
def put_category(code: str) -> Response:
    body = _body()
    active = body.get("active", True)
    if not isinstance(active, bool):
        raise ValidationError(
            "active must be true or false", [FieldProblem("active", "ต้องเป็น true หรือ false")]
        )
    values = categories.CategoryInput(
        name=_string(body, "name"),
        name_en=_string(body, "name_en"),
        description=_string(body, "description"),
        group_code=_string(body, "group"),
        sort_order=_whole(body, "sort_order"),
        active=active,
    )
    row, created = categories.save_category(ctx(), caller().actor, code, values)
    return _json(row, 201 if created else 200)


@bp.get("/catalogue/ita")
def catalogue_years() -> Response:
    caller()
    return _json(ita_years.list_fiscal_years(ctx()))


@bp.get("/catalogue/ita/<int(min=1, max=9999):fy>")
def catalogue_year(fy: int) -> Response:
    caller()
    listing = ita_years.get_fiscal_year(ctx(), fy)
    return _json({**_plain(listing.year), "items": listing.items})


@bp.post("/catalogue/ita/<int(min=1, max=9999):fy>/clone")
def clone_catalogue_year(fy: int) -> Response:
    target = _whole(_body(), "to")
    if target is None:
        raise ValidationError("to is required", [FieldProblem("to", "กรุณาระบุปีงบประมาณปลายทาง (พ.ศ.)")])
    return _json(ita_years.clone_fiscal_year(ctx(), caller().actor, fy, target), 201)


# -- the memo (บันทึกข้อความ) of a request as PDF (services/records/memo.py) ---------------------------------


@bp.get("/instances/<int(max=2147483647):instance_id>/memo.pdf")
def instance_memo(instance_id: int) -> WerkzeugResponse:
    """The issued, signed PDF once the director decided; before that a draft, where ?digits=thai|arabic
    overrides the office's choice of digits."""
    digits = request.args.get("digits") or None
    document = issued_memo.memo_download(
        ctx(), instance_id, caller().actor, digits, base_url=request.host_url
    )
    return send_document(document.content, document.filename)


# -- the six-monthly report of a request (services/records/semiannual_report.py) -----------------------------


@bp.get("/instances/<int(max=2147483647):instance_id>/report.<any(pdf, csv, xlsx):kind>")
def instance_report(instance_id: int, kind: str) -> WerkzeugResponse:
    """A `semiannual_report` request's report as it stands, as PDF, CSV or XLSX."""
    made = semiannual_report.report_file(ctx(), instance_id, caller().actor, kind)
    return send_document(made.content, made.filename, made.content_type)


# -- the public verification of an issued memo (services/records/verification.py), no auth -------------------


@bp.get("/public/verify/<code>")
def verify_document(code: str) -> Response:
    page = verification.get_verification(ctx(), code[:16], base_url=request.host_url)
    return _json({**_plain(page), "printed_number": page.printed_number, "url": f"/v/{page.code}"})


@bp.post("/public/verify/<code>")
def verify_copy(code: str) -> Response:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("send the PDF as multipart field 'file'", [FieldProblem("file", "required")])
    result = verification.check_copy(ctx(), code[:16], upload.stream)
    return _json({**_plain(result), "original": result.original})
