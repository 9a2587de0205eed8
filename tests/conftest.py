"""Fixtures shared by every test level.

Service, API and scenario tests run on SQLite and on the real PostgreSQL server (127.0.0.1:5432,
database `test`). Locally, PostgreSQL tests are skipped when the server is absent; under CI=true
they fail instead, so a missing part can never pass silently.
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, bindparam, create_engine, delete, func, insert, select, text, update

from bpmnpub.config import load_settings
from bpmnpub.db import Database, upgrade
from bpmnpub.engine import Engine
from bpmnpub.models import (
    AdminEvent,
    ApiToken,
    AuditChain,
    Category,
    Comment,
    ConfirmedOItem,
    Delegation,
    DocumentCounter,
    Duty,
    DutyTopic,
    FileBlob,
    FileBlobChunk,
    FileReference,
    Group,
    HumanTask,
    InstanceEvent,
    ItaFramework,
    ItaItem,
    ItemChannel,
    ItemEvent,
    ItemViewDay,
    LoginFailure,
    Notification,
    OfficeKeyRecord,
    OfficeSetting,
    ProcessDefinition,
    ProcessDraft,
    ProcessInstance,
    ProcessSchedule,
    PublishedItem,
    RegisteredDocument,
    RoleAssignment,
    SavedFilter,
    StoredFile,
    User,
    WebsiteCopy,
    WorkerHeartbeat,
    category_ita_item,
)
from bpmnpub.permissions import LANE_ROLES, Actor
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.operations import demo
from bpmnpub.services.procedures import definitions
from bpmnpub.services.wiring import OPERATOR_NAMES, OPERATORS

ROOT = Path(__file__).resolve().parents[1]
PROCESSES = ROOT / "processes"
PG_URL = os.environ.get("BPMNPUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# Users and groups made by a test (admin pages) are removed too, so the next test sees the demo office.
SETUP_TABLES: tuple[Any, ...] = (ProcessDefinition, User, Group)
RUNTIME_TABLES = (
    SavedFilter,
    Duty,
    DutyTopic,
    WebsiteCopy,
    RegisteredDocument,
    DocumentCounter,
    AdminEvent,
    AuditChain,
    ItemChannel,
    ItemEvent,
    ItemViewDay,
    FileReference,
    ProcessDraft,
    Notification,
    Comment,
    Delegation,
    InstanceEvent,
    LoginFailure,
    HumanTask,
    ConfirmedOItem,
    PublishedItem,
    ProcessInstance,
    StoredFile,
    FileBlobChunk,
    FileBlob,
    OfficeKeyRecord,
    ApiToken,
    ProcessSchedule,
    WorkerHeartbeat,
)
# Set-up rows tests may edit in place: every column put back after each test.
RESTORED_TABLES: tuple[Table, ...] = (User.__table__, Group.__table__)
# Small lists the demo fills and tests edit: put back exactly as they were after set-up.
SNAPSHOT_TABLES: tuple[Table, ...] = (
    RoleAssignment.__table__,
    OfficeSetting.__table__,
    category_ita_item,
    ItaItem.__table__,
    ItaFramework.__table__,
    Category.__table__,
)  # children first


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> datetime:
        self.current += timedelta(**kwargs)
        return self.current


@pytest.fixture
def quiet_gc() -> Iterator[None]:
    """For tests that bound the CPU time of a call: collect once, then no collector during the test.

    Late in the whole suite the heap holds what thousands of tests left, and a full collection that
    happens to fall inside the timed call costs seconds of this thread's CPU (a deploy measured 2.5 s,
    the same deploy alone 0.1 s). The bounds are about our code not hanging, not about the collector."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture(scope="session")
