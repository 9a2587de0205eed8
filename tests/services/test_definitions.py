"""Deploying versions: checked first, all or nothing, deduplicated; running requests keep theirs."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bpmnpub.errors import DiagramError, PermissionDeniedError
from bpmnpub.models import ProcessDefinition
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import definitions
from bpmnpub.services.requests import inbox, instances, tasks

from ..conftest import PROCESSES
from .conftest import request_data, task_id, upload_pdf

GENERAL = (PROCESSES / "general_publication.bpmn").read_bytes()


def versions(ctx: ServiceContext) -> int:
    with ctx.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(ProcessDefinition)) or 0)


def test_redeploying_the_folder_changes_nothing(ctx: ServiceContext) -> None:
    before = versions(ctx)
    results = definitions.deploy_folder(ctx, PROCESSES)
    assert len(results) == 6 and not any(r.created for r in results)
    assert versions(ctx) == before


def test_a_new_version_is_used_by_new_requests_only(ctx: ServiceContext, actor: Any) -> None:
    owner, procowner = actor("owner1"), actor("procowner1")
    old = instances.start_instance(ctx, "general_publication", None, owner)
    changed = GENERAL.replace("ผอ.กลุ่ม/หน่วย พิจารณา".encode(), "ผู้อำนวยการกลุ่มพิจารณา".encode())
    assert changed != GENERAL
    result = definitions.deploy_upload(ctx, changed, "general_publication.bpmn", {}, actor=procowner)
    assert (result.version, result.created) == (2, True)
    new = instances.start_instance(ctx, "general_publication", None, owner)
    assert (old.process_version, new.process_version) == (1, 2)
    # the old request still runs to its end on version 1
    tasks.complete_task(ctx, task_id(ctx, owner, old.id), request_data(upload_pdf(ctx, owner)), owner)
    review = next(t for t in inbox.list_tasks(ctx, actor("gdir_plan")) if t.instance_id == old.id)
    assert review.name == "ผอ.กลุ่ม/หน่วย พิจารณา"


def test_only_process_owners_deploy(ctx: ServiceContext, actor: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        definitions.deploy_upload(ctx, GENERAL, "general_publication.bpmn", {}, actor=actor("owner1"))


def test_a_bad_file_deploys_nothing_from_the_folder(ctx: ServiceContext, tmp_path: Path) -> None:
    folder = tmp_path / "processes"
    shutil.copytree(PROCESSES, folder)
    good = folder / "general_publication.bpmn"
    good.write_bytes(GENERAL.replace("ผอ.สพป. พิจารณา".encode(), "ผอ.สพป. พิจารณาอนุญาต".encode()))
    bad = folder / "memo_publication.bpmn"
    bad.write_text(bad.read_text(encoding="utf-8").replace('decision == "approve"', "decision.strip()", 1))
    before = versions(ctx)
    with pytest.raises(DiagramError) as caught:
        definitions.deploy_folder(ctx, folder)
    [problem] = caught.value.problems
    assert problem.file == "memo_publication.bpmn" and problem.element_id and problem.line
    assert versions(ctx) == before  # the valid change to general_publication was not deployed either


def test_a_form_that_is_not_json_schema_is_refused(ctx: ServiceContext, actor: Any) -> None:
    bad_form = {"title": "x", "type": "object", "properties": {"decision": {"type": "nope", "title": "x"}}}
    with pytest.raises(DiagramError) as caught:
        definitions.deploy_upload(
            ctx, GENERAL, "general_publication.bpmn", {"review_form": bad_form}, actor=actor("procowner1")
        )
    assert caught.value.problems[0].file == "forms/review_form.json"
