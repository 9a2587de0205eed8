"""Inbox, claim and complete: permissions by lane scope, validation, conflicts, failures."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from bpmnpub.errors import Conflict, ConflictError, PermissionDeniedError, ValidationError
from bpmnpub.models import HumanTask, InstanceEvent, ProcessInstance
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.pages import task_page
from bpmnpub.services.requests import holding, inbox, instances, tasks
from bpmnpub.services.requests.results import InstanceView

from .conftest import request_data, task_id, upload_pdf

REVISE = {"decision": "revise", "comment": "แนบฉบับลงนาม"}


def open_tasks(ctx: ServiceContext, instance_id: int) -> list[tuple[str, str]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(HumanTask.task_spec, HumanTask.status).where(
                HumanTask.instance_id == instance_id, HumanTask.status.in_(["ready", "claimed"])
            )
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def events(ctx: ServiceContext, instance_id: int, action: str | None = None) -> int:
    with ctx.db.read() as session:
        stmt = select(func.count()).select_from(InstanceEvent).where(InstanceEvent.instance_id == instance_id)
        if action:
            stmt = stmt.where(InstanceEvent.action == action)
        return int(session.scalar(stmt) or 0)


def test_requester_step_is_only_for_the_requester(ctx: ServiceContext, actor: Any) -> None:
    owner, other = actor("owner1"), actor("owner2")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    assert [t.instance_id for t in inbox.list_tasks(ctx, owner)] == [started.id]
    assert inbox.list_tasks(ctx, other) == []
    first = task_id(ctx, owner, started.id)
    with pytest.raises(PermissionDeniedError):
        tasks.complete_task(ctx, first, request_data(upload_pdf(ctx, other)), other)


def test_group_director_of_another_group_neither_sees_nor_acts(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    review = task_id(ctx, actor("gdir_plan"), filed.id)
    assert all(t.instance_id != filed.id for t in inbox.list_tasks(ctx, actor("gdir_hr")))
    with pytest.raises(PermissionDeniedError, match="group"):
        tasks.complete_task(ctx, review, {"decision": "approve"}, actor("gdir_hr"))
    with pytest.raises(PermissionDeniedError):
        tasks.get_task(ctx, review, actor("gdir_hr"))
    assert open_tasks(ctx, filed.id) == [("Task_GroupDirectorReview", "ready")]


def test_nobody_decides_on_their_own_request(ctx: ServiceContext, actor: Any) -> None:
    gdir = actor("gdir_plan")
    started = instances.start_instance(ctx, "general_publication", None, gdir)
    tasks.complete_task(ctx, task_id(ctx, gdir, started.id), request_data(upload_pdf(ctx, gdir)), gdir)
    assert inbox.list_tasks(ctx, gdir) == []
    with ctx.db.read() as session:
        review = session.scalar(
            select(HumanTask.id).where(HumanTask.instance_id == started.id, HumanTask.status == "ready")
        )
    with pytest.raises(PermissionDeniedError, match="own request"):
        tasks.complete_task(ctx, int(review or 0), {"decision": "approve"}, gdir)


def test_form_errors_are_per_field_and_change_nothing(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    gdir = actor("gdir_plan")
    review = task_id(ctx, gdir, filed.id)
    before = events(ctx, filed.id)
    with pytest.raises(ValidationError) as caught:
        tasks.complete_task(ctx, review, {"decision": "revise"}, gdir)
    assert [p.field for p in caught.value.problems] == ["comment"]
    with pytest.raises(ValidationError) as caught:
        tasks.complete_task(ctx, review, {"decision": "maybe", "extra": 1}, gdir)
    assert {p.field for p in caught.value.problems} == {"decision", "extra", "comment"}
    assert events(ctx, filed.id) == before
    assert open_tasks(ctx, filed.id) == [("Task_GroupDirectorReview", "ready")]


def test_second_submit_is_a_conflict_and_moves_nothing(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    gdir = actor("gdir_plan")
    review = task_id(ctx, gdir, filed.id)
    tasks.complete_task(ctx, review, {"decision": "approve"}, gdir)
    with pytest.raises(ConflictError, match="already been completed") as caught:
        tasks.complete_task(ctx, review, {"decision": "approve"}, gdir)
    assert caught.value.reason == Conflict.TASK_DONE  # pages tell it by its code, never by its words
    assert open_tasks(ctx, filed.id) == [("Task_DirectorDecision", "ready")]
    assert events(ctx, filed.id, "task_completed") == 2


def test_claim_keeps_others_out_until_released(ctx: ServiceContext, actor: Any, filed: InstanceView) -> None:
    gdir, director = actor("gdir_plan"), actor("director1")
    tasks.complete_task(ctx, task_id(ctx, gdir, filed.id), {"decision": "approve"}, gdir)
    tasks.complete_task(ctx, task_id(ctx, director, filed.id), {"decision": "approve"}, director)
    publisher, pr = actor("publisher1"), actor("pr1")
    check = task_id(ctx, publisher, filed.id)
    assert check == task_id(ctx, pr, filed.id)  # both publishers may take it
    holding.claim_task(ctx, check, publisher)
    assert all(t.id != check for t in inbox.list_tasks(ctx, pr))
    with pytest.raises(ConflictError, match="someone else"):
        holding.claim_task(ctx, check, pr)
    with pytest.raises(ConflictError, match="someone else"):
        tasks.complete_task(ctx, check, {"certified": True}, pr)
    holding.release_task(ctx, check, publisher)
    holding.claim_task(ctx, check, pr)
    done = tasks.complete_task(ctx, check, {"certified": True}, pr)
    assert (done.status, done.outcome) == ("completed", "published")


def test_revise_loop_counts_rounds(ctx: ServiceContext, actor: Any, filed: InstanceView) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    for round_ in (1, 2, 3):
        tasks.complete_task(ctx, task_id(ctx, gdir, filed.id), REVISE, gdir)
        revise = [t for t in inbox.list_tasks(ctx, owner) if t.instance_id == filed.id]
        assert revise[0].round == round_
        current = tasks.get_task(ctx, revise[0].id, owner).data  # the form comes back filled
        resubmit = {k: current[k] for k in ("category", "description", "purpose", "channels", "attachments")}
        tasks.complete_task(ctx, revise[0].id, {**resubmit, "title": f"ฉบับแก้ไขครั้งที่ {round_}"}, owner)
    view = instances.get_instance(ctx, filed.id, owner)
    assert view.title == "ฉบับแก้ไขครั้งที่ 3"
    assert [t.round for t in view.tasks if t.status == "ready"] == [4]
    decisions = [(e.decision, e.comment) for e in view.events if e.action == "task_completed" and e.decision]
    assert decisions == [("revise", REVISE["comment"])] * 3


def test_concurrent_completions_exactly_one_wins(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    gdir = actor("gdir_plan")
    review = task_id(ctx, gdir, filed.id)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def submit() -> None:
        barrier.wait()
        try:
            tasks.complete_task(ctx, review, {"decision": "approve"}, gdir)
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert events(ctx, filed.id, "task_completed") == 2  # the request and one review
    assert open_tasks(ctx, filed.id) == [("Task_DirectorDecision", "ready")]


def test_a_failing_step_sets_error_keeps_state_and_can_be_retried(
    ctx: ServiceContext, actor: Any, filed: InstanceView, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bpmnpub.services.portal import publishing

    gdir, director, publisher = actor("gdir_plan"), actor("director1"), actor("publisher1")
    tasks.complete_task(ctx, task_id(ctx, gdir, filed.id), {"decision": "approve"}, gdir)
    tasks.complete_task(ctx, task_id(ctx, director, filed.id), {"decision": "approve"}, director)
    real = publishing._publish

    def broken(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)  # writes the item, then fails: the write must be rolled back
        raise RuntimeError("the portal is down")

    monkeypatch.setattr(publishing, "_publish", broken)
    failed = tasks.complete_task(ctx, task_id(ctx, publisher, filed.id), {"certified": True}, publisher)
    assert failed.status == "error" and "the portal is down" in (failed.error or "")
    assert failed.events[-1].action == "error" and failed.events[-1].task == "Task_PublishItem"
    assert failed.events[-2].action == "task_completed"  # the publisher's work is kept
    with ctx.db.read() as session:
        from bpmnpub.models import PublishedItem

        assert session.scalar(select(func.count()).select_from(PublishedItem)) == 0
    with pytest.raises(PermissionDeniedError):
        instances.retry_instance(ctx, filed.id, publisher, "the portal is back")
    monkeypatch.setattr(publishing, "_publish", real)
    retried = instances.retry_instance(ctx, filed.id, actor("admin1"), "the portal is back")
    assert (retried.status, retried.outcome) == ("completed", "published")
    actions = [e.action for e in retried.events]
    assert actions[-3:] == ["retried", "service", "completed"]


def test_state_is_text_and_survives_the_database(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    """The jsonb trap: key order matters to SpiffWorkflow; the ready task's data must come back whole."""
    gdir = actor("gdir_plan")
    detail = tasks.get_task(ctx, task_id(ctx, gdir, filed.id), gdir)
    assert detail.context["title"] == "ประกาศผลการคัดเลือกครูผู้ช่วย"  # the request, read-only
    assert detail.context["channels"] == ["website"]
    assert detail.data == {"decision": "", "comment": ""}  # the review form starts empty
    assert detail.form["key"] == "review_form" and "decision" in detail.form["schema"]["properties"]
    with ctx.db.read() as session:
        if not ctx.db.is_sqlite:
            kind = session.scalar(
                select(func.pg_typeof(ProcessInstance.state)).where(ProcessInstance.id == filed.id)
            )
            assert kind == "text"


