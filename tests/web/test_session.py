"""POST /api/v1/session, bearer tokens, and what every endpoint says to a caller who is not signed in."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from .conftest import API, Api, error_of


def test_right_password_returns_a_token_and_the_user(api: Api) -> None:
    response = api.login("pr1", "demo1234")
    assert response.status_code == 201
    body = response.get_json()
    assert isinstance(body["token"], str)
    assert len(body["token"]) >= 32
    user = body["user"]
    assert user["username"] == "pr1"
    assert user["roles"] == ["pr_officer", "publisher"]
    assert user["group"] == "admin"  # กลุ่มอำนวยการ


def test_a_user_without_a_group_has_group_null(api: Api) -> None:
    user = api.login("director1").get_json()["user"]
    assert (user["roles"], user["group"]) == (["director"], None)


def test_wrong_password_and_unknown_user_get_the_same_401(api: Api) -> None:
    wrong_password = api.login("owner1", "demo12345")
    unknown_user = api.login("nobody", "demo1234")
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert error_of(wrong_password) == error_of(unknown_user)  # nothing tells which part was wrong
    assert "token" not in wrong_password.get_json()


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, ["username", "password"]),
        ({"username": "owner1"}, ["password"]),
        ({"password": "demo1234"}, ["username"]),
        ({"username": 7, "password": "demo1234"}, ["username"]),
    ],
)
def test_missing_fields_are_422_with_details(
    client: FlaskClient, body: dict[str, object], missing: list[str]
) -> None:
    response = client.post(f"{API}/session", json=body)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert [d["field"] for d in error["details"]] == missing
    assert all(d["message"] for d in error["details"])


def test_the_token_then_works(api: Api, client: FlaskClient) -> None:
    token = api.login("owner1").get_json()["token"]
    response = client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json() == []


def test_every_sign_in_gives_its_own_working_token(api: Api, client: FlaskClient) -> None:
    first, second = (api.login("owner1").get_json()["token"] for _ in range(2))
    assert first != second
    for token in (first, second):
        assert client.get(f"{API}/processes", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_a_bearer_request_does_not_sign_the_browser_in(api: Api, client: FlaskClient) -> None:
    token = api.login("owner1").get_json()["token"]
    assert client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get(f"{API}/tasks").status_code == 401  # the same cookie jar, no header: not signed in


@pytest.mark.parametrize(
    "header", ["Bearer bp_not-a-real-token", "Bearer ", "bearer x", "Basic b3duZXIxOmRlbW8xMjM0"]
)
def test_a_bogus_token_is_401_with_www_authenticate(client: FlaskClient, header: str) -> None:
    response = client.get(f"{API}/tasks", headers={"Authorization": header})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


PROTECTED = [
    ("GET", "/processes"),
    ("POST", "/processes"),
    ("POST", "/processes/general_publication/instances"),
    ("GET", "/instances/1"),
    ("POST", "/instances/1/retry"),
    ("GET", "/tasks"),
    ("GET", "/tasks/1"),
    ("POST", "/tasks/1/claim"),
    ("POST", "/tasks/1/release"),
    ("POST", "/tasks/1/complete"),
    ("POST", "/files"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
def test_every_endpoint_without_auth_is_401_json(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(f"{API}{path}", method=method, json={} if method == "POST" else None)
    assert response.status_code == 401
    error = error_of(response)
    assert error["code"] == "unauthenticated"
    assert error["details"] is None
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_public_items_need_no_auth(client: FlaskClient) -> None:
    response = client.get(f"{API}/public/items")
    assert response.status_code == 200
    assert response.get_json() == []
