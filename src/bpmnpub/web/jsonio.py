"""JSON in and out, for the API and the modeler's own calls: the body as an object, the services'
frozen dataclasses (and their dates) as JSON."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any

from flask import Response, jsonify, request

from .. import jsontext
from ..errors import FieldProblem, UnsupportedMediaTypeError, UploadTooLargeError, ValidationError

# A modeler draft (a diagram of up to 2 MiB, modeler.MAX_DIAGRAM_BYTES, and its forms) is the largest body.
MAX_JSON_BYTES = 4 * 1024 * 1024


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
    """The JSON object sent, or {} for an empty body: the one reader of every JSON endpoint, within
    jsontext's bounds (depth, numbers) and MAX_JSON_BYTES. Raises ValidationError, MalformedInputError,
    UploadTooLargeError, UnsupportedMediaTypeError."""
    too_large = UploadTooLargeError(
        f"a JSON body may hold at most {MAX_JSON_BYTES} bytes", {"limit": MAX_JSON_BYTES}
    )
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise too_large
    if request.form or request.files:
        raise UnsupportedMediaTypeError("send the body as JSON (Content-Type: application/json)")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:  # a chunked body has no Content-Length
        raise too_large
    if not raw:
        return {}
    body = jsontext.loads(raw)
    if not isinstance(body, dict):
        raise ValidationError("the body must be a JSON object", [FieldProblem("", "expected an object")])
    return body
