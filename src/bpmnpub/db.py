"""Database engines and transactions.

SQLite is the embedded default: WAL, foreign keys on, and write transactions opened with
BEGIN IMMEDIATE so two writers queue instead of failing on a stale snapshot. PostgreSQL is the
scale-out path; there the instance row is locked with SELECT ... FOR UPDATE by the services.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from .db_writers import WriterQueue, database_file

# How long an SQLite connection waits for another writer before "database is locked" (seconds).
DEFAULT_BUSY_TIMEOUT = 30.0


def _sqlite_engine(url: str, *, immediate: bool, busy_timeout: float) -> Engine:
    # A pool keeps connections open: the PRAGMAs run once per connection, and SQLite does not
    # checkpoint and delete the WAL each time the last connection closes (10-28% of a completion).
    engine = create_engine(
        url,
        connect_args={"timeout": busy_timeout, "check_same_thread": False},
        pool_size=4,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event decide how a transaction starts (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        # 32 MiB of page cache per connection (default 2 MB): inboxes over 100 000 requests stay in memory.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """Two session factories over one database: one for reads, one for writes."""

    def __init__(self, url: str, *, echo: bool = False, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._writers = WriterQueue(database_file(url), busy_timeout) if self.is_sqlite else None
        if self.is_sqlite:
            self.read_engine = _sqlite_engine(url, immediate=False, busy_timeout=busy_timeout)
            self.write_engine = _sqlite_engine(url, immediate=True, busy_timeout=busy_timeout)
        else:
            self.read_engine = self.write_engine = create_engine(
                url, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10
            )
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        # PostgreSQL: BEGIN and COMMIT are a round trip each, as many as the lookup's own statements.
        lookups = self.read_engine
        if not self.is_sqlite:
            lookups = self.read_engine.execution_options(isolation_level="AUTOCOMMIT")
        self._lookup = sessionmaker(lookups, expire_on_commit=False)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back when it raises. On SQLite the
        writer first waits its turn in line (db_writers: awake, not in SQLite's busy handler)."""
        if self._writers is None:
            with self._write() as session, session.begin():
                yield session
            return
        with self._writers.turn(), self._write() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Session]:
        """A read whose statements need no common snapshot (each sees what is committed when it runs):
        no transaction on PostgreSQL. For the per-request lookups (a bearer token and its user)."""
        with self._lookup() as session:
            yield session

    def dispose(self) -> None:
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()


# SQLite: SQLITE_BUSY and SQLITE_LOCKED (and their extended codes): another connection holds the lock.
_SQLITE_BUSY_CODES = {5, 6}
# PostgreSQL SQLSTATEs worth trying again: serialization failure, deadlock, the server shutting down
# or restarting (admin / crash shutdown, cannot connect now), too many connections.
_POSTGRES_TRANSIENT = {"40001", "40P01", "57P01", "57P02", "57P03", "53300"}


def is_transient(error: BaseException) -> bool:
    """True when the same transaction may well succeed if tried again a little later: the database was
    locked or busy, the connection was lost, the server restarted, a serialization failure. False for
    everything a retry cannot mend (a bug, a constraint, bad SQL)."""
    if isinstance(error, sa_exc.TimeoutError):  # no connection free in the pool
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    if isinstance(original, sqlite3.OperationalError):
        code = getattr(original, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_BUSY_CODES
        return "locked" in str(original) or "busy" in str(original)
    state = getattr(original, "sqlstate", None)
    if state is None:
        # psycopg without a SQLSTATE: failed on the client side (refused, closed, reset by the server).
        return isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError)
    return state in _POSTGRES_TRANSIENT or state.startswith("08")  # class 08: connection exception


def insert_new(database: Database, table: Any, values: dict[str, Any], key: str) -> Any:
    """INSERT … ON CONFLICT (key) DO NOTHING RETURNING key: a row comes back only when this statement made
    it (another transaction's row with the same key wins, waited for on PostgreSQL)."""
    if database.is_sqlite:
        from sqlalchemy.dialects import sqlite

        return (
            sqlite.insert(table)
            .values(values)
            .on_conflict_do_nothing(index_elements=[key])
            .returning(getattr(table, key))
        )
    from sqlalchemy.dialects import postgresql

    return (
        postgresql.insert(table)
        .values(values)
        .on_conflict_do_nothing(index_elements=[key])
        .returning(getattr(table, key))
    )


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere (Thai has no spaces between words: substring search);
    use with `escape="\\"`."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def alembic_config(url: str) -> Any:
    from pathlib import Path

    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(database: Database) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    from alembic import command

    config = alembic_config(database.url)
    with database.write_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
