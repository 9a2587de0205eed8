"""bpmnpub: the publishing measures of a Thai Educational Service Area Office, run as BPMN.

`create_app` is the one composition root.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from .config import ConfigurationError, load_settings, shared_secret_problem
from .services.kernel.context import ServiceContext
from .services.wiring import make_context

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
    from flask_wtf.csrf import CSRFProtect

    from .web import (
        account,
        admin,
        api,
        auth,
        catalogue,
        embed,
        errors,
        headers,
        home,
        i18n,
        inbox,
        instances_admin,
        ita,
        office,
        processes,
        public,
        publishing,
        reports,
        requests,
        tasks,
        templating,
        verify,
    )

    settings = context.settings if context is not None else load_settings(overrides)
    problem = shared_secret_problem(settings)
    if problem:
        raise ConfigurationError(problem)
    app = Flask(
        __name__, template_folder=str(ROOT / "templates"), static_folder=str(Path(__file__).parent / "static")
    )
    app.config.update(
        SECRET_KEY=_secret_key(settings),
        MAX_CONTENT_LENGTH=int(settings["MAX_UPLOAD_BYTES"]) + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings["SECURE_COOKIES"]),
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=bool(settings["SECURE_COOKIES"]),
        WTF_CSRF_TIME_LIMIT=None,  # valid for the session: a long form must not expire while typed
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        JSON_AS_ASCII=False,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    proxies = int(settings.get("TRUSTED_PROXIES", 0))
    if proxies > 0:  # behind nginx: the client's address (sign-in throttling), scheme and host
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.extensions["bpmnpub"] = context or make_context(settings)
    auth.init(app)
    errors.register(app)
    headers.init(app)
    i18n.init(app)
    templating.init(app)
    csrf = CSRFProtect(app)
    csrf.exempt(api.bp)  # the API checks bearer tokens, or its own header for cookie sessions
    app.register_blueprint(home.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(requests.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(instances_admin.bp)
    app.register_blueprint(catalogue.bp)
    app.register_blueprint(office.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(ita.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(publishing.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(verify.bp)
    app.register_blueprint(embed.bp)
    return app
