"""Staff pages show a request's data as people read it, never as it is stored.

A memo request, a photo album and a six-monthly report are walked through their real chains (the
scenario data of tests/scenarios); every task page is opened by the person who does it, before and
after, and so are the request's page and the admin's page of it, while it runs and when it is done.
No page may show a stored key (`deputy_recommendation`), an ISO date, a file id, `True`/`False` or a
Python dict.
"""

from __future__ import annotations

import re
from typing import Any

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient

from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import admin_page, tasks

from ..scenarios.paths import SCENARIOS
from ..scenarios.runner import Step, Wait, _find_in_inbox, _resolve, _wait
from .pages import signed_in

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FILE_ID = re.compile(r"\b[0-9a-f]{32}\b")
RAW_WORDS = re.compile(r"\b(True|False|None)\b")
USERNAMES = {"gdir_plan", "gdir_hr"}
SNAKE_KEY = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")  # deputy_recommendation, group_reports, ...


def visible_text(html: str) -> str:
    """What a person reads: text outside scripts, styles and templates (attributes are not read)."""
    doc = lxml.html.fromstring(html)
    for hidden in doc.xpath("//script | //style | //template"):
        hidden.drop_tree()
    return " ".join(doc.text_content().split())


def assert_readable(html: str, where: str, keys: set[str]) -> None:
    text = visible_text(html)
    assert not ISO_DATE.search(text), (where, ISO_DATE.findall(text)[:5])
    assert not FILE_ID.search(text), (where, FILE_ID.findall(text)[:5])
    assert not RAW_WORDS.search(text), (where, RAW_WORDS.findall(text)[:5])
    assert "{'" not in text and "['" not in text, where
    shown_keys = sorted(k for k in keys if re.search(rf"\b{re.escape(k)}\b", text))
    assert not shown_keys, (where, shown_keys)
    # Usernames (gdir_plan) are how admins tell two people of one name apart when reassigning.
    snake = [k for k in SNAKE_KEY.findall(text) if k not in USERNAMES]
    assert not snake, (where, snake[:5])


class Walk:
    """One request walked step by step, its pages opened on the way."""

    def __init__(self, app: Flask, ctx: ServiceContext, clock: Any, actor: Any, scenario_id: str) -> None:
        self.app, self.ctx, self.clock, self.actor = app, ctx, clock, actor
        self.scenario = next(s for s in SCENARIOS if s.id == scenario_id)
        self.clients: dict[str, FlaskClient] = {}
        self.keys: set[str] = set()
        self.pages = 0

    def client(self, username: str) -> FlaskClient:
        if username not in self.clients:
            self.clients[username] = signed_in(self.app, username)
        return self.clients[username]

    def look(self, username: str, path: str) -> str:
        response = self.client(username).get(path)
        if response.status_code == 302 and "/auth/login" in response.headers.get("Location", ""):
            # The scenario waited days on the test clock: that browser session ended (idle timeout).
            self.clients[username] = signed_in(self.app, username)
            response = self.clients[username].get(path)
        assert response.status_code == 200, (username, path, response.status_code)
        html = response.get_data(as_text=True)
        assert_readable(html, f"{username} {path}", self.keys)
        self.pages += 1
        return html

    def run(self) -> int:
        from bpmnpub.services.requests import instances

        iid = instances.start_instance(
            self.ctx, self.scenario.process, None, self.actor(self.scenario.starter)
        ).id
        uploads: dict[str, str] = {}
        for n, step in enumerate(self.scenario.steps):
            if isinstance(step, Wait):
                _wait(self.ctx, self.clock, iid, step.days)
                continue
            assert isinstance(step, Step)
            user = self.actor(step.user)
            task_id = _find_in_inbox(self.ctx, user, iid, step)
            data = _resolve(self.ctx, user, step.data, uploads)
            self.keys |= {k for k in data if "_" in k}
            self.look(step.user, f"/tasks/{task_id}")
            if n == len(self.scenario.steps) // 2:
                self.look("admin1", f"/admin/instances/{iid}")  # running: the correction form is there
            tasks.complete_task(self.ctx, task_id, data, user)
            self.look(step.user, f"/tasks/{task_id}")  # done: the request's details as they now are
        self.keys |= {k for k in instances_data(self.ctx, iid, self.actor) if "_" in k}
        self.look(self.scenario.starter, f"/requests/{iid}")
        self.look("admin1", f"/admin/instances/{iid}")
        return iid


def instances_data(ctx: ServiceContext, iid: int, actor: Any) -> dict[str, Any]:

    return admin_page.get_instance_page(ctx, iid, actor("admin1")).data


@pytest.mark.parametrize(
    "scenario_id",
    ["memo_publication-approve", "photo_publication-approve", "semiannual_report-by-publisher-published"],
)
def test_every_staff_page_of_a_request_reads_as_people_write(
    app: Flask, ctx: ServiceContext, clock: Any, actor: Any, scenario_id: str
) -> None:
    walk = Walk(app, ctx, clock, actor, scenario_id)
    iid = walk.run()
    assert walk.pages >= 6
    data = instances_data(ctx, iid, actor)
    assert {"deputy_recommendation", "photos", "group_reports"} & set(data)  # raw data was there to show
