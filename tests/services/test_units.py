"""Routing the publish step to the responsible unit (seed 000 §2, issue #11 item 3): the step goes to
the publishers of the unit responsible for the request's category (else of the requester's group) and
falls back to the office pool when that unit has nobody in force who may do it. Explored with
Hypothesis over org shapes: units with and without publishers, appointments that ended or have not
begun, a requester who is also their unit's publisher, a person who publishes for two units. Every
answer is read back through the services: the inbox, the task page, claim, complete, the notices."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from bpmnpub.errors import PermissionDeniedError
from bpmnpub.models import Group, HumanTask, InstanceEvent, Notification, RoleAssignment, User
from bpmnpub.permissions import Actor, actionable_clause, may_act
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.kernel.membership import TASK_COLUMNS, task_scope
from bpmnpub.services.office import publishers
from bpmnpub.services.requests import holding, inbox, notify, routing, tasks, units, worker_steps

from ..conftest import Clock
from .conftest import file_request
from .org_shapes import (
    GROUP_OF,
    PEOPLE,
    PUBLISH,
    STATES,
    UNITS,
    Held,
    accounts_missing,
    ids_of,
    make_people,
    set_category_unit,
    set_publishers,
    to_publish_step,
)

COLUMNS = TASK_COLUMNS  # the columns of the rule the inbox and the lists use


def actions(ctx: ServiceContext, iid: int) -> list[InstanceEvent]:
    with ctx.db.read() as session:
        return list(
            session.scalars(
                select(InstanceEvent)
                .where(InstanceEvent.instance_id == iid, InstanceEvent.action.like("routed_%"))
                .order_by(InstanceEvent.id)
            )
        )


def inbox_ids(ctx: ServiceContext, who: Actor) -> set[int]:
    return {t.id for t in inbox.list_tasks(ctx, who, limit=500)}


def expected_route(
    held: dict[str, list[Held]], category_unit: str | None, requester: str
) -> tuple[str | None, set[str], str | None]:
    """The rule written out again: (the step's unit, who may do it, the pool event's why)."""
    unit = category_unit or GROUP_OF[requester]

    def of(u: str | None) -> set[str]:
        return {p for p, hs in held.items() if any(h.unit == u and h.state == "in_force" for h in hs)}

    if of(unit) - {requester}:
        return unit, of(unit) - {requester}, None
    why = units.UNIT_REQUESTER_ONLY if requester in of(unit) else units.NO_UNIT_PUBLISHER
    return None, of(None) - {requester}, why


HELD = st.lists(st.builds(Held, st.sampled_from(UNITS), st.sampled_from(STATES)), max_size=2)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    held=st.fixed_dictionaries(dict.fromkeys((*PEOPLE, "owner1", "owner2"), HELD)),
    category_unit=st.sampled_from(UNITS),
    requester=st.sampled_from(("owner1", "owner2")),
)
def test_the_publish_step_reaches_its_units_publishers_or_else_the_pool(
    ctx: ServiceContext,
    clock: Clock,
    actor: Any,
    held: dict[str, list[Held]],
    category_unit: str | None,
    requester: str,
) -> None:
    if accounts_missing(ctx):
        make_people(ctx)
    set_publishers(ctx, held, clock())
    set_category_unit(ctx, "1.3", category_unit)
    iid, row = to_publish_step(ctx, actor, requester)
    unit, eligible, why = expected_route(held, category_unit, requester)
    with ctx.db.read() as session:
        unit_id = session.scalar(select(Group.id).where(Group.code == unit)) if unit else None
        names = {u.id: u.username for u in session.scalars(select(User))}
        members = {names[i] for i in notify.lane_members(session, row, clock())}
        noticed = {
            names[n.user_id]
            for n in session.scalars(select(Notification).where(Notification.human_task_id == row.id))
        }
    assert row.unit_id == unit_id
    assert members == eligible  # who the lane holds at this moment: notices, hand-over, the chain
    routed = actions(ctx, iid)
    if unit is not None:
        assert [e.action for e in routed] == [units.ROUTED_TO_UNIT]
    else:
        assert [e.action for e in routed] == [units.ROUTED_TO_POOL]
        assert routed[0].details is not None and routed[0].details["why"] == why
    if eligible:
        assert noticed == eligible and row.assigned_user_id is None
    else:  # nobody in the pool either: up the chain, to someone who is none of the publishers
        assert row.assigned_user_id is not None and not noticed & {*PEOPLE, requester}
    for username in (*PEOPLE, "owner1", "owner2"):
        who = actor(username)
        may = username in eligible
        assert (row.id in inbox_ids(ctx, who)) is may, username
        if not may:
            with pytest.raises(PermissionDeniedError):
                tasks.get_task(ctx, row.id, who)
            with pytest.raises(PermissionDeniedError):
                holding.claim_task(ctx, row.id, who)
            with pytest.raises(PermissionDeniedError):
                tasks.complete_task(ctx, row.id, PUBLISH, who)
    if eligible:
        doer = actor(sorted(eligible)[0])
        holding.claim_task(ctx, row.id, doer)
        holding.release_task(ctx, row.id, doer)


def test_a_units_publisher_publishes_and_the_pool_never_saw_it(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    """Plan's category (1.3 given to Plan): pub_a (Plan) publishes; publisher1 (the pool) never had it."""
    make_people(ctx)
    set_publishers(
        ctx, {"pub_a": [Held("plan", "in_force")], "publisher1": [Held(None, "in_force")]}, clock()
    )
    set_category_unit(ctx, "1.3", "plan")
    iid, row = to_publish_step(ctx, actor, "owner2")
    assert row.id not in inbox_ids(ctx, actor("publisher1"))
    view = tasks.complete_task(ctx, row.id, PUBLISH, actor("pub_a"))
    assert view.status == "completed"
    [routed] = actions(ctx, iid)
    assert routed.details == {"unit": "plan", "unit_name": "กลุ่มนโยบายและแผน", "why": units.CATEGORY_UNIT}


