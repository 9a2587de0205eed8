"""Thai first, English on request: Flask-Babel with Thai as the source language of every template.

Templates are written in Thai (`_("กล่องงาน")`); the English catalogue translates them. A missing
English string therefore shows Thai, never an empty label. The choice is kept in the session.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import Flask, session
from flask_babel import Babel, gettext

from ..errors import FieldProblem

LANGUAGES = {"th": "ไทย", "en": "English"}
DEFAULT = "th"


def current_language() -> str:
    lang = session.get("lang")
    return lang if lang in LANGUAGES else DEFAULT


def init(app: Flask) -> None:
    Babel(
        app,
        locale_selector=current_language,
        default_translation_directories=str(Path(__file__).resolve().parents[1] / "translations"),
        default_locale=DEFAULT,
        default_timezone="Asia/Bangkok",
    )

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {"languages": LANGUAGES, "current_language": current_language()}


def say(problem: FieldProblem) -> str:
    """A field's problem in the reader's language: the services keep it translatable (its `template`,
    a catalogue msgid, and `params`); a problem without one is said as it was written."""
    if problem.template is None:
        return problem.message
    return str(gettext(problem.template, **problem.params))


def field_errors(problems: Iterable[FieldProblem], *, blank: str = "") -> dict[str, str]:
    """{field: message} for a form, the first problem of each field; a problem of no field goes under
    `blank` (e.g. "_form")."""
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(problem.field or blank, say(problem))
    return errors
