"""What an app server behind a reverse proxy, one of several, answers (issue 15): a stored file's ETag is its
sha256 (the same whichever server answers) and a missing one is a 404; a database that is away for a
moment is a 503 with Retry-After, never a 500; the client's address comes from X-Forwarded-For only when
proxies are trusted; PostgreSQL without BPMNPUB_SECRET_KEY refuses to start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import exc as sa_exc
from sqlalchemy import select

from bpmnpub import create_app
from bpmnpub.config import ConfigurationError
from bpmnpub.models import LoginFailure
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.portal import public_pages, publishing

from ..blobs import remove_content
from .conftest import PDF, Api
from .pages import csrf, signed_in


def _stored_in_a_request(api: Api) -> tuple[int, str]:
    owner = api.as_user("owner1")
    instance_id = int(owner.start().get_json()["id"])
    return instance_id, owner.upload_id(PDF + b"% scale-out\n")


def test_a_downloaded_files_etag_is_its_sha256_and_a_second_look_costs_nothing(
    app: Flask, api: Api, ctx: ServiceContext
) -> None:
    instance_id, file_id = _stored_in_a_request(api)
    info, _ = storage.get_file(ctx, file_id)
    browser = signed_in(app, "owner1")
    with browser.get(f"/requests/{instance_id}/files/{file_id}") as first:  # streamed: closed after
        assert first.status_code == 200 and first.data == PDF + b"% scale-out\n"
        assert first.headers["ETag"] == f'"{info.sha256}"'
        assert int(first.headers["Content-Length"]) == info.size
    again = browser.get(
        f"/requests/{instance_id}/files/{file_id}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and not again.data


def test_a_file_whose_bytes_are_missing_is_a_404_not_a_server_error(
    app: Flask, api: Api, ctx: ServiceContext
) -> None:
    instance_id, file_id = _stored_in_a_request(api)
    remove_content(ctx, file_id)
    response = signed_in(app, "owner1").get(f"/requests/{instance_id}/files/{file_id}")
    assert response.status_code == 404


def _lost_connection(*_: Any, **__: Any) -> None:
    raise sa_exc.OperationalError("SELECT 1", {}, ConnectionResetError("server closed the connection"))


def test_a_database_away_for_a_moment_is_a_503_to_try_again(
    app: Flask, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(public_pages, "home", _lost_connection)
    page = app.test_client().get("/public/")
    assert page.status_code == 503 and page.headers["Retry-After"] == "3"
    html = page.get_data(as_text=True)
    assert "ระบบไม่พร้อมชั่วคราว" in html and 'href="/public/"' in html  # "try again": the same page
    monkeypatch.setattr(publishing, "list_public_items", _lost_connection)
    answer = app.test_client().get("/api/v1/public/items?q=x")
    assert answer.status_code == 503 and answer.get_json()["error"]["code"] == "database_unavailable"


def test_the_clients_address_comes_from_the_proxy_only_when_trusted(ctx: ServiceContext) -> None:
    def failed_from(app: Flask) -> list[str]:
        client = app.test_client()
        token = csrf(client.get("/auth/login").get_data(as_text=True))
        client.post(
            "/auth/login",
            data={"csrf_token": token, "username": "owner1", "password": "wrong"},
            headers={"X-Forwarded-For": "203.0.113.7"},
        )
        with ctx.db.read() as session:
            return list(session.scalars(select(LoginFailure.remote_addr).order_by(LoginFailure.id)))

    assert failed_from(create_app(context=ctx)) == ["127.0.0.1"]  # a forged header changes nothing
    ctx.settings["TRUSTED_PROXIES"] = 1
    assert failed_from(create_app(context=ctx)) == ["127.0.0.1", "203.0.113.7"]  # nginx said who it was


def test_postgresql_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    settings = {
        "DATA_DIR": str(tmp_path),
        "SECRET_KEY": "",
        "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:9/x",
    }
    with pytest.raises(ConfigurationError, match="BPMNPUB_SECRET_KEY is required"):
        create_app(settings)
    assert not (tmp_path / "secret_key").exists()
    create_app({"DATA_DIR": str(tmp_path), "SECRET_KEY": ""})  # SQLite: a key made in the data directory
    assert (tmp_path / "secret_key").exists()
