"""bpmnpub: the publishing measures of a Thai Educational Service Area Office, run as BPMN.

`create_app` is the one composition root.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from .config import load_settings
from .services.context import ServiceContext, make_context

ROOT = Path(__file__).resolve().parents[2]


def _secret_key(settings: dict[str, Any]) -> str:
    if settings["SECRET_KEY"]:
        return str(settings["SECRET_KEY"])
    path = Path(settings["DATA_DIR"]) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def create_app(overrides: dict[str, Any] | None = None, context: ServiceContext | None = None) -> Flask:
    """Build the application. `overrides` are settings (see bpmnpub.config); tests pass a context."""
    from .web import api, auth, errors, home, public, templating

    settings = context.settings if context is not None else load_settings(overrides)
    app = Flask(
        __name__, template_folder=str(ROOT / "templates"), static_folder=str(Path(__file__).parent / "static")
    )
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=int(settings["MAX_UPLOAD_BYTES"]) + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions["bpmnpub"] = context or make_context(settings)
    auth.init(app)
    errors.register(app)
    templating.init(app)
    app.register_blueprint(home.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(public.bp)
    return app
