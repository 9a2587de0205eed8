"""an index for Thai substring search of published items

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 10:05:00.000000

The portal matches `published_item.search_text` with LIKE '%term%' (Thai has no spaces between words,
so a term is a substring, never a word). Without an index a rare term reads every item. Each database
gets its own trigram index, outside the models (autogenerate and the schema check ignore these names:
see `migrations/env.py`):

- SQLite: an FTS5 table with the `trigram` tokenizer over `search_text` (external content: the text is
  not stored twice), kept in step by three triggers; the portal narrows its LIKE with a MATCH of the
  term's trigrams. `detail='none'` keeps which rows hold a trigram, not where: a fifth of the size
  (21 MiB instead of 108 at 50 000 items) and as fast, since LIKE decides anyway.
  A later migration that rebuilds `published_item` in batch mode drops the triggers with the old table
  and must create them again (tests/test_migrations.py checks they are there at head).
- PostgreSQL: a pg_trgm GIN index, which the planner uses for the unchanged LIKE query. pg_trgm is a
  trusted extension: the database's owner may create it; otherwise a DBA runs `CREATE EXTENSION
  pg_trgm` once (docs/configuration.md). When it cannot be created the index is skipped with a logged
  warning: search stays correct, only slower for rare terms.
"""

import logging

from alembic import op
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

log = logging.getLogger("bpmnpub.migrations")

FTS_TABLE = "published_item_search"
TRGM_INDEX = "ix_published_item_search_trgm"
_ADD = "INSERT INTO published_item_search(rowid, search_text) VALUES (new.id, new.search_text);"
_REMOVE = (
    "INSERT INTO published_item_search(published_item_search, rowid, search_text)"
    " VALUES ('delete', old.id, old.search_text);"
)
# Only a change of the search text touches the index: withdrawing an item changes its status, which
# the portal reads from published_item itself.
SQLITE_TRIGGERS = {  # name: (event, statements)
    "published_item_search_after_insert": ("INSERT", _ADD),
    "published_item_search_after_delete": ("DELETE", _REMOVE),
    "published_item_search_after_update": ("UPDATE OF search_text", f"{_REMOVE} {_ADD}"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade(op.get_bind())
    else:
        _postgresql_upgrade(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    else:  # the extension stays: it belongs to the database, and others may use it
        op.execute(f"DROP INDEX IF EXISTS {TRGM_INDEX}")


def _sqlite_upgrade(bind: Connection) -> None:
    try:
        bind.exec_driver_sql(
            f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(search_text, tokenize='trigram', detail='none',"
            " content='published_item', content_rowid='id')"
        )
    except DBAPIError as exc:
        version = bind.exec_driver_sql("SELECT sqlite_version()").scalar()
        raise RuntimeError(
            "Thai search needs SQLite 3.34 or newer with FTS5 and its trigram tokenizer; this Python's"
            f" sqlite3 has SQLite {version} ({exc.orig}). Use a Python built with a newer SQLite, or"
            " PostgreSQL."
        ) from exc
    for name, (event, statements) in SQLITE_TRIGGERS.items():
        bind.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {event} ON published_item BEGIN {statements} END")
    # Existing items.
    bind.exec_driver_sql("INSERT INTO published_item_search(published_item_search) VALUES ('rebuild')")


def _postgresql_upgrade(bind: Connection) -> None:
    try:
        with bind.begin_nested():  # a failure rolls back to here, not the whole upgrade
            schema = _trgm_schema(bind)
            if schema is None:
                bind.exec_driver_sql("CREATE EXTENSION pg_trgm")
                schema = _trgm_schema(bind)
            # Qualified: the extension may live in a schema outside the search path (e.g. public,
            # when the application has a schema of its own).
            bind.exec_driver_sql(
                f'CREATE INDEX {TRGM_INDEX} ON published_item USING gin (search_text "{schema}".gin_trgm_ops)'
            )
    except DBAPIError as exc:
        log.warning(
            "Thai search runs without its index: pg_trgm could not be used (%s). Search stays correct"
            " but reads every item for a rare term. Have a DBA run CREATE EXTENSION pg_trgm, then"
            " create %s as docs/configuration.md shows.",
            " ".join(str(exc.orig).split()),
            TRGM_INDEX,
        )


def _trgm_schema(bind: Connection) -> str | None:
    """The schema pg_trgm is installed in, None when it is not installed in this database."""
    return bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    ).scalar()