def shared_engine() -> Engine:
    """One engine for the whole run: parsed specs are cached per version, as in production."""
    return Engine(LANE_ROLES, OPERATOR_NAMES)


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return str(exc).split("\n")[0]
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private schema on the real server for this test run, dropped at the end."""
    problem = _postgres_reachable()
    if problem:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required under CI and is not reachable: {problem}")
        pytest.skip(f"PostgreSQL not reachable: {problem}")  # locally only: under CI it fails above
    schema = f"bpmnpub_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        # As a DBA would (docs/configuration.md), outside the run's schema: dropping that schema must
        # not drop the extension other runs' search indexes are built with (migration 0010).
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _prepare(ctx: ServiceContext) -> None:
    upgrade(ctx.db)
    definitions.deploy_folder(ctx, PROCESSES)
    demo.create_demo_office(ctx)


def _settings(tmp: Path, url: str) -> dict[str, object]:
    return load_settings(
        {"DATA_DIR": str(tmp), "DATABASE_URL": url, "SECRET_KEY": "test", "MAX_UPLOAD_BYTES": 1024 * 1024}
    )


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, shared_engine: Engine) -> Path:
    """A migrated SQLite database with the processes deployed and the demo office, copied per test."""
    folder = tmp_path_factory.mktemp("template")
    url = f"sqlite:///{folder / 'bpmnpub.sqlite3'}"
    ctx = ServiceContext(Database(url), shared_engine, _settings(folder, url), operators=OPERATORS)
    _prepare(ctx)
    ctx.db.dispose()
    return folder / "bpmnpub.sqlite3"


@pytest.fixture(scope="session")
def postgres_baseline(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory, shared_engine: Engine
) -> dict[Any, int]:
    """The highest id of each set-up table after preparing: rows above it were made by a test."""
    folder = tmp_path_factory.mktemp("pg")
    ctx = ServiceContext(
        Database(postgres_url), shared_engine, _settings(folder, postgres_url), operators=OPERATORS
    )
    _prepare(ctx)
    with ctx.db.read() as session:
        baseline: dict[Any, Any] = {
            model: session.scalar(select(func.max(model.id))) or 0 for model in SETUP_TABLES
        }
        for table in SNAPSHOT_TABLES + RESTORED_TABLES:
            baseline[table] = [dict(row) for row in session.execute(select(table)).mappings()]
    ctx.db.dispose()
    return baseline


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))  # Monday 16 Nov 2569, 09:00 in Bangkok


@pytest.fixture
def ctx(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, clock: Clock, shared_engine: Engine
) -> Iterator[ServiceContext]:
    """A service context on a fresh database with the processes deployed and the demo office."""
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        shutil.copy(template, tmp_path / "bpmnpub.sqlite3")
        url = f"sqlite:///{tmp_path / 'bpmnpub.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        baseline = request.getfixturevalue("postgres_baseline")
        _reset_postgres(url, baseline)
    context = ServiceContext(
        Database(url), shared_engine, _settings(tmp_path, url), clock=clock, operators=OPERATORS
    )
    yield context
    context.db.dispose()


def _reset_postgres(url: str, baseline: dict[Any, int]) -> None:
    db = Database(url)
    with db.write() as session:
        for table in RUNTIME_TABLES:
            session.execute(delete(table))
        for table in SNAPSHOT_TABLES:
            session.execute(delete(table))
        for table in reversed(SNAPSHOT_TABLES):
            if baseline[table]:
                session.execute(insert(table), baseline[table])
        for model in SETUP_TABLES:  # role assignments go with their users (ON DELETE CASCADE)
            session.execute(delete(model).where(model.id > baseline[model]))
        for table in RESTORED_TABLES:  # demo users and groups a test edited (a password, a name) go back
            rows = [{f"old_{k}": v for k, v in row.items()} for row in baseline[table]]
            values = {c.name: bindparam(f"old_{c.name}") for c in table.columns if c.name != "id"}
            session.execute(update(table).where(table.c.id == bindparam("old_id")).values(values), rows)
    db.dispose()


@pytest.fixture
def actor(ctx: ServiceContext):  # type: ignore[no-untyped-def]
    """actor("owner1") -> the Actor of a demo user."""

    def make(username: str) -> Actor:
        with ctx.db.read() as session:
            user = accounts.find_user(session, username)
            assert user is not None, username
            return accounts.actor_of(user, ctx.now())

    return make


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The steps the explorative (Hypothesis) tests walked, per process: the figure issue 9 asks for."""
    from .explore import STEPS

    if STEPS:
        terminalreporter.write_sep("-", "steps explored (engine and services walks)")
        for label, steps in sorted(STEPS.items()):
            terminalreporter.write_line(f"{label}: {steps}")


@pytest.fixture
def private_cluster() -> Iterator[Any]:
    """A throwaway PostgreSQL cluster of the test's own (tests/workerprocs.py), never the machine's shared
    server: stopped and started by fault tests, removed at the end."""
    from .workerprocs import PrivateCluster, postgres_bin

    bin_dir = postgres_bin()
    if bin_dir is None:
        if IN_CI:
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are required under CI")
        reason = "PostgreSQL server binaries (initdb, pg_ctl) not installed"
        pytest.skip(reason)  # locally only: under CI it failed above
    cluster = PrivateCluster(bin_dir)
    try:
        yield cluster
    finally:
        cluster.remove()
