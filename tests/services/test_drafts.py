"""Drafts (docs/drafts.md): "เริ่ม" makes a request only its requester sees until the first form is sent;
a step's form can be saved without sending it, one draft per step and person, dropped when the step
closes; a stale draft is a clear conflict. On SQLite and PostgreSQL (the `ctx` fixture)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bpmnpub.errors import Conflict, ConflictError, NotFoundError, PermissionDeniedError
from bpmnpub.models import HumanTask, ProcessInstance, TaskDraft
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.pages import request_page
from bpmnpub.services.pages.task_page import get_task_page
from bpmnpub.services.portal import ita_index
from bpmnpub.services.procedures import library
from bpmnpub.services.requests import drafts, holding, inbox, instances, monitoring, statistics, tasks
from bpmnpub.thaidate import fiscal_year

from .conftest import request_data, task_id, upload_pdf

OTHERS = ("gdir_plan", "director1", "deputy1", "legal1", "admin1", "procowner1", "owner2")


def _running_count(ctx: ServiceContext, admin: Any, process_id: str) -> tuple[int, int]:
    entry = next(p for p in library.list_processes(ctx, admin) if p.process_id == process_id)
    return sum(v.running for v in entry.versions), sum(v.total for v in entry.versions)


def _draft_rows(ctx: ServiceContext) -> list[tuple[int, int, str]]:
    with ctx.db.read() as session:
        return [
            (t, u, s)
            for t, u, s in session.execute(
                select(TaskDraft.task_id, TaskDraft.user_id, HumanTask.status).join(
                    HumanTask, HumanTask.id == TaskDraft.task_id
                )
            )
        ]


def test_a_started_request_is_its_requesters_draft_until_sent(ctx: ServiceContext, actor: Any) -> None:
    owner, admin = actor("owner1"), actor("admin1")
    counts_before = _running_count(ctx, admin, "general_publication")
    stats_before = statistics.process_stats(ctx, admin, "general_publication").instances
    listed_before = monitoring.list_instances(ctx, admin, monitoring.InstanceFilters()).total
    year = fiscal_year(ctx.now())
    ita_before = ita_index.dashboard(ctx, admin, year)

    started = instances.start_instance(ctx, "general_publication", None, owner)
    assert started.draft
    for name in OTHERS:  # nobody else: not the group's director, not office-wide roles, not admins
        with pytest.raises(NotFoundError):
            instances.get_instance(ctx, started.id, actor(name))
        with pytest.raises(NotFoundError):
            request_page.get_request_page(ctx, started.id, actor(name))
        assert all(t.instance_id != started.id for t in inbox.list_tasks(ctx, actor(name)))
    first = task_id(ctx, owner, started.id)
    with pytest.raises(NotFoundError):
        get_task_page(ctx, first, admin)  # admins may read any task, but a draft is not there yet
    # not in the admins' list, the library's running counts, the statistics, the ITA dashboard
    assert monitoring.list_instances(ctx, admin, monitoring.InstanceFilters()).total == listed_before
    assert _running_count(ctx, admin, "general_publication") == counts_before
    assert statistics.process_stats(ctx, admin, "general_publication").instances == stats_before
    assert ita_index.dashboard(ctx, admin, year) == ita_before
    # the requester sees it as a draft: in "my requests" (deletable, not withdrawable) and the inbox
    [mine] = instances.list_my_requests(ctx, owner)
    assert (mine.draft, mine.draft_task_id, mine.withdrawable) == (True, first, False)
    [task] = [t for t in inbox.list_tasks(ctx, owner) if t.instance_id == started.id]
    assert task.draft

    tasks.complete_task(ctx, first, request_data(upload_pdf(ctx, owner)), owner)

    assert not instances.get_instance(ctx, started.id, owner).draft
    assert instances.get_instance(ctx, started.id, actor("gdir_plan")).id == started.id
    assert [t.draft for t in inbox.list_tasks(ctx, actor("gdir_plan")) if t.instance_id == started.id] == [
        False
    ]
    assert monitoring.list_instances(ctx, admin, monitoring.InstanceFilters()).total == listed_before + 1
    assert _running_count(ctx, admin, "general_publication") == (counts_before[0] + 1, counts_before[1] + 1)
    assert statistics.process_stats(ctx, admin, "general_publication").instances == stats_before + 1
    [mine] = instances.list_my_requests(ctx, owner)
    assert (mine.draft, mine.withdrawable) == (False, True)


def test_a_scheduled_start_is_never_a_draft(ctx: ServiceContext, actor: Any) -> None:
    started = instances.start_instance(ctx, "semiannual_report", None, None)
    assert not started.draft


def test_a_step_form_saved_without_sending_comes_back_and_goes_when_the_step_completes(
    ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    assert get_task_page(ctx, first, owner).draft is None
    drafts.save_draft(ctx, first, {"title": "ร่างแรก"}, owner)
    saved = drafts.save_draft(ctx, first, {"title": "ร่างที่สอง", "channels": ["website"]}, owner)
    page = get_task_page(ctx, first, owner)
    assert page.draft is not None
    assert page.draft.values == {"title": "ร่างที่สอง", "channels": ["website"]} == saved.values
    assert page.is_draft_request
    assert len(_draft_rows(ctx)) == 1  # one draft per step and person: the second save replaced it
    # saving a draft sends nothing: the request is still a draft, its title unset, nobody told
    assert instances.get_instance(ctx, started.id, owner).draft
    assert instances.get_instance(ctx, started.id, owner).title == ""
    for stranger in ("owner2", "admin1"):  # someone else's draft request does not exist for them
        with pytest.raises(NotFoundError):
            drafts.save_draft(ctx, first, {"title": "ไม่ใช่ของฉัน"}, actor(stranger))

    tasks.complete_task(ctx, first, request_data(upload_pdf(ctx, owner)), owner)
    assert _draft_rows(ctx) == []
    with pytest.raises(ConflictError) as stale:
        drafts.save_draft(ctx, first, {"title": "แท็บเก่า"}, owner)
    assert stale.value.reason == Conflict.TASK_DONE
    assert _draft_rows(ctx) == []


def test_a_reviewers_draft_is_stale_once_someone_else_ends_the_step(ctx: ServiceContext, actor: Any) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), request_data(upload_pdf(ctx, owner)), owner)
    review = task_id(ctx, gdir, started.id)
    drafts.save_draft(ctx, review, {"decision": "revise", "comment": "กำลังพิมพ์"}, gdir)
    instances.withdraw_request(ctx, started.id, owner, "ยื่นผิดเรื่อง")  # the step is cancelled
    assert _draft_rows(ctx) == []
    with pytest.raises(ConflictError) as stale:
        drafts.save_draft(ctx, review, {"decision": "approve"}, gdir)
    assert stale.value.reason == Conflict.TASK_CLOSED
    assert get_task_page(ctx, review, gdir).draft is None
    with pytest.raises(PermissionDeniedError):  # a stranger learns nothing about the step
        drafts.save_draft(ctx, review, {"decision": "approve"}, actor("gdir_hr"))


def test_a_draft_is_per_person(ctx: ServiceContext, actor: Any) -> None:
    """deputy1 acts for nobody; gdir_plan and an acting-for substitute would each keep their own."""
    owner, gdir = actor("owner1"), actor("gdir_plan")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), request_data(upload_pdf(ctx, owner)), owner)
    review = task_id(ctx, gdir, started.id)
    drafts.save_draft(ctx, review, {"comment": "ของ ผอ.กลุ่ม"}, gdir)
    page = get_task_page(ctx, review, actor("admin1"))
    assert page.draft is None  # the admin reads the step, not the director's draft
    holding.claim_task(ctx, review, gdir)
    # claimed by gdir: nobody else may save a draft of it (they could not send it either)
    with pytest.raises((PermissionDeniedError, ConflictError)):
        drafts.save_draft(ctx, review, {"comment": "ผู้อื่น"}, actor("deputy1"))


def test_deleting_a_draft(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    drafts.save_draft(ctx, first, {"title": "จะลบ"}, owner)
    with pytest.raises(NotFoundError):
        instances.discard_draft(ctx, started.id, actor("owner2"))
    with pytest.raises(NotFoundError):
        instances.discard_draft(ctx, started.id, actor("admin1"))
    instances.discard_draft(ctx, started.id, owner)
    assert instances.list_my_requests(ctx, owner) == []
    assert [t for t in inbox.list_tasks(ctx, owner) if t.instance_id == started.id] == []
    assert _draft_rows(ctx) == []
    with pytest.raises(ConflictError) as twice:
        instances.discard_draft(ctx, started.id, owner)
    assert twice.value.reason == Conflict.TASK_CLOSED
    with pytest.raises(ConflictError):
        drafts.save_draft(ctx, first, {"title": "แท็บเก่า"}, owner)
    with pytest.raises(NotFoundError):  # still nobody else's business
        instances.get_instance(ctx, started.id, actor("admin1"))
    assert (
        monitoring.list_instances(ctx, actor("admin1"), monitoring.InstanceFilters(status="terminated")).total
        == 0
    )

    sent = instances.start_instance(ctx, "general_publication", None, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, sent.id), request_data(upload_pdf(ctx, owner)), owner)
    with pytest.raises(ConflictError) as not_draft:
        instances.discard_draft(ctx, sent.id, owner)
    assert not_draft.value.reason == Conflict.NOT_DRAFT


def test_start_opens_an_untouched_draft_again(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    assert instances.untouched_draft(ctx, "general_publication", owner) is None
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    assert instances.untouched_draft(ctx, "general_publication", owner) == first
    assert instances.untouched_draft(ctx, "general_publication", actor("owner2")) is None
    assert instances.untouched_draft(ctx, "photo_publication", owner) is None
    drafts.save_draft(ctx, first, {"title": "เริ่มกรอกแล้ว"}, owner)
    assert instances.untouched_draft(ctx, "general_publication", owner) is None


def test_concurrent_saves_of_one_draft_leave_one_of_them(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    errors: list[BaseException] = []

    def save(n: int) -> None:
        try:
            drafts.save_draft(ctx, first, {"title": f"ฉบับที่ {n}"}, owner)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = _draft_rows(ctx)
    assert len(rows) == 1
    page = get_task_page(ctx, first, owner)
    assert page.draft is not None and page.draft.values["title"] in {f"ฉบับที่ {n}" for n in range(8)}


def test_a_save_racing_the_completion_never_outlives_it(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    data = request_data(upload_pdf(ctx, owner))
    for _round in range(3):
        started = instances.start_instance(ctx, "general_publication", None, owner)
        first = task_id(ctx, owner, started.id)
        outcome: dict[str, Any] = {}

        def save(first: int = first, outcome: dict[str, Any] = outcome) -> None:
            try:
                drafts.save_draft(ctx, first, {"title": "แท็บที่สอง"}, owner)
                outcome["save"] = "saved"
            except ConflictError as exc:
                outcome["save"] = exc.reason

        def complete(first: int = first, outcome: dict[str, Any] = outcome) -> None:
            tasks.complete_task(ctx, first, data, owner)
            outcome["complete"] = "done"

        threads = [threading.Thread(target=save), threading.Thread(target=complete)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert outcome["complete"] == "done"
        assert outcome["save"] in ("saved", Conflict.TASK_DONE)
        assert [r for r in _draft_rows(ctx) if r[2] != "ready" and r[2] != "claimed"] == []


OPS = st.lists(
    st.sampled_from(["start", "save", "save_other", "submit", "discard", "review_save", "withdraw"]),
    min_size=1,
    max_size=8,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_draft_invariants_hold_in_any_order(ctx: ServiceContext, actor: Any, ops: list[str]) -> None:
    """Whatever is done in whatever order: no saved draft of a closed step; a request is visible to
    others exactly when it has been sent; every refusal is a domain error, never a crash."""
    owner, other, gdir = actor("owner1"), actor("owner2"), actor("gdir_plan")
    data = request_data(upload_pdf(ctx, owner))
    current: int | None = None
    for op in ops:
        try:
            if op == "start" or current is None:
                current = instances.start_instance(ctx, "general_publication", None, owner).id
                continue
            open_ids = [
                t.id for t in instances.get_instance(ctx, current, owner).tasks if t.status == "ready"
            ]
            mine = [t.id for t in inbox.list_tasks(ctx, owner) if t.instance_id == current]
            theirs = [t.id for t in inbox.list_tasks(ctx, gdir) if t.instance_id == current]
            if op == "save" and (mine or open_ids):
                drafts.save_draft(ctx, (mine or open_ids)[0], {"title": "ร่าง"}, owner)
            elif op == "save_other" and open_ids:
                drafts.save_draft(ctx, open_ids[0], {"title": "ของคนอื่น"}, other)
            elif op == "submit" and mine:
                tasks.complete_task(ctx, mine[0], data, owner)
            elif op == "discard":
                instances.discard_draft(ctx, current, owner)
            elif op == "review_save" and theirs:
                drafts.save_draft(ctx, theirs[0], {"decision": "approve"}, gdir)
            elif op == "withdraw":
                instances.withdraw_request(ctx, current, owner, "เปลี่ยนใจ")
        except (ConflictError, NotFoundError, PermissionDeniedError):
            pass
        except Exception as exc:  # a ValidationError or anything else is a finding
            raise AssertionError(f"{op} raised {exc!r}") from exc
        assert [r for r in _draft_rows(ctx) if r[2] not in ("ready", "claimed")] == []
        with ctx.db.read() as session:
            rows = session.execute(select(ProcessInstance.id, ProcessInstance.submitted_at)).all()
            sent_with_task = set(
                session.scalars(
                    select(HumanTask.instance_id)
                    .where(HumanTask.status == "completed")
                    .group_by(HumanTask.instance_id)
                    .having(func.count() > 0)
                )
            )
        for instance_id, submitted in rows:
            assert (submitted is not None) == (instance_id in sent_with_task)
            try:
                instances.get_instance(ctx, instance_id, gdir)
                seen = True
            except NotFoundError:
                seen = False
            assert seen == (submitted is not None)


def test_the_upgrade_makes_untouched_requests_their_starters_drafts(ctx: ServiceContext, actor: Any) -> None:
    """Migration 0029: a request nobody worked on (the old "เริ่ม" pile) becomes its starter's draft;
    a filed one, a scheduled one and an ended one stay submitted."""
    from alembic import command

    from bpmnpub.db import alembic_config

    owner = actor("owner1")
    untouched = instances.start_instance(ctx, "general_publication", None, owner).id
    filed = instances.start_instance(ctx, "general_publication", None, owner).id
    tasks.complete_task(ctx, task_id(ctx, owner, filed), request_data(upload_pdf(ctx, owner)), owner)
    scheduled = instances.start_instance(ctx, "semiannual_report", None, None).id
    ended = instances.start_instance(ctx, "general_publication", None, owner).id
    instances.withdraw_request(ctx, ended, owner, "ยื่นผิด")
    config = alembic_config(ctx.db.url)
    with ctx.db.write_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0027")
        command.upgrade(config, "head")
        connection.commit()
    with ctx.db.read() as session:
        drafted = set(
            session.scalars(select(ProcessInstance.id).where(ProcessInstance.submitted_at.is_(None))).all()
        )
    assert untouched in drafted
    assert not drafted & {filed, scheduled, ended}
    with pytest.raises(NotFoundError):
        instances.get_instance(ctx, untouched, actor("gdir_plan"))
