"""The real server for the load benchmark: `bpmnpub init --demo`, `bpmnpub token create` and
`bpmnpub serve` (gunicorn plus its timer worker) as subprocesses on a loopback port, over a temp data
dir, on SQLite or on a private schema of the shared PostgreSQL server (made and dropped here)."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bpmnpub.services.operations.demo import DEMO_PASSWORD

from .scenario import LANE_USERS, PROCESSES

PG_URL = os.environ.get("BPMNPUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 60.0


@dataclass
class Server:
    """A running `bpmnpub serve`: where it listens, its database, a bearer token per lane user."""

    database: str  # "SQLite" or "PostgreSQL"
    url: str
    folder: Path
    port: int
    tokens: dict[str, str] = field(default_factory=dict)  # username -> bearer token
    proc: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)

    def probe(self, count: int = 50) -> tuple[float, float] | None:
        """PostgreSQL's floor, seconds: a `SELECT 1` round trip and a one-row INSERT + durable COMMIT
        (the disk's flush of the WAL, once per submission). None on SQLite."""
        if self.database == "SQLite":
            return None
        import psycopg

        with psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute("CREATE TABLE bench_probe (x integer)")
            conn.commit()
            started = time.perf_counter()
            for _ in range(count):
                conn.execute("SELECT 1").fetchall()
            trip = (time.perf_counter() - started) / count
            started = time.perf_counter()
            for _ in range(count):
                conn.execute("INSERT INTO bench_probe VALUES (1)")
                conn.commit()
            commit = (time.perf_counter() - started) / count
            conn.execute("DROP TABLE bench_probe")
            conn.commit()
        return trip, commit

    def check(self) -> dict[str, Any]:
        """`bpmnpub check --json` on this server's database: {checked, findings}."""
        found: dict[str, Any] = json.loads(_cli(self.env, "check", "--json", ok=(0, 1)))
        return found

    @property
    def application_name(self) -> str | None:
        """The name the server's PostgreSQL connections carry (None on SQLite)."""
        if self.database == "SQLite" or "application_name=" not in self.url:
            return None
        return self.url.rsplit("application_name=", 1)[1].split("&", 1)[0]

    @property
    def log(self) -> Path:
        return self.folder / "serve.log"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env(folder: Path, url: str) -> dict[str, str]:
    return {
        **os.environ,
        "BPMNPUB_DATA_DIR": str(folder),
        "BPMNPUB_DATABASE_URL": url,
        "BPMNPUB_PROCESSES_DIR": str(PROCESSES),
        "BPMNPUB_SECRET_KEY": "bench-load",
    }


def _cli(env: dict[str, str], *args: str, ok: tuple[int, ...] = (0,)) -> str:
    done = subprocess.run([str(BIN / "bpmnpub"), *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode not in ok:
        raise RuntimeError(f"bpmnpub {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def postgres_reachable() -> bool:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # any failure to connect means: no PostgreSQL figures
        return False
    finally:
        admin.dispose()


@contextmanager
def _database(kind: str, folder: Path, settings: tuple[tuple[str, str], ...] = ()) -> Iterator[str]:
    """A database URL; PostgreSQL `settings` (name, value) are set on every connection of the server."""
    if kind == "SQLite":
        yield f"sqlite:///{folder / 'bpmnpub.sqlite3'}"
        return
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    schema = f"bpmnpub_load_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        # As a DBA would (docs/configuration.md): outside the schema, so dropping it leaves the extension.
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    try:
        extra = "".join(f"%20-c{name}%3D{value}" for name, value in settings)
        # application_name: the server's backends, found again to count their CPU (bench/load_cpu.py).
        yield (
            f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}{extra}"
            f"&application_name={schema}"
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.proc is not None
        if server.proc.poll() is not None:
            raise RuntimeError(f"bpmnpub serve exited:\n{server.log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"bpmnpub serve did not answer in {STARTUP_SECONDS:.0f}s")


def _sign_in(port: int, username: str) -> str:
    """A bearer token from POST /api/v1/session (one request; a CLI process per user costs seconds)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = json.dumps({"username": username, "password": DEMO_PASSWORD})
        conn.request("POST", "/api/v1/session", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
        if response.status != 201:
            raise RuntimeError(f"sign-in of {username} failed: {answer}")
        return str(answer["token"])
    finally:
        conn.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to `serve`, which stops gunicorn and the worker and waits for them."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def serving(
    kind: str, serve_args: tuple[str, ...] = (), settings: tuple[tuple[str, str], ...] = ()
) -> Iterator[Server]:
    """`bpmnpub serve [serve_args]` on a fresh database of `kind` ("SQLite" or "PostgreSQL"), stopped and
    removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix=f"bpmnpub-bench-load-{kind.lower()}-"))
    try:
        with _database(kind, folder, settings) as url:
            env = _env(folder, url)
            _cli(env, "init", "--demo")
            server = Server(kind, url, folder, _free_port(), env=env)
            with server.log.open("wb") as log:
                server.proc = subprocess.Popen(
                    [
                        str(BIN / "bpmnpub"),
                        "serve",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(server.port),
                        *serve_args,
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,  # the access log: written as in production, not kept
                    stderr=log,
                    start_new_session=True,
                )
            try:
                _wait_ready(server)
                for username in LANE_USERS.values():
                    server.tokens[username] = _sign_in(server.port, username)
                yield server
            finally:
                _stop(server.proc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
