"""Backups: a consistent copy of the database (SQLite's online backup API; `pg_dump` of the schema in
use, custom format) and of DATA_DIR's stored files, office key and session secret, with a manifest
(version, time, file store, sha256 of each part); and the restore of one into an empty database and
data directory.

With the database file store (PostgreSQL's default) stored files and the office key are tables of the
database, so its copy holds them and `files.tar` stays empty. With the folder store, order matters for
consistency: the database is copied first, the folders after. Stored files are content-addressed and
only ever added, and a file's bytes are on disk before the row naming it commits, so every file the
database copy names is in the folders copy (files stored meanwhile come along as harmless extras)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from ...errors import BpmnpubError, ConflictError
from ..files import storage
from ..kernel.context import ServiceContext
from ..records.office_key import FOLDER as OFFICE_KEY_FOLDER

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_PART = "database.sqlite3"
PG_PART = "database.pgdump"
FOLDERS = {"files.tar": "files", "office-key.tar": OFFICE_KEY_FOLDER}
SECRET = "secret_key"  # noqa: S105 - the name of the file that holds it
# Keys made in DATA_DIR when BPMNPUB_SECRET_KEY is not set (SQLite only): the session secret and the
# key of the website password (services/website_settings.py).
SECRETS = (SECRET, "website.key")


class BackupError(BpmnpubError):
    """A backup or restore could not be made: a part is missing or damaged, a tool failed."""

    code = "backup_failed"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("bpmnpub")
    except metadata.PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        return "unknown"


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _libpq_url(url: str) -> str:
    """The SQLAlchemy URL as pg_dump/pg_restore read it (the search_path option kept)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> str:
    """Run pg_dump / pg_restore (from PATH: Debian's postgresql-client); its output, or BackupError."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed tools
    except FileNotFoundError as exc:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)") from exc
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _schema(ctx: ServiceContext) -> str:
    with ctx.db.read() as session:
        return str(session.execute(text("SELECT current_schema()")).scalar_one())


def _is_empty_dir(path: Path) -> bool:
    if path.is_file():
        return False
    return not path.exists() or not any(path.iterdir())


def make_backup(ctx: ServiceContext, target: Path) -> dict[str, Any]:
    """Write a backup of the database and DATA_DIR's folders into `target` (absent or empty); returns the
    manifest. Raises ConflictError (target not empty), BackupError."""
    if not _is_empty_dir(target):
        raise ConflictError(f"{target} is not empty: a backup goes into a new folder")
    target.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": _version(),
        "created_at": ctx.now().isoformat(),
        "database": "sqlite" if ctx.db.is_sqlite else "postgresql",
        "file_store": storage.blob_store(ctx).kind,
        "parts": {},
    }
    with ctx.db.read() as session:
        manifest["revision"] = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if ctx.db.is_sqlite:
        # The online backup API copies a consistent snapshot page by page while the app keeps writing.
        source = sqlite3.connect(_sqlite_path(ctx.db.url))
        copy = sqlite3.connect(target / SQLITE_PART)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        database_part = SQLITE_PART
    else:
        manifest["schema"] = _schema(ctx)
        # pg_dump reads in one repeatable-read snapshot: consistent while the app keeps writing.
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--schema={manifest['schema']}",
                f"--file={target / PG_PART}",
                f"--dbname={_libpq_url(ctx.db.url)}",
            ]
        )
        database_part = PG_PART
    parts = [database_part]
    in_database = manifest["file_store"] == "database"
    for archive, folder in FOLDERS.items():
        with tarfile.open(target / archive, "w") as tar:
            source_dir = ctx.data_dir / folder
            # The database store: the files are in the database's copy (a folder left from before is not).
            if source_dir.exists() and not (in_database and folder == "files"):
                tar.add(source_dir, arcname=folder)
        parts.append(archive)
    for secret in SECRETS:
        if (ctx.data_dir / secret).exists():
            shutil.copy2(ctx.data_dir / secret, target / secret)
            parts.append(secret)
    for part in parts:
        manifest["parts"][part] = {"sha256": _sha256(target / part), "size": (target / part).stat().st_size}
    (target / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of a backup folder, every part checked against its sha256. Raises BackupError."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} holds no readable {MANIFEST}: not a bpmnpub backup") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r} is not {FORMAT}")
    for part, facts in manifest["parts"].items():
        path = source / part
        if not path.exists():
            raise BackupError(f"the backup's part {part} is missing")
        if _sha256(path) != facts["sha256"]:
            raise BackupError(f"the backup's part {part} is damaged (sha256 differs from the manifest)")
    return manifest


def restore_backup(ctx: ServiceContext, source: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore a backup into the context's database and DATA_DIR, both empty unless `force`; returns the
    manifest. Raises ConflictError (not empty, another database kind), BackupError."""
    manifest = read_manifest(source)
    kind = "sqlite" if ctx.db.is_sqlite else "postgresql"
    if manifest["database"] != kind:
        raise ConflictError(f"the backup is of a {manifest['database']} database, this one is {kind}")
    folders_in_use = [f for f in (*FOLDERS.values(), *SECRETS) if not _is_empty_dir(ctx.data_dir / f)]
    if folders_in_use and not force:
        raise ConflictError(f"{ctx.data_dir} already holds {', '.join(folders_in_use)}: use --force")
    ctx.db.dispose()
    if ctx.db.is_sqlite:
        _restore_sqlite(ctx, source / SQLITE_PART, force=force)
    else:
        _restore_postgres(ctx, source / PG_PART, manifest["schema"], force=force)
    ctx.data_dir.mkdir(parents=True, exist_ok=True)
    for archive, folder in FOLDERS.items():
        if force:
            shutil.rmtree(ctx.data_dir / folder, ignore_errors=True)
        with tarfile.open(source / archive) as tar:
            tar.extractall(ctx.data_dir, filter="data")
    for secret in SECRETS:
        if (source / secret).exists():
            shutil.copy2(source / secret, ctx.data_dir / secret)
    return manifest


