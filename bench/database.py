"""A prepared SQLite database in a temp dir, as tests/conftest.py prepares one: migrated, the
processes of processes/ deployed, the demo office created."""

from __future__ import annotations

import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bpmnpub.config import load_settings
from bpmnpub.db import Database, upgrade
from bpmnpub.engine import Engine
from bpmnpub.permissions import LANE_ROLES, Actor
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.operations import demo
from bpmnpub.services.procedures import definitions
from bpmnpub.services.wiring import OPERATOR_NAMES, OPERATORS

from .scenario import LANE_USERS, PROCESSES

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class BenchDatabase:
    folder: Path
    ctx: ServiceContext
    actors: dict[str, Actor] = field(default_factory=dict)  # by username
    file_id: str = ""

    @property
    def url(self) -> str:
        return self.ctx.db.url

    def actor(self, username: str) -> Actor:
        if username not in self.actors:
            with self.ctx.db.read() as session:
                user = accounts.find_user(session, username)
                assert user is not None, username
                self.actors[username] = accounts.actor_of(user, self.ctx.now())
        return self.actors[username]

    def close(self) -> None:
        self.ctx.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)


def _settings(folder: Path, url: str) -> dict[str, Any]:
    return load_settings(
        {"DATA_DIR": str(folder), "DATABASE_URL": url, "SECRET_KEY": "bench", "MAX_UPLOAD_BYTES": 1024 * 1024}
    )


def prepared(label: str, engine: Engine | None = None) -> BenchDatabase:
    """A fresh database with processes and demo office, plus one stored PDF owned by the requester."""
    folder = Path(tempfile.mkdtemp(prefix=f"bpmnpub-bench-{label}-"))
    url = f"sqlite:///{folder / 'bpmnpub.sqlite3'}"
    ctx = ServiceContext(
        Database(url),
        engine or Engine(LANE_ROLES, OPERATOR_NAMES),
        _settings(folder, url),
        operators=OPERATORS,
    )
    upgrade(ctx.db)
    definitions.deploy_folder(ctx, PROCESSES)
    demo.create_demo_office(ctx)
    bench = BenchDatabase(folder, ctx)
    for username in LANE_USERS.values():
        bench.actor(username)
    owner = bench.actor(LANE_USERS["requester"])
    bench.file_id = storage.upload_file(ctx, io.BytesIO(PDF), "ประกาศ.pdf", actor_id=owner.id).id
    return bench
