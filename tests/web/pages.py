"""Helpers for tests that drive the HTML pages as a signed-in person (CSRF tokens included)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf(html: str) -> str:
    """The CSRF token a page carries."""
    match = _TOKEN.search(html)
    assert match, "the page carries a CSRF token"
    return match.group(1)


def signed_in(app: Flask, username: str, password: str = "demo1234") -> FlaskClient:
    """A browser-like client signed in through the sign-in page."""
    client = app.test_client()
    token = csrf(client.get("/auth/login").get_data(as_text=True))
    response = client.post(
        "/auth/login", data={"csrf_token": token, "username": username, "password": password}
    )
    assert response.status_code == 302, (username, response.get_data(as_text=True)[:300])
    return client
