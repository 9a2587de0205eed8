"""The load benchmark's clients: threads, each with its own keep-alive HTTP connection, driving whole
requests over the JSON API (start general_publication, file it, the group director approves, the
director approves, the publisher certifies), bounded in count and in time."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .api_level import open_task
from .database import PDF
from .scenario import APPROVE, CERTIFY, LANE_USERS, PROCESS_ID, request_data
from .timing import now

# The four submissions of a request without revise loops: (lane, form data without the file id).
SUBMISSIONS = ("requester", "group_director", "director", "publisher")
TIMEOUT = 60.0  # seconds for one HTTP answer: a slower one counts as an error


class HttpError(Exception):
    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


class Connection:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)

    def call(self, method: str, path: str, token: str, body: bytes, content_type: str) -> Any:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                raw = response.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # An idle keep-alive connection closed by the server: a new one, once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
                if attempt == 2:
                    raise
        if response.status not in (200, 201):
            raise HttpError(response.status, raw.decode("utf-8", "replace"))
        return json.loads(raw)

    def post(self, path: str, token: str, body: dict[str, Any]) -> Any:
        return self.call("POST", path, token, json.dumps(body).encode(), "application/json")

    def upload(self, token: str, filename: str, content: bytes) -> Any:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                f"Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.call("POST", "/api/v1/files", token, body, f"multipart/form-data; boundary={boundary}")

    def close(self) -> None:
        self.conn.close()


def upload_attachment(port: int, tokens: dict[str, str]) -> str:
    """The requester's PDF that every request attaches (its id in the form data)."""
    conn = Connection(port)
    try:
        return str(conn.upload(tokens[LANE_USERS["requester"]], "announcement.pdf", PDF)["id"])
    finally:
        conn.close()


@dataclass
class Tally:
    """What all clients of one run did, merged."""

    latencies: list[float] = field(default_factory=list)  # seconds per successful submission
    starts: list[float] = field(default_factory=list)  # seconds per successful start
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    requests_done: int = 0  # requests driven to their end
    made: dict[int, int] = field(default_factory=dict)  # instance id -> submissions answered 200
    seconds: float = 0.0  # wall time of the run

    @property
    def submissions(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.submissions / self.seconds if self.seconds else 0.0

    def merge(self, other: Tally) -> None:
        self.latencies += other.latencies
        self.starts += other.starts
        self.errors += other.errors
        self.error_samples += other.error_samples[: max(0, 5 - len(self.error_samples))]
        self.requests_done += other.requests_done
        self.made.update(other.made)


class _Budget:
    """Requests left to start, shared by the clients of a run."""

    def __init__(self, count: int, deadline: float) -> None:
        self.left, self.deadline = count, deadline
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0 or now() >= self.deadline:
                return False
            self.left -= 1
            return True


def _steps(file_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    data = {"requester": request_data(file_id), "group_director": APPROVE, "director": APPROVE}
    for lane in SUBMISSIONS:
        yield LANE_USERS[lane], data.get(lane, CERTIFY)


def _client(port: int, tokens: dict[str, str], file_id: str, budget: _Budget, tally: Tally) -> None:
    conn = Connection(port)
    try:
        while budget.take():
            instance_id: int | None = None
            try:
                started = now()
                instance = conn.post(
                    f"/api/v1/processes/{PROCESS_ID}/instances", tokens[LANE_USERS["requester"]], {}
                )
                tally.starts.append(now() - started)
                instance_id = int(instance["id"])
                tally.made[instance_id] = 0
                for username, data in _steps(file_id):
                    if now() >= budget.deadline:
                        break
                    task_id = open_task(instance)
                    assert task_id is not None, f"request {instance_id}: no open task"
                    started = now()
                    instance = conn.post(
                        f"/api/v1/tasks/{task_id}/complete", tokens[username], {"data": data}
                    )
                    tally.latencies.append(now() - started)
                    tally.made[instance_id] += 1
                    instance = instance["instance"]
                else:
                    tally.requests_done += 1
            except Exception as exc:  # counted and shown; the client goes on with a new request
                tally.errors += 1
                if len(tally.error_samples) < 5:
                    tally.error_samples.append(f"request {instance_id}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = Connection(port)
    finally:
        conn.close()


def drive(
    port: int, tokens: dict[str, str], file_id: str, clients: int, requests: int, seconds: float
) -> Tally:
    """`clients` threads drive at most `requests` requests in at most `seconds` (a request cut by the
    deadline stops between two submissions and stays resumable)."""
    started = now()
    budget = _Budget(requests, started + seconds)
    tallies = [Tally() for _ in range(clients)]
    threads = [
        threading.Thread(target=_client, args=(port, tokens, file_id, budget, t), daemon=True)
        for t in tallies
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Tally(seconds=now() - started)
    for tally in tallies:
        total.merge(tally)
    return total
