"""Template helpers: Buddhist-era dates everywhere through one filter."""

from __future__ import annotations

from flask import Flask

from .. import thaidate
from .auth import csrf_token


def init(app: Flask) -> None:
    app.jinja_env.filters["thai_date"] = thaidate.format_date
    app.jinja_env.filters["thai_digits"] = thaidate.thai_digits
    app.jinja_env.globals["csrf_token"] = csrf_token
