"""The one place domain errors become HTTP responses: JSON under /api/, a page elsewhere."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ..db import is_transient
from ..errors import (
    AuthenticationError,
    BpmnpubError,
    ConflictError,
    DiagramError,
    MalformedInputError,
    NotFoundError,
    PermissionDeniedError,
    QuotaExceededError,
    TooManyAttemptsError,
    UnsupportedMediaTypeError,
    UploadTooLargeError,
    ValidationError,
)
from ..jsontext import NUL
from . import diagram_text

log = logging.getLogger(__name__)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

STATUS: dict[type[BpmnpubError], int] = {
    MalformedInputError: 400,
    AuthenticationError: 401,
    TooManyAttemptsError: 429,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    UploadTooLargeError: 413,
    UnsupportedMediaTypeError: 415,
    ValidationError: 422,
    DiagramError: 422,
}
HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
}


def status_of(error: BpmnpubError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def _details(error: BpmnpubError) -> Any:
    if isinstance(error, DiagramError):
        return diagram_text.as_dicts(error.problems)
    if isinstance(error, ValidationError):
        return [{"field": p.field, "message": p.message} for p in error.problems]
    return error.details


def quota_message(error: QuotaExceededError) -> str:
    """What a person reads when their uploads are full: how much, and what to do."""
    return str(
        _(
            "พื้นที่เก็บไฟล์ของคุณเต็มแล้ว (ใช้ไป %(used)s จาก %(quota)s) จึงรับไฟล์นี้ไม่ได้ กรุณาติดต่อผู้ดูแลระบบ",
            used=_megabytes(error.used),
            quota=_megabytes(error.quota),
        )
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f} MB"


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, details: Any = None) -> Response:
    if _wants_json():
        response = jsonify({"error": {"code": code, "message": message, "details": details}})
    else:
        response = Response(
            render_template("errors/error.html", status=status, message=message), mimetype="text/html"
        )
    response.status_code = status
    if status == 401 and request.path.startswith("/api/"):
        response.headers["WWW-Authenticate"] = 'Bearer realm="bpmnpub"'
    return response


# Pages that answer a body over the size limit themselves (the task page: its form again, stating the
# limit, not a bare 413), by endpoint; their blueprints register them (`answer_too_large`).
_TOO_LARGE_PAGES: dict[str, Callable[[], BaseResponse | tuple[str, int]]] = {}


def answer_too_large(endpoints: tuple[str, ...], page: Callable[[], BaseResponse | tuple[str, int]]) -> None:
    for endpoint in endpoints:
        _TOO_LARGE_PAGES[endpoint] = page


_QUERY_NUL = re.compile(r"%00|\x00", re.IGNORECASE)


def _nul_free_query(wsgi_app: Any) -> Any:
    """A NUL in a query string reads as a space: it separates search terms, as the portal's search
    always took it, and no filter of any list passes it on to the database."""

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        query = environ.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query:
            environ["QUERY_STRING"] = _QUERY_NUL.sub("%20", query)
        return wsgi_app(environ, start_response)

    return app


def register(app: Flask) -> None:
    app.wsgi_app = _nul_free_query(app.wsgi_app)  # type: ignore[method-assign]

    @app.before_request
    def _refuse_nul() -> None:
        """A NUL character in the address or a form field can be stored nowhere (PostgreSQL refuses it
        in text): one 400 here instead of an error deep in a query."""
        fields = [request.path]
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in FORM_TYPES:
            fields += [*request.form.keys(), *request.form.values()]
            fields += [storage.filename or "" for storage in request.files.values()]
        if any(isinstance(text, str) and NUL in text for text in fields):  # a nameless part is None
            raise MalformedInputError("text may not contain the NUL character", {"value": "%00"})

    @app.errorhandler(BpmnpubError)
    def _domain(error: BpmnpubError) -> Response:
        message = quota_message(error) if isinstance(error, QuotaExceededError) else error.message
        response = error_response(status_of(error), error.code, message, _details(error))
        if isinstance(error, TooManyAttemptsError):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> BaseResponse | tuple[str, int]:
        status = error.code or 500
        page = _TOO_LARGE_PAGES.get(request.endpoint or "") if status == 413 and not _wants_json() else None
        if page is not None:
            return page()
        return error_response(status, HTTP_CODES.get(status, "error"), error.description or error.name)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if is_transient(error):  # the database restarting, locked or out of connections: try again soon
            log.warning("database unavailable on %s %s: %s", request.method, request.path, error)
            return unavailable()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", "something went wrong on the server; it has been logged")


RETRY_AFTER_SECONDS = 3


def _retry_target() -> str:
    """Where "try again" leads: the same address for a page, the page the form was on for a form sent."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    came_from = urlsplit(request.referrer or "")
    if came_from.netloc == request.host and came_from.path.startswith("/"):
        return came_from.path + (f"?{came_from.query}" if came_from.query else "")
    return "/"


def unavailable() -> Response:
    """503 with Retry-After: nothing was saved, the same request may be sent again. The page needs no
    database (not even to know who is signed in)."""
    if _wants_json():
        response = jsonify(
            {
                "error": {
                    "code": "database_unavailable",
                    "message": "the database is not reachable for a moment; send the same request again "
                    "(a step already done answers 409)",
                    "details": {"retry_after": RETRY_AFTER_SECONDS},
                }
            }
        )
    else:
        response = Response(
            render_template("errors/unavailable.html", retry=_retry_target()), mimetype="text/html"
        )
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response
