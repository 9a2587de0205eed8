"""The scenario runner: walks one path through a shipped process the way its users would.

A scenario is data (see paths.py): who starts which process, then a list of steps. For every step the
runner finds the task in the user's own inbox, checks that the wrong people do not see it, reads it
(form key, pre-filled data), submits the form and moves on. At the end it checks the status and
outcome, the public portal, the event log and that nothing is left open.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from sqlalchemy import select

from bpmnpub.models import HumanTask, PublishedItem
from bpmnpub.permissions import Actor
from bpmnpub.services.files import storage
from bpmnpub.services.kernel import trail
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.portal import publishing
from bpmnpub.services.requests import consistency, inbox, instances, tasks, worker_steps

from .. import photos

# The demo user of the *other* group: they must never see a task scoped to this user's group.
WRONG_USER = {"owner1": "owner2", "owner2": "owner1", "gdir_plan": "gdir_hr", "gdir_hr": "gdir_plan"}
PLACEHOLDER = re.compile(r"^<(pdf|jpg)(?::([\w-]+))?>$")
CONTENT: dict[str, Callable[[str], bytes]] = {
    "pdf": lambda label: f"%PDF-1.4\n% scenario {label}\n%%EOF\n".encode(),
    "jpg": photos.jpeg,  # a real photo with GPS in its EXIF: the upload must strip it
}


@dataclass(frozen=True)
class Step:
    """`user` completes the open task `task` with form `form` and `data`. `prefilled`: the task must
    come back filled with the request's current data (a revise task). `shows`: values the task must
    show before it is filled in (pre-filled by the process)."""

    task: str
    user: str
    form: str
    data: dict[str, Any]
    prefilled: bool = False
    shows: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Wait:
    """Let `days` pass and run the timer worker; a day earlier it must not move the request."""

    days: int


@dataclass(frozen=True)
class Item:
    """The one item the path puts on the public portal. `files`: the form field whose file ids
    become its attachments; for albums the photos marked publish are checked instead."""

    title: str
    category: str
    kind: str = "document"
    files: str | None = "attachments"


@dataclass(frozen=True)
class Expect:
    status: str
    outcome: str
    item: Item | None = None


@dataclass(frozen=True)
class Scenario:
    id: str
    process: str
    starter: str
    steps: list[Step | Wait]
    expect: Expect
    xfail: str | None = None  # the reason, when a known bug stops this path


Actors = Callable[[str], Actor]


def run(ctx: ServiceContext, clock: Any, actor: Actors, scenario: Scenario) -> None:
    """Walk the path and check where it ends."""
    iid, current = walk(ctx, clock, actor, scenario)
    _check_end(ctx, actor, iid, scenario, current)
    report = consistency.check_all(ctx)
    assert report.clean, report.findings
    trail_report = trail.verify(ctx)  # every path leaves the event log's hash chains whole
    assert trail_report.intact, [f.describe() for f in trail_report.findings]


def walk(ctx: ServiceContext, clock: Any, actor: Actors, scenario: Scenario) -> tuple[int, dict[str, Any]]:
    """Start the request and take every step; returns its id and its data as its users filled it in."""
    started = instances.start_instance(ctx, scenario.process, None, actor(scenario.starter))
    iid = started.id
    current: dict[str, Any] = {}
    uploads: dict[str, str] = {}
    for step in scenario.steps:
        if isinstance(step, Wait):
            _wait(ctx, clock, iid, step.days)
            continue
        user = actor(step.user)
        task_id = _find_in_inbox(ctx, user, iid, step)
        detail = tasks.get_task(ctx, task_id, user)
        decides = "decision" in detail.form["schema"]["properties"]
        # The other group's director never sees it; the starter never sees a decision on their request
        # (another step of the same role is theirs to do, e.g. a publisher who started the programme).
        starter_kept_out = decides and step.user != scenario.starter and detail.lane != "requester"
        outsiders = {WRONG_USER.get(step.user), scenario.starter if starter_kept_out else None}
        for other in sorted(o for o in outsiders if o):
            seen = {t.id for t in inbox.list_tasks(ctx, actor(other), limit=200)}
            assert task_id not in seen, f"{other} must not see {step.task} of {step.user}"
        assert detail.form["key"] == step.form, f"{step.task} shows form {detail.form.get('key')}"
        if step.prefilled:
            known = {k: current[k] for k in detail.form["schema"]["properties"] if k in current}
            assert known, f"{step.task}: nothing to pre-fill"
            assert {k: detail.data.get(k) for k in known} == known, f"{step.task} is not pre-filled"
        for key, value in step.shows.items():
            assert detail.context.get(key) == value, f"{step.task} shows {key}={detail.context.get(key)!r}"
        data = _resolve(ctx, user, step.data, uploads)
        tasks.complete_task(ctx, task_id, data, user)
        current.update(data)
        after = consistency.check_instances(ctx, [iid])
        assert after.clean, (step.task, after.findings)
    return iid, current


def _open_tasks(ctx: ServiceContext, iid: int) -> dict[int, str]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(HumanTask.id, HumanTask.task_spec).where(
                HumanTask.instance_id == iid, HumanTask.status.in_(["ready", "claimed"])
            )
        )
        return dict(rows.all())


def _find_in_inbox(ctx: ServiceContext, user: Actor, iid: int, step: Step) -> int:
    open_now = _open_tasks(ctx, iid)
    listed = [t for t in inbox.list_tasks(ctx, user, limit=200) if t.instance_id == iid]
    mine = [t.id for t in listed if open_now.get(t.id) == step.task]
    assert len(mine) == 1, f"{step.user} should see one {step.task}; open: {open_now}, inbox: {listed}"
    return mine[0]


def _resolve(ctx: ServiceContext, user: Actor, value: Any, uploads: dict[str, str]) -> Any:
    """Replace "<pdf>", "<jpg:2>", ... by the id of an uploaded file (one upload per placeholder)."""
    if isinstance(value, dict):
        return {k: _resolve(ctx, user, v, uploads) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(ctx, user, v, uploads) for v in value]
    match = PLACEHOLDER.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    if value not in uploads:
        kind, label = match.group(1), match.group(2) or "1"
        content = CONTENT[kind](label)
        uploads[value] = storage.upload_file(
            ctx, io.BytesIO(content), f"ไฟล์-{label}.{kind}", actor_id=user.id
        ).id
    return uploads[value]


def _wait(ctx: ServiceContext, clock: Any, iid: int, days: int) -> None:
    assert _open_tasks(ctx, iid) == {}, "the request should be waiting on its timer only"
    clock.advance(days=days - 1)
    assert worker_steps.fire_due_timers(ctx) == 0, f"the timer fired before {days} days"
    assert _open_tasks(ctx, iid) == {}
    # The worker's first tick after the due time. Not *at* it: see test_timers.py (a known bug).
    clock.advance(days=1, seconds=int(ctx.settings["WORKER_INTERVAL"]))
    assert worker_steps.fire_due_timers(ctx) == 1, f"the timer did not fire after {days} days"


def _check_end(
    ctx: ServiceContext, actor: Actors, iid: int, scenario: Scenario, current: dict[str, Any]
) -> None:
    expect = scenario.expect
    view = instances.get_instance(ctx, iid, actor("admin1"))
    assert (view.status, view.outcome) == (expect.status, expect.outcome)
    assert view.events[-1].action == expect.status
    assert _open_tasks(ctx, iid) == {}, "a task was left open"
    steps = [s for s in scenario.steps if isinstance(s, Step)]
    logged = [(e.task, e.actor, e.decision, e.comment) for e in view.events if e.action == "task_completed"]
    walked = [(s.task, s.user, s.data.get("decision") or None, s.data.get("comment") or None) for s in steps]
    assert logged == walked
    assert expect.outcome != "published" or expect.item is not None, "a published path must name its item"
    items = publishing.list_public_items(ctx)
    if expect.item is None:
        assert items == []
        return
    assert [(i.title, i.category, i.kind) for i in items] == [
        (expect.item.title, expect.item.category, expect.item.kind)
    ]
    if expect.item.files:
        assert items[0].attachments == current[expect.item.files]
    if expect.item.kind == "album":
        with ctx.db.read() as session:
            photos = session.scalar(select(PublishedItem.photos).where(PublishedItem.id == items[0].id))
        chosen = [p for p in current["photos"] if p["publish"]]
        assert [(p["file"], p["caption"], p["alt_text"]) for p in photos or []] == [
            (p["file"], p["caption"], p["alt_text"]) for p in chosen
        ]
        for photo in photos or []:
            _check_clean_photo(ctx, photo)


def _check_clean_photo(ctx: ServiceContext, photo: dict[str, Any]) -> None:
    """A published photo lost its EXIF (GPS included) on upload and has a thumbnail of its own."""
    with Image.open(io.BytesIO(storage.read_file(ctx, photo["file"])[1])) as image:
        assert not image.getexif(), "EXIF must not reach a stored photo"
    thumb, thumb_content = storage.read_file(ctx, photo["thumb"])
    assert photo["thumb"] != photo["file"] and thumb.content_type == "image/webp"
    with Image.open(io.BytesIO(thumb_content)) as image:
        assert max(image.size) <= 480
