"""Who may open which staff page: every demo user (and an anonymous visitor) against every page, with
the answer each one must get written down as one table (MATRIX below).

The lanes (docs/architecture.md#permissions): the `requester` step is the starter's only; the
`group_director` step is the director of the requester's own group only; the other lanes are
office-wide; nobody decides on their own request. Admins may read any task (they inspect running
requests) but act on none.

The requests are prepared through the services (fast, no pages), once per database backend; the pages are
then exercised over HTTP with signed-in test clients. A cell that must change something (done, held,
started) acts on a fresh request of its own, so the shared requests stay as they are for every other cell;
a refused POST is checked to have left its task untouched.
"""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from bpmnpub import create_app
from bpmnpub.db import Database
from bpmnpub.engine import Engine
from bpmnpub.models import HumanTask, User
from bpmnpub.permissions import Actor
from bpmnpub.services.files import storage
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.operations import demo
from bpmnpub.services.requests import instances, tasks
from bpmnpub.services.wiring import OPERATORS

from ..conftest import Clock, _reset_postgres, _settings

PASSWORD = "demo1234"  # the demo password (README.md)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ANONYMOUS = "anonymous"
USERS = (*(u for u, *_ in demo.USERS), ANONYMOUS)
GROUP_OF: dict[str, str | None] = {u: g for u, _, _, _, g in demo.USERS} | {ANONYMOUS: None}

