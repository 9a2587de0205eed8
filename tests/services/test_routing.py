"""No request dead-ends: a step whose only possible holder is the requester (or nobody) goes up the
chain of superiors — group director → deputy in charge of the group → director — automatically and on
the record; when nobody is left it is flagged and the director and admins are told. Walked over org
shapes: a group director as requester, the office's only PR officer, a deputy in charge of one group,
a group without a director, the director as requester, the director away with an acting deputy."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from bpmnpub.models import Group, InstanceEvent, Notification, RoleAssignment
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.requests import consistency, inbox, instances, tasks

from ..conftest import Clock
from ..scenarios import paths
from ..scenarios.runner import Scenario, Step, run
from .conftest import file_request, request_data, task_id, upload_pdf

APPROVE = {"decision": "approve", "comment": ""}


def events(ctx: ServiceContext, instance_id: int, action: str) -> list[InstanceEvent]:
    with ctx.db.read() as session:
        return list(
            session.scalars(
                select(InstanceEvent).where(
                    InstanceEvent.instance_id == instance_id, InstanceEvent.action == action
                )
            )
        )


def add_user(
    ctx: ServiceContext, username: str, roles: list[str], group: str | None, **role_group: str
) -> None:
    """A user; `role_group` maps a role to the group it is held for (a deputy in charge of one group)."""
    with ctx.db.write() as session:
        found = session.scalar(select(Group).where(Group.code == group)) if group else None
        user = accounts.create_user(
            session,
            username=username,
            password="demo1234",
            full_name=f"ทดสอบ {username}",
            roles=roles,
            group=found,
            now=ctx.now(),
        )
        for role, code in role_group.items():
            assignment = next(r for r in user.roles if r.role == role)
            assignment.group_id = session.scalar(select(Group.id).where(Group.code == code))


def test_a_group_directors_own_request_goes_to_the_deputy_and_is_published(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    scenario = Scenario(
        "gdir-files",
        **paths.general(
            "gdir_plan",
            paths.review(paths.GD, "deputy1"),
            paths.review(paths.DIR, "director1"),
            paths.CHECKED,
            end=paths.general_published(),
        ),
    )
    run(ctx, clock, actor, scenario)
    with ctx.db.read() as session:
        iid = session.scalar(select(InstanceEvent.instance_id).where(InstanceEvent.action == "escalated"))
    assert iid is not None
    [escalated] = events(ctx, iid, "escalated")
    assert escalated.task_spec == paths.GD
    assert escalated.details == {"to": "นางรัชนี ศรีสุข", "to_role": "deputy_director", "why": "requester_only"}


def test_the_only_pr_officers_album_is_checked_by_the_deputy(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    album = paths.photo(paths.pdpa("approve"))
    steps = [s for s in album["steps"] if not (isinstance(s, Step) and s.task == "Task_PdpaCheck")]
    pdpa = paths.pdpa("approve")
    deputy_check = Step(pdpa.task, "deputy1", pdpa.form, pdpa.data)
    steps = [
        Step(steps[0].task, "pr1", steps[0].form, steps[0].data),
        steps[1],
        steps[2],
        deputy_check,
        *steps[3:],
    ]
    scenario = Scenario("pr1-album", "photo_publication", "pr1", steps, album["expect"])
    run(ctx, clock, actor, scenario)
    with ctx.db.read() as session:
        [escalated] = session.scalars(select(InstanceEvent).where(InstanceEvent.action == "escalated")).all()
    assert escalated.task_spec == "Task_PdpaCheck" and escalated.details["to_role"] == "deputy_director"


def test_the_deputy_in_charge_of_the_group_comes_before_an_office_wide_one(
    ctx: ServiceContext, actor: Any
) -> None:
    add_user(ctx, "deputy_plan", ["deputy_director"], None, deputy_director="plan")
    started = instances.start_instance(ctx, "general_publication", None, actor("gdir_plan"))
    gdir = actor("gdir_plan")
    tasks.complete_task(ctx, task_id(ctx, gdir, started.id), request_data(upload_pdf(ctx, gdir)), gdir)
    mine = [t for t in inbox.list_tasks(ctx, actor("deputy_plan")) if t.instance_id == started.id]
    assert len(mine) == 1
    assert not [t for t in inbox.list_tasks(ctx, actor("deputy1")) if t.instance_id == started.id]


def test_a_group_without_a_director_goes_to_the_deputy(ctx: ServiceContext, actor: Any) -> None:
    add_user(ctx, "clerk_legal", [], "legal")
    clerk = actor("clerk_legal")
    started = instances.start_instance(ctx, "general_publication", None, clerk)
    tasks.complete_task(ctx, task_id(ctx, clerk, started.id), request_data(upload_pdf(ctx, clerk)), clerk)
    [escalated] = events(ctx, started.id, "escalated")
    assert escalated.details["why"] == "nobody"
    [task] = [t for t in inbox.list_tasks(ctx, actor("deputy1")) if t.instance_id == started.id]
    tasks.complete_task(ctx, task.id, APPROVE, actor("deputy1"))
    assert [t for t in inbox.list_tasks(ctx, actor("director1")) if t.instance_id == started.id]


def test_when_nobody_is_left_the_step_is_flagged_and_the_director_and_admins_are_told(
    ctx: ServiceContext, actor: Any
) -> None:
    """The director files a request: the group review goes to the deputy; the director's own decision
    has nobody above it."""
    director = actor("director1")
    started = instances.start_instance(ctx, "general_publication", None, director)
    tasks.complete_task(
        ctx, task_id(ctx, director, started.id), request_data(upload_pdf(ctx, director)), director
    )
    [review] = [t for t in inbox.list_tasks(ctx, actor("deputy1")) if t.instance_id == started.id]
    tasks.complete_task(ctx, review.id, APPROVE, actor("deputy1"))
    [flagged] = events(ctx, started.id, "no_holder")
    assert flagged.task_spec == paths.DIR
    with ctx.db.read() as session:
        told = set(
            session.scalars(
                select(RoleAssignment.role)
                .join(Notification, Notification.user_id == RoleAssignment.user_id)
                .where(Notification.instance_id == started.id, Notification.kind == "no_holder")
            )
        )
    assert told == {"director", "admin"}
    report = consistency.check_instances(ctx, [started.id])
    assert {f.kind for f in report.findings} == {consistency.NO_HOLDER}


def test_the_director_away_with_an_acting_deputy_needs_no_escalation(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    accounts.add_delegation(
        ctx, actor("director1"), "deputy1", date(2026, 11, 16), date(2026, 11, 30), "ไปราชการ"
    )
    iid = file_request(ctx, actor("owner1"))
    [review] = [t for t in inbox.list_tasks(ctx, actor("gdir_plan")) if t.instance_id == iid]
    tasks.complete_task(ctx, review.id, APPROVE, actor("gdir_plan"))
    assert not events(ctx, iid, "escalated") and not events(ctx, iid, "no_holder")
    with ctx.db.read() as session:
        user = accounts.find_user(session, "deputy1")
        assert user is not None
        acting = accounts.actor_with_delegations(session, user, date(2026, 11, 17))
    assert [t for t in inbox.list_tasks(ctx, acting) if t.instance_id == iid]
