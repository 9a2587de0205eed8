"""Probe: "Sessions and tokens outlive logout and password changes. The session cookie replayed after
ออกจากระบบ still opens /inbox; after an admin sets a new password the old cookie and the old bearer
token still work; tokens never expire; api_token.revoked_at is never set (no API, CLI or page);
reactivating a user revives every old token." Each sentence is a test below."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bpmnpub.cli import main as cli
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts, people

from ..conftest import Clock
from ..web.conftest import API, Api
from ..web.pages import csrf, signed_in


def cookie(client: FlaskClient) -> str:
    found = client.get_cookie("session")
    assert found is not None
    return found.value


def replay(app: Flask, value: str) -> FlaskClient:
    """A new browser holding a copied session cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def opens_inbox(client: FlaskClient) -> bool:
    return client.get("/inbox").status_code == 200


def save(ctx: ServiceContext, actor: Any, username: str, **changes: Any) -> None:
    with ctx.db.read() as session:
        user = accounts.find_user(session, username)
        assert user is not None
        facts = {
            "user_id": user.id,
            "username": user.username,
            "full_name": user.full_name,
            "position": user.position,
            "email": user.email,
            "group_code": user.group.code if user.group else "",
            "roles": sorted(user.role_codes_at(ctx.now())),
            "is_active": user.is_active,
            "password": "",
        }
    people.save_user(ctx, actor("admin1"), **{**facts, **changes})


def test_a_cookie_replayed_after_sign_out_opens_nothing(app: Flask) -> None:
    owner = signed_in(app, "owner1")
    stolen = cookie(owner)
    assert opens_inbox(replay(app, stolen))
    owner.post("/auth/logout", data={"csrf_token": csrf(owner.get("/inbox").get_data(as_text=True))})
    assert not opens_inbox(owner)
    assert not opens_inbox(replay(app, stolen))


def test_a_new_password_ends_the_old_cookie_and_the_old_token(
    app: Flask, api: Api, ctx: ServiceContext, actor: Any
) -> None:
    browser = signed_in(app, "owner1")
    token = api.login("owner1").get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get(f"{API}/tasks", headers=bearer).status_code == 200
    save(ctx, actor, "owner1", password="a-new-password-2569")
    assert not opens_inbox(browser)
    assert app.test_client().get(f"{API}/tasks", headers=bearer).status_code == 401
    assert opens_inbox(signed_in(app, "owner1", "a-new-password-2569"))


def test_tokens_expire(app: Flask, api: Api, ctx: ServiceContext, clock: Clock) -> None:
    token = api.login("owner1").get_json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    clock.advance(days=int(ctx.settings["TOKEN_DAYS"]) - 1)
    assert app.test_client().get(f"{API}/tasks", headers=bearer).status_code == 200
    clock.advance(days=2)
    assert app.test_client().get(f"{API}/tasks", headers=bearer).status_code == 401


def test_a_token_is_revoked_by_the_api_the_page_and_the_command_line(
    app: Flask, api: Api, ctx: ServiceContext, monkeypatch: Any
) -> None:
    first = api.login("owner1").get_json()["token"]
    client = app.test_client()
    assert client.delete(f"{API}/session", headers={"Authorization": f"Bearer {first}"}).status_code == 204
    assert client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {first}"}).status_code == 401

    second = api.login("owner1").get_json()["token"]
    browser = signed_in(app, "owner1")
    page = browser.get("/account/tokens").get_data(as_text=True)
    assert "api session" in page and "ยกเลิกแล้ว" in page  # the first, revoked, is listed as such
    [token_id] = [t.id for t in accounts_tokens(ctx, "owner1") if t.live]
    browser.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf(page)})
    assert client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    other = signed_in(app, "owner2")
    assert other.post(f"/account/tokens/{token_id}/revoke", data={"csrf_token": csrf(page)}).status_code in (
        400,
        404,
    )

    third = api.login("owner1").get_json()["token"]
    monkeypatch.setenv("BPMNPUB_DATA_DIR", str(ctx.data_dir))
    assert cli(["--database-url", ctx.db.url, "token", "revoke", "owner1", "--all"]) == 0
    assert client.get(f"{API}/tasks", headers={"Authorization": f"Bearer {third}"}).status_code == 401


def accounts_tokens(ctx: ServiceContext, username: str) -> list[Any]:
    from bpmnpub.services.office import sessions

    with ctx.db.read() as session:
        user = accounts.find_user(session, username)
        assert user is not None
        who = accounts.actor_of(user, ctx.now())
    return sessions.list_tokens(ctx, who)


def test_reactivating_a_user_revives_no_token_and_no_session(
    app: Flask, api: Api, ctx: ServiceContext, actor: Any
) -> None:
    browser = signed_in(app, "owner1")
    token = api.login("owner1").get_json()["token"]
    save(ctx, actor, "owner1", is_active=False)
    save(ctx, actor, "owner1", is_active=True)
    assert (
        app.test_client().get(f"{API}/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    assert not opens_inbox(browser)


def test_a_role_change_ends_the_browser_session(app: Flask, ctx: ServiceContext, actor: Any) -> None:
    browser = signed_in(app, "owner1")
    save(ctx, actor, "owner1", roles=["publisher"])
    assert not opens_inbox(browser)


def test_idle_and_absolute_timeouts(app: Flask, ctx: ServiceContext, clock: Clock) -> None:
    browser = signed_in(app, "owner1")
    idle = int(ctx.settings["SESSION_IDLE_MINUTES"])
    for _ in range(5):  # in use: kept alive past the idle limit in total
        clock.advance(minutes=idle - 5)
        assert opens_inbox(browser)
    clock.advance(minutes=idle + 1)
    assert not opens_inbox(browser)
    busy = signed_in(app, "owner2")
    for _ in range(int(ctx.settings["SESSION_MAX_HOURS"]) * 2 + 2):
        clock.advance(minutes=30)
        ok = opens_inbox(busy)
    assert not ok  # used every half hour, it still ends after SESSION_MAX_HOURS
