"""รักษาราชการแทน: during a delegation the absent person's tasks also reach the substitute, and each
action is recorded as the substitute acting for them; before and after, nothing changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from bpmnpub.errors import PermissionDeniedError, ValidationError
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.requests import inbox, instances, tasks
from bpmnpub.services.requests.results import InstanceView

from ..conftest import Clock
from .conftest import task_id


def actor_on(ctx: ServiceContext, clock: Clock, username: str, day: date) -> Any:
    clock.current = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok
    with ctx.db.read() as session:
        user = accounts.find_user(session, username)
        assert user is not None
        return accounts.actor_with_delegations(session, user, day)


@pytest.fixture
def at_director(ctx: ServiceContext, actor: Any, filed: InstanceView) -> InstanceView:
    gdir = actor("gdir_plan")
    tasks.complete_task(ctx, task_id(ctx, gdir, filed.id), {"decision": "approve"}, gdir)
    accounts.add_delegation(
        ctx, actor("director1"), "deputy1", date(2026, 11, 20), date(2026, 11, 24), "ไปราชการ"
    )
    return filed


def test_before_the_range_the_substitute_has_nothing(
    ctx: ServiceContext, clock: Clock, at_director: Any
) -> None:
    deputy = actor_on(ctx, clock, "deputy1", date(2026, 11, 19))
    assert deputy.acting_for == ()
    assert inbox.list_tasks(ctx, deputy) == []


def test_during_the_range_the_substitute_decides_for_the_director(
    ctx: ServiceContext, clock: Clock, at_director: InstanceView, actor: Any
) -> None:
    deputy = actor_on(ctx, clock, "deputy1", date(2026, 11, 20))
    [task] = inbox.list_tasks(ctx, deputy)
    assert task.name == "ผอ.สพป. พิจารณา อนุญาต"
    assert [t.id for t in inbox.list_tasks(ctx, actor("director1"))] == [task.id]  # still the director's too
    tasks.complete_task(ctx, task.id, {"decision": "approve"}, deputy)
    view = instances.get_instance(ctx, at_director.id, actor("admin1"))
    decided = [e for e in view.events if e.action == "task_completed"][-1]
    assert (decided.actor, decided.on_behalf_of, decided.decision) == ("deputy1", "director1", "approve")


def test_after_the_range_it_is_over(ctx: ServiceContext, clock: Clock, at_director: Any) -> None:
    deputy = actor_on(ctx, clock, "deputy1", date(2026, 11, 25))
    assert inbox.list_tasks(ctx, deputy) == []
    review = task_id(ctx, actor_on(ctx, clock, "director1", date(2026, 11, 25)), at_director.id)
    with pytest.raises(PermissionDeniedError):
        tasks.complete_task(ctx, review, {"decision": "approve"}, deputy)


def test_a_substitute_never_decides_on_their_own_request(
    ctx: ServiceContext, clock: Clock, actor: Any
) -> None:
    accounts.add_delegation(ctx, actor("gdir_plan"), "owner1", date(2026, 11, 16), date(2026, 11, 30), "ลา")
    owner = actor_on(ctx, clock, "owner1", date(2026, 11, 17))
    assert [p.username for p in owner.acting_for] == ["gdir_plan"]
    from .conftest import request_data, upload_pdf

    started = instances.start_instance(ctx, "general_publication", None, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), request_data(upload_pdf(ctx, owner)), owner)
    assert [t.instance_id for t in inbox.list_tasks(ctx, owner)] == []  # not their own review, even for gdir


def test_delegations_are_checked(ctx: ServiceContext, actor: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        accounts.add_delegation(
            ctx, actor("director1"), "director1", date(2026, 11, 20), date(2026, 11, 19), ""
        )
    assert {p.field for p in caught.value.problems} == {"ends_on", "substitute"}
    given, received = accounts.list_delegations(ctx, actor("director1"))
    assert (given, received) == ([], [])
