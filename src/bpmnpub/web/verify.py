"""The public verification page of an issued memo: /v/<code>, printed under the memo's QR code. No
sign-in: anyone holding a copy can see what the office issued under that number and check their copy."""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from ..errors import UploadTooLargeError, ValidationError
from ..services.records import verification
from .auth import ctx

bp = Blueprint("verify", __name__)


def page_of(code: str) -> verification.VerificationPage:
    """Raises NotFoundError (404 page)."""
    return verification.get_verification(ctx(), code[:16], base_url=request.host_url)


@bp.get("/v/<code>")
def show(code: str) -> Response:
    return _render(page_of(code))


@bp.post("/v/<code>")
def check(code: str) -> BaseResponse:
    page = page_of(code)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _render(page, problem="missing", status=422)
    try:
        result = verification.check_copy(ctx(), code[:16], upload.stream)
    except UploadTooLargeError:
        return _render(page, problem="too_large", status=413)
    except ValidationError:
        return _render(page, problem="missing", status=422)
    return _render(page, result=result)


def _render(
    page: verification.VerificationPage,
    *,
    result: verification.CopyCheck | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    body = render_template(
        "verify/show.html",
        page=page,
        result=result,
        problem=problem,
        max_mb=max(verification.max_copy_bytes(ctx()) // (1024 * 1024), 1),
    )
    response = make_response(body, status)
    response.cache_control.no_store = True  # an answer about one person's file
    return response
