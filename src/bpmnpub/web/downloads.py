"""Sending a stored file to a browser: one place for the inline rule and the safety headers."""

from __future__ import annotations

import io

from flask import request, send_file
from werkzeug.wrappers import Response

from ..services.files.storage import Blob, FileInfo

INLINE_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp")


def send_stored_file(found: tuple[FileInfo, Blob], *, max_age: int | None = None) -> Response:
    """A file `file_access.open_file` found. PDF and images open in the browser, anything else
    downloads; the browser may not guess the type (nosniff) and a shown file runs no script (sandbox;
    Chromium still shows PDFs in it). Its ETag is its sha256, the same whichever app server answers; a
    file kept in the database is streamed a chunk at a time."""
    info, blob = found
    if request.if_none_match.contains(info.sha256):  # the browser has these bytes: nothing is read
        unchanged = Response(status=304)
        unchanged.set_etag(info.sha256)
        if max_age:
            unchanged.cache_control.public, unchanged.cache_control.max_age = True, max_age
        else:
            unchanged.cache_control.no_cache = True
        return unchanged
    path = blob.path
    # a file missing from the disk raises BlobMissingError here (404), not deep in the server
    source = path if path is not None and path.is_file() else blob.open()
    response = send_file(
        source,
        mimetype=info.content_type,
        as_attachment=info.content_type not in INLINE_TYPES,
        download_name=info.filename,
        max_age=max_age,
        etag=info.sha256,
    )
    if path is None:
        response.headers.pop("Accept-Ranges", None)  # a stream: the whole file or nothing
        if response.status_code == 200:
            response.content_length = blob.size
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