# What each user gets, page by page. A cell is one of:
#   200 403 404  that status (a refused POST also leaves its task as it was)
#   login        302 to /auth/login?next=... (signed-in users only)
#   portal       302 to the public portal's home /public/ (the site's front door for visitors)
#   started      302 to /tasks/<id>: the first task of a new request, the caller's own
#   done         302 to /inbox and the task is completed by the caller (a valid form was sent)
#   held         302 to the task page and the task is now claimed by the caller
#   listed       GET /inbox links to the task; `absent`: it does not
# POST /tasks/<step> sends the step's valid form (every user the same), so a 403 is the rule, not a typo.
# LIST is not an HTTP method: the row says whether GET /inbox lists the task.
# Steps of a general_publication request, each its own request waiting there:
#   prepare, review, decision, check   owner1's (group plan): requester, group director, director, publisher
#   hr-prepare, hr-review              owner2's (group hr)
#   gdir-review                        gdir_plan's own, at his own group's director review
# files/attached is the request's attachment; files/foreign the attachment of another group's request.
# At prepare the attachment is only pre-filled (start data): until the form is accepted the request
# does not refer to it, so only its uploader reads it (services/files/file_access.py). At prepare the
# request is its requester's draft (docs/drafts.md): for everyone else, admins included, it is not there.
MATRIX = """
method page                             owner1  owner2  gdir_plan gdir_hr legal1  deputy1 director1 publisher1 pr1     procowner1 admin1  anonymous
GET  /                                  200     200     200       200     200     200     200       200        200     200        200     portal
GET  /inbox                             200     200     200       200     200     200     200       200        200     200        200     login
GET  /requests                          200     200     200       200     200     200     200       200        200     200        200     login
GET  /requests/new                      200     200     200       200     200     200     200       200        200     200        200     login
POST /requests/new/general_publication  started started started   started started started started   started    started started    started login
GET  /tasks/missing                     404     404     404       404     404     404     404       404        404     404        404     login

# owner1's request (group plan), one request waiting at each step
GET  /tasks/prepare                     200     404     404       404     404     404     404       404        404     404        404     login
POST /tasks/prepare                     done    404     404       404     404     404     404       404        404     404        404     login
POST /tasks/prepare/claim               held    403     403       403     403     403     403       403        403     403        403     login
GET  /tasks/prepare/files/attached      200     404     404       404     404     404     404       404        404     404        404     login
GET  /tasks/prepare/files/foreign       404     404     404       404     404     404     404       404        404     404        404     login
LIST /tasks/prepare                     listed  absent  absent    absent  absent  absent  absent    absent     absent  absent     absent  login

GET  /tasks/review                      403     403     200       403     403     403     403       403        403     403        200     login
POST /tasks/review                      403     403     done      403     403     403     403       403        403     403        403     login
POST /tasks/review/claim                403     403     held      403     403     403     403       403        403     403        403     login
GET  /tasks/review/files/attached       403     403     200       403     403     403     403       403        403     403        200     login
GET  /tasks/review/files/foreign        403     403     404       403     403     403     403       403        403     403        404     login
LIST /tasks/review                      absent  absent  listed    absent  absent  absent  absent    absent     absent  absent     absent  login

GET  /tasks/decision                    403     403     403       403     403     403     200       403        403     403        200     login
POST /tasks/decision                    403     403     403       403     403     403     done      403        403     403        403     login
POST /tasks/decision/claim              403     403     403       403     403     403     held      403        403     403        403     login
GET  /tasks/decision/files/attached     403     403     403       403     403     403     200       403        403     403        200     login
GET  /tasks/decision/files/foreign      403     403     403       403     403     403     404       403        403     403        404     login
LIST /tasks/decision                    absent  absent  absent    absent  absent  absent  listed    absent     absent  absent     absent  login

GET  /tasks/check                       403     403     403       403     403     403     403       200        200     403        200     login
POST /tasks/check                       403     403     403       403     403     403     403       done       done    403        403     login
POST /tasks/check/claim                 403     403     403       403     403     403     403       held       held    403        403     login
GET  /tasks/check/files/attached        403     403     403       403     403     403     403       200        200     403        200     login
GET  /tasks/check/files/foreign         403     403     403       403     403     403     403       404        404     403        404     login
LIST /tasks/check                       absent  absent  absent    absent  absent  absent  absent    listed     listed  absent     absent  login

# owner2's request (group hr)
GET  /tasks/hr-prepare                  404     200     404       404     404     404     404       404        404     404        404     login
POST /tasks/hr-prepare                  404     done    404       404     404     404     404       404        404     404        404     login
POST /tasks/hr-prepare/claim            403     held    403       403     403     403     403       403        403     403        403     login
GET  /tasks/hr-prepare/files/attached   404     200     404       404     404     404     404       404        404     404        404     login
GET  /tasks/hr-prepare/files/foreign    404     404     404       404     404     404     404       404        404     404        404     login
LIST /tasks/hr-prepare                  absent  listed  absent    absent  absent  absent  absent    absent     absent  absent     absent  login

GET  /tasks/hr-review                   403     403     403       200     403     403     403       403        403     403        200     login
POST /tasks/hr-review                   403     403     403       done    403     403     403       403        403     403        403     login
POST /tasks/hr-review/claim             403     403     403       held    403     403     403       403        403     403        403     login
GET  /tasks/hr-review/files/attached    403     403     403       200     403     403     403       403        403     403        200     login
GET  /tasks/hr-review/files/foreign     403     403     403       404     403     403     403       403        403     403        404     login
LIST /tasks/hr-review                   absent  absent  absent    listed  absent  absent  absent    absent     absent  absent     absent  login

# gdir_plan's own request, at the review by his own group's director (himself): nobody decides on their
# own request, so it goes up the chain to the deputy in charge (services/requests/routing.py), who holds it
GET  /tasks/gdir-review                 403     403     403       403     403     200     403       403        403     403        200     login
POST /tasks/gdir-review                 403     403     403       403     403     done    403       403        403     403        403     login
POST /tasks/gdir-review/claim           403     403     403       403     403     held    403       403        403     403        403     login
GET  /tasks/gdir-review/files/attached  403     403     403       403     403     200     403       403        403     403        200     login
GET  /tasks/gdir-review/files/foreign   403     403     403       403     403     404     403       403        403     403        404     login
LIST /tasks/gdir-review                 absent  absent  absent    absent  absent  listed  absent    absent     absent  absent     absent  login

"""  # noqa: E501

STEPS: dict[str, tuple[str, int]] = {  # step: (who filed the request, how far it went: an index in SPECS)
    "prepare": ("owner1", 0),
    "review": ("owner1", 1),
    "decision": ("owner1", 2),
    "check": ("owner1", 3),
    "hr-prepare": ("owner2", 0),
    "hr-review": ("owner2", 1),
    "gdir-review": ("gdir_plan", 1),
}
SPECS = ("Task_PrepareRequest", "Task_GroupDirectorReview", "Task_DirectorDecision", "Task_CheckAndPublish")
GROUP_DIRECTOR = {"plan": "gdir_plan", "hr": "gdir_hr"}
FOREIGN = {step: "hr-prepare" if filer == "owner1" else "prepare" for step, (filer, _) in STEPS.items()}
MISSING_TASK = 2_147_483_647  # the largest id the route accepts; no such task
TASK_PAGE = re.compile(r"/tasks/(?P<step>[a-z-]+)(?P<rest>/claim|/files/attached|/files/foreign)?")
OUTCOMES = {"200", "403", "404", "login", "portal", "started", "done", "held", "listed", "absent"}
ACTS = {"done", "held"}  # cells that change their task: they get a fresh request of their own

