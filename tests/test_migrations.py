"""The Alembic migrations build exactly the schema the models describe, on both databases, plus Thai
search's trigram index, which lives outside the models (migration 0010)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, make_url, text

from bpmnpub.db import Database, alembic_config, upgrade

from .conftest import PG_URL

SQLITE_SEARCH = {
    ("table", "published_item_search"),
    ("trigger", "published_item_search_after_insert"),
    ("trigger", "published_item_search_after_update"),
    ("trigger", "published_item_search_after_delete"),
}


def _upgraded(url: str) -> None:
    database = Database(url)
    upgrade(database)
    database.dispose()


def _check(url: str) -> None:
    """`alembic check` after upgrading: raises when autogenerate would write a migration (the search
    index is left out by name in migrations/env.py)."""
    database = Database(url)
    upgrade(database)
    config = alembic_config(url)
    with database.write_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.check(config)
    database.dispose()


def _sqlite_search_objects(url: str) -> set[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT type, name FROM sqlite_master WHERE name LIKE 'published_item_search%'")
        )
        found = {(kind, name) for kind, name in rows}
    engine.dispose()
    return found & SQLITE_SEARCH


def _postgres_search_index(url: str) -> str | None:
    engine = create_engine(url)
    with engine.connect() as conn:
        definition = conn.scalar(
            text(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND indexname = 'ix_published_item_search_trgm'"
            )
        )
    engine.dispose()
    return definition


def test_sqlite_schema_matches_the_models(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'm.db'}")


@pytest.mark.postgres
def test_postgresql_schema_matches_the_models(postgres_url: str) -> None:
    _check(postgres_url)


def test_sqlite_search_index_is_there_at_head_and_goes_with_a_downgrade(tmp_path: Path) -> None:
    """A later migration that rebuilds published_item in batch mode would drop the triggers: this
    says so."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    _upgraded(url)
    assert _sqlite_search_objects(url) == SQLITE_SEARCH
    command.downgrade(alembic_config(url), "0009")
    assert _sqlite_search_objects(url) == set()


@pytest.mark.postgres
def test_postgresql_search_index_is_a_pg_trgm_gin_index(postgres_url: str) -> None:
    _upgraded(postgres_url)
    definition = _postgres_search_index(postgres_url)
    assert definition is not None and "USING gin (search_text" in definition and "gin_trgm_ops" in definition
    command.downgrade(alembic_config(postgres_url), "0009")
    assert _postgres_search_index(postgres_url) is None
    command.upgrade(alembic_config(postgres_url), "head")  # the run's schema, shared with other tests
    assert _postgres_search_index(postgres_url) == definition


@pytest.fixture
def unprivileged_url(postgres_url: str) -> Iterator[str]:
    """A new database on the server where pg_trgm is not installed, and a role that may not install
    it (no CREATE on the database), owning the schema it migrates."""
    name = f"bpmnpub_noext_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    fresh = make_url(PG_URL).set(database=name)
    owner = create_engine(fresh, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA app AUTHORIZATION "{name}"'))
        assert conn.scalar(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")) == 0
    owner.dispose()
    url = fresh.set(username=name, query={"options": "-csearch_path=app"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE "{name}"'))
        admin.dispose()


@pytest.mark.postgres
def test_without_rights_to_pg_trgm_the_upgrade_completes_without_the_index_and_says_so(
    unprivileged_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bpmnpub.migrations"):
        _check(unprivileged_url)
    assert _postgres_search_index(unprivileged_url) is None
    [warning] = [r for r in caplog.records if r.name == "bpmnpub.migrations"]
    assert "CREATE EXTENSION pg_trgm" in warning.getMessage()
    assert "permission denied" in warning.getMessage()


def test_items_published_before_confirmation_existed_are_left_unconfirmed(tmp_path: Path) -> None:
    """Migration 0016 (O items confirmed): the O item an earlier publish guessed from the category counts
    no more (docs/ita-index.md, "Items published before confirmation existed")."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    command.upgrade(alembic_config(url), "0011")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO published_item (kind, title, slug, body, category, ita_item, attachments,"
                " photos, status, fiscal_year, published_at, updated_at, search_text, views)"
                " VALUES ('document', 'ประกาศรับสมัครครู', 'x', '', '1.1', 'O3', '[]', '[]', 'published',"
                " 2570, '2026-11-16 02:00:00', '2026-11-16 02:00:00', '', 0)"
            )
        )
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as conn:
        row = conn.execute(text("SELECT ita_item, ita_confirmed_at FROM published_item")).one()
        confirmed = conn.scalar(text("SELECT count(*) FROM confirmed_o_item"))
    engine.dispose()
    assert (tuple(row), confirmed) == ((None, None), 0)
