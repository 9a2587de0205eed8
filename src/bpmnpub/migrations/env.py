"""Alembic environment: runs against the URL bpmnpub gives it (see bpmnpub.db.upgrade)."""

from alembic import context
from sqlalchemy import create_engine, pool

from bpmnpub.models import Base

config = context.config
target_metadata = Base.metadata

# Thai search's trigram index lives outside the models (migration 0010): SQLite's FTS5 table (and the
# shadow tables FTS5 keeps, named after it) and PostgreSQL's pg_trgm index. Autogenerate and the
# schema check (tests/test_migrations.py runs `alembic check`) leave them alone.
SEARCH_TABLE = "published_item_search"
SEARCH_INDEX = "ix_published_item_search_trgm"


def include_name(name, type_, parent_names) -> bool:
    if type_ == "table":
        return name != SEARCH_TABLE and not name.startswith(f"{SEARCH_TABLE}_")
    return not (type_ == "index" and name == SEARCH_INDEX)


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
