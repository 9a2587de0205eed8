"""Who may read a request (services/kernel/membership.py): a publisher reads the requests whose publish
step is, or was, their unit's or the office pool's — not an HR request routed to the Plan unit —
while admins, the requester, the group's director, the office-wide lanes and anyone who held or did
a step still read it. The page check (`readable_instance`) and the SQL a list uses (`readable_ids`)
agree over org shapes explored with Hypothesis."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bpmnpub.errors import NotFoundError, PermissionDeniedError
from bpmnpub.models import Group, HumanTask, ProcessInstance, PublishedItem, User
from bpmnpub.permissions import Actor
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.kernel.membership import readable_ids, readable_instance
from bpmnpub.services.pages import item_page, request_page
from bpmnpub.services.requests import instances, tasks

from ..conftest import Clock
from .conftest import file_request
from .org_shapes import PUBLISH, Held, ids_of, make_people, set_category_unit, set_publishers, to_publish_step


def reads(ctx: ServiceContext, who: Actor, instance_id: int) -> bool:
    """The request page's answer (one call), as a person meets it."""
    try:
        request_page.get_request_page(ctx, instance_id, who)
    except (PermissionDeniedError, NotFoundError):
        return False
    return True


def test_a_publisher_reads_the_requests_of_their_unit_and_the_pool_not_another_units(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    """pub_a publishes for Plan, pub_b for the PR unit (กลุ่มอำนวยการ), pub_c for the office pool; owner2
    (HR) files a request whose category is Plan's."""
    make_people(ctx)
    held = {
        "pub_a": [Held("plan", "in_force")],
        "pub_b": [Held("admin", "in_force")],
        "pub_c": [Held(None, "in_force")],
    }
    set_publishers(ctx, held, clock())
    set_category_unit(ctx, "1.3", "plan")
    early = file_request(ctx, actor("owner2"))  # still with its group director: no publish step yet
    iid, row = to_publish_step(ctx, actor, "owner2")
    assert reads(ctx, actor("pub_a"), iid)  # Plan's step
    assert not reads(ctx, actor("pub_b"), iid)  # the PR unit: not theirs
    assert not reads(ctx, actor("pub_c"), iid)  # the pool: not the pool's step
    assert not any(reads(ctx, actor(p), early) for p in ("pub_a", "pub_b", "pub_c"))
    for reader in ("admin1", "owner2", "gdir_hr", "director1", "pr1", "legal1"):
        assert reads(ctx, actor(reader), iid), reader  # admins, requester, group director, office-wide
    # pub_a publishes; when their term ends they still read what they did, and the item's page links it.
    tasks.complete_task(ctx, row.id, PUBLISH, actor("pub_a"))
    set_publishers(ctx, {"pub_b": held["pub_b"], "pub_c": held["pub_c"]}, clock())
    assert reads(ctx, actor("pub_a"), iid) and not reads(ctx, actor("pub_b"), iid)
    with ctx.db.read() as session:
        item_id = session.scalar(select(PublishedItem.id).where(PublishedItem.instance_id == iid))
    assert item_id is not None
    assert not item_page.get_item_page(ctx, actor("pub_b"), item_id).may.may_read_request
    assert item_page.get_item_page(ctx, actor("admin1"), item_id).may.may_read_request


def test_a_step_that_went_to_the_pool_is_read_by_every_publisher(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    """Plan's category, but Plan has no publisher in force: the step goes to the pool, and a publisher of
    any unit (who backs the pool) reads it."""
    make_people(ctx)
    set_publishers(ctx, {"pub_b": [Held("admin", "in_force")], "pub_c": [Held(None, "in_force")]}, clock())
    set_category_unit(ctx, "1.3", "plan")
    iid, row = to_publish_step(ctx, actor, "owner2")
    assert row.unit_id is None
    assert reads(ctx, actor("pub_b"), iid) and reads(ctx, actor("pub_c"), iid)


# -- one rule, two faces ------------------------------------------------------------------------------

# Mostly no role that reads every request (those read all, and teach nothing about the rest).
ALSO = st.sampled_from((None, None, None, None, "legal_officer", "pr_officer", "admin", "process_owner"))
UNIT_SETS = st.frozensets(st.sampled_from((None, 0, 1, 2)), max_size=3)  # None: the pool; 0-2: units


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    who=st.sampled_from(("pub_a", "pub_a", "pub_b", "owner1")),
    publishes=st.booleans(),
    also=ALSO,
    units=UNIT_SETS,
    directs=st.frozensets(st.integers(0, 2), max_size=2),
    acting=st.one_of(st.none(), UNIT_SETS),
)
def test_the_page_check_and_the_list_sql_agree(
    ctx: ServiceContext,
    actor: Any,
    who: str,
    publishes: bool,
    also: str | None,
    units: frozenset[int | None],
    directs: frozenset[int],
    acting: frozenset[int | None] | None,
) -> None:
    """Requests of every shape (publish steps of each unit or the pool, open or done, held by the reader
    or someone else, done by the reader; requests of each group; a draft) against a reader of random
    roles, units and groups they direct, acting or not for a publisher of random units: the request page
    opens exactly for the requests the SQL lists."""
    groups, iids = reader_rows(ctx, actor)
    unit_of = {None: None, **dict(enumerate(groups))}
    me, other = ids_of(ctx)
    with ctx.db.read() as session:
        owner1 = session.scalar(select(User.id).where(User.username == "owner1"))
    person = {"pub_a": me, "pub_b": other, "owner1": owner1}[who]
    assert person is not None
    colleague = Actor(
        id=other if person != other else me,
        roles=frozenset({"publisher"}),
        group_id=None,
        director_of=frozenset(),
        publisher_units=frozenset(unit_of[u] for u in acting or ()),
    )
    roles = frozenset({"publisher"} if publishes else set()) | ({also} if also else set())
    reader = Actor(
        id=person,
        roles=roles,
        group_id=None,
        director_of=frozenset(groups[g] for g in directs),
        publisher_units=frozenset(unit_of[u] for u in units) if publishes else frozenset(),
        acting_for=(colleague,) if acting is not None else (),
    )
    with ctx.db.read() as session:
        by_page = set()
        for iid in iids:
            try:
                readable_instance(session, reader, iid)
            except (PermissionDeniedError, NotFoundError):
                continue
            by_page.add(iid)
        by_sql = readable_ids(session, reader, iids)
    assert by_sql == by_page


def reader_rows(ctx: ServiceContext, actor: Any) -> tuple[list[int], list[int]]:
    """Made once per database: requests by owner1 (one a draft), each given a group among the first
    three and publish-step rows of every shape. Returns (the three groups' ids, the requests' ids)."""
    with ctx.db.read() as session:
        groups = list(session.scalars(select(Group.id).order_by(Group.id)).all()[:3])
        made = list(
            session.scalars(
                select(HumanTask.instance_id).where(HumanTask.task_spec == "Task_Reader").distinct()
            )
        )
        draft = session.scalar(select(ProcessInstance.id).where(ProcessInstance.submitted_at.is_(None)))
    if made:
        assert draft is not None
        return groups, sorted({*made, draft})
    make_people(ctx)
    me, other = ids_of(ctx)
    shapes: list[dict[str, Any]] = []
    for unit in (None, *groups):
        shapes.append({"unit_id": unit, "status": "ready", "assigned_user_id": None})
        shapes.append({"unit_id": unit, "status": "completed", "completed_by_id": other})
    shapes += [
        {"unit_id": groups[0], "status": "claimed", "assigned_user_id": me},
        {"unit_id": groups[1], "status": "completed", "completed_by_id": me},
        {"unit_id": groups[2], "status": "ready", "assigned_user_id": other, "lane": "legal_officer"},
        {"unit_id": None, "status": "ready", "requester_id": me},  # the reader's own request decides
    ]
    ids = []
    for n, shape in enumerate(shapes):
        iid = file_request(ctx, actor("owner1"))
        with ctx.db.write() as session:
            instance = session.get(ProcessInstance, iid)
            assert instance is not None
            instance.group_id = groups[n % 3]
            session.add(
                HumanTask(
                    instance_id=iid,
                    task_guid="x",
                    task_spec="Task_Reader",
                    name="x",
                    lane=shape.pop("lane", "publisher"),
                    decides=True,
                    created_at=ctx.now() + timedelta(seconds=n),
                    **shape,
                )
            )
        ids.append(iid)
    draft = instances.start_instance(ctx, "general_publication", None, actor("owner1")).id
    return groups, [*ids, draft]
