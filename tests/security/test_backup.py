"""Probe: "There is no way to take a consistent copy: copying the SQLite file while the app writes gives
a torn database, and nothing copies the stored files and the office key with it." Now `bpmnpub backup DIR`
and `bpmnpub restore DIR` do, and a restored office is the same office: the portal, an inbox and the audit
trail come out identical (on SQLite, and on PostgreSQL into a database of its own)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, text

from bpmnpub import create_app
from bpmnpub.cli import main as cli
from bpmnpub.db import Database
from bpmnpub.engine import Engine
from bpmnpub.services.kernel import trail
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.wiring import OPERATORS

from ..conftest import PG_URL, Clock, _settings
from ..web.conftest import TITLE, Api, request_data

NONCE = re.compile(r'nonce="[^"]*"|name="csrf_token"[^>]*')


@pytest.fixture
def published(api: Api, at_publisher: int, client: FlaskClient) -> str:
    """The filed request published; returns its public page's path."""
    publisher = api.as_user("publisher1")
    done = publisher.complete(publisher.task_in(at_publisher)["id"], {"certified": True})
    assert done.status_code == 200, done.get_json()
    [item] = client.get("/api/v1/public/items").get_json()
    return str(item["url"])


@pytest.fixture
def fresh_url(ctx: ServiceContext, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind: a new SQLite file, or a new database on the shared server."""
    if ctx.db.is_sqlite:
        yield f"sqlite:///{tmp_path / 'restored' / 'bpmnpub.sqlite3'}"
        return
    name = f"bpmnpub_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name)
    dba = create_engine(url, isolation_level="AUTOCOMMIT")
    with dba.connect() as conn:  # as a DBA would
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    dba.dispose()
    try:
        # A schema name other than the backed-up one: the restore renames it.
        yield url.render_as_string(hide_password=False) + "?options=-csearch_path%3Dbpmnpub_restored"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return NONCE.sub("", response.get_data(as_text=True))


def seen_by(app: Flask, published: str) -> dict[str, object]:
    """What the public and a director see: the item page, the portal's list, an inbox."""
    client = app.test_client()
    director = Api(app).as_user("director1")
    return {
        "item": page(client, published),
        "items": client.get("/api/v1/public/items").get_json(),
        "home": page(client, "/public/"),
        "inbox": director.get("/tasks").get_json(),
    }


def test_a_restored_office_is_the_same_office(
    ctx: ServiceContext,
    app: Flask,
    published: str,
    api: Api,
    filed: int,
    fresh_url: str,
    tmp_path: Path,
    clock: Clock,
    shared_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # something waiting in an inbox too: a second request at the director
    owner = api.as_user("owner1")
    second = owner.start().get_json()["id"]
    assert owner.complete(owner.task_in(second)["id"], request_data(owner.upload_id())).status_code == 200
    gdir = api.as_user("gdir_plan")
    assert gdir.complete(gdir.task_in(second)["id"], {"decision": "approve"}).status_code == 200

    folder = tmp_path / "backup"
    monkeypatch.setenv("BPMNPUB_DATA_DIR", str(ctx.data_dir))
    assert cli(["--database-url", ctx.db.url, "backup", str(folder)]) == 0
    manifest = (folder / "manifest.json").read_text(encoding="utf-8")
    assert '"sha256"' in manifest and "files.tar" in manifest and "office-key.tar" in manifest

    restored_dir = tmp_path / "restored"
    monkeypatch.setenv("BPMNPUB_DATA_DIR", str(restored_dir))
    assert cli(["--database-url", fresh_url, "restore", str(folder)]) == 0
    # a second restore over it is refused: nothing is overwritten without --force
    capsys.readouterr()
    assert cli(["--database-url", fresh_url, "restore", str(folder)]) == 1
    assert "--force" in capsys.readouterr().err

    restored = ServiceContext(
        Database(fresh_url),
        shared_engine,
        _settings(restored_dir, fresh_url),
        clock=clock,
        operators=OPERATORS,
    )
    try:
        again = create_app(context=restored)
        again.config["TESTING"] = True
        before, after = seen_by(app, published), seen_by(again, published)
        assert before["inbox"] and after == before
        assert TITLE in str(after["item"])
        # the item's file comes back byte for byte from the restored files folder
        [link, *_] = re.findall(r'href="(/public/files/[^"]+)"', str(before["item"]))
        with again.test_client().get(link) as served, app.test_client().get(link) as kept:
            assert served.status_code == 200 and served.data == kept.data
        original, copy = trail.verify(ctx), trail.verify(restored)
        assert copy.intact and copy.heads == original.heads and copy.rows == original.rows
        assert cli(["--database-url", fresh_url, "audit", "verify"]) == 0
    finally:
        restored.db.dispose()


def test_a_damaged_backup_is_refused(
    ctx: ServiceContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "backup"
    monkeypatch.setenv("BPMNPUB_DATA_DIR", str(ctx.data_dir))
    assert cli(["--database-url", ctx.db.url, "backup", str(folder)]) == 0
    with (folder / "files.tar").open("ab") as f:
        f.write(b"\0" * 512)
    monkeypatch.setenv("BPMNPUB_DATA_DIR", str(tmp_path / "elsewhere"))
    capsys.readouterr()
    target = f"sqlite:///{tmp_path / 'elsewhere' / 'x.sqlite3'}" if ctx.db.is_sqlite else ctx.db.url
    assert cli(["--database-url", target, "restore", str(folder)]) == 1
    assert "files.tar is damaged" in capsys.readouterr().err
    # and a backup never goes into a folder that holds something
    assert cli(["--database-url", ctx.db.url, "backup", str(folder)]) == 1