# Cells that fail because of a bug in src/: (user, method, page) -> the bug. They xfail strictly.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def relation(user: str, step: str) -> str:
    """How a user stands to the request of a step: own-request, own-group or other-group."""
    filer = STEPS[step][0]
    if user == filer:
        return "own-request"
    return "own-group" if GROUP_OF[user] is not None and GROUP_OF[user] == GROUP_OF[filer] else "other-group"


def cell_id(user: str, method: str, page: str) -> str:
    match = TASK_PAGE.fullmatch(page)
    if match is None or match["step"] not in STEPS or user == ANONYMOUS:
        return f"{user}-{method}-{page}"
    return f"{user}-{method}-{page}-{relation(user, match['step'])}"


def cells(matrix: str) -> list[Any]:
    """One pytest.param(user, method, page, expected) per cell of the table."""
    rows = [line.split() for line in matrix.splitlines() if line.strip() and not line.startswith("#")]
    assert tuple(rows[0][2:]) == USERS, "the header names every demo user, then anonymous"
    params = []
    for method, page, *expected in rows[1:]:
        assert len(expected) == len(USERS), (method, page)
        assert method in ("GET", "POST", "LIST"), method
        for user, outcome in zip(USERS, expected, strict=True):
            assert outcome in OUTCOMES, (method, page, user, outcome)
            bug = KNOWN_BUGS.get((user, method, page))
            marks = [pytest.mark.xfail(strict=True, reason=bug)] if bug else []
            params.append(
                pytest.param(user, method, page, outcome, id=cell_id(user, method, page), marks=marks)
            )
    return params


CELLS = cells(MATRIX)


# --- the world: one database per backend with a request waiting at every step, everyone signed in ----


@dataclass(frozen=True)
class Filed:
    instance: int
    task: int
    file: str  # the request's attachment
    depth: int  # index in SPECS


@dataclass(frozen=True)
class Row:
    status: str
    assigned_user_id: int | None
    completed_by_id: int | None
    lane: str
    requester_id: int | None


@dataclass
class World:
    ctx: ServiceContext
    app: Flask
    user_ids: dict[str, int]
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # each client's CSRF token
    shared: dict[str, Filed] = field(default_factory=dict)  # step -> the request every cell reads

    def actor(self, username: str) -> Actor:
        with self.ctx.db.read() as session:
            user = accounts.find_user(session, username)
            assert user is not None, username
            return accounts.actor_of(user, self.ctx.now())

    def file(self, step: str) -> Filed:
        """A new request of the step's filer, moved through the services to the step."""
        filer, depth = STEPS[step]
        who = self.actor(filer)
        file_id = storage.upload_file(self.ctx, io.BytesIO(PDF), "ประกาศ.pdf", actor_id=who.id).id
        view = instances.start_instance(self.ctx, "general_publication", {"attachments": [file_id]}, who)
        reviewers = [GROUP_DIRECTOR[str(GROUP_OF[filer])], "director1"]
        request = {**form_of(0, file_id), "channels": ["website"], "attachments": [file_id]}
        for passed in range(depth):  # the steps before this one, each done by whoever does it
            (task,) = (t for t in view.tasks if t.status == "ready")
            if passed == 0:
                view = tasks.complete_task(self.ctx, task.id, request, who)
            else:
                reviewer = self.actor(reviewers[passed - 1])
                view = tasks.complete_task(self.ctx, task.id, {"decision": "approve"}, reviewer)
        (task,) = (t for t in view.tasks if t.status == "ready")
        assert task.task_spec == SPECS[depth], (step, task.task_spec)
        return Filed(view.id, task.id, file_id, depth)

    def row(self, task_id: int) -> Row:
        with self.ctx.db.read() as session:
            t = session.get(HumanTask, task_id)
            assert t is not None, task_id
            return Row(t.status, t.assigned_user_id, t.completed_by_id, t.lane, t.requester_id)


def form_of(depth: int, file_id: str) -> dict[str, str]:
    """A valid submission of a step's form, as the browser posts it."""
    if depth == 0:  # general_request_form
        return {
            "title": "ประกาศผลการคัดเลือกครูผู้ช่วย",
            "category": "1.3",
            "description": "รายละเอียดประกาศ",
            "purpose": "เพื่อเผยแพร่ต่อสาธารณะ",
            "channels": "website",
            "attachments": file_id,
        }
    if depth == 3:  # publish_check_form
        return {"certified": "true"}
    return {"decision": "approve"}  # review_form


