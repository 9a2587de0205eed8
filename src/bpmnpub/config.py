"""Settings as data: (name, default, help). Read from BPMNPUB_* environment variables.

Every setting is documented in docs/configuration.md; a test fails when one is not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("DATA_DIR", "instance", "Folder for the SQLite database and stored files."),
    Setting("DATABASE_URL", "", "SQLAlchemy URL; empty means SQLite at DATA_DIR/bpmnpub.sqlite3."),
    Setting(
        "SECRET_KEY",
        "",
        "Session secret (and the key of the website password); empty means a random key kept in "
        "DATA_DIR/secret_key, which only SQLite allows: on PostgreSQL every app server and worker needs "
        "the same one.",
    ),
    Setting(
        "FILE_STORE",
        "auto",
        "Where stored files' bytes are kept: folder (DATA_DIR/files), database, or auto (the database "
        "on PostgreSQL, the folder on SQLite).",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "How many reverse proxies in front of bpmnpub set X-Forwarded-For/-Proto/-Host (nginx: 1); "
        "0 trusts no such header.",
    ),
    Setting("PROCESSES_DIR", "processes", "Folder of BPMN files and forms deployed by `bpmnpub init`."),
    Setting("MAX_UPLOAD_BYTES", 20 * 1024 * 1024, "Largest file accepted by the upload API, in bytes."),
    Setting(
        "UPLOAD_QUOTA_BYTES", 2 * 1024**3, "Bytes of stored files one user may have uploaded; 0: no quota."
    ),
    Setting(
        "ORPHAN_UPLOAD_HOURS",
        24,
        "Uploads nothing refers to are deleted by the worker after this many hours.",
    ),
    Setting("TIMEZONE", "Asia/Bangkok", "Office time zone, used for fiscal years and schedules."),
    Setting("WORKER_INTERVAL", 30, "Seconds between two passes of `bpmnpub worker`."),
    Setting("SQLITE_BUSY_TIMEOUT", 30, "Seconds an SQLite connection waits for another writer's lock."),
    Setting("PUBLIC_BASE_URL", "", "Absolute base of public item URLs (e.g. https://www.example.go.th)."),
    Setting("SECURE_COOKIES", False, "Send session cookies over HTTPS only (turn on behind HTTPS)."),
    Setting("SESSION_IDLE_MINUTES", 120, "A browser session ends after this many minutes without a request."),
    Setting("SESSION_MAX_HOURS", 12, "A browser session ends this many hours after sign-in."),
    Setting("TOKEN_DAYS", 90, "An API token expires this many days after it was made."),
    Setting("BASE_URL", "", "Absolute address of bpmnpub for links in e-mail; empty: PUBLIC_BASE_URL."),
    Setting("SMTP_HOST", "", "SMTP server for e-mail notifications; empty: no e-mail is sent."),
    Setting("SMTP_PORT", 25, "SMTP server port (587 for STARTTLS, 465 for SSL)."),
    Setting("SMTP_SECURITY", "none", "none, starttls or ssl."),
    Setting("SMTP_USER", "", "SMTP login; empty: no login."),
    Setting("SMTP_PASSWORD", "", "SMTP password."),
    Setting("MAIL_FROM", "bpmnpub <noreply@localhost>", "The From address of e-mail notifications."),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, raw: str) -> Any:
    if isinstance(setting.default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(setting.default, int):
        return int(raw)
    return raw


class ConfigurationError(Exception):
    """Settings bpmnpub refuses to start with."""


def shared_secret_problem(settings: dict[str, Any]) -> str | None:
    """Why these settings cannot run an app server or worker, or None. On PostgreSQL the session secret
    must come from BPMNPUB_SECRET_KEY: a key made in one machine's data directory would sign out everyone
    whose next request another app server answers, and no second node can know it."""
    if settings["SECRET_KEY"] or str(settings["DATABASE_URL"]).startswith("sqlite"):
        return None
    return (
        "BPMNPUB_SECRET_KEY is required with PostgreSQL: every app server and worker of one database "
        'needs the same secret (make one with: python3 -c "import secrets; print(secrets.token_hex(32))")'
    )


def load_settings(
    overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then BPMNPUB_<NAME> environment variables, then explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(f"BPMNPUB_{setting.name}")
        values[setting.name] = setting.default if raw is None or raw == "" else _coerce(setting, raw)
    for key, value in (overrides or {}).items():
        if key not in _BY_NAME:
            raise KeyError(f"unknown setting {key!r}")
        values[key] = value
    data_dir = Path(values["DATA_DIR"]).resolve()
    values["DATA_DIR"] = str(data_dir)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{data_dir / 'bpmnpub.sqlite3'}"
    return values
