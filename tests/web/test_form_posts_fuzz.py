"""Every HTML form post, with a valid CSRF token and odd values in every field name the views read
("²", forty nines, a long text opening 2 000 brackets): an answer a person can read (a page, a
redirect, a 4xx), never a 500."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from .pages import csrf, signed_in

FIELDS = [
    "group_id",
    "is_active",
    "roles",
    "active",
    "fiscal_year",
    "preset",
    "to",
    "verified",
    "categories",
    "key",
    "reason",
    "target",
    "user",
    "value",
    "version",
    "remove_emblem",
    "thai_digits",
    "next",
    "body",
    "sort_order",
    "code",
    "name",
    "name_en",
    "description",
    "username",
    "password",
    "full_name",
    "email",
    "title",
]
ODD = ["²", "9" * 40, "[" * 2000 + "ก" * 5000]


def _routes(app: Flask) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/static")) or "POST" not in (rule.methods or set()):
            continue
        if rule.rule.startswith("/auth/logout"):
            continue  # signs the fuzzer out
        path = re.sub(r"<any\((\w+)[^>]*>", r"\1", rule.rule)
        path = re.sub(r"<int[^>]*>", "1", path)
        path = re.sub(r"<[^>]+>", "general_publication", path)
        paths.append(path)
    return sorted(paths)


@pytest.mark.parametrize("odd", ODD, ids=["superscript", "40-digits", "deep-and-long"])
def test_odd_form_posts_never_answer_500(app: Flask, odd: str, filed: int) -> None:
    admin = signed_in(app, "admin1")
    token = csrf(admin.get("/admin/catalogue/categories/new").get_data(as_text=True))
    routes = _routes(app)
    assert len(routes) >= 30
    for path in routes:
        data = dict.fromkeys(FIELDS, odd) | {"csrf_token": token}
        response = admin.post(path, data=data)
        assert response.status_code < 500, (path, response.status_code)
