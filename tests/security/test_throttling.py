"""Probe: "Lockout as a weapon. Five wrong passwords from anywhere lock an account for 15 minutes even for
the right password from another address; five failures behind an office's shared address lock everyone
behind it. Five requests every 15 minutes keep the director out for good." Addresses are strings in the
WSGI environ (loopback range): nothing goes on a network."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import throttling

from ..conftest import Clock
from ..web.pages import csrf, signed_in

ATTACKER, DIRECTOR_DESK, OFFICE_NAT = "127.0.0.66", "127.0.0.10", "127.0.0.20"


def attempt(app: Flask, username: str, password: str, address: str) -> TestResponse:
    client: FlaskClient = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf(client.get("/auth/login").get_data(as_text=True))
    return client.post("/auth/login", data={"csrf_token": token, "username": username, "password": password})


def test_failures_from_anywhere_never_lock_out_the_right_password_from_elsewhere(
    app: Flask, clock: Clock
) -> None:
    for _ in range(12):  # "five requests every 15 minutes", and more
        attempt(app, "director1", "guess", ATTACKER)
        clock.advance(seconds=1)
    assert attempt(app, "director1", "demo1234", DIRECTOR_DESK).status_code == 302


def test_a_colleague_behind_the_same_address_is_not_locked_out(app: Flask) -> None:
    for _ in range(6):
        attempt(app, "owner2", "typo", OFFICE_NAT)
    assert attempt(app, "owner1", "demo1234", OFFICE_NAT).status_code == 302


def test_the_same_pair_waits_longer_and_longer_then_gets_in(app: Flask, clock: Clock) -> None:
    for _ in range(throttling.FREE_TRIES):
        assert attempt(app, "owner1", "wrong", OFFICE_NAT).status_code == 401
    refused = attempt(app, "owner1", "demo1234", OFFICE_NAT)
    assert refused.status_code == 429 and "กรุณารอ 6 วินาที" in refused.get_data(as_text=True)
    clock.advance(seconds=6)
    assert attempt(app, "owner1", "wrong", OFFICE_NAT).status_code == 401  # the 4th failure: 10 s now
    clock.advance(seconds=6)
    assert attempt(app, "owner1", "demo1234", OFFICE_NAT).status_code == 429
    clock.advance(seconds=5)
    assert attempt(app, "owner1", "demo1234", OFFICE_NAT).status_code == 302
    assert throttling.delay_after(30).total_seconds() == 15 * 60  # capped


def test_spraying_many_usernames_blocks_that_address_only(app: Flask) -> None:
    for n in range(throttling.ADDRESS_USERNAMES):
        attempt(app, f"user{n}", "password1", ATTACKER)
    assert attempt(app, "owner1", "demo1234", ATTACKER).status_code == 429
    assert attempt(app, "owner1", "demo1234", DIRECTOR_DESK).status_code == 302


def test_admins_see_and_clear_throttles_on_the_record(app: Flask, ctx: ServiceContext, clock: Clock) -> None:
    for _ in range(throttling.FREE_TRIES + 1):
        attempt(app, "owner1", "wrong", OFFICE_NAT)
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/throttles").get_data(as_text=True)
    assert "owner1" in page and OFFICE_NAT in page
    assert signed_in(app, "owner2").get("/admin/throttles").status_code == 403
    admin.post(
        "/admin/throttles/clear", data={"csrf_token": csrf(page), "username": "owner1", "address": OFFICE_NAT}
    )
    assert attempt(app, "owner1", "demo1234", OFFICE_NAT).status_code == 302
    history = admin.get("/admin/users").get_data(as_text=True)
    assert history  # the clearing is an audit row (admin_event), read back below
    from sqlalchemy import select

    from bpmnpub.models import AdminEvent

    with ctx.db.read() as session:
        actions = set(session.scalars(select(AdminEvent.action)))
    assert "throttle_cleared" in actions