def csrf_of(response: TestResponse) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "the page carries a CSRF token"
    return match.group(1)


def sign_in(app: Flask, username: str) -> tuple[FlaskClient, str]:
    """A test client signed in through the login page (anonymous: only holding a session's CSRF token)."""
    client = app.test_client()
    token = csrf_of(client.get("/auth/login"))
    if username == ANONYMOUS:
        return client, token
    response = client.post(
        "/auth/login", data={"csrf_token": token, "username": username, "password": PASSWORD}
    )
    assert response.status_code == 302, username
    return client, csrf_of(client.get("/requests/new"))  # signing in starts a new session: a new token


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shared_engine: Engine
) -> Iterator[World]:
    """Like `ctx` (a fresh database with the demo office, on each backend), but built once for the module:
    the table's cells only read it, or act on requests of their own."""
    folder: Path = tmp_path_factory.mktemp("pages_permissions")
    if request.param == "sqlite":
        shutil.copy(request.getfixturevalue("sqlite_template"), folder / "bpmnpub.sqlite3")
        url = f"sqlite:///{folder / 'bpmnpub.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        _reset_postgres(url, request.getfixturevalue("postgres_baseline"))
    clock = Clock(datetime(2026, 11, 16, 2, 0, tzinfo=UTC))
    ctx = ServiceContext(
        Database(url), shared_engine, _settings(folder, url), clock=clock, operators=OPERATORS
    )
    app = create_app(context=ctx)
    app.testing = True
    with ctx.db.read() as session:
        user_ids = dict(session.execute(select(User.username, User.id)).all())
    built = World(ctx, app, user_ids)
    for username in USERS:
        built.clients[username], built.tokens[username] = sign_in(app, username)
    for step in STEPS:
        built.shared[step] = built.file(step)
    yield built
    ctx.db.dispose()


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    status: int
    location: str
    body: bytes
    path: str  # the path the page resolved to (/tasks/<id>...)
    filed: Filed | None  # the request a task page was about
    before: Row | None  # its task before the call


def send(world: World, user: str, method: str, page: str, fresh: bool) -> Sent:
    """Make the call a cell describes, on the shared request of its step or (`fresh`) a new one."""
    client, token = world.clients[user], world.tokens[user]
    match = TASK_PAGE.fullmatch(page)
    filed, before = None, None
    if match is None:
        path = page
        response = client.post(path, data={"csrf_token": token}) if method == "POST" else client.get(path)
    elif match["step"] == "missing":
        path = f"/tasks/{MISSING_TASK}"
        response = client.get(path)
    else:
        step, rest = match["step"], match["rest"] or ""
        filed = world.file(step) if fresh else world.shared[step]
        before = world.row(filed.task)
        path = f"/tasks/{filed.task}"
        if method == "LIST":
            response = client.get("/inbox")
        elif rest == "/claim":
            response = client.post(f"{path}/claim", data={"csrf_token": token})
        elif rest:
            file_id = filed.file if rest == "/files/attached" else world.shared[FOREIGN[step]].file
            response = client.get(f"{path}/files/{file_id}")
        elif method == "POST":
            response = client.post(path, data={"csrf_token": token, **form_of(filed.depth, filed.file)})
        else:
            response = client.get(path)
    body = response.get_data()
    response.close()  # a file response holds its file open until closed
    return Sent(response.status_code, response.headers.get("Location", ""), body, path, filed, before)


