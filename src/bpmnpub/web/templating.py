"""Template helpers: Buddhist-era dates everywhere through one filter."""

from __future__ import annotations

from flask import Flask

from .. import thaidate
from .auth import csrf_token


def file_size(size: int) -> str:
    """1 ไบต์ / 12.3 KB / 4.5 MB."""
    if size < 1024:
        return f"{size} ไบต์"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def init(app: Flask) -> None:
    app.jinja_env.filters["thai_date"] = thaidate.format_date
    app.jinja_env.filters["thai_digits"] = thaidate.thai_digits
    app.jinja_env.filters["file_size"] = file_size
    app.jinja_env.globals["csrf_token"] = csrf_token
