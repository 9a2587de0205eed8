"""Scale-out on PostgreSQL (issue 15): two real app servers (`bpmnpub serve` on two loopback ports, two data
directories, each with its supervised worker) on one database. A file uploaded on one is served by the
other (its bytes are in the database, nothing on either machine's disk), a browser session signed in on
one works on the other and signing out on one ends it on both, both sign with the one office key, and
due timers fire exactly once while two workers share the schedule."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from bpmnpub.config import load_settings
from bpmnpub.db import Database
from bpmnpub.engine import Engine
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.wiring import OPERATORS

from .multinode import Browser, Node, api, api_token, node_env, scratch_schema, upload
from .workerprocs import BIN, beats, deploy_probe, file_due_timers, fired, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

# Larger than a few chunks of the database store (512 KiB each): streamed back chunk by chunk.
BIG_PDF = b"%PDF-1.4\n" + os.urandom(1_300_000) + b"\n%%EOF\n"
TIMERS = 120


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(BIN / "bpmnpub"), *args], env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _moved(node: Node) -> int:
    """Requests this node's worker moved by timers, from its log."""
    total = 0
    for line in node.log.read_text(errors="replace").splitlines():
        if "instance(s) moved by timers" in line:
            total += int(line.split("scheduled start(s), ")[1].split(" ")[0])
    return total


def test_two_app_servers_and_two_workers_share_one_postgresql_database(
    tmp_path: Path, shared_engine: Engine
) -> None:
    with scratch_schema() as url:
        a = Node("A", tmp_path / "a", node_env(tmp_path / "a", url))
        b = Node("B", tmp_path / "b", node_env(tmp_path / "b", url))
        _cli(a.env, "init", "--demo")
        _cli(b.env, "init")  # the second machine joins: the schema and the office key are there already
        # one office key, kept in the database: both machines sign with it
        assert _cli(a.env, "office-cert", "show") == _cli(b.env, "office-cert", "show")
        settings = load_settings(
            {"DATA_DIR": str(tmp_path / "probe"), "DATABASE_URL": url, "SECRET_KEY": "x"}
        )
        ctx = ServiceContext(Database(url), shared_engine, settings, operators=OPERATORS)
        deploy_probe(ctx)
        try:
            a.start("--workers", "2", "--threads", "2")
            b.start("--workers", "2", "--threads", "2")
            wait_until(lambda: len({beat.pid for beat in beats(ctx)}) >= 2, 60, "both workers' heartbeats")

            # a file uploaded on A is served by B, the same bytes under the same ETag
            token = api_token(a, "owner1")
            instance = api(a, "POST", "/api/v1/processes/general_publication/instances", token, {})
            stored = upload(a, token, "ประกาศฉบับเต็ม.pdf", BIG_PDF, "application/pdf")
            assert stored["sha256"] == hashlib.sha256(BIG_PDF).hexdigest()
            browser = Browser()
            browser.sign_in(a, "owner1")
            path = f"/requests/{instance['id']}/files/{stored['id']}"
            from_b = browser.request(b.base + path)
            assert from_b.status == 200, from_b.text[:300]
            assert from_b.body == BIG_PDF and from_b.headers["Content-Type"] == "application/pdf"
            assert int(from_b.headers["Content-Length"]) == len(BIG_PDF)
            from_a = browser.request(a.base + path)
            assert from_a.body == BIG_PDF and from_a.headers["ETag"] == from_b.headers["ETag"]
            for node in (a, b):  # nothing of it on either machine's disk
                assert not (node.data_dir / "files").exists() or not any((node.data_dir / "files").rglob("*"))

            # the session signed in on A works on B; signing out on B ends it on A too
            inbox = browser.request(f"{b.base}/inbox")
            assert inbox.status == 200 and "นางสาวสมใจ ใจดี" in inbox.text  # owner1's name: signed in
            browser.sign_out(b)
            after = browser.request(f"{a.base}/inbox")
            assert after.status == 302 and "/auth/login" in after.headers["Location"]

            # due timers, two workers: every one fires exactly once
            ids = file_due_timers(ctx, TIMERS)
            wait_until(
                lambda: sum(fired(ctx, ids)[0].values()) >= TIMERS, 90, "every timer to fire", step=0.25
            )
            time.sleep(3)  # several more passes of both workers: nothing fires again
            events, tasks = fired(ctx, ids)
            assert events == dict.fromkeys(ids, 1), "a timer fired twice or not at all"
            assert tasks == dict.fromkeys(ids, 1), "a step opened twice or not at all"
            print(f"timers moved by A's worker: {_moved(a)}, by B's worker: {_moved(b)}")
            assert _moved(a) + _moved(b) == TIMERS
            hosts = {(beat.host, beat.pid) for beat in beats(ctx)}
            assert len(hosts) == 2  # one heartbeat row per worker
        finally:
            a.stop()
            b.stop()
            ctx.db.dispose()