@pytest.mark.parametrize(("user", "method", "page", "expected"), CELLS)
def test_who_may_open_which_page(world: World, user: str, method: str, page: str, expected: str) -> None:
    sent = send(world, user, method, page, fresh=expected in ACTS)
    said = (sent.status, sent.location, sent.body[:300])
    try:
        if expected == "login":
            assert sent.status == 302 and sent.location.startswith("/auth/login?next="), said
        elif expected == "portal":
            assert (sent.status, sent.location) == (302, "/public/"), said
        elif expected in ("listed", "absent"):
            assert sent.status == 200, said
            assert (f'href="{sent.path}"'.encode() in sent.body) == (expected == "listed")
        elif expected == "started":
            started = re.fullmatch(r"/tasks/(\d+)", sent.location)
            assert sent.status == 302 and started, said
            first = world.row(int(started.group(1)))
            assert first == Row("ready", None, None, "requester", world.user_ids[user])
        elif expected == "done":
            assert sent.filed and (sent.status, sent.location) == (302, "/inbox"), said
            after = world.row(sent.filed.task)
            assert (after.status, after.completed_by_id) == ("completed", world.user_ids[user])
        elif expected == "held":
            assert sent.filed and (sent.status, sent.location) == (302, sent.path), said
            after = world.row(sent.filed.task)
            assert (after.status, after.assigned_user_id) == ("claimed", world.user_ids[user])
        else:
            assert sent.status == int(expected), said
            if expected == "200" and page.endswith("/files/attached"):
                assert sent.body == PDF
        if sent.filed and expected not in ACTS:
            assert world.row(sent.filed.task) == sent.before, "a refused or read-only call changes nothing"
    finally:
        if sent.filed and expected not in ACTS and world.row(sent.filed.task) != sent.before:
            step = next(s for s, f in world.shared.items() if f == sent.filed)
            world.shared[step] = world.file(step)  # so that one wrong cell does not fail the cells after it


# --- focused cases --------------------------------------------------------------------------------


def test_a_group_director_is_never_given_his_own_request_to_review(world: World) -> None:
    own, owner1s = world.shared["gdir-review"].task, world.shared["review"].task
    gdir = world.clients["gdir_plan"]

    def refusal(user: str) -> str:
        """Why the claim is refused (asked as JSON: the HTML error page words it for people)."""
        response = world.clients[user].post(
            f"/tasks/{own}/claim",
            data={"csrf_token": world.tokens[user]},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 403, user
        return str(response.get_json()["error"]["message"])

    assert refusal("gdir_plan") == "nobody decides on their own request"  # refused as the requester ...
    assert refusal("gdir_hr").startswith("only the director of the request")  # ... the other one by group
    inbox = gdir.get("/inbox").get_data(as_text=True)
    assert f'href="/tasks/{owner1s}"' in inbox  # his group's requests reach him ...
    assert f'href="/tasks/{own}"' not in inbox  # ... his own does not
    assert world.row(own).status == "ready"


def test_a_claimed_task_is_its_holders_alone(world: World) -> None:
    check = world.file("check")
    path = f"/tasks/{check.task}"
    publisher, pr = world.clients["publisher1"], world.clients["pr1"]
    assert publisher.post(f"{path}/claim", data={"csrf_token": world.tokens["publisher1"]}).status_code == 302
    held = world.row(check.task)
    assert (held.status, held.assigned_user_id) == ("claimed", world.user_ids["publisher1"])

    assert pr.get(path).status_code == 200  # a publisher may still read it
    assert f'href="{path}"' not in pr.get("/inbox").get_data(as_text=True)
    taken = pr.post(f"{path}/claim", data={"csrf_token": world.tokens["pr1"]})
    assert (taken.status_code, taken.headers["Location"]) == (302, path)  # back to the page, told why
    assert world.row(check.task) == held
    sent = pr.post(path, data={"csrf_token": world.tokens["pr1"], **form_of(3, check.file)})
    assert (sent.status_code, sent.headers["Location"]) == (302, "/inbox")
    assert world.row(check.task) == held

    done = publisher.post(path, data={"csrf_token": world.tokens["publisher1"], **form_of(3, check.file)})
    assert done.status_code == 302
    assert world.row(check.task).status == "completed"


def test_who_did_a_step_may_read_it_afterwards_but_not_do_it_twice(world: World) -> None:
    review = world.file("review")
    path = f"/tasks/{review.task}"
    gdir = world.clients["gdir_plan"]
    approve = {"csrf_token": world.tokens["gdir_plan"], "decision": "approve"}
    assert gdir.post(path, data=approve).status_code == 302
    done = world.row(review.task)
    assert (done.status, done.completed_by_id) == ("completed", world.user_ids["gdir_plan"])
    assert gdir.get(path).status_code == 200
    again = gdir.post(path, data=approve)
    assert (again.status_code, again.headers["Location"]) == (302, "/inbox")  # told it is done already
    assert world.row(review.task) == done
    with world.ctx.db.read() as session:
        steps = session.scalars(select(HumanTask.task_spec).where(HumanTask.instance_id == review.instance))
        assert sorted(steps) == sorted(SPECS[:3])  # the request moved on once
    for other in ("gdir_hr", "owner1", "publisher1"):
        assert world.clients[other].get(path).status_code == 403, other
