"""A request's progress as the people involved read it (services/requests/progress.py): the steps done with
who and what they decided, the open step and who holds it, the road ahead (not a revise loop, not a
rejection), the diagram's marks and its lanes' role codes. Both databases."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.errors import NotFoundError
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.pages import request_page
from bpmnpub.services.requests import holding, instances, tasks

from .conftest import file_request, task_id

GENERAL_LANES = {"requester", "legal_officer", "group_director", "director", "publisher"}


def test_progress_of_a_filed_request(ctx: ServiceContext, actor: Any) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    filed = file_request(ctx, owner)
    page = request_page.get_request_page(ctx, filed, owner)
    p = page.progress
    assert p is not None
    assert [s.name for s in p.done] == ["จัดทำบันทึก ขออนุญาต เผยแพร่ข้อมูล"]
    assert p.done[0].by == owner_name(ctx, owner)
    [now] = p.now
    assert (now.name, now.lane, now.holder, now.group) == (
        "ผอ.กลุ่ม/หน่วย พิจารณา",
        "group_director",
        None,
        "กลุ่มนโยบายและแผน",
    )
    # ahead: the director, then the publisher; never "แก้ไขตาม ..." (a loop) as the road ahead
    assert p.ahead == ["ผอ.สพป. พิจารณา อนุญาต", "ตรวจสอบ และรับรองข้อมูล ก่อนเผยแพร่"]
    assert "Task_GroupDirectorReview" in p.marks.active
    assert "Task_PrepareRequest" in p.marks.completed
    assert set(p.lanes.values()) == GENERAL_LANES and "Lane_requester" in p.lanes

    holding.claim_task(ctx, task_id(ctx, gdir, filed), gdir)
    tasks.complete_task(ctx, task_id(ctx, gdir, filed), {"decision": "revise", "comment": "แก้ชื่อเรื่อง"}, gdir)
    p = request_page.get_request_page(ctx, filed, owner).progress
    assert p is not None
    assert [(s.name, s.decision) for s in p.done][-1] == ("ผอ.กลุ่ม/หน่วย พิจารณา", "revise")
    [now] = p.now
    assert now.lane == "requester" and now.holder == owner_name(ctx, owner)
    # back through the (optional) legal screen to the group director, then on; never the loop again
    assert in_order(p.ahead, ["ผอ.กลุ่ม/หน่วย พิจารณา", "ผอ.สพป. พิจารณา อนุญาต", "ตรวจสอบ และรับรองข้อมูล ก่อนเผยแพร่"])
    assert not any(name.startswith("แก้ไขตาม") for name in p.ahead)


def test_a_held_step_names_its_holder_and_an_ended_request_has_nothing_ahead(
    ctx: ServiceContext, actor: Any
) -> None:
    owner, gdir = actor("owner1"), actor("gdir_plan")
    filed = file_request(ctx, owner)
    holding.claim_task(ctx, task_id(ctx, gdir, filed), gdir)
    p = request_page.get_request_page(ctx, filed, owner).progress
    assert p is not None and [s.holder for s in p.now] == [owner_name(ctx, gdir)]
    tasks.complete_task(ctx, task_id(ctx, gdir, filed), {"decision": "reject", "comment": "ซ้ำ"}, gdir)
    p = request_page.get_request_page(ctx, filed, owner).progress
    assert p is not None and p.now == [] and p.ahead == [] and p.marks.active == []


def test_a_drafts_progress_is_its_requesters_alone(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    p = request_page.get_request_page(ctx, started.id, owner).progress
    assert p is not None and p.done == [] and [s.lane for s in p.now] == ["requester"]
    assert in_order(p.ahead, ["ผอ.กลุ่ม/หน่วย พิจารณา", "ผอ.สพป. พิจารณา อนุญาต"])
    with pytest.raises(NotFoundError):
        request_page.get_request_page(ctx, started.id, actor("director1"))


def in_order(found: list[str], wanted: list[str]) -> bool:
    """`wanted` appear in `found` in that order (other steps, such as an optional one, may sit between)."""
    rest = iter(found)
    return all(any(name == step for step in rest) for name in wanted)


def owner_name(ctx: ServiceContext, who: Any) -> str:
    from bpmnpub.models import User

    with ctx.db.read() as session:
        user = session.get(User, who.id)
        assert user is not None
        return user.full_name
