"""JSON API v1 (docs/api.md): parse input, call one service, return JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from flask_login import current_user

from ..errors import FieldProblem, UnsupportedMediaTypeError, ValidationError
from ..services import accounts, definitions, files, instances, publishing, tasks
from .auth import caller, check_api_csrf, ctx

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


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _json(value: Any, status: int = 200) -> Response:
    response = jsonify(_plain(value))
    response.status_code = status
    return response


def _body() -> dict[str, Any]:
    """The JSON object sent, or {} for an empty body. Raises ValidationError, UnsupportedMediaTypeError."""
    if request.form or request.files:
        raise UnsupportedMediaTypeError("send the body as JSON (Content-Type: application/json)")
    if not request.data:
        return {}
    try:
        body = json.loads(request.data)
    except ValueError as exc:
        raise ValidationError("the body is not valid JSON", [FieldProblem("", str(exc))]) from exc
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object", [FieldProblem("", "expected an object")])
    return body


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


def _user(user: Any) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "group": user.group.code if user.group else None,
        "roles": sorted(user.role_codes),
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
    for key, storage in request.files.items(multi=True):
        if key != "file" and storage.filename and storage.filename.endswith(".json"):
            try:
                extra_forms[storage.filename.rsplit("/", 1)[-1][:-5]] = json.load(storage.stream)
            except ValueError as exc:
                raise ValidationError(
                    "a form file is not JSON", [FieldProblem(storage.filename, str(exc))]
                ) from exc
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
    reason = _body().get("reason") or ""
    return _json(instances.retry_instance(ctx(), instance_id, caller().actor, str(reason)))


@bp.get("/tasks")
def list_tasks() -> Response:
    return _json(
        tasks.list_tasks(
            ctx(), caller().actor, limit=_int_arg("limit", 50, low=1, high=200), offset=_int_arg("offset", 0)
        )
    )


@bp.get("/tasks/<int(max=2147483647):task_id>")
def get_task(task_id: int) -> Response:
    return _json(tasks.get_task(ctx(), task_id, caller().actor))


@bp.post("/tasks/<int(max=2147483647):task_id>/claim")
def claim_task(task_id: int) -> Response:
    return _json(tasks.claim_task(ctx(), task_id, caller().actor))


@bp.post("/tasks/<int(max=2147483647):task_id>/release")
def release_task(task_id: int) -> Response:
    return _json(tasks.release_task(ctx(), task_id, caller().actor))


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
    info = files.upload_file(ctx(), upload.stream, upload.filename, actor_id=user.id)
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
