"""Appointments that mean something (issue #11 item 2): the yearly programme's appointment step gives the
people it names dated roles, in the transaction of the completion and on the request's timeline; the
roles end by themselves at the order's last day; a step waiting in a lane whose only holder's
appointment ended reaches the chain of superiors; and "holds the role" is the interval rule at every
place a role is read (Hypothesis over random windows and moments)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from bpmnpub.errors import PermissionDeniedError, ValidationError
from bpmnpub.models import HumanTask, Notification, RoleAssignment, User
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts, appointments
from bpmnpub.services.operations.worker import Worker
from bpmnpub.services.requests import consistency, holding, instances, notify, routing, tasks

from ..conftest import Clock
from .appointment_walk import (
    DAY_AFTER_TERM,
    ORDER,
    appoint,
    at_bangkok,
    events,
    file_memo,
    inbox_ids,
    programme_at_appointment,
)


def assignments(ctx: ServiceContext, username: str, role: str) -> list[RoleAssignment]:
    with ctx.db.read() as session:
        return list(
            session.scalars(
                select(RoleAssignment)
                .join(User, User.id == RoleAssignment.user_id)
                .where(User.username == username, RoleAssignment.role == role)
                .order_by(RoleAssignment.id)
            )
        )


def test_the_appointment_step_gives_the_people_it_names_dated_roles_on_the_record(
    ctx: ServiceContext, actor: Any, clock: Clock
) -> None:
    assert "publisher" not in actor("owner2").roles
    request = appoint(
        ctx,
        actor,
        {"user": "owner2", "role": "publisher", "duty": "เผยแพร่ข้อมูลของกลุ่มบริหารงานบุคคล"},
        {"user": "gdir_hr", "role": "deputy_director", "group": "hr", "duty": "กำกับดูแลกลุ่ม"},
    )
    [given] = assignments(ctx, "owner2", "publisher")
    assert (given.valid_from, given.valid_to) == (date(2026, 11, 16), date(2026, 11, 30))
    assert (given.order_number, given.order_date, given.instance_id) == (
        "103/2569",
        date(2026, 11, 16),
        request,
    )
    assert given.group_id is None and given.ended_at is None
    [deputy] = assignments(ctx, "gdir_hr", "deputy_director")
    assert deputy.group_id is not None  # in charge of the group the row names
    assert "publisher" in actor("owner2").roles
    # In the completion's transaction: the step, the appointment and the automatic step, one moment.
    log = [(e.action, e.task_spec) for e in events(ctx, request)]
    completed = log.index(("task_completed", "Task_AppointResponsible"))
    assert log[completed + 1 :][:2] == [
        (appointments.APPOINTED, "Task_RecordAppointments"),
        ("service", "Task_RecordAppointments"),
    ]
    [appointed] = [e for e in events(ctx, request) if e.action == appointments.APPOINTED]
    assert appointed.details["order_number"] == "103/2569"
    assert [p["user"] for p in appointed.details["people"]] == ["owner2", "gdir_hr"]
    assert instances.get_instance(ctx, request, actor("director1")).status == "running"
    assert consistency.check_instances(ctx, [request]).clean


def test_a_newer_order_ends_the_older_assignment_where_it_starts(
    ctx: ServiceContext, actor: Any, clock: Clock
) -> None:
    [undated] = assignments(ctx, "legal1", "legal_officer")
    assert undated.valid_from is None and undated.valid_to is None  # the demo's: open-ended
    appoint(ctx, actor, {"user": "legal1", "role": "legal_officer", "duty": "ให้ความเห็นทางกฎหมาย"})
    old, new = assignments(ctx, "legal1", "legal_officer")
    assert old.id == undated.id and old.ended_at == clock() and "103/2569" in old.ended_reason
    assert new.valid_to == date(2026, 11, 30) and new.ended_at is None
    assert "legal_officer" in actor("legal1").roles


@pytest.mark.parametrize(
    ("row", "order", "field"),
    [
        ({"user": "nobody", "role": "publisher"}, {}, "appointees.0.user"),
        ({"user": "owner2", "role": "admin"}, {}, "appointees.0.role"),
        ({"user": "owner2", "role": "requester"}, {}, "appointees.0.role"),
        ({"user": "admin1", "role": "group_director"}, {}, "appointees.0.group"),  # admin1 has no group
        ({"user": "owner2", "role": "deputy_director", "group": "nowhere"}, {}, "appointees.0.group"),
        ({"user": "owner2", "role": "publisher"}, {"valid_to": "2026-11-01"}, "valid_to"),
    ],
)
def test_a_wrong_appointee_is_a_field_error_and_nothing_moves(
    ctx: ServiceContext, actor: Any, row: dict[str, str], order: dict[str, str], field: str
) -> None:
    request, step = programme_at_appointment(ctx, actor)
    with ctx.db.read() as session:
        before = session.scalar(select(func.count(RoleAssignment.id)))
    data = {**ORDER, **order, "appointees": [{**row, "duty": "เผยแพร่ข้อมูล"}]}
    with pytest.raises(ValidationError) as refused:
        tasks.complete_task(ctx, step, data, actor("director1"))
    assert field in {p.field for p in refused.value.problems}
    with ctx.db.read() as session:
        assert session.scalar(select(func.count(RoleAssignment.id))) == before
        assert session.get(HumanTask, step).status in ("ready", "claimed")  # type: ignore[union-attr]
    assert [e.action for e in events(ctx, request)].count(appointments.APPOINTED) == 0


def test_a_deactivated_appointee_is_refused(ctx: ServiceContext, actor: Any) -> None:
    _, step = programme_at_appointment(ctx, actor)
    with ctx.db.write() as session:
        user = accounts.find_user(session, "owner2")
        assert user is not None
        user.is_active = False
    data = {**ORDER, "appointees": [{"user": "owner2", "role": "publisher", "duty": "x"}]}
    with pytest.raises(ValidationError) as refused:
        tasks.complete_task(ctx, step, data, actor("director1"))
    assert [p.field for p in refused.value.problems] == ["appointees.0.user"]


def test_the_role_ends_by_itself_after_the_orders_last_day(
    ctx: ServiceContext, actor: Any, clock: Clock
) -> None:
    appoint(ctx, actor, {"user": "owner2", "role": "publisher", "duty": "เผยแพร่ข้อมูล"})
    with ctx.db.read() as session:
        owner2 = accounts.find_user(session, "owner2")
        assert owner2 is not None
        user_id = owner2.id
    clock.current = at_bangkok(date(2026, 11, 30), 23, 59)
    signed = accounts.signed_in(ctx, user_id)
    assert signed is not None and "publisher" in signed[1].roles
    clock.current = at_bangkok(date(2026, 12, 1))
    signed = accounts.signed_in(ctx, user_id)
    assert signed is not None and "publisher" not in signed[1].roles


def test_when_the_only_legal_officers_appointment_ends_the_waiting_step_goes_up_the_chain(
    ctx: ServiceContext, actor: Any, clock: Clock, legal_step: tuple[int, int]
) -> None:
    request, step = legal_step
    assert step in inbox_ids(ctx, actor("legal1"))
    clock.current = DAY_AFTER_TERM
    legal1 = actor("legal1")
    assert "legal_officer" not in legal1.roles
    assert step not in inbox_ids(ctx, legal1)
    with pytest.raises(PermissionDeniedError):
        holding.claim_task(ctx, step, legal1)
    # Until the worker passes, the check names the step nobody can do.
    assert [f.kind for f in consistency.check_instances(ctx, [request]).findings] == [consistency.NO_HOLDER]
    report = Worker(ctx, interval=30).run_pass()
    assert report.rerouted == 1 and not report.errors
    [escalated] = [e for e in events(ctx, request) if e.action == routing.ESCALATED]
    assert escalated.human_task_id == step
    assert escalated.details == {"to": "นางวันเพ็ญ แสงทอง", "to_role": "group_director", "why": "lane_emptied"}
    gdir = actor("gdir_plan")
    assert step in inbox_ids(ctx, gdir)
    with ctx.db.read() as session:  # and is told
        told = session.scalars(
            select(Notification.kind).where(
                Notification.user_id == gdir.id, Notification.human_task_id == step
            )
        ).all()
    assert told == ["task"]
    assert consistency.check_instances(ctx, [request]).clean
    assert Worker(ctx, interval=30).run_pass().rerouted == 0  # once
    tasks.complete_task(ctx, step, {"decision": "approve", "comment": ""}, gdir)
    assert consistency.check_instances(ctx, [request]).clean


def test_with_nobody_up_the_chain_the_step_is_flagged_once(
    ctx: ServiceContext, actor: Any, clock: Clock, legal_step: tuple[int, int]
) -> None:
    request, step = legal_step
    with ctx.db.write() as session:  # nobody above either: the chain's holders are gone
        session.execute(
            delete(RoleAssignment).where(
                RoleAssignment.role.in_(("group_director", "deputy_director", "director"))
            )
        )
    clock.current = DAY_AFTER_TERM
    assert Worker(ctx, interval=30).run_pass().rerouted == 1
    assert [e.action for e in events(ctx, request)].count(routing.NO_HOLDER) == 1
    assert Worker(ctx, interval=30).run_pass().rerouted == 0
    assert [e.action for e in events(ctx, request)].count(routing.NO_HOLDER) == 1
    with ctx.db.read() as session:
        assert session.get(HumanTask, step).assigned_user_id is None  # type: ignore[union-attr]


# -- one rule everywhere ------------------------------------------------------------------------------

DAYS = st.one_of(st.none(), st.dates(date(2026, 11, 10), date(2026, 11, 24)))
MOMENTS = st.integers(0, 14 * 24 * 4).map(
    lambda q: at_bangkok(date(2026, 11, 10)) + timedelta(minutes=15 * q)
)
ENDINGS = st.one_of(st.none(), MOMENTS)


def holds(valid_from: date | None, valid_to: date | None, ended: datetime | None, now: datetime) -> bool:
    """The interval rule, written out again: the office's day of `now` within the dates, not ended."""
    day = (now + timedelta(hours=7)).date()
    in_dates = (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)
    return in_dates and (ended is None or now < ended)


