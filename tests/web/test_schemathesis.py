"""schemathesis against /api/v1/openapi.json: for any input the document allows (and much it does not),
no operation answers 5xx, and the answer is one the document describes (status, content type, body).

One SQLite database for the whole module, with a request waiting at the publisher and a published item,
so small ids find real rows; every call is signed in as admin1 (a real bearer token), who may reach
every operation. Examples per operation are few (the whole run stays under about a minute); each failure
is shrunk by hypothesis to a small case that reads like a bug report."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bpmnpub import create_app
from bpmnpub.db import Database
from bpmnpub.engine import Engine
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.wiring import OPERATORS
from bpmnpub.web import openapi

from ..conftest import IN_CI, Clock, _settings
from .conftest import Api, request_data

# A longer hunt: BPMNPUB_FUZZ_EXAMPLES=200 make test (or pytest this file).
EXAMPLES = int(os.environ.get("BPMNPUB_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_app(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, shared_engine: Engine
) -> Iterator[tuple[Flask, str]]:
    folder = tmp_path_factory.mktemp("schemathesis")
    shutil.copy(sqlite_template, folder / "bpmnpub.sqlite3")
    url = f"sqlite:///{folder / 'bpmnpub.sqlite3'}"
    ctx = ServiceContext(
        Database(url),
        shared_engine,
        _settings(folder, url),
        clock=Clock(datetime(2026, 11, 16, 2, tzinfo=UTC)),
        operators=OPERATORS,
    )
    app = create_app(context=ctx)
    app.config["TESTING"] = True
    api = Api(app)
    _seed(api)
    yield app, api.as_user("admin1").token
    ctx.db.dispose()


def _seed(api: Api) -> None:
    """A published item (request 1) and a request waiting at the publisher (request 2)."""
    owner = api.as_user("owner1")
    for published in (True, False):
        instance_id = owner.start().get_json()["id"]
        owner.complete(owner.task_in(instance_id)["id"], request_data(owner.upload_id()))
        for reviewer in ("gdir_plan", "director1"):
            who = api.as_user(reviewer)
            assert who.complete(who.task_in(instance_id)["id"], {"decision": "approve"}).status_code == 200
        if published:
            publisher = api.as_user("publisher1")
            done = publisher.complete(publisher.task_in(instance_id)["id"], {"certified": True})
            assert done.status_code == 200, done.get_json()


# The document is plain data (web/openapi.py), read at import; the app it runs against is the fixture's.
# (schemathesis.pytest.from_fixture would load it from the app, but reads a pytest attribute that
# pytest 9.2 no longer has.)
schema = schemathesis.openapi.from_dict(openapi.document())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=IN_CI,  # CI replays the same examples; a local run explores new ones each time
    suppress_health_check=list(HealthCheck),
)
def test_no_input_gives_a_server_error(case: Any, fuzz_app: tuple[Flask, str]) -> None:
    app, token = fuzz_app
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