def _restore_sqlite(ctx: ServiceContext, part: Path, *, force: bool) -> None:
    path = _sqlite_path(ctx.db.url)
    path.parent.mkdir(parents=True, exist_ok=True)
    target = sqlite3.connect(path)
    try:
        tables = target.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if tables and not force:
            raise ConflictError(f"{path} already holds a database: use --force to overwrite it")
        source = sqlite3.connect(part)
        try:
            source.backup(target)  # replaces every page of the target, WAL included
        finally:
            source.close()
    finally:
        target.close()


def _ident(name: str) -> str:
    """A quoted SQL identifier (schema and table names come from the server, still: quoted)."""
    return '"' + name.replace('"', '""') + '"'


def _target_schema(connection: Any) -> str:
    """The first schema of the search path (it need not exist yet)."""
    first = str(connection.execute(text("SHOW search_path")).scalar_one()).split(",")[0].strip().strip('"')
    if first in ("", "$user"):
        return str(connection.execute(text("SELECT current_schema()")).scalar_one())
    return first


def _restore_postgres(ctx: ServiceContext, part: Path, dumped: str, *, force: bool) -> None:
    engine = create_engine(ctx.db.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            schema = _target_schema(conn)
            tables = conn.execute(
                text("SELECT count(*) FROM information_schema.tables WHERE table_schema = :s"), {"s": schema}
            ).scalar_one()
            if tables and not force:
                raise ConflictError(f"schema {schema} already holds tables: use --force to replace them")
            exists = conn.execute(
                text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": schema}
            ).scalar_one()
            # pg_restore creates the schema it dumped; public stays (extensions such as pg_trgm live there).
            if exists and schema != "public":
                try:  # without --force an empty schema only: anything else in it makes this fail
                    conn.execute(text(f"DROP SCHEMA {_ident(schema)}{' CASCADE' if force else ''}"))
                except DBAPIError as exc:
                    raise ConflictError(
                        f"schema {schema} holds other objects: use --force to replace them"
                    ) from exc
            elif exists and tables:
                for (name,) in conn.execute(
                    text("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
                ).all():
                    conn.execute(text(f"DROP TABLE IF EXISTS public.{_ident(name)} CASCADE"))
            if (
                dumped != schema
                and conn.execute(
                    text("SELECT count(*) FROM pg_namespace WHERE nspname = :s"), {"s": dumped}
                ).scalar_one()
            ):
                raise ConflictError(
                    f"the backup's schema {dumped} exists in this database: restore into another database"
                )
            with tempfile.TemporaryDirectory() as scratch:
                listing = Path(scratch) / "toc.list"
                toc = _run(["pg_restore", "--list", str(part)])
                lines = [line for line in toc.splitlines() if " SCHEMA - public " not in line]
                listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
                _run(
                    [
                        "pg_restore",
                        "--no-owner",
                        "--no-privileges",
                        "--exit-on-error",
                        f"--use-list={listing}",
                        f"--dbname={_libpq_url(ctx.db.url)}",
                        str(part),
                    ]
                )
            if dumped != schema:
                conn.execute(text(f"ALTER SCHEMA {_ident(dumped)} RENAME TO {_ident(schema)}"))
    finally:
        engine.dispose()


def describe(manifest: dict[str, Any]) -> str:
    """One line naming a backup: when, which version, which parts."""
    made = datetime.fromisoformat(manifest["created_at"]).strftime("%Y-%m-%d %H:%M UTC")
    return f"{made}, bpmnpub {manifest['version']}: " + ", ".join(sorted(manifest["parts"]))