def test_a_person_publishing_for_two_units_sees_both_and_nothing_else(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    make_people(ctx)
    held = {"pub_a": [Held("plan", "in_force"), Held("hr", "in_force")], "pub_b": [Held("admin", "in_force")]}
    set_publishers(ctx, held, clock())
    _, plan_step = to_publish_step(ctx, actor, "owner1")  # 1.3 names no unit: the requester's group
    _, hr_step = to_publish_step(ctx, actor, "owner2")
    assert {plan_step.id, hr_step.id} <= inbox_ids(ctx, actor("pub_a"))
    assert not {plan_step.id, hr_step.id} & inbox_ids(ctx, actor("pub_b"))


def test_a_step_waiting_for_a_unit_whose_appointment_ended_goes_to_the_pool(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    """The worker's pass: the unit's only publisher's term ends while the step waits; the step goes
    to the office pool (not up the chain), the timeline says why, and the pool is told."""
    make_people(ctx)
    with ctx.db.write() as session:
        session.execute(delete(RoleAssignment).where(RoleAssignment.role == "publisher"))
    publishers.appoint_publisher(
        ctx, actor("admin1"), username="pub_b", unit_code="hr", valid_from=None, valid_to=date(2026, 11, 20)
    )
    publishers.appoint_publisher(
        ctx, actor("admin1"), username="pub_c", unit_code="", valid_from=None, valid_to=None
    )
    iid, row = to_publish_step(ctx, actor, "owner2")
    assert row.id in inbox_ids(ctx, actor("pub_b")) and row.id not in inbox_ids(ctx, actor("pub_c"))
    clock.advance(days=5)  # Saturday 21 Nov: pub_b's appointment ended on the 20th
    now = clock()
    with ctx.db.read() as session:
        assert routing.orphaned_task_ids(session, now) == [row.id]
    assert worker_steps.reroute_orphaned(ctx, row.id, now)
    assert not worker_steps.reroute_orphaned(ctx, row.id, now)  # the next pass finds nothing to do
    routed = actions(ctx, iid)
    assert [e.action for e in routed] == [units.ROUTED_TO_UNIT, units.ROUTED_TO_POOL]
    assert routed[-1].details is not None and routed[-1].details["why"] == units.UNIT_EMPTIED
    assert row.id in inbox_ids(ctx, actor("pub_c")) and row.id not in inbox_ids(ctx, actor("pub_b"))
    with ctx.db.read() as session:
        told = session.scalars(
            select(User.username)
            .join(Notification, Notification.user_id == User.id)
            .where(Notification.human_task_id == row.id, Notification.created_at == now)
        ).all()
        assert session.scalar(select(InstanceEvent.id).where(InstanceEvent.action == "escalated")) is None
    assert list(told) == ["pub_c"]


UNIT_SETS = st.frozensets(st.sampled_from((None, 0, 1, 2)), max_size=3)  # None: the pool; 0-2: units


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(own=UNIT_SETS, absent=UNIT_SETS, acting=st.booleans())
def test_the_unit_rule_is_the_same_in_python_and_in_sql(
    ctx: ServiceContext, actor: Any, own: frozenset[int | None], absent: frozenset[int | None], acting: bool
) -> None:
    """Publisher-lane rows of every unit (unheld, held by the actor or by someone else, on the actor's
    own request or nobody's) against a publisher of random units, acting or not for a colleague of
    random units: the inbox's SQL and the Python predicate answer alike, and an unheld row of nobody's
    request is open to exactly the publishers of its unit."""
    groups = unit_rows(ctx, actor)
    unit_of = {None: None, **dict(enumerate(groups))}
    ids = {name: frozenset(unit_of[u] for u in units) for name, units in (("own", own), ("absent", absent))}
    colleague = Actor(
        id=ids_of(ctx)[1],
        roles=frozenset({"publisher"}) if absent else frozenset(),
        group_id=None,
        director_of=frozenset(),
        publisher_units=ids["absent"],
    )
    who = Actor(
        id=ids_of(ctx)[0],
        roles=frozenset({"publisher"}) if own else frozenset(),
        group_id=None,
        director_of=frozenset(),
        publisher_units=ids["own"],
        acting_for=(colleague,) if acting else (),
    )
    with ctx.db.read() as session:
        rows = session.scalars(select(HumanTask).where(HumanTask.task_spec == "Task_Unit")).all()
        by_sql = set(
            session.scalars(
                select(HumanTask.id).where(
                    HumanTask.task_spec == "Task_Unit", actionable_clause(who, COLUMNS)
                )
            )
        )
    by_rule = {r.id for r in rows if may_act(who, task_scope(r)) is None}
    assert by_sql == by_rule
    assert len(rows) == 24
    open_to = ids["own"] | (ids["absent"] if acting else frozenset())
    for r in rows:
        if r.assigned_user_id is None and r.requester_id is None:
            assert (r.id in by_rule) is (r.unit_id in open_to)


def unit_rows(ctx: ServiceContext, actor: Any) -> list[int]:
    """Made once per database: the publisher-lane rows of each unit (three groups, or the pool), unheld
    or held by pub_a or pub_b, on nobody's request or pub_a's. Returns the three groups' ids."""
    with ctx.db.read() as session:
        groups = list(session.scalars(select(Group.id).order_by(Group.id)).all()[:3])
        made = session.scalar(select(func.count(HumanTask.id)).where(HumanTask.task_spec == "Task_Unit"))
    if made:
        return groups
    make_people(ctx)
    me, other = ids_of(ctx)
    iid = file_request(ctx, actor("owner1"))
    with ctx.db.write() as session:
        for unit in (None, *groups):
            for assigned in (None, me, other):
                for requester in (None, me):
                    session.add(
                        HumanTask(
                            instance_id=iid,
                            task_guid="x",
                            task_spec="Task_Unit",
                            name="x",
                            lane="publisher",
                            status="ready",
                            requester_id=requester,
                            unit_id=unit,
                            assigned_user_id=assigned,
                            decides=True,
                            created_at=ctx.now(),
                        )
                    )
    return groups