@pytest.fixture
def waiting_legal_step(ctx: ServiceContext, actor: Any) -> tuple[int, int]:
    return file_memo(ctx, actor)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(valid_from=DAYS, valid_to=DAYS, ended=ENDINGS, now=MOMENTS)
def test_holding_a_role_is_the_interval_rule_at_every_place_roles_are_read(
    ctx: ServiceContext,
    clock: Clock,
    waiting_legal_step: tuple[int, int],
    valid_from: date | None,
    valid_to: date | None,
    ended: datetime | None,
    now: datetime,
) -> None:
    request, step = waiting_legal_step
    with ctx.db.write() as session:
        legal1 = accounts.find_user(session, "legal1")
        assert legal1 is not None
        user_id = legal1.id
        session.execute(delete(RoleAssignment).where(RoleAssignment.role == "legal_officer"))
        session.add(
            RoleAssignment(
                user_id=user_id,
                role="legal_officer",
                valid_from=valid_from,
                valid_to=valid_to,
                ended_at=ended,
            )
        )
    clock.current = now
    expected = holds(valid_from, valid_to, ended, now)
    signed = accounts.signed_in(ctx, user_id)
    assert signed is not None
    who = signed[1]
    assert ("legal_officer" in who.roles) is expected  # the actor: permissions, menus, pages
    assert (step in inbox_ids(ctx, who)) is expected  # inbox visibility (the SQL face of the lane rule)
    with ctx.db.read() as session:
        task = session.get(HumanTask, step)
        assert task is not None
        assert (user_id in notify.lane_members(session, task, now)) is expected  # notifications, hand-over
        assert (step in routing.orphaned_task_ids(session, now, [request])) is not expected  # the chain
        in_force = session.scalar(
            select(func.count())
            .where(RoleAssignment.in_force_sql(now))
            .select_from(RoleAssignment)
            .where(RoleAssignment.role == "legal_officer")
        )
        assert bool(in_force) is expected
    assert (
        consistency.NO_HOLDER in {f.kind for f in consistency.check_instances(ctx, [request]).findings}
    ) is not expected
    if expected:  # claim permission: the step can be taken, and given back
        holding.claim_task(ctx, step, who)
        holding.release_task(ctx, step, who)
    else:
        with pytest.raises(PermissionDeniedError):
            holding.claim_task(ctx, step, who)


