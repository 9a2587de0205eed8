"""The JSON API: POST /api/v1/tasks/{id}/complete through Flask's test client with a bearer token
(token lookup, JSON in, service call, JSON out). No network, no WSGI server."""

from __future__ import annotations

from typing import Any

from bpmnpub import create_app
from bpmnpub.services.office import accounts

from .database import BenchDatabase
from .scenario import LANE_USERS, PROCESS_ID, steps
from .timing import Run, Stopwatch


class ApiClient:
    """A test client with one bearer token per demo user."""

    def __init__(self, db: BenchDatabase) -> None:
        self.db = db
        self.app = create_app(context=db.ctx)
        self.client = self.app.test_client()
        self.tokens: dict[str, str] = {}

    def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            self.tokens[username] = accounts.create_token(self.db.ctx, username, label="bench")
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def post(self, path: str, username: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body, headers=self.headers(username))
        assert response.status_code in (200, 201), (
            path,
            response.status_code,
            response.get_data(as_text=True),
        )
        result: dict[str, Any] = response.get_json()
        return result

    def get(self, path: str, username: str) -> Any:
        response = self.client.get(path, headers=self.headers(username))
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True))
        return response.get_json()


def open_task(instance: dict[str, Any]) -> int | None:
    ids = [t["id"] for t in instance["tasks"] if t["status"] in ("ready", "claimed")]
    assert len(ids) <= 1, ids
    return ids[0] if ids else None


class ApiRunner:
    name = "api"

    def __init__(self, db: BenchDatabase) -> None:
        self.api = ApiClient(db)
        self.db = db
        for username in LANE_USERS.values():
            self.api.headers(username)

    def run(self, loops: int) -> Run:
        instance = self.api.post(f"/api/v1/processes/{PROCESS_ID}/instances", LANE_USERS["requester"], {})
        watch = Stopwatch()
        plan = steps(loops, self.db.file_id)
        for step in plan:
            task_id = open_task(instance)
            assert task_id is not None
            username = LANE_USERS[step.lane]
            with watch:
                instance = self.api.post(f"/api/v1/tasks/{task_id}/complete", username, {"data": step.data})[
                    "instance"
                ]
        assert (instance["status"], instance["outcome"]) == ("completed", "published"), instance["status"]
        return Run(watch.seconds, len(plan))
