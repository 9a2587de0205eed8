"""A requester may take back a request nobody has decided on yet, with a reason that is recorded."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.errors import ConflictError, PermissionDeniedError, ValidationError
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.requests import inbox, instances, tasks
from bpmnpub.services.requests.results import InstanceView

from .conftest import task_id


def test_withdraw_before_any_decision(ctx: ServiceContext, actor: Any, filed: InstanceView) -> None:
    owner = actor("owner1")
    [mine] = instances.list_my_requests(ctx, owner)
    assert mine.withdrawable
    with pytest.raises(ValidationError):
        instances.withdraw_request(ctx, filed.id, owner, "  ")
    with pytest.raises(PermissionDeniedError):
        instances.withdraw_request(ctx, filed.id, actor("owner2"), "ไม่ใช่ของฉัน")
    view = instances.withdraw_request(ctx, filed.id, owner, "ยื่นผิดเรื่อง")
    assert (view.status, view.events[-1].action, view.events[-1].comment) == (
        "terminated",
        "withdrawn",
        "ยื่นผิดเรื่อง",
    )
    assert inbox.list_tasks(ctx, actor("gdir_plan")) == []
    assert not instances.list_my_requests(ctx, owner)[0].withdrawable


def test_no_withdraw_once_someone_decided(ctx: ServiceContext, actor: Any, filed: InstanceView) -> None:
    gdir = actor("gdir_plan")
    tasks.complete_task(ctx, task_id(ctx, gdir, filed.id), {"decision": "revise", "comment": "แก้ไข"}, gdir)
    assert not instances.list_my_requests(ctx, actor("owner1"))[0].withdrawable
    with pytest.raises(ConflictError, match="already decided"):
        instances.withdraw_request(ctx, filed.id, actor("owner1"), "เปลี่ยนใจ")
