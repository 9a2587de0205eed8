"""Admin actions on requests: each needs a reason, is recorded, and only admins may do it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bpmnpub.errors import ConflictError, PermissionDeniedError, ValidationError
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import definitions
from bpmnpub.services.requests import admin_page, inbox, instances, interventions, monitoring, tasks
from bpmnpub.services.requests.results import InstanceView

from .conftest import file_request, request_data, task_id, upload_pdf

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
WHY = "ผอ.กลุ่มลาป่วย ให้ผู้อื่นพิจารณาแทน"


def open_task_id(ctx: ServiceContext, admin: Any, instance_id: int) -> int:
    page = admin_page.get_instance_page(ctx, instance_id, admin)
    assert len(page.open_tasks) == 1, page.open_tasks
    return page.open_tasks[0].id


def actions_of(ctx: ServiceContext, admin: Any, instance_id: int) -> list[tuple[str, str | None]]:
    page = admin_page.get_instance_page(ctx, instance_id, admin)
    return [(e.action, e.comment) for e in page.events]


def test_every_action_needs_a_reason_and_an_admin(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    admin, owner = actor("admin1"), actor("owner1")
    task = open_task_id(ctx, admin, filed.id)
    calls = [
        lambda who, why: interventions.suspend_instance(ctx, filed.id, who, why),
        lambda who, why: interventions.resume_instance(ctx, filed.id, who, why),
        lambda who, why: interventions.terminate_instance(ctx, filed.id, who, why),
        lambda who, why: interventions.reassign_task(ctx, task, "director1", who, why),
        lambda who, why: interventions.rewind_instance(ctx, filed.id, "Task_PrepareRequest", who, why),
        lambda who, why: interventions.migrate_instance(ctx, filed.id, 2, who, why),
        lambda who, why: interventions.correct_value(ctx, filed.id, "title", "x", who, why),
        lambda who, why: instances.retry_instance(ctx, filed.id, who, why),
    ]
    for call in calls:
        for why in (WHY, ""):  # a non-admin hears 403 before anything is said of the reason
            with pytest.raises(PermissionDeniedError):
                call(owner, why)
        for why in ("  ", "ก" * 2001):  # missing, or longer than the 2 000 characters kept
            with pytest.raises(ValidationError) as problem:
                call(admin, why)
            assert problem.value.problems[0].field == "reason"
    with pytest.raises(PermissionDeniedError):
        admin_page.get_instance_page(ctx, filed.id, owner)


def test_suspended_request_leaves_inboxes_and_cannot_be_done(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    admin, gdir = actor("admin1"), actor("gdir_plan")
    review = task_id(ctx, gdir, filed.id)
    interventions.suspend_instance(ctx, filed.id, admin, "รอตรวจสอบเอกสาร")
    assert all(t.instance_id != filed.id for t in inbox.list_tasks(ctx, gdir))
    with pytest.raises(ConflictError, match="suspended"):
        tasks.complete_task(ctx, review, {"decision": "approve"}, gdir)
    with pytest.raises(ConflictError):
        interventions.suspend_instance(ctx, filed.id, admin, "อีกครั้ง")
    interventions.resume_instance(ctx, filed.id, admin, "ตรวจแล้ว")
    assert any(t.instance_id == filed.id for t in inbox.list_tasks(ctx, gdir))
    tasks.complete_task(ctx, review, {"decision": "approve"}, gdir)
    assert ("suspended", "รอตรวจสอบเอกสาร") in actions_of(ctx, admin, filed.id)
    assert ("resumed", "ตรวจแล้ว") in actions_of(ctx, admin, filed.id)


def test_terminate_cancels_open_tasks(ctx: ServiceContext, actor: Any, filed: InstanceView) -> None:
    admin, gdir = actor("admin1"), actor("gdir_plan")
    view = interventions.terminate_instance(ctx, filed.id, admin, "ยื่นซ้ำ")
    assert view.status == "terminated" and view.tasks == []
    assert all(t.instance_id != filed.id for t in inbox.list_tasks(ctx, gdir))
    page = admin_page.get_instance_page(ctx, filed.id, admin)
    assert page.open_tasks == [] and "Task_GroupDirectorReview" in page.marks.cancelled
    assert ("terminated", "ยื่นซ้ำ") in actions_of(ctx, admin, filed.id)
    with pytest.raises(ConflictError):
        interventions.terminate_instance(ctx, filed.id, admin, "อีกครั้ง")


def test_stuck_request_found_seen_and_reassigned(ctx: ServiceContext, actor: Any, clock: Any) -> None:
    """admin1 finds a review that has waited for days (legal1's group has no director, so it went up the
    chain to the deputy, who is away), sees where it stands on the diagram, and gives it to director1."""
    legal, admin, director = actor("legal1"), actor("admin1"), actor("director1")
    stuck_id = file_request(ctx, legal)
    clock.advance(days=6)
    stuck = monitoring.list_instances(
        ctx, admin, monitoring.InstanceFilters(process_id="general_publication", waiting_days=5)
    )
    assert [row.id for row in stuck.items] == [stuck_id]
    assert stuck.items[0].waiting[0].holder == "นางรัชนี ศรีสุข"  # deputy1: up the chain (services/routing)
    page = admin_page.get_instance_page(ctx, stuck_id, admin)
    assert page.marks.active == ["Task_GroupDirectorReview"]
    assert page.marks.completed == ["Gateway_LegalScreen", "StartEvent_Request", "Task_PrepareRequest"]
    assert len(page.marks.flows) == 3
    review = page.open_tasks[0].id
    with pytest.raises(ValidationError, match="own request"):
        interventions.reassign_task(ctx, review, "legal1", admin, WHY)
    interventions.reassign_task(ctx, review, "director1", admin, WHY)
    assert [t.id for t in inbox.list_tasks(ctx, director) if t.instance_id == stuck_id] == [review]
    view = tasks.complete_task(ctx, review, {"decision": "approve"}, director)
    assert [t.name for t in view.tasks] == ["ผอ.สพป. พิจารณา อนุญาต"]
    events = admin_page.get_instance_page(ctx, stuck_id, admin).events
    reassigned = next(e for e in events if e.action == "reassigned")
    assert reassigned.comment == WHY and reassigned.details == {"to": "director1", "from": "deputy1"}


def test_rewind_reopens_the_earlier_task(ctx: ServiceContext, actor: Any, filed: InstanceView) -> None:
    admin, owner, gdir = actor("admin1"), actor("owner1"), actor("gdir_plan")
    tasks.complete_task(ctx, task_id(ctx, gdir, filed.id), {"decision": "approve"}, gdir)
    choices = {t.spec_id: t.reason for t in admin_page.get_instance_page(ctx, filed.id, admin).rewind}
    assert choices["Task_PrepareRequest"] is None and choices["Task_GroupDirectorReview"] is None
    assert choices["Task_DirectorDecision"] == "the request is at this step now"
    assert choices["Task_CheckAndPublish"] == "the request has not reached this step yet"
    with pytest.raises(ValidationError):
        interventions.rewind_instance(ctx, filed.id, "Task_CheckAndPublish", admin, WHY)
    view = interventions.rewind_instance(ctx, filed.id, "Task_PrepareRequest", admin, "แนบไฟล์ผิดฉบับ")
    assert [(t.name, t.round) for t in view.tasks] == [("จัดทำบันทึก ขออนุญาต เผยแพร่ข้อมูล", 2)]
    reopened = task_id(ctx, owner, filed.id)
    detail = tasks.get_task(ctx, reopened, owner)
    assert detail.data["title"] == "ประกาศผลการคัดเลือกครูผู้ช่วย"
    assert all(t.instance_id != filed.id for t in inbox.list_tasks(ctx, actor("director1")))
    assert ("rewound", "แนบไฟล์ผิดฉบับ") in actions_of(ctx, admin, filed.id)
    tasks.complete_task(ctx, reopened, request_data(upload_pdf(ctx, owner)), owner)
    assert admin_page.get_instance_page(ctx, filed.id, admin).marks.active == ["Task_GroupDirectorReview"]


def test_correct_a_value(ctx: ServiceContext, actor: Any, filed: InstanceView) -> None:
    admin = actor("admin1")
    with pytest.raises(ValidationError):
        interventions.correct_value(ctx, filed.id, "channels", "not json", admin, WHY)
    view = interventions.correct_value(ctx, filed.id, "title", "ชื่อเรื่องที่ถูกต้อง", admin, "พิมพ์ผิด")
    assert view.title == "ชื่อเรื่องที่ถูกต้อง"
    page = admin_page.get_instance_page(ctx, filed.id, admin)
    assert page.data["title"] == "ชื่อเรื่องที่ถูกต้อง" and page.status == "running"
    event = next(e for e in page.events if e.action == "data_corrected")
    assert event.details == {"key": "title", "old": "ประกาศผลการคัดเลือกครูผู้ช่วย", "new": "ชื่อเรื่องที่ถูกต้อง"}


def _deploy_v2(ctx: ServiceContext) -> int:
    xml = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('name="ผอ.กลุ่ม/หน่วย พิจารณา"', 'name="ผอ.กลุ่ม/หน่วย ตรวจและพิจารณา"')
    forms = {p.stem: __import__("json").loads(p.read_text()) for p in (PROCESSES / "forms").glob("*.json")}
    with ctx.db.write() as session:
        return definitions.deploy(
            ctx, session, xml.encode(), "general_publication.bpmn", forms, actor_id=None
        ).version


def test_migrate_dry_run_lists_changes_then_moves(
    ctx: ServiceContext, actor: Any, filed: InstanceView
) -> None:
    admin, gdir = actor("admin1"), actor("gdir_plan")
    version = _deploy_v2(ctx)
    preview = interventions.preview_migration(ctx, filed.id, version, admin)
    assert not preview.blockers
    assert [(c.spec_id, c.change) for c in preview.changes] == [("Task_GroupDirectorReview", "changed")]
    assert preview.reset_steps == ["Task_GroupDirectorReview"]
    with pytest.raises(ValidationError):
        interventions.preview_migration(ctx, filed.id, 1, admin)
    view = interventions.migrate_instance(ctx, filed.id, version, admin, "ใช้ขั้นตอนฉบับใหม่")
    assert view.process_version == version
    assert [(t.name, t.round) for t in view.tasks] == [("ผอ.กลุ่ม/หน่วย ตรวจและพิจารณา", 1)]
    tasks.complete_task(ctx, task_id(ctx, gdir, filed.id), {"decision": "approve"}, gdir)
    assert ("migrated", "ใช้ขั้นตอนฉบับใหม่") in actions_of(ctx, admin, filed.id)
