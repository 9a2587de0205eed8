"""Admins see, on their pages and through the API, when the background worker has stopped: timers and
the six-monthly schedule would otherwise stop silently while the web app keeps serving."""

from __future__ import annotations

import re

from flask import Flask

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.operations.worker import Worker

from ..conftest import Clock
from .conftest import Api
from .pages import signed_in

WARNING = "ระบบทำงานเบื้องหลังไม่ได้ทำงาน"


def _warning(html: str) -> str | None:
    match = re.search(r'<div class="worker-warning"[^>]*>(.*?)</div>', html, re.S)
    return " ".join(match.group(1).split()) if match else None


def test_the_warning_shows_when_the_heartbeat_is_stale_and_not_when_fresh(
    app: Flask, ctx: ServiceContext, clock: Clock
) -> None:
    admin = signed_in(app, "admin1")
    never = _warning(admin.get("/admin/users").get_data(as_text=True))
    assert never is not None and WARNING in never and "ยังไม่เคย" in never  # no worker ever ran here
    Worker(ctx, interval=30).run_pass()  # a real pass writes the heartbeat at the clock's time
    clock.advance(seconds=60)
    for path in ("/admin/users", "/admin/instances", "/admin/office"):
        assert _warning(admin.get(path).get_data(as_text=True)) is None, path
    clock.advance(seconds=31)  # 91 s: three passes of 30 s missed
    for path in ("/admin/users", "/admin/instances", "/admin/groups"):
        stale = _warning(admin.get(path).get_data(as_text=True))
        assert stale is not None and WARNING in stale, path
        assert "16 พ.ย. 2569 09:00 น." in stale  # when it last reported, Bangkok time, Buddhist era
    admin.get("/lang/en")
    assert "The background worker is not running" in admin.get("/admin/instances").get_data(as_text=True)


def test_only_admins_see_it(app: Flask) -> None:
    assert (
        _warning(signed_in(app, "procowner1").get("/admin/catalogue/categories").get_data(as_text=True))
        is None
    )
    assert _warning(signed_in(app, "owner1").get("/inbox").get_data(as_text=True)) is None
    assert _warning(signed_in(app, "admin1").get("/inbox").get_data(as_text=True)) is None  # admin pages only


def test_the_api_says_the_same(api: Api, ctx: ServiceContext, clock: Clock) -> None:
    admin = api.as_user("admin1")
    assert admin.get("/worker").get_json() == {"status": "missing", "last_beat_at": None, "workers": []}
    Worker(ctx, interval=30).run_pass()
    fresh = admin.get("/worker").get_json()
    assert fresh["status"] == "ok" and fresh["last_beat_at"] == "2026-11-16T02:00:00+00:00"
    [beat] = fresh["workers"]
    assert beat["passes"] == 1 and beat["stale"] is False and beat["pid"] > 0 and beat["last_error"] is None
    clock.advance(minutes=5)
    assert admin.get("/worker").get_json()["status"] == "stale"
    denied = api.as_user("owner1").get("/worker")
    assert denied.status_code == 403 and denied.get_json()["error"]["code"] == "forbidden"
