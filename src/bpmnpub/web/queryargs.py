"""Query-string arguments every list page reads the same way."""

from __future__ import annotations

from flask import request

MAX_PAGE = 100_000


def page_number() -> int:
    """?page=N; 1 when absent, not a whole number or out of range (a wrong page is not worth an error)."""
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() else 1
    return page if 1 <= page <= MAX_PAGE else 1
