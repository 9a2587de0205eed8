"""Faults under load, nothing lost (issue 15). A real `bpmnpub serve` (gunicorn, 2 processes of 4 threads, and
its supervised worker) on a PRIVATE PostgreSQL cluster this test starts itself (never the machine's shared
server), loopback only. While clients drive whole requests over the JSON API (bench/load_client's
requests: start, then four submissions), three faults in a row:

1. kill -9 of the gunicorn process in the middle of a request (an upload whose body is half sent: the
   process holding that connection is found in /proc and killed);
2. kill -9 of the bpmn worker in the middle of a pass over due timers (`bpmnpub serve` starts a new one);
3. a restart of the PostgreSQL cluster (fast shutdown, down a few seconds, started again).

Clients behave as the docs tell API clients to (docs/deployment.md): a connection error, a 502/503 or a
500 is sent again after a short wait; a 409 on a submission that was sent again means the first try
had committed. What each client saw is recorded per fault and printed. Afterwards every request is done
or resumable (running with exactly one open task), no step was done twice, every timer fired exactly
once, and `bpmnpub check` finds nothing. Bounded: a few clients, at most ~2 minutes, loopback only."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from bench.api_level import open_task
from bench.load_client import LANE_USERS, _steps
from bench.scenario import PROCESS_ID
from sqlalchemy import func, select

from bpmnpub.config import load_settings
from bpmnpub.db import Database
from bpmnpub.engine import Engine
from bpmnpub.models import HumanTask, InstanceEvent, ProcessInstance
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.wiring import OPERATORS

from .multinode import Node, api_token, node_env
from .workerprocs import BIN, PrivateCluster, deploy_probe, file_due_timers, fired, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CLIENTS = 4
TIMERS = 120  # a pass of several seconds under the load: the worker is killed in the middle of it
PDF = b"%PDF-1.4\n" + b"0" * 2_000_000 + b"\n%%EOF\n"  # the half-sent upload
ATTEMPTS = 160  # tries of one call (40 s) before a client gives up: never reached when the server comes back
WAIT = 0.25  # seconds between two tries
HARD_STOP = 150.0  # seconds: the clients stop whatever happens


@dataclass
class Seen:
    """What the clients saw, per phase: outcome -> count."""

    phase: str = "warm-up"
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, what: str) -> None:
        with self.lock:
            self.outcomes.setdefault(self.phase, Counter())[what] += 1


class Gone(Exception):
    """The connection failed (reset, refused, closed before an answer)."""


def _call(port: int, method: str, path: str, token: str, body: Any) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(
            method,
            path,
            body=None if body is None else json.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        raw = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise Gone(type(exc).__name__) from exc
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, None


@dataclass
class Client:
    port: int
    tokens: dict[str, str]
    file_id: str
    seen: Seen
    stop: threading.Event
    made: dict[int, int] = field(default_factory=dict)  # instance id -> steps the client knows are done
    gave_up: list[str] = field(default_factory=list)

    def send(self, method: str, path: str, token: str, body: Any, *, step: bool) -> tuple[str, Any]:
        """One call as a careful API client makes it: tried again after a connection error or a 5xx;
        ("done", answer) or, for a submission sent again, ("done before", None) on 409."""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                status, answer = _call(self.port, method, path, token, body)
            except Gone as exc:
                self.seen.note(f"connection error ({exc})")
                time.sleep(WAIT)
                continue
            self.seen.note(f"{status}" + (" (a retry)" if attempt > 1 else ""))
            if status in (200, 201):
                return "done", answer
            if status == 409 and step and attempt > 1:
                return "done before", None  # the try that lost its answer had committed
            if status in (500, 502, 503, 504):
                time.sleep(WAIT)
                continue
            raise AssertionError(f"{method} {path}: {status} {answer}")
        raise AssertionError(f"{method} {path}: no answer after {ATTEMPTS} tries")

    def instance(self, instance_id: int) -> dict[str, Any]:
        _, answer = self.send(
            "GET", f"/api/v1/instances/{instance_id}", self.tokens["owner1"], None, step=False
        )
        return dict(answer)

    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:  # said at the end of the test, not lost in a thread
            self.gave_up.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        requester = self.tokens[LANE_USERS["requester"]]
        while not self.stop.is_set():
            _, instance = self.send(
                "POST", f"/api/v1/processes/{PROCESS_ID}/instances", requester, {}, step=False
            )
            instance_id = int(instance["id"])
            self.made[instance_id] = 0
            for username, data in _steps(self.file_id):
                task_id = open_task(instance)
                assert task_id is not None, f"request {instance_id}: no open task"
                how, answer = self.send(
                    "POST",
                    f"/api/v1/tasks/{task_id}/complete",
                    self.tokens[username],
                    {"data": data},
                    step=True,
                )
                self.made[instance_id] += 1
                instance = answer["instance"] if how == "done" else self.instance(instance_id)
                if self.stop.is_set():  # a request cut here stays resumable: its next task is open
                    break


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _cmdline(pid: int) -> list[str]:
    try:
        return [p.decode() for p in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if p]
    except FileNotFoundError:
        return []


def _gunicorn_workers(serve_pid: int) -> list[int]:
    masters = [p for p in _children(serve_pid) if any("gunicorn" in part for part in _cmdline(p))]
    return [w for m in masters for w in _children(m)]


def _bpmn_worker(serve_pid: int) -> int | None:
    found = [p for p in _children(serve_pid) if _cmdline(p)[-1:] == ["worker"]]
    return found[0] if found else None


def _connection_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """The process holding the server's end of one TCP connection (from /proc/net/tcp and each fd)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        local, remote = parts[1], parts[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            inode = parts[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
        except (FileNotFoundError, PermissionError):
            continue
    return None


