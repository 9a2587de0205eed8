"""Probe: "No security headers on HTML pages: a page on another port of the same host framed
/admin/users signed in." Every page now says what may run and who may frame it."""

from __future__ import annotations

from flask import Flask

from bpmnpub.web.headers import CSP

from ..web.pages import signed_in

PAGES = (
    "/public/",
    "/inbox",
    "/admin/users",
    "/admin/instances",
    "/processes/general_publication/edit",
)


def test_every_page_carries_the_headers(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    for path in PAGES:
        response = admin.get(path)
        assert response.status_code == 200, path
        headers = response.headers
        assert headers["Content-Security-Policy"] == CSP, path
        assert "frame-ancestors 'self'" in CSP and "script-src 'self'" in CSP
        assert "unsafe-inline" not in CSP.split("script-src")[1].split(";")[0]
        assert headers["X-Frame-Options"] == "SAMEORIGIN"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in headers["Permissions-Policy"]


def test_errors_and_the_api_carry_them_too(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/auth/login").headers["Content-Security-Policy"] == CSP
    assert client.get("/no/such/page").headers["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get("/api/v1/tasks").headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_runs_inline_script() -> None:
    """The policy holds only while no template carries executable inline script or handlers."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    for template in root.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template, tag)
        assert not re.search(r"\son[a-z]+=", text), template
