"""Each task's form starts from its own defaults and what its diagram carries over: data a requester or
an earlier step wrote under another role's field name never pre-fills that role's form, and a
submission leaves exactly the form as sent (services/procedures/prefill.py, engine/prefill.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bpmnpub.errors import ValidationError
from bpmnpub.forms import FormSpec
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import prefill
from bpmnpub.services.requests import inbox, instances, tasks

from ..conftest import PROCESSES
from .conftest import request_data, task_id, upload_pdf

FOREIGN = {"certified": True, "publish_note": "ผ่านการตรวจแล้ว (ผู้ขอกรอกเอง)"}


def current_data(ctx: ServiceContext, instance_id: int, who: Any) -> dict[str, Any]:
    detail = tasks.get_task(ctx, task_id(ctx, who, instance_id), who)
    return detail.context


def walk_to_publisher(ctx: ServiceContext, actor: Any, instance_id: int) -> int:
    for reviewer in ("gdir_plan", "director1"):
        who = actor(reviewer)
        tasks.complete_task(ctx, task_id(ctx, who, instance_id), {"decision": "approve"}, who)
    return task_id(ctx, actor("publisher1"), instance_id)


def test_start_data_for_the_publishers_fields_is_refused_and_starts_nothing(
    ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    with pytest.raises(ValidationError) as refused:
        instances.start_instance(ctx, "general_publication", {"title": "ประกาศ", **FOREIGN}, owner)
    assert sorted(p.field for p in refused.value.problems) == ["certified", "publish_note"]
    assert inbox.list_tasks(ctx, owner) == []


def test_start_data_fills_the_requesters_first_form_and_is_checked_by_kind(
    ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    with pytest.raises(ValidationError) as refused:
        instances.start_instance(ctx, "general_publication", {"title": ["not", "text"]}, owner)
    assert [p.field for p in refused.value.problems] == ["title"]
    started = instances.start_instance(ctx, "general_publication", {"title": "ร่างประกาศ"}, owner)
    first = tasks.get_task(ctx, task_id(ctx, owner, started.id), owner)
    # the personal-data questions open unticked (their defaults)
    assert first.data == {"title": "ร่างประกาศ", "personal_data": False, "legal_review": False}


def test_a_process_whose_first_step_is_not_the_requesters_takes_no_start_data(
    ctx: ServiceContext, actor: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        instances.start_instance(ctx, "semiannual_report", {"results": "ดีมาก"}, actor("publisher1"))
    assert [p.field for p in refused.value.problems] == ["results"]


def test_values_planted_before_the_publisher_neither_tick_the_box_nor_survive_the_certification(
    ctx: ServiceContext, actor: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An instance started before start data was limited (simulated by lifting the check) holds the
    requester's `certified` and `publish_note`: the publisher's form still opens unticked and empty,
    and what the request holds afterwards is the publisher's own answer."""
    monkeypatch.setattr(prefill, "check_start_data", lambda *args: None)
    owner, publisher = actor("owner1"), actor("publisher1")
    started = instances.start_instance(ctx, "general_publication", FOREIGN, owner)
    tasks.complete_task(ctx, task_id(ctx, owner, started.id), request_data(upload_pdf(ctx, owner)), owner)
    at_publisher = walk_to_publisher(ctx, actor, started.id)

    form = tasks.get_task(ctx, at_publisher, publisher)
    # its own preScript (the send-back's decision and reason) and nothing carried over: unticked, empty
    assert form.data == {"decision": "", "comment": ""}
    assert form.context["certified"] is True  # still readable as what the request holds

    tasks.complete_task(ctx, at_publisher, {"certified": True}, publisher)
    done = instances.get_instance(ctx, started.id, owner)
    assert done.status == "completed"
    certified = [e for e in done.events if e.action == "task_completed" and e.task == "Task_CheckAndPublish"]
    assert [e.actor for e in certified] == ["publisher1"]
    final = tasks.get_task(ctx, at_publisher, publisher).context
    assert final["certified"] is True
    assert "publish_note" not in final  # the requester's note did not become the publisher's


def test_a_revise_task_shows_the_request_and_the_next_reviewer_starts_empty(
    ctx: ServiceContext, actor: Any, filed: Any
) -> None:
    owner, gdir, director = actor("owner1"), actor("gdir_plan"), actor("director1")
    tasks.complete_task(
        ctx, task_id(ctx, gdir, filed.id), {"decision": "revise", "comment": "โปรดระบุวันปิดรับ"}, gdir
    )
    revise = tasks.get_task(ctx, task_id(ctx, owner, filed.id), owner)
    assert revise.data["title"] == request_data("x")["title"]
    assert set(revise.data) == {
        *("title", "category", "description", "purpose", "channels", "attachments"),
        *("personal_data", "legal_review"),
    }
    assert revise.context["comment"] == "โปรดระบุวันปิดรับ"  # the reason, read-only

    tasks.complete_task(ctx, revise.id, {**revise.data, "description": "ปิดรับ 30 พ.ย."}, owner)
    again = tasks.get_task(ctx, task_id(ctx, gdir, filed.id), gdir)
    assert again.data == {"decision": "", "comment": ""}  # its own preScript, not the first round
    tasks.complete_task(ctx, again.id, {"decision": "approve"}, gdir)
    decision = tasks.get_task(ctx, task_id(ctx, director, filed.id), director)
    assert decision.data == {"decision": "", "comment": ""}
    assert decision.context["description"] == "ปิดรับ 30 พ.ย."


def test_a_field_of_another_form_is_refused_at_completion_and_changes_nothing(
    ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("owner1")
    started = instances.start_instance(ctx, "general_publication", None, owner)
    first = task_id(ctx, owner, started.id)
    with pytest.raises(ValidationError) as refused:
        tasks.complete_task(ctx, first, {**request_data(upload_pdf(ctx, owner)), **FOREIGN}, owner)
    assert sorted(p.field for p in refused.value.problems) == ["certified", "publish_note"]
    assert "certified" not in current_data(ctx, started.id, owner)


def test_a_read_only_field_keeps_the_requests_value_and_an_empty_field_is_emptied(
    ctx: ServiceContext,
) -> None:
    """The six-monthly group report: `group_code` is read-only (which group the step is for), so a
    submission naming another group changes nothing; the director's optional comment left out is
    removed rather than kept from someone else."""
    path = PROCESSES / "semiannual_report.bpmn"
    model = ctx.engine.inspect(path.read_bytes(), path.name, None).model
    report = FormSpec("group_report_form", _form("group_report_form"))
    sent = {
        "group_code": "hr",
        "system_items_published": 3,
        "results": "ดี",
        "problems": "-",
        "suggestions": "-",
    }
    values, cleared = prefill.submission(model, "Task_GroupReport", report, sent)
    assert "group_code" not in values and "system_items_published" not in values  # read-only: the system's
    assert set(cleared) == {"corrected_items_published", "correction_reason"}  # optional, left out
    ack = FormSpec("director_ack_form", _form("director_ack_form"))
    values, cleared = prefill.submission(
        model, "Task_DirectorAcknowledge", ack, {"acknowledged": True, "publish_report": False}
    )
    assert values == {"acknowledged": True, "publish_report": False} and cleared == ["comment", "ita_item"]


def _form(key: str) -> dict[str, Any]:
    return dict(json.loads((PROCESSES / "forms" / f"{key}.json").read_text(encoding="utf-8")))
