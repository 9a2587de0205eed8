"""The OpenAPI document at /api/v1/openapi.json: served without sign-in, a valid OpenAPI 3.1 document,
and the same set of routes as Flask's url_map and docs/api.md's table."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator

from .conftest import API

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def _shape(path: str) -> str:
    """A path with its parameters unnamed: /api/v1/tasks/{}/claim."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def flask_routes(app: Flask) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        choices = re.search(r"<any\(([^)]*)\):\w+>", rule.rule)  # one route per choice
        paths = (
            [rule.rule.replace(choices.group(0), c.strip()) for c in choices.group(1).split(",")]
            if choices
            else [rule.rule]
        )
        for path in paths:
            for method in (rule.methods or set()) & METHODS:
                routes.add((method, _shape(re.sub(r"<[^>]+>", "{}", path))))
    return routes


def documented_routes() -> set[tuple[str, str]]:
    """Routes named in the first cell of docs/api.md's endpoint table; "`POST …/claim` · `/release`"
    names a sibling by its last segment."""
    routes = set()
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| `"):
            continue
        first = line.split("|")[1]
        pieces = re.findall(r"`([^`]+)`", first)
        method, _, path = pieces[0].partition(" ")
        if method not in METHODS:
            continue
        routes.add((method, _shape(path)))
        for sibling in pieces[1:]:
            routes.add((method, _shape(path.rsplit("/", 1)[0] + sibling)))
    return routes


def test_the_document_is_served_without_sign_in_and_is_openapi_3_1(client: FlaskClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "details"]
    instance = document["components"]["schemas"]["InstanceView"]
    assert {"id", "status", "tasks", "events"} <= set(instance["required"])


def test_the_document_flask_and_the_docs_name_the_same_routes(app: Flask, client: FlaskClient) -> None:
    document = client.get(f"{API}/openapi.json").get_json()
    described = {(m.upper(), _shape(p)) for p, item in document["paths"].items() for m in item}
    served = flask_routes(app)
    documented = documented_routes()
    assert described == served, {"not described": served - described, "not served": described - served}
    assert documented == served, {
        "not in docs/api.md": served - documented,
        "only in docs": documented - served,
    }
    assert len(served) >= 28


def test_every_answer_but_success_is_the_error_body(client: FlaskClient) -> None:
    document = client.get(f"{API}/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, answer in operation["responses"].items():
                if int(status) >= 400:
                    assert answer["$ref"] == f"#/components/responses/E{status}", (method, path, status)
            assert any(int(s) < 300 for s in operation["responses"]), (method, path)
