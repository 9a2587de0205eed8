"""Org shapes for the publishing units' tests: publishers made for the test, their dated assignments to
units (or the office pool), a category's unit, and a request walked to its publish step. Used by
test_units.py and test_readers.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from bpmnpub.models import Category, Group, HumanTask, RoleAssignment, User
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.requests import tasks

from .conftest import file_request

APPROVE = {"decision": "approve", "comment": ""}
PUBLISH = {"certified": True, "ita_items": []}
UNITS = (None, "plan", "hr", "admin")  # None: the office pool
STATES = ("in_force", "ended", "upcoming")
PEOPLE = ("pub_a", "pub_b", "pub_c")  # publishers made for the test (owner1/owner2 may publish too)
GROUP_OF = {"owner1": "plan", "owner2": "hr"}


@dataclass(frozen=True)
class Held:
    unit: str | None
    state: str


def make_people(ctx: ServiceContext) -> None:
    with ctx.db.write() as session:
        groups = {g.code: g for g in session.scalars(select(Group))}
        for username, group in zip(PEOPLE, ("plan", "hr", "admin"), strict=True):
            accounts.create_user(
                session,
                username=username,
                password="demo1234",
                full_name=f"ผู้เผยแพร่ {username}",
                roles=[],
                group=groups[group],
                now=ctx.now(),
            )


def set_publishers(ctx: ServiceContext, held: dict[str, list[Held]], now: datetime) -> None:
    """Only the drawn publisher assignments exist (the demo's publisher1 and pr1 lose theirs)."""
    today = (now + timedelta(hours=7)).date()
    with ctx.db.write() as session:
        session.execute(delete(RoleAssignment).where(RoleAssignment.role == "publisher"))
        groups = {g.code: g.id for g in session.scalars(select(Group))}
        for username, assignments in held.items():
            user = accounts.find_user(session, username)
            assert user is not None
            for h in assignments:
                session.add(
                    RoleAssignment(
                        user_id=user.id,
                        role="publisher",
                        group_id=groups[h.unit] if h.unit else None,
                        valid_from=today + timedelta(days=5) if h.state == "upcoming" else date(2026, 10, 1),
                        ended_at=now - timedelta(hours=1) if h.state == "ended" else None,
                    )
                )


def set_category_unit(ctx: ServiceContext, code: str, unit: str | None) -> None:
    with ctx.db.write() as session:
        category = session.scalar(select(Category).where(Category.code == code))
        assert category is not None
        category.group_id = session.scalar(select(Group.id).where(Group.code == unit)) if unit else None


def to_publish_step(ctx: ServiceContext, actor: Any, requester: str) -> tuple[int, HumanTask]:
    """A general publication (category 1.3) by `requester`, approved by their group director and the
    director: (request, its open publish step)."""
    iid = file_request(ctx, actor(requester))
    director_of_group = {"owner1": "gdir_plan", "owner2": "gdir_hr"}[requester]
    for who in (director_of_group, "director1"):
        with ctx.db.read() as session:
            step = session.scalar(
                select(HumanTask.id).where(HumanTask.instance_id == iid, HumanTask.status == "ready")
            )
        assert step is not None
        tasks.complete_task(ctx, step, APPROVE, actor(who))
    with ctx.db.read() as session:
        row = session.scalar(
            select(HumanTask).where(HumanTask.instance_id == iid, HumanTask.lane == "publisher")
        )
        assert row is not None
        return iid, row


def accounts_missing(ctx: ServiceContext) -> bool:
    with ctx.db.read() as session:
        return accounts.find_user(session, PEOPLE[0]) is None


def ids_of(ctx: ServiceContext) -> tuple[int, int]:
    """The ids of two people to play the publisher and the colleague they act for (pub_a, pub_b)."""
    with ctx.db.read() as session:
        found = dict(
            session.execute(select(User.username, User.id).where(User.username.in_(PEOPLE[:2]))).all()
        )
    return found[PEOPLE[0]], found[PEOPLE[1]]
