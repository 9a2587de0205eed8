"""JSON in and out, for the API and the modeler's own calls: the body as an object, the services'
frozen dataclasses (and their dates) as JSON."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

from flask import Response, jsonify, request

from ..errors import FieldProblem, UnsupportedMediaTypeError, ValidationError


def plain(value: Any) -> Any:
    """Dataclasses, dates, dicts, lists and tuples as what JSON holds."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def json_response(value: Any, status: int = 200) -> Response:
    response = jsonify(plain(value))
    response.status_code = status
    return response


def json_body() -> dict[str, Any]:
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
