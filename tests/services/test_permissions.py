"""The permission rule exists twice (a predicate and a SQL clause): they must agree everywhere."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import select

from bpmnpub.models import Group, HumanTask, User
from bpmnpub.permissions import (
    TaskScope,
    actionable_clause,
    may_act,
    may_manage_items,
    may_own_processes,
    may_view_ita_dashboard,
)
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.kernel.membership import TASK_COLUMNS as _COLUMNS
from bpmnpub.services.requests import instances

USERS = (
    "owner1",
    "owner2",
    "gdir_plan",
    "gdir_hr",
    "legal1",
    "deputy1",
    "director1",
    "publisher1",
    "pr1",
    "procowner1",
    "admin1",
)
LANES = (
    "requester",
    "group_director",
    "legal_officer",
    "deputy_director",
    "director",
    "publisher",
    "pr_officer",
)


def test_predicate_and_sql_clause_agree(ctx: ServiceContext, actor: Any) -> None:
    anchor = instances.start_instance(ctx, "general_publication", None, actor("owner1"))
    with ctx.db.write() as session:
        user_ids = dict(session.execute(select(User.username, User.id)).all())
        group_ids = [g.id for g in session.scalars(select(Group))]
        requesters = [None, user_ids["owner1"], user_ids["gdir_plan"], user_ids["publisher1"]]
        assignees = [None, user_ids["publisher1"], user_ids["pr1"], user_ids["gdir_plan"]]
        combos = itertools.product(
            LANES, ("ready", "claimed", "completed"), requesters, [None, *group_ids], assignees, (True, False)
        )
        for lane, status, requester, group, assignee, decides in combos:
            session.add(
                HumanTask(
                    instance_id=anchor.id,
                    task_guid="x",
                    task_spec="Task_X",
                    name="x",
                    lane=lane,
                    status=status,
                    requester_id=requester,
                    scope_group_id=group,
                    assigned_user_id=assignee,
                    decides=decides,
                    created_at=ctx.now(),
                )
            )
    checked = 0
    with ctx.db.read() as session:
        rows = session.scalars(select(HumanTask).where(HumanTask.task_spec == "Task_X")).all()
        for username in USERS:
            who = actor(username)
            by_sql = set(
                session.scalars(
                    select(HumanTask.id).where(
                        HumanTask.task_spec == "Task_X", actionable_clause(who, _COLUMNS)
                    )
                )
            )
            by_rule = {
                r.id
                for r in rows
                if r.status in ("ready", "claimed")
                and may_act(
                    who,
                    TaskScope(
                        r.lane, r.status, r.requester_id, r.scope_group_id, r.assigned_user_id, r.decides
                    ),
                )
                is None
            }
            assert by_sql == by_rule, username
            checked += len(rows)
    assert checked > 10_000


def test_who_may_do_what_outside_a_task(ctx: ServiceContext, actor: Any) -> None:
    """The areas of the จัดการ menu, as the services check them."""
    expected = {  # username: (manage items, own processes, ITA dashboard)
        "admin1": (True, True, True),
        "procowner1": (False, True, True),
        "publisher1": (True, False, True),
        "director1": (False, False, True),
        "owner1": (False, False, False),
    }
    for username, rights in expected.items():
        who = actor(username)
        found = (may_manage_items(who), may_own_processes(who), may_view_ita_dashboard(who))
        assert found == rights, username
