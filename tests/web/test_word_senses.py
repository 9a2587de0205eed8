"""A Thai word of two senses reads right in English on each page (msgctxt, tests/test_translations.py):
the requests filter says "Overdue", not "overdue since"; the library marks the newest version "latest"."""

from __future__ import annotations

from flask import Flask

from .pages import signed_in


def test_each_sense_reads_right_in_english(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    admin.get("/lang/en")
    requests = admin.get("/admin/instances").get_data(as_text=True)
    assert "> Overdue</label>" in requests and "overdue since</label>" not in requests
    library = admin.get("/processes/").get_data(as_text=True)
    assert '<span class="tag">latest</span>' in library and '<span class="tag">last change' not in library
