"""What a JSON endpoint says to a body or a query it cannot use: 422 (or 404/405), never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from .conftest import API, Api, error_of

START = "/processes/general_publication/instances"


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"title=x", b"\xff\xfe\x00{", b'{"data": '],
    ids=["broken", "text", "bad-bytes", "cut-off"],
)
def test_a_body_that_is_not_json_is_422(api: Api, raw: bytes) -> None:
    response = api.as_user("owner1").post(START, data=raw, content_type="application/json")
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_failed"
    assert api.as_user("owner1").tasks() == []


@pytest.mark.parametrize("raw", [b"[]", b"null", b'"text"', b"42"])
def test_a_json_body_that_is_not_an_object_is_422(api: Api, raw: bytes) -> None:
    response = api.as_user("owner1").post(START, data=raw, content_type="application/json")
    assert response.status_code == 422


def test_a_non_json_body_to_complete_is_422(api: Api, filed: int) -> None:
    gdir = api.as_user("gdir_plan")
    task_id = gdir.task_in(filed)["id"]
    response = gdir.post(f"/tasks/{task_id}/complete", data=b"decision=approve", content_type="text/plain")
    assert response.status_code == 422
    assert gdir.task_in(filed)["id"] == task_id


def test_a_non_json_body_to_session_is_422(client: FlaskClient) -> None:
    response = client.post(
        f"{API}/session", data=b"username=owner1&password=demo1234", content_type="text/plain"
    )
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_failed"


def test_start_data_that_is_not_an_object_is_422(api: Api) -> None:
    response = api.as_user("owner1").post(START, json={"data": ["title"]})
    assert response.status_code == 422
    assert [d["field"] for d in error_of(response)["details"]] == ["data"]


def test_a_form_encoded_body_to_a_json_endpoint_is_415(api: Api) -> None:
    """`curl -d '{...}'` sends x-www-form-urlencoded: refused clearly, not silently ignored."""
    owner = api.as_user("owner1")
    response = owner.post(
        START, data='{"data": {"title": "ร่างประกาศ"}}', content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert "application/json" in error_of(response)["message"]
    assert owner.tasks() == []


def test_an_unknown_api_path_is_404_json(api: Api) -> None:
    response = api.as_user("owner1").get("/no-such-thing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_a_wrong_method_is_405_json(api: Api) -> None:
    response = api.as_user("owner1").delete("/tasks")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


@pytest.mark.parametrize("query", ["limit=ten", "offset=-", "fiscal_year=2570.0"])
def test_a_query_number_that_is_not_a_number_is_422(client: FlaskClient, query: str) -> None:
    response = client.get(f"{API}/public/items?{query}")
    assert response.status_code == 422
    assert error_of(response)["details"][0]["field"] == query.split("=")[0]


@pytest.mark.parametrize(
    "query", [f"fiscal_year={2**63}", f"offset={2**63}", f"fiscal_year={2**31}", "limit=-1"]
)
def test_a_query_number_out_of_range_is_not_a_500(client: FlaskClient, query: str) -> None:
    response = client.get(f"{API}/public/items?{query}")
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert error_of(response)["details"][0]["field"] == query.split("=")[0]
