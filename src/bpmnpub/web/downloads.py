"""Sending a stored file to a browser: one place for the inline rule and the safety headers."""

from __future__ import annotations

import io
from pathlib import Path

from flask import send_file
from werkzeug.wrappers import Response

from ..services.files import FileInfo

INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp")


def send_stored_file(found: tuple[FileInfo, Path], *, max_age: int | None = None) -> Response:
    """A file `file_access.open_file` found. PDF and images open in the browser, anything else
    downloads; the browser may not guess the type (nosniff) and a shown file runs no script (sandbox;
    Chromium still shows PDFs in it)."""
    info, path = found
    response = send_file(
        path,
        mimetype=info.content_type,
        as_attachment=info.content_type not in INLINE_TYPES,
        download_name=info.filename,
        max_age=max_age,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


def send_document(content: bytes, filename: str, mimetype: str = "application/pdf") -> Response:
    """A document bpmnpub made (the memo PDF): shown in the browser under a file name to save it by,
    with the same safety headers as a stored file."""
    response = send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=False, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"  # the names and decisions of a request
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response
