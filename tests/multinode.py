"""Several real app servers on one database, for the scale-out and fault tests: `bpmnpub serve` processes on
loopback ports, each with a data directory of its own, a browser with cookies (shared by every port of
127.0.0.1, as behind one reverse proxy) and the JSON API with bearer tokens."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bpmnpub.services.operations.demo import DEMO_PASSWORD

from .conftest import IN_CI, PG_URL, _postgres_reachable
from .workerprocs import environment, free_port, spawn, stop, wait_until

SECRET = "scale-out-test-secret"


@contextmanager
def scratch_schema() -> Iterator[str]:
    """A database URL for a schema of its own on the shared PostgreSQL server (127.0.0.1:5432), dropped at
    the end: as the other PostgreSQL tests make theirs."""
    problem = _postgres_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI and is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")  # locally only: under CI it fails above
    schema = f"bpmnpub_nodes_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    try:
        yield f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def node_env(data_dir: Path, url: str, **extra: str) -> dict[str, str]:
    data_dir.mkdir(parents=True, exist_ok=True)
    return environment(data_dir, url, BPMNPUB_SECRET_KEY=SECRET, BPMNPUB_WORKER_INTERVAL="1", **extra)


@dataclass
class Node:
    """One app server: `bpmnpub serve` (gunicorn and its supervised worker) on its own port and folder."""

    name: str
    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    proc: Any = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir / "serve.log"

    def start(self, *serve_args: str) -> None:
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), *serve_args]
        self.proc = spawn(args, self.env, self.log)
        wait_until(self._ready, 90, f"{self.name} to answer /healthz", step=0.25)

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """Cookies for 127.0.0.1 whatever the port: a session signed in on one node goes to every node."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, url: str, data: dict[str, str] | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(url, data=body, timeout=30) as response:
                return Reply(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            with error:
                return Reply(error.code, dict(error.headers), error.read())

    def sign_in(self, node: Node, username: str) -> None:
        token = _csrf(self.request(f"{node.base}/auth/login").text)
        done = self.request(
            f"{node.base}/auth/login", {"csrf_token": token, "username": username, "password": DEMO_PASSWORD}
        )
        assert done.status == 302 and "/auth/login" not in done.headers.get("Location", ""), done.text[:500]

    def sign_out(self, node: Node) -> None:
        token = _csrf(self.request(f"{node.base}/inbox").text)
        assert self.request(f"{node.base}/auth/logout", {"csrf_token": token}).status == 302


def _csrf(page: str) -> str:
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', page)
    value = re.search(r'value="([^"]+)"', tag.group(0)) if tag else None
    assert value is not None, page[:500]
    return value.group(1)


def api(node: Node, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    """One JSON API call; the answer's JSON (an HTTP error raises AssertionError with the body)."""
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    assert response.status in (200, 201), f"{method} {path} on {node.name}: {response.status} {raw[:300]!r}"
    return json.loads(raw)


def api_token(node: Node, username: str) -> str:
    answer = api(node, "POST", "/api/v1/session", body={"username": username, "password": DEMO_PASSWORD})
    return str(answer["token"])


def upload(node: Node, token: str, filename: str, content: bytes, content_type: str) -> dict[str, Any]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
    try:
        conn.request(
            "POST",
            "/api/v1/files",
            body=body,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    assert response.status == 201, raw[:300]
    answer: dict[str, Any] = json.loads(raw)
    return answer