def _half_sent_upload(port: int, token: str) -> tuple[http.client.HTTPConnection, bytes]:
    """An upload whose headers and first half are sent; the rest follows later (or never)."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("POST", "/api/v1/files")
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    conn.send(body[: len(body) // 2])
    return conn, body[len(body) // 2 :]


def _kill_gunicorn_mid_request(node: Node, seen: Seen, token: str) -> None:
    conn, rest = _half_sent_upload(node.port, token)
    try:
        client_port = conn.sock.getsockname()[1]
        owner = wait_until(
            lambda: _connection_owner(node.port, client_port, _gunicorn_workers(node.proc.pid)),
            10,
            "the gunicorn process reading the upload",
            step=0.05,
        )
        os.kill(int(owner), signal.SIGKILL)  # type: ignore[call-overload]
        try:
            conn.send(rest)
            answer = conn.getresponse()
            seen.note(f"the cut upload: {answer.status}")
            answer.read()
        except (OSError, http.client.HTTPException) as exc:
            seen.note(f"the cut upload: connection error ({type(exc).__name__})")
    finally:
        conn.close()
    # the client sends it again: a new gunicorn process answers
    conn, rest = _half_sent_upload(node.port, token)
    try:
        conn.send(rest)
        answer = conn.getresponse()
        answer.read()
        seen.note(f"the cut upload sent again: {answer.status}")
        assert answer.status == 201
    finally:
        conn.close()


def _fired_count(ctx: ServiceContext, ids: list[int]) -> int:
    return sum(fired(ctx, ids)[0].values())


def _cli(env: dict[str, str], *args: str, ok: tuple[int, ...] = (0,)) -> str:
    done = subprocess.run(
        [str(BIN / "bpmnpub"), *args], env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode in ok, done.stderr[-2000:]
    return done.stdout


def test_faults_under_load_lose_nothing_and_double_nothing(
    private_cluster: PrivateCluster, tmp_path: Path, shared_engine: Engine
) -> None:
    node = Node("A", tmp_path / "a", node_env(tmp_path / "a", private_cluster.url))
    _cli(node.env, "init", "--demo")
    settings = load_settings(
        {"DATA_DIR": str(tmp_path / "probe"), "DATABASE_URL": private_cluster.url, "SECRET_KEY": "x"}
    )
    ctx = ServiceContext(Database(private_cluster.url), shared_engine, settings, operators=OPERATORS)
    deploy_probe(ctx)
    seen, stop = Seen(), threading.Event()
    clients: list[Client] = []
    threads: list[threading.Thread] = []
    try:
        node.start("--workers", "2", "--threads", "4")
        tokens = {user: api_token(node, user) for user in LANE_USERS.values()}
        upload = _half_sent_upload(node.port, tokens["owner1"])
        upload[0].send(upload[1])
        file_id = json.loads(upload[0].getresponse().read())["id"]
        upload[0].close()
        clients = [Client(node.port, tokens, file_id, seen, stop) for _ in range(CLIENTS)]
        threads = [threading.Thread(target=c.run, daemon=True) for c in clients]
        for thread in threads:
            thread.start()
        time.sleep(3)

        seen.phase = "1. kill -9 of a gunicorn process mid-request"
        _kill_gunicorn_mid_request(node, seen, tokens["owner1"])
        time.sleep(3)

        seen.phase = "2. kill -9 of the bpmn worker mid-pass"
        ids = file_due_timers(ctx, TIMERS)
        wait_until(lambda: _fired_count(ctx, ids) >= 10, 90, "the first timers to fire", step=0.02)
        worker = _bpmn_worker(node.proc.pid)
        assert worker is not None
        os.kill(worker, signal.SIGKILL)
        killed_at = _fired_count(ctx, ids)
        assert killed_at < TIMERS, "killed mid-pass"
        wait_until(
            lambda: _bpmn_worker(node.proc.pid) not in (None, worker), 30, "serve to start a new worker"
        )
        wait_until(lambda: _fired_count(ctx, ids) >= TIMERS, 240, "every timer to fire", step=0.25)

        seen.phase = "3. PostgreSQL restarted"
        ctx.db.dispose()
        private_cluster.stop("fast")
        time.sleep(3)  # down for several of the clients' and the worker's tries
        private_cluster.start()
        time.sleep(5)

        seen.phase = "after the faults"
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(HARD_STOP)
        node.stop()
        ctx.db.dispose()
    assert not any(t.is_alive() for t in threads), "a client did not finish"
    assert not [g for c in clients for g in c.gave_up], [g for c in clients for g in c.gave_up]

    report = "\n".join(
        f"{phase}: " + ", ".join(f"{what} ×{n}" for what, n in sorted(counts.items()))
        for phase, counts in seen.outcomes.items()
    )
    print("\nwhat the clients saw:\n" + report)
    (tmp_path.parent / "faults-under-load.txt").write_text(report + "\n")
    for phase in ("1.", "2.", "3.", "after"):
        assert any(p.startswith(phase) for p in seen.outcomes), f"no traffic during {phase}"

    made: dict[int, int] = {}
    for client in clients:
        made.update(client.made)
    assert len(made) >= CLIENTS * 2
    with ctx.db.read() as session:
        rows = {
            i.id: i.status
            for i in session.scalars(select(ProcessInstance).where(ProcessInstance.process_id == PROCESS_ID))
        }
        events = dict(
            session.execute(
                select(InstanceEvent.instance_id, func.count())
                .where(InstanceEvent.action == "task_completed", InstanceEvent.instance_id.in_(list(rows)))
                .group_by(InstanceEvent.instance_id)
            ).all()
        )
        doubled = session.execute(
            select(InstanceEvent.instance_id, InstanceEvent.human_task_id, func.count())
            .where(InstanceEvent.action == "task_completed", InstanceEvent.instance_id.in_(list(rows)))
            .group_by(InstanceEvent.instance_id, InstanceEvent.human_task_id)
            .having(func.count() > 1)
        ).all()
        open_tasks = dict(
            session.execute(
                select(HumanTask.instance_id, func.count())
                .where(HumanTask.status.in_(("ready", "claimed")), HumanTask.instance_id.in_(list(rows)))
                .group_by(HumanTask.instance_id)
            ).all()
        )
    assert not doubled, f"steps done twice: {doubled}"
    for instance_id, done in made.items():  # what each client knows it did is what the server kept
        assert events.get(instance_id, 0) == done, instance_id
    for instance_id, status in rows.items():  # every request is done or resumable
        assert status in ("completed", "running"), (instance_id, status)
        if status == "running":
            assert open_tasks.get(instance_id) == 1, f"request {instance_id} cannot go on"
    events_fired, tasks = fired(ctx, ids)
    assert events_fired == dict.fromkeys(ids, 1), "a timer fired twice or not at all"
    assert tasks == dict.fromkeys(ids, 1), "a step opened twice or not at all"
    found = json.loads(_cli(node.env, "check", "--json", ok=(0, 1)))
    assert found["findings"] == [], found["findings"][:5]
    ctx.db.dispose()
