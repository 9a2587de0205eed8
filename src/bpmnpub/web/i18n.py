"""Thai first, English on request: Flask-Babel with Thai as the source language of every template.

Templates are written in Thai (`_("กล่องงาน")`); the English catalogue translates them. A missing
English string therefore shows Thai, never an empty label. The choice is kept in the session.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, session
from flask_babel import Babel

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
