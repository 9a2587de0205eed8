"""HTTP-level fixtures: the Flask app on the `ctx` database (SQLite and PostgreSQL), a test client, and
`api`, which signs demo users in through `POST /api/v1/session` and sends their bearer token.

    def test_something(api):
        owner = api.as_user("owner1")
        response = owner.get("/tasks")          # relative paths mean /api/v1/...
        assert response.status_code == 200

Tests go in through HTTP only: no service calls, no database reads.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from bpmnpub import create_app
from bpmnpub.services.kernel.context import ServiceContext

API = "/api/v1"
PASSWORD = "demo1234"  # every demo user (README.md)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TITLE = "ประกาศผลการคัดเลือกครูผู้ช่วย"
STAFF_PROCESSES = {"general_publication", "memo_publication", "photo_publication", "regulatory_publication"}


def url(path: str) -> str:
    return path if path.startswith(("/api/", "/public", "/healthz")) or path == "/" else f"{API}{path}"


def multipart(fields: dict[str, tuple[bytes, str]], form: dict[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for a multipart/form-data POST of files {field: (content, filename)} and the
    other fields of the form.

    Encoded in memory: the test client spools bodies over 500 KB to a temporary file it never closes
    (a ResourceWarning, an error under this project's filterwarnings)."""
    files = {name: FileStorage(io.BytesIO(content), filename) for name, (content, filename) in fields.items()}
    boundary, body = encode_multipart({**(form or {}), **files})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


class ApiClient:
    """A client that sends `Authorization: Bearer <token>` (and no cookies) on every request."""

    def __init__(self, client: FlaskClient, token: str, user: dict[str, Any]) -> None:
        self.client = client
        self.token = token
        self.user = user

    @property
    def username(self) -> str:
        return str(self.user["username"])

    def open(self, method: str, path: str, **kwargs: Any) -> TestResponse:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return self.client.open(url(path), method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.open("DELETE", path, **kwargs)

    # --- what clients do all the time -------------------------------------------------------------

    def upload(self, content: bytes = PDF, filename: str = "ประกาศ.pdf", field: str = "file") -> TestResponse:
        return self.post("/files", **multipart({field: (content, filename)}))

    def upload_id(self, content: bytes = PDF, filename: str = "ประกาศ.pdf") -> str:
        response = self.upload(content, filename)
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["id"])

    def start(
        self, process_id: str = "general_publication", data: dict[str, Any] | None = None
    ) -> TestResponse:
        return self.post(f"/processes/{process_id}/instances", json={} if data is None else {"data": data})

    def complete(self, task_id: int, data: Any) -> TestResponse:
        return self.post(f"/tasks/{task_id}/complete", json={"data": data})

    def tasks(self) -> list[dict[str, Any]]:
        response = self.get("/tasks?limit=200")
        assert response.status_code == 200, response.get_json()
        return list(response.get_json())

    def task_in(self, instance_id: int) -> dict[str, Any]:
        """The one open task of a request that this user finds in their inbox."""
        mine = [t for t in self.tasks() if t["instance_id"] == instance_id]
        assert len(mine) == 1, f"{self.username} has {len(mine)} tasks in request {instance_id}: {mine}"
        return mine[0]

    def instance(self, instance_id: int) -> dict[str, Any]:
        response = self.get(f"/instances/{instance_id}")
        assert response.status_code == 200, response.get_json()
        return dict(response.get_json())


class Api:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._users: dict[str, ApiClient] = {}

    def login(self, username: str, password: str = PASSWORD) -> TestResponse:
        with self.app.test_client(use_cookies=False) as client:
            return client.post(f"{API}/session", json={"username": username, "password": password})

    def forget_tokens(self) -> None:
        """After the test clock jumped past BPMNPUB_TOKEN_DAYS, tokens made before have expired."""
        self._users.clear()

    def as_user(self, username: str) -> ApiClient:
        if username not in self._users:
            response = self.login(username)
            assert response.status_code == 201, response.get_json()
            body = response.get_json()
            self._users[username] = ApiClient(
                self.app.test_client(use_cookies=False), body["token"], body["user"]
            )
        return self._users[username]


@pytest.fixture
def app(ctx: ServiceContext) -> Flask:
    application = create_app(context=ctx)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def api(app: Flask) -> Api:
    return Api(app)


def request_data(file_id: str, **overrides: Any) -> dict[str, Any]:
    """A valid general_request_form submission (processes/forms/general_request_form.json)."""
    data = {
        "title": TITLE,
        "category": "1.3",
        "description": "รายละเอียดประกาศ",
        "purpose": "เพื่อเผยแพร่ต่อสาธารณะ",
        "channels": ["website"],
        "attachments": [file_id],
    }
    data.update(overrides)
    return data


def error_of(response: TestResponse) -> dict[str, Any]:
    """The `error` object of a JSON error response, checking the contract's shape on the way."""
    assert response.is_json, (response.status_code, response.data[:300])
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "details"} <= set(body["error"]), body
    assert isinstance(body["error"]["code"], str)
    assert body["error"]["message"]
    return dict(body["error"])


@pytest.fixture
def filed(api: Api) -> int:
    """A general_publication request that owner1 has filed: it waits for gdir_plan. Returns its id."""
    owner = api.as_user("owner1")
    started = owner.start()
    assert started.status_code == 201, started.get_json()
    instance_id = int(started.get_json()["id"])
    done = owner.complete(owner.task_in(instance_id)["id"], request_data(owner.upload_id()))
    assert done.status_code == 200, done.get_json()
    return instance_id


@pytest.fixture
def at_publisher(api: Api, filed: int) -> int:
    """The filed request after both directors approved: it waits for a publisher. Returns its id."""
    for reviewer in ("gdir_plan", "director1"):
        who = api.as_user(reviewer)
        response = who.complete(who.task_in(filed)["id"], {"decision": "approve"})
        assert response.status_code == 200, response.get_json()
    return filed
