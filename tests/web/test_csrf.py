"""A browser session (cookie) may read freely, but every write must carry the session's CSRF token.

There is no login page yet: the Flask-Login session is set by hand, as the login page will set it.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from bpmnpub.services.office import sessions

from .conftest import API, Api, error_of

START = f"{API}/processes/general_publication/instances"
CSRF = "csrf-token-of-this-session"


@pytest.fixture
def browser(api: Api, client: FlaskClient) -> FlaskClient:
    """`client` with owner1 signed in through the session cookie, and a CSRF token in the session."""
    user_id = api.login("owner1").get_json()["user"]["id"]
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True
        sess["sid"] = sessions.start_session(client.application.extensions["bpmnpub"], user_id, "", "")
        sess["csrf_token"] = CSRF
    return client


def test_the_cookie_session_signs_the_user_in(browser: FlaskClient) -> None:
    response = browser.get(f"{API}/processes")
    assert response.status_code == 200
    assert "general_publication" in {p["id"] for p in response.get_json()}


def test_a_cookie_write_without_the_csrf_header_is_refused(browser: FlaskClient) -> None:
    response = browser.post(START, json={})
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    assert browser.get(f"{API}/tasks").get_json() == []  # nothing was started


def test_a_cookie_write_with_a_wrong_csrf_token_is_refused(browser: FlaskClient) -> None:
    response = browser.post(START, json={}, headers={"X-CSRF-Token": "guessed"})
    assert response.status_code == 403
    assert browser.get(f"{API}/tasks").get_json() == []


def test_a_cookie_write_with_the_right_csrf_token_passes(browser: FlaskClient) -> None:
    response = browser.post(START, json={}, headers={"X-CSRF-Token": CSRF})
    assert response.status_code == 201
    assert response.get_json()["started_by"] == "owner1"


def test_a_session_without_a_csrf_token_cannot_write_even_with_an_empty_header(
    api: Api, client: FlaskClient
) -> None:
    user_id = api.login("owner1").get_json()["user"]["id"]
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True
        sess["sid"] = sessions.start_session(client.application.extensions["bpmnpub"], user_id, "", "")
    response = client.post(START, json={}, headers={"X-CSRF-Token": ""})
    assert response.status_code == 403


def test_a_bearer_token_needs_no_csrf_token(api: Api) -> None:
    assert api.as_user("owner1").post(START, json={}).status_code == 201
