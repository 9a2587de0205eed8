"""Signing in and out through the HTML pages: hashed passwords, CSRF, throttling, local `next` only."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .pages import csrf


@pytest.fixture
def browser(app: Flask) -> FlaskClient:
    return app.test_client()


def token(client: FlaskClient, path: str = "/auth/login") -> str:
    return csrf(client.get(path).get_data(as_text=True))


def sign_in(
    client: FlaskClient, username: str, password: str = "demo1234", next_url: str | None = None
) -> TestResponse:
    path = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(path, data={"csrf_token": token(client), "username": username, "password": password})


def test_the_inbox_asks_to_sign_in_first(browser: FlaskClient) -> None:
    response = browser.get("/inbox")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def test_sign_in_lands_in_the_inbox_in_thai(browser: FlaskClient) -> None:
    response = sign_in(browser, "gdir_plan")
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"
    page = browser.get("/inbox").get_data(as_text=True)
    assert 'lang="th"' in page and "กล่องงาน" in page and "นางวันเพ็ญ แสงทอง" in page


def test_a_wrong_password_keeps_the_username_and_says_why(browser: FlaskClient) -> None:
    response = sign_in(browser, "owner1", "nope")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in html
    assert 'value="owner1"' in html
    assert "nope" not in html


def test_a_post_without_csrf_token_is_refused(browser: FlaskClient) -> None:
    response = browser.post("/auth/login", data={"username": "owner1", "password": "demo1234"})
    assert response.status_code == 400
    assert browser.get("/inbox").status_code == 302  # not signed in


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_only_goes_to_this_site(browser: FlaskClient, target: str) -> None:
    response = sign_in(browser, "owner1", next_url=target)
    assert response.headers["Location"] == "/inbox"


def test_next_to_a_local_page_is_honoured(browser: FlaskClient) -> None:
    assert sign_in(browser, "owner1", next_url="/public/items/1").headers["Location"] == "/public/items/1"


def test_repeated_failures_are_throttled_even_with_the_right_password(browser: FlaskClient) -> None:
    """From the same address (tests/security/test_throttling.py: never from another one)."""
    for _ in range(3):
        assert sign_in(browser, "director1", "wrong").status_code == 401
    response = sign_in(browser, "director1")
    assert response.status_code == 429
    assert "กรุณารอ" in response.get_data(as_text=True)


def test_sign_out_needs_a_post_with_token(browser: FlaskClient) -> None:
    sign_in(browser, "owner1")
    assert browser.get("/auth/logout").status_code == 405
    browser.post("/auth/logout", data={"csrf_token": token(browser, "/inbox")})
    assert browser.get("/inbox").status_code == 302


def test_the_session_cookie_is_http_only_and_same_site(browser: FlaskClient) -> None:
    response = sign_in(browser, "owner1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_english_on_request(browser: FlaskClient) -> None:
    sign_in(browser, "owner1")
    browser.get("/lang/en")
    page = browser.get("/inbox").get_data(as_text=True)
    assert 'lang="en"' in page and "Inbox" in page and "Sign out" in page
    browser.get("/lang/th")
    assert "กล่องงาน" in browser.get("/inbox").get_data(as_text=True)
