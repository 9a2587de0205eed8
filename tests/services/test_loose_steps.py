"""One routine sends a loose step on (`worker_steps.send_on`): an orphan (waiting, nobody left in its
lane) and a stranded step (held by someone whose term ended) take the same path with their difference
as data. Whichever kind, and whatever the office has left — another member of the lane, only the chain
of superiors, or nobody at all — the step ends with exactly one holder who may do it, or open in a lane
whose members may take it, or flagged once for nobody; each move is one event, and a second pass
changes nothing."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from bpmnpub.models import HumanTask, Notification, RoleAssignment, User
from bpmnpub.permissions import may_act
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.kernel.membership import task_scope
from bpmnpub.services.requests import holding, notify, routing, units, worker_steps

from ..conftest import Clock
from .appointment_walk import DAY_AFTER_TERM, events, inbox_ids

MOVES = (routing.CLAIM_LAPSED, routing.ESCALATED, routing.NO_HOLDER, units.ROUTED_TO_POOL)
CHAIN = ("group_director", "deputy_director", "director")


def left_in_office(ctx: ServiceContext, what: str) -> None:
    """What the office has once legal1's term is over: another legal officer (owner2, open-ended), the
    chain of superiors only, or nobody at all."""
    with ctx.db.write() as session:
        if what == "lane":
            owner2 = session.scalar(select(User.id).where(User.username == "owner2"))
            assert owner2 is not None
            session.add(RoleAssignment(user_id=owner2, role="legal_officer"))
        elif what == "nobody":
            session.execute(delete(RoleAssignment).where(RoleAssignment.role.in_(CHAIN)))


def snapshot(ctx: ServiceContext, request: int, step: int) -> tuple[Counter[str], int, int | None, str]:
    """(the moves on the timeline, the notifications of the step, its holder, its status)."""
    with ctx.db.read() as session:
        row = session.get(HumanTask, step)
        assert row is not None
        told = session.scalar(select(func.count(Notification.id)).where(Notification.human_task_id == step))
        held_by, status = row.assigned_user_id, row.status
    moves = Counter(e.action for e in events(ctx, request) if e.action in MOVES)
    return moves, int(told or 0), held_by, status


@pytest.mark.parametrize("what", ["lane", "chain", "nobody"])
@pytest.mark.parametrize("kind", [worker_steps.ORPHANED, worker_steps.STRANDED], ids=lambda k: k.name)
def test_both_kinds_of_loose_step_keep_the_invariants_through_the_one_routine(
    ctx: ServiceContext,
    actor: Any,
    clock: Clock,
    legal_step: tuple[int, int],
    kind: worker_steps.LooseStep,
    what: str,
) -> None:
    request, step = legal_step
    if kind is worker_steps.STRANDED:
        holding.claim_task(ctx, step, actor("legal1"))
    left_in_office(ctx, what)
    clock.current = DAY_AFTER_TERM
    before, _, _, _ = snapshot(ctx, request, step)
    moved = worker_steps.send_on(ctx, kind, step, clock())
    moves, told, held_by, status = snapshot(ctx, request, step)
    moves.subtract(before)
    moves = +moves  # only what this move wrote

    # An orphan with someone still in its lane is no orphan: the routine leaves it alone.
    assert moved is not (kind is worker_steps.ORPHANED and what == "lane")
    lapsed = 1 if kind is worker_steps.STRANDED else 0
    expected = {
        "lane": Counter({routing.CLAIM_LAPSED: lapsed}),
        "chain": Counter({routing.CLAIM_LAPSED: lapsed, routing.ESCALATED: 1}),
        "nobody": Counter({routing.CLAIM_LAPSED: lapsed, routing.NO_HOLDER: 1}),
    }[what]
    assert moves == +expected  # one event for each thing that happened, none doubled

    with ctx.db.read() as session:
        row = session.get(HumanTask, step)
        assert row is not None
        members = set(notify.lane_members(session, row, clock()))
        names: dict[int, str] = dict(session.execute(select(User.id, User.username)).all())
    assert status in ("ready", "claimed")
    if held_by is not None:  # exactly one holder, who may do it
        assert what == "chain" and names[held_by] == "gdir_plan"
        assert may_act(actor("gdir_plan"), task_scope(row)) is None and step in inbox_ids(
            ctx, actor("gdir_plan")
        )
    elif what == "lane":  # in the lane: its members may take it
        assert {names[m] for m in members} == {"owner2"}
        assert may_act(actor("owner2"), task_scope(row)) is None and step in inbox_ids(ctx, actor("owner2"))
    else:  # nobody: flagged once, held by no one
        assert what == "nobody" and not members
    assert may_act(actor("legal1"), task_scope(row)) is not None  # the term is over

    # A second pass finds nothing to do and writes nothing.
    assert not worker_steps.send_on(ctx, kind, step, clock())
    for other in (worker_steps.ORPHANED, worker_steps.STRANDED):
        assert not worker_steps.send_on(ctx, other, step, clock())
    again, told_again, held_again, _ = snapshot(ctx, request, step)
    again.subtract(before)
    assert (+again, told_again, held_again) == (moves, told, held_by)
