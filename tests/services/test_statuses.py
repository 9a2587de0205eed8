"""One status vocabulary (bpmnpub/statuses.py): what the admin's request page offers in each status is
exactly what the services then accept, whatever the status (#14)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bpmnpub.errors import ConflictError
from bpmnpub.models import ProcessInstance
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import admin_page, instances, interventions
from bpmnpub.services.requests.results import InstanceView
from bpmnpub.statuses import ADMIN_ACTIONS, INSTANCE_STATUSES, admin_actions

WHY = "ทดสอบสถานะ"
ACTIONS: dict[str, Callable[[ServiceContext, int, Any, str], object]] = {
    "suspend": interventions.suspend_instance,
    "resume": interventions.resume_instance,
    "terminate": interventions.terminate_instance,
    "retry": instances.retry_instance,
}


def test_every_action_names_statuses_of_the_vocabulary() -> None:
    assert all(set(allowed) <= set(INSTANCE_STATUSES) for allowed in ADMIN_ACTIONS.values())
    assert admin_actions("completed") == frozenset()
    assert admin_actions("suspended") >= {"resume", "terminate", "correct", "reassign", "migrate"}


@pytest.mark.parametrize("status", INSTANCE_STATUSES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_the_page_offers_what_the_service_accepts(
    ctx: ServiceContext, actor: Any, filed: InstanceView, status: str, action: str
) -> None:
    admin = actor("admin1")
    with ctx.db.write() as session:
        instance = session.get(ProcessInstance, filed.id)
        assert instance is not None
        instance.status = status
    offered = action in admin_page.get_instance_page(ctx, filed.id, admin).actions
    try:
        ACTIONS[action](ctx, filed.id, admin, WHY)
    except ConflictError:
        accepted = False
    else:
        accepted = True
    assert offered == accepted == (status in ADMIN_ACTIONS[action])
