"""Input no server should choke on: JSON nested 1 000 deep, numbers beyond any column, NaN, bodies of
megabytes, ids past the database's range, "digits" that int() refuses. Each is a 4xx with the usual
error body, and nothing changes."""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bpmnpub.errors import ValidationError
from bpmnpub.forms import FormSpec, validate
from bpmnpub.web.jsonio import MAX_JSON_BYTES

from ..conftest import PROCESSES
from .conftest import API, Api, error_of
from .pages import csrf, signed_in

START = "/processes/general_publication/instances"
DEEP = b'{"data": ' + b"[" * 1000 + b"]" * 1000 + b"}"


def test_json_nested_1000_deep_is_400_even_before_sign_in(client: FlaskClient) -> None:
    response = client.post(f"{API}/session", data=b"[" * 1000 + b"]" * 1000, content_type="application/json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "bad_request"
    assert "nests too deeply" in error["message"]


@pytest.mark.parametrize(
    "raw",
    [
        DEEP,
        b'{"data": {"title": NaN}}',
        b'{"data": {"title": Infinity}}',
        b'{"data": {"n": 1e400}}',
        b'{"data": {"n": ' + str(10**30).encode() + b"}}",
        b'{"data": {"n": -' + b"9" * 5000 + b"}}",
    ],
    ids=["deep", "nan", "infinity", "float-overflow", "10**30", "5000-digits"],
)
def test_a_body_beyond_the_readers_bounds_is_400_and_starts_nothing(api: Api, raw: bytes) -> None:
    owner = api.as_user("owner1")
    response = owner.post(START, data=raw, content_type="application/json")
    assert response.status_code == 400, response.get_json()
    assert error_of(response)["code"] == "bad_request"
    assert owner.tasks() == []


def test_a_body_of_more_than_the_limit_is_413(api: Api) -> None:
    owner = api.as_user("owner1")
    body = b'{"data": {"title": "' + b"x" * MAX_JSON_BYTES + b'"}}'
    response = owner.post(START, data=body, content_type="application/json")
    assert response.status_code == 413
    assert error_of(response)["details"] == {"limit": MAX_JSON_BYTES}
    assert owner.tasks() == []


def test_32_levels_are_still_read(api: Api, filed: int) -> None:
    """The bound is generous: a body nested 31 deep under `data` reaches the form check (422, field by
    field), not the reader."""
    gdir = api.as_user("gdir_plan")
    task_id = gdir.task_in(filed)["id"]
    nested = b"[" * 29 + b"]" * 29
    response = gdir.post(
        f"/tasks/{task_id}/complete",
        data=b'{"data": {"decision": ' + nested + b"}}",
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "decision" in [d["field"] for d in error_of(response)["details"]]


def test_every_json_endpoint_refuses_deep_json_with_400(app: Flask, api: Api) -> None:
    """Every POST/PUT route of the API, with its ids filled in, answers deep JSON with a 4xx (400 where
    it reads a JSON body; uploads are multipart, claim and release read no body) and never a 5xx."""
    admin = api.as_user("admin1")
    seen = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API):
            continue
        for method in sorted((rule.methods or set()) & {"POST", "PUT"}):
            path = re.sub(r"<any\((\w+)[^>]*>", r"\1", rule.rule)
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if "id" in m.group(1) else "x", path)
            path = path.replace("/ita/x", "/ita/2568").replace(
                "/x/instances", "/general_publication/instances"
            )
            response = admin.open(method, path, data=DEEP, content_type="application/json")
            seen += 1
            assert response.status_code < 500, (method, path, response.get_json())
            if not path.endswith(("/files", "/processes", "/claim", "/release", "/verify/x")):  # no JSON read
                assert response.status_code == 400, (method, path, response.get_json())
    assert seen >= 15


def test_migrate_to_a_version_of_10_30_is_400_and_to_one_past_the_id_range_404(api: Api, filed: int) -> None:
    admin = api.as_user("admin1")
    huge = admin.post(
        f"/instances/{filed}/migrate",
        data=b'{"version": ' + str(10**30).encode() + b', "dry_run": true}',
        content_type="application/json",
    )
    assert huge.status_code == 400
    for version in (2**31, 2**62, -1, 0):
        response = admin.post(f"/instances/{filed}/migrate", json={"version": version, "dry_run": True})
        assert response.status_code == 404, (version, response.get_json())