def test_unticking_a_role_on_the_user_page_ends_it_and_keeps_it_on_the_record(
    ctx: ServiceContext, actor: Any, clock: Clock
) -> None:
    from bpmnpub.services.office import people

    [row] = [u for u in people.list_users(ctx, actor("admin1")) if u.username == "legal1"]
    facts = {
        "user_id": row.id,
        "username": row.username,
        "full_name": row.full_name,
        "position": row.position,
        "email": row.email,
        "group_code": row.group_code or "",
        "is_active": True,
        "password": "",
    }
    people.save_user(ctx, actor("admin1"), **facts, roles=[])
    [ended] = assignments(ctx, "legal1", "legal_officer")
    assert ended.ended_at == clock() and ended.ended_reason == people.ENDED_ON_USER_PAGE
    assert "legal_officer" not in actor("legal1").roles
    clock.advance(days=1)
    people.save_user(ctx, actor("admin1"), **facts, roles=["legal_officer"])
    old, new = assignments(ctx, "legal1", "legal_officer")
    assert old.id == ended.id and new.valid_from == date(2026, 11, 17) and new.ended_at is None
    listed = {a.id: a.state for a in appointments.list_assignments(ctx, actor("admin1"))}
    assert (listed[old.id], listed[new.id]) == (appointments.PAST, appointments.CURRENT)


def test_a_task_of_a_request_nobody_filed_finds_its_lane_on_both_databases(ctx: ServiceContext) -> None:
    """A request the worker started (the six-monthly report) has no requester and may have no group: the
    lane's holders are still found (PostgreSQL refused the untyped NULL parameters)."""
    task = HumanTask(lane="director", scope_group_id=None, requester_id=None, decides=True)
    with ctx.db.read() as session:
        holders = notify.lane_members(session, task, ctx.now())
        assert holders and all(isinstance(h, int) for h in holders)
        director = session.scalar(select(User.id).where(User.username == "director1"))
    assert director in holders