def test_a_publisher_does_not_certify_their_own_request(ctx: ServiceContext, actor: Any) -> None:
    publisher, other = actor("publisher1"), actor("pr1")
    started = instances.start_instance(ctx, "general_publication", None, publisher)
    tasks.complete_task(
        ctx, task_id(ctx, publisher, started.id), request_data(upload_pdf(ctx, publisher)), publisher
    )
    for who in ("gdir_plan", "director1"):
        tasks.complete_task(ctx, task_id(ctx, actor(who), started.id), {"decision": "approve"}, actor(who))
    assert [t for t in inbox.list_tasks(ctx, publisher) if t.instance_id == started.id] == []
    check = task_id(ctx, other, started.id)
    with pytest.raises(PermissionDeniedError, match="own request"):
        tasks.complete_task(ctx, check, {"certified": True}, publisher)
    assert tasks.complete_task(ctx, check, {"certified": True}, other).outcome == "published"


def test_a_finished_step_still_shows_the_request_and_its_files(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    gdir = actor("gdir_plan")
    review = task_id(ctx, gdir, filed.id)
    tasks.complete_task(ctx, review, {"decision": "approve"}, gdir)
    page = task_page.get_task_page(ctx, review, gdir)
    assert page.task.status == "completed"
    assert page.task.context["title"] == "ประกาศผลการคัดเลือกครูผู้ช่วย"
    assert len(page.files) == 1


def test_the_inbox_filters_by_procedure_step_category_and_title(ctx: ServiceContext, actor: Any) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    # categories 3.1 may file into (procurement and plans go through 3.3: issue 11 item 5)
    for title, category in (("สถิตินักเรียนประจำปี", "1.8"), ("ผลการปฏิบัติงานดีเด่น", "1.12")):
        started = instances.start_instance(ctx, "general_publication", None, owner)
        tasks.complete_task(
            ctx,
            task_id(ctx, owner, started.id),
            request_data(upload_pdf(ctx, owner), title=title, category=category),
            owner,
        )
    page = inbox.inbox(ctx, gdir)
    assert page.total == 2
    assert page.steps == [("Task_GroupDirectorReview", "ผอ.กลุ่ม/หน่วย พิจารณา")]
    assert page.categories == ["1.12", "1.8"]
    assert [t.title for t in inbox.inbox(ctx, gdir, category="1.8").items] == ["สถิตินักเรียนประจำปี"]
    assert [t.title for t in inbox.inbox(ctx, gdir, q="ปฏิบัติ").items] == ["ผลการปฏิบัติงานดีเด่น"]
    assert inbox.inbox(ctx, gdir, task_spec="Task_DirectorDecision").total == 0
    assert inbox.inbox(ctx, gdir, process_id="memo_publication").items == []


DEMO_PEOPLE = ("owner1", "owner2", "gdir_plan", "gdir_hr", "deputy1", "director1", "publisher1", "admin1")


def _page_or_none(ctx: ServiceContext, task: int, who: Any) -> task_page.TaskPage | None:
    try:
        return task_page.get_task_page(ctx, task, who)
    except PermissionDeniedError:
        return None


def _done(action: Any) -> bool:
    try:
        action()
    except (ConflictError, PermissionDeniedError):
        return False
    return True


def test_the_task_page_says_exactly_what_claim_and_release_allow(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    """`page.may` is the services' own rules said in advance: for every demo user who may read the step,
    unheld and then held by its group director, claim and release succeed exactly when the page offers
    them (the template offers nothing else, #14)."""
    gdir = actor("gdir_plan")
    review = task_id(ctx, gdir, filed.id)
    for holder in (None, "gdir_plan"):
        if holder is not None:
            holding.claim_task(ctx, review, actor(holder))
        for name in DEMO_PEOPLE:
            who = actor(name)
            page = _page_or_none(ctx, review, who)
            if page is None:
                continue
            assert page.may.complete == (page.may.claim or page.may.release or name == holder), name
            released = _done(lambda who=who: holding.release_task(ctx, review, who))
            assert released == page.may.release, (holder, name)
            if released:
                holding.claim_task(ctx, review, who)  # as it was
            claimed = _done(lambda who=who: holding.claim_task(ctx, review, who))
            assert claimed == (page.may.claim or page.may.release), (holder, name)
            if claimed and holder is None:
                holding.release_task(ctx, review, who)  # as it was
    page = task_page.get_task_page(ctx, review, gdir)
    assert page.may.release and page.may.complete and not page.may.claim
    assert {code for code, _ in page.sources["groups"]} >= {"plan"}


def test_a_submit_from_the_task_page_is_one_call_with_an_explicit_result(
    ctx: ServiceContext, actor: Any
) -> None:
    """`submit_task` completes the step and says where the request stands, read in the same transaction
    (#14 item 3); a post the page could not read is checked and never completed."""
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    data = request_data(upload_pdf(ctx, owner))
    with pytest.raises(ValidationError):
        tasks.submit_task(ctx, first, data, owner, unreadable=True)
    assert events(ctx, started.id, "task_completed") == 0  # checked, not completed
    with pytest.raises(ValidationError) as refused:  # the form's own problems still come back, all at once
        tasks.submit_task(ctx, first, {**data, "title": ""}, owner, unreadable=True)
    assert "title" in {p.field for p in refused.value.problems}
    done = tasks.submit_task(ctx, first, data, owner)
    assert done.step == tasks.get_task(ctx, first, owner).name
    assert done.next.task_id is None  # the group director's now, and the result says so
    assert done.next.groups and not done.next.holders
    review = task_id(ctx, actor("gdir_plan"), started.id)
    assert [t.id for t in done.request.tasks] == [review]
    assert open_tasks(ctx, started.id) == [("Task_GroupDirectorReview", "ready")]
    with pytest.raises(ConflictError) as again:  # a second click
        tasks.submit_task(ctx, first, data, owner)
    assert again.value.reason == Conflict.TASK_DONE
    assert events(ctx, started.id, "task_completed") == 1


def test_the_task_page_value_says_what_the_template_used_to_decide(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    """The page is one typed value: open, shared, sent back, with whom it may be shared; the template
    only shows it. Checked against the services: a hand-over the page offers succeeds."""
    owner, gdir = actor("owner1"), actor("gdir_plan")
    review = task_id(ctx, gdir, filed.id)
    page = task_page.get_task_page(ctx, review, gdir)
    assert page.open and page.shared and page.sent_back is None
    assert page.may.hand_over == bool(page.colleagues)
    assert [c.body for c in page.comments] == []
    tasks.complete_task(ctx, review, REVISE, gdir)
    again = task_id(ctx, owner, filed.id)
    mine = task_page.get_task_page(ctx, again, owner)
    assert mine.open and not mine.shared  # the requester's own step: nothing to claim or hand over
    assert not (mine.may.claim or mine.may.release or mine.may.hand_over) and mine.may.complete
    assert mine.sent_back is not None and mine.sent_back.comment == REVISE["comment"]
    done = task_page.get_task_page(ctx, review, gdir)
    assert not done.open and done.sent_back is None and not done.may.hand_over
    sent = task_page.get_task_page(ctx, again, owner, values={"title": "ส่งมาแล้ว"})
    assert sent.values == {"title": "ส่งมาแล้ว"}  # what was sent, not the stored data
