"""The command line as an operator uses it, run as a real process."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BPMNPUB = Path(sys.executable).parent / "bpmnpub"


def run(*args: str, data_dir: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BPMNPUB_DATA_DIR": str(data_dir), "BPMNPUB_DATABASE_URL": ""}
    return subprocess.run(
        [str(BPMNPUB), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_processes_check_passes_on_the_shipped_processes(tmp_path: Path) -> None:
    result = run("processes", "check", "processes", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_processes_check_names_file_element_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "processes"
    shutil.copytree(ROOT / "processes", folder)
    memo = folder / "memo_publication.bpmn"
    memo.write_text(memo.read_text(encoding="utf-8").replace('decision == "approve"', "__import__('os')", 1))
    result = run("processes", "check", str(folder), data_dir=tmp_path)
    assert result.returncode == 1
    line = next(ln for ln in result.stderr.splitlines() if "__import__" in ln)
    assert "memo_publication.bpmn:" in line and "[Flow_" in line


def test_init_demo_twice_keeps_data_and_token_and_worker_work(tmp_path: Path) -> None:
    first = run("init", "--demo", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "general_publication v1 (deployed)" in first.stdout
    assert "owner1" in first.stdout and "demo1234" in first.stdout
    assert "Demo requests filed: 11" in first.stdout
    second = run("init", "--demo", data_dir=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "general_publication v1 (unchanged)" in second.stdout and "already there" in second.stdout
    assert "Demo requests filed" not in second.stdout  # filed once, never again
    with sqlite3.connect(tmp_path / "bpmnpub.sqlite3") as db:
        published = db.execute("SELECT category, status FROM published_item ORDER BY id").fetchall()
        running = db.execute("SELECT COUNT(*) FROM process_instance WHERE status = 'running'").fetchone()
    assert published == [("1.6", "published"), ("1.9", "published")]  # on the portal from the first visit
    # every demo request is running: nine wait for someone (operations/demo_requests.py), the two
    # published through 3.3 for their evaluation
    assert running == (11,)
    token = run("token", "create", "owner1", data_dir=tmp_path)
    assert token.returncode == 0 and token.stdout.strip().startswith("bp_")
    assert run("token", "create", "nobody", data_dir=tmp_path).returncode == 1
    worker = run("worker", "--once", data_dir=tmp_path)
    assert worker.returncode == 0, worker.stderr
    assert "moved by due timers" in worker.stdout
    assert (tmp_path / "bpmnpub.sqlite3").exists()


@pytest.mark.parametrize("args", [["--help"], ["processes", "--help"], ["token", "create", "--help"]])
def test_help_is_available(args: list[str], tmp_path: Path) -> None:
    assert run(*args, data_dir=tmp_path).returncode == 0


def test_init_makes_the_office_key_and_an_own_certificate_replaces_it(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization

    from bpmnpub.documents.signing import make_key_pair

    first = run("init", data_dir=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Office signing key (made, self-signed)" in first.stdout
    folder = tmp_path / "office-key"
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {
        "key.pem": 0o600,
        "cert.pem": 0o600,
    }
    made = (folder / "cert.pem").read_bytes()
    assert "Office signing key (kept)" in run("init", data_dir=tmp_path).stdout
    assert (folder / "cert.pem").read_bytes() == made

    own = make_key_pair(["Our Office CA-issued"])
    key = serialization.load_pem_private_key(own.key_pem, password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pass phrase"),
    )
    (tmp_path / "own.key").write_bytes(encrypted)
    (tmp_path / "own.crt").write_bytes(own.cert_pem)
    wrong = run_with_input(
        "pass word\n", "office-cert", "import", "own.key", "own.crt", "--password", data_dir=tmp_path
    )
    assert wrong.returncode == 1 and "password" in wrong.stderr
    assert (folder / "cert.pem").read_bytes() == made
    done = run_with_input(
        "pass phrase\n", "office-cert", "import", "own.key", "own.crt", "--password", data_dir=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Our Office CA-issued" in done.stdout and own.fingerprint in done.stdout
    assert (folder / "cert.pem").read_bytes() == own.cert_pem
    assert stat.S_IMODE((folder / "key.pem").stat().st_mode) == 0o600
    shown = run("office-cert", "show", data_dir=tmp_path)
    assert shown.returncode == 0 and own.fingerprint in shown.stdout


def run_with_input(stdin: str, *args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BPMNPUB_DATA_DIR": str(data_dir), "BPMNPUB_DATABASE_URL": ""}
    return subprocess.run(
        [str(BPMNPUB), *args], cwd=data_dir, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize("command", [["serve", "--port", "9"], ["worker", "--once"]])
def test_postgresql_without_a_shared_secret_is_refused_by_name(command: list[str], tmp_path: Path) -> None:
    """Several app servers on one database need one secret: PostgreSQL never falls back to a key made in
    one machine's data directory (docs/deployment.md#secrets). Nothing is started, nothing is written."""
    env = {
        **os.environ,
        "BPMNPUB_DATA_DIR": str(tmp_path),
        "BPMNPUB_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none",
        "BPMNPUB_SECRET_KEY": "",
    }
    done = subprocess.run(
        [str(BPMNPUB), *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stderr[-500:]
    assert "BPMNPUB_SECRET_KEY is required with PostgreSQL" in done.stderr
    assert not (tmp_path / "secret_key").exists()
