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
    Setting("SECRET_KEY", "", "Flask session secret; empty means a random key kept in DATA_DIR/secret_key."),
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