@pytest.mark.parametrize(
    "path",
    [
        f"/instances/{2**31}",
        f"/instances/{2**63}",
        f"/instances/{10**30}",
        "/instances/-1",
        f"/tasks/{2**31}",
        "/tasks/-5",
        "/tasks/abc",
        "/tasks/0",
        "/catalogue/ita/99999",
    ],
)
def test_an_id_that_cannot_exist_is_404(api: Api, path: str) -> None:
    response = api.as_user("admin1").get(path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("page", ["²", "๑๒", "9" * 40, "-1", "1e3"])
def test_a_page_number_that_int_refuses_shows_the_first_page(client: FlaskClient, page: str) -> None:
    assert client.get(f"/public/?page={page}").status_code == 200


def test_odd_numbers_typed_into_admin_forms_are_field_errors_not_500(app: Flask) -> None:
    admin = signed_in(app, "admin1")
    token = csrf(admin.get("/admin/catalogue/categories/new").get_data(as_text=True))
    for raw in ("²", "9" * 40):
        response = admin.post(
            "/admin/catalogue/categories/new",
            data={"code": "9.9", "name": "ทดสอบ", "sort_order": raw, "csrf_token": token},
        )
        assert response.status_code == 422, (raw, response.status_code)
        assert "ต้องเป็นตัวเลข" in response.get_data(as_text=True)
    assert admin.get("/processes/general_publication/diff?old=²&new=1").status_code == 400
    assert admin.get(f"/admin/instances?version=²&waiting={'9' * 30}").status_code == 200


def test_text_with_a_nul_character_is_400_and_in_a_query_a_space(
    api: Api, client: FlaskClient, app: Flask
) -> None:
    """PostgreSQL stores no NUL in text: refused at the door (bodies, addresses, forms), on both
    databases alike."""
    owner = api.as_user("owner1")
    body = owner.post(START, data=b'{"data": {"title": "a\\u0000b"}}', content_type="application/json")
    assert body.status_code == 400 and error_of(body)["code"] == "bad_request"
    key = owner.post(START, data=b'{"data": {"a\\u0000": 1}}', content_type="application/json")
    assert key.status_code == 400
    assert owner.tasks() == []
    # in a query it separates search terms, as the portal always read it: a space, never a 500
    assert client.get(f"{API}/public/items?q=a%00b&category=1.1%00").get_json() == []
    assert client.get("/public/search?q=a%00b").status_code == 200
    assert owner.get("/tasks?limit=5%00").status_code == 200
    assert owner.post("/processes/general%00/instances", json={}).status_code == 400
    admin = signed_in(app, "admin1")
    token = csrf(admin.get("/admin/catalogue/categories/new").get_data(as_text=True))
    form = admin.post(
        "/admin/catalogue/categories/new", data={"code": "9.9", "name": "a\x00b", "csrf_token": token}
    )
    assert form.status_code == 400
    assert "9.9" not in admin.get("/admin/catalogue/categories").get_data(as_text=True)


def test_a_number_beyond_what_a_browser_shows_is_a_field_error() -> None:
    """Form data read by the JSON reader may hold 64-bit integers; a form field takes at most 2**53-1
    (JavaScript's safe integers), with the field named, so nothing larger reaches a counter column."""
    form = FormSpec(
        "brief_staff_form",
        json.loads((PROCESSES / "forms" / "brief_staff_form.json").read_text(encoding="utf-8")),
    )
    data = {"briefing_date": "2026-11-16", "attendees_count": 2**60}
    with pytest.raises(ValidationError) as refused:
        validate(form, data)
    assert [p.field for p in refused.value.problems] == ["attendees_count"]
    assert validate(form, {**data, "attendees_count": 2**53 - 1})["attendees_count"] == 2**53 - 1


def test_a_multipart_part_without_a_name_is_not_a_500(api: Api) -> None:
    """Found by schemathesis: werkzeug reads a part with no name as the key None."""
    body = b'--b\r\nContent-Disposition: form-data\r\n\r\n{"starts_on": false}\r\n--b--\r\n'
    response = api.as_user("owner1").post("/files", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 422
    assert error_of(response)["details"] == [{"field": "file", "message": "required"}]
