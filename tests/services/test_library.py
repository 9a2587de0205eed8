"""The process library: drafts, validate and deploy from the modeler, versions with running counts, diff."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bpmnpub.errors import ConflictError, DiagramError, NotFoundError, PermissionDeniedError
from bpmnpub.models import ProcessDefinition, ProcessDraft
from bpmnpub.permissions import Actor
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import library, modeler
from bpmnpub.services.requests import instances, tasks

from ..conftest import PROCESSES
from .conftest import file_request, request_data, task_id, upload_pdf

GENERAL = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")
NEW_FORM = {
    "title": "ความเห็นนิติกร",
    "type": "object",
    "properties": {"comment": {"type": "string", "title": "ความเห็น"}},
}


def versions(ctx: ServiceContext, process_id: str = "general_publication") -> int:
    with ctx.db.read() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ProcessDefinition)
                .where(ProcessDefinition.process_id == process_id)
            )
            or 0
        )


def renamed(xml: str = GENERAL, new_name: str = "ผอ.กลุ่ม ตรวจและพิจารณา") -> str:
    return xml.replace('name="ผอ.กลุ่ม/หน่วย พิจารณา"', f'name="{new_name}"', 1)


def test_library_lists_every_process_with_running_counts(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("procowner1")
    file_request(ctx, actor("owner1"))
    instances.start_instance(ctx, "general_publication", None, actor("owner1"))  # a draft: not counted
    entries = {e.process_id: e for e in library.list_processes(ctx, owner)}
    assert len(entries) == 6
    general = entries["general_publication"]
    assert general.latest.version == 1
    assert (general.latest.running, general.latest.total) == (1, 1)
    assert entries["memo_publication"].latest.running == 0


def test_only_process_owners_and_admins(ctx: ServiceContext, actor: Any) -> None:
    for username in ("owner1", "director1"):
        with pytest.raises(PermissionDeniedError):
            library.list_processes(ctx, actor(username))
        with pytest.raises(PermissionDeniedError):
            modeler.deploy_draft(ctx, actor(username), "general_publication", GENERAL, {}, 1)
    assert library.list_processes(ctx, actor("admin1"))


def test_draft_is_shared_and_kept_until_deployed(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("procowner1")
    fresh = modeler.open_draft(ctx, owner, "general_publication")
    assert fresh.saved is None and fresh.base_version == 1 and "Task_PrepareRequest" in fresh.xml
    assert "review_form" in fresh.known_forms
    modeler.save_draft(ctx, owner, "general_publication", renamed(), {"legal_note_form": NEW_FORM}, 1)
    again = modeler.open_draft(ctx, actor("admin1"), "general_publication")
    assert again.saved is not None and "ผอ.กลุ่ม ตรวจและพิจารณา" in again.xml
    assert again.forms == {"legal_note_form": NEW_FORM} and "legal_note_form" in again.known_forms
    modeler.discard_draft(ctx, owner, "general_publication")
    assert modeler.open_draft(ctx, owner, "general_publication").saved is None


def test_the_shipped_diagram_validates_clean(ctx: ServiceContext, actor: Any) -> None:
    assert modeler.validate_draft(ctx, actor("procowner1"), "general_publication", GENERAL, {}) == []


@pytest.mark.parametrize(
    ("change", "element_id", "words"),
    [
        (
            lambda x: x.replace('decision == "approve"', '__import__("os").system("id")', 1),
            "Flow_GroupDirectorResult_To_DirectorDecision",
            "not allowed",
        ),
        (
            lambda x: x.replace("<bpmn:flowNodeRef>Task_CheckAndPublish</bpmn:flowNodeRef>", "", 1),
            "Task_CheckAndPublish",
            "not in any lane",
        ),
        (
            lambda x: x.replace('value="publish_check_form"', 'value="no_such_form"', 1),
            "Task_CheckAndPublish",
            "does not exist",
        ),
    ],
    ids=["unsafe-condition", "no-lane", "unknown-form"],
)
def test_a_bad_diagram_is_refused_with_the_element_and_nothing_deployed(
    ctx: ServiceContext, actor: Any, change: Any, element_id: str, words: str
) -> None:
    owner = actor("procowner1")
    xml = change(GENERAL)
    assert xml != GENERAL
    problems = modeler.validate_draft(ctx, owner, "general_publication", xml, {})
    assert any(p.element_id == element_id and words in p.message for p in problems), problems
    with pytest.raises(DiagramError) as refused:
        modeler.deploy_draft(ctx, owner, "general_publication", xml, {}, 1)
    assert any(p.element_id == element_id for p in refused.value.problems)
    assert versions(ctx) == 1


def test_deploy_makes_a_new_version_and_running_instances_stay(ctx: ServiceContext, actor: Any) -> None:
    owner, requester = actor("procowner1"), actor("owner1")
    before = instances.start_instance(ctx, "general_publication", None, requester)
    modeler.save_draft(ctx, owner, "general_publication", renamed(), {}, 1)
    xml = renamed().replace('value="publish_check_form"', 'value="legal_note_form"', 1)
    result = modeler.deploy_draft(ctx, owner, "general_publication", xml, {"legal_note_form": NEW_FORM}, 1)
    assert (result.version, result.created) == (2, True)
    after = instances.start_instance(ctx, "general_publication", None, requester)
    assert instances.get_instance(ctx, before.id, requester).process_version == 1
    assert instances.get_instance(ctx, after.id, requester).process_version == 2
    with ctx.db.read() as session:
        assert session.get(ProcessDraft, "general_publication") is None
        v2 = session.scalar(
            select(ProcessDefinition).where(
                ProcessDefinition.process_id == "general_publication", ProcessDefinition.version == 2
            )
        )
        assert v2 is not None and v2.forms["legal_note_form"] == NEW_FORM and v2.deployed_by_id == owner.id
    listed = {e.process_id: e for e in library.list_processes(ctx, owner)}["general_publication"]
    # both are still their requester's drafts (docs/drafts.md): not counted until sent
    assert [(v.version, v.running) for v in listed.versions] == [(2, 0), (1, 0)]
    tasks.complete_task(
        ctx, task_id(ctx, requester, before.id), request_data(upload_pdf(ctx, requester)), requester
    )
    listed = {e.process_id: e for e in library.list_processes(ctx, owner)}["general_publication"]
    assert [(v.version, v.running) for v in listed.versions] == [(2, 0), (1, 1)]
    assert listed.versions[0].deployed_by is not None


def test_deploy_over_a_newer_version_asks_first(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("procowner1")
    modeler.deploy_draft(ctx, owner, "general_publication", renamed(), {}, 1)
    other = renamed(new_name="พิจารณาโดย ผอ.กลุ่ม")
    with pytest.raises(ConflictError):
        modeler.deploy_draft(ctx, owner, "general_publication", other, {}, 1)
    assert modeler.deploy_draft(ctx, owner, "general_publication", other, {}, 1, force=True).version == 3


def test_a_deployed_form_changed_in_a_draft_goes_out_with_the_next_version(
    ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("procowner1")
    request = instances.start_instance(ctx, "general_publication", None, actor("owner1")).id
    opened = modeler.open_draft(ctx, owner, "general_publication")
    deployed = opened.deployed_forms["publish_check_form"]
    assert opened.form_users["publish_check_form"] == ("general_publication", "regulatory_publication")
    changed = dict(deployed, title="ตรวจสอบและรับรองข้อมูลก่อนเผยแพร่")
    modeler.save_draft(ctx, owner, "general_publication", GENERAL, {"publish_check_form": changed}, 1)
    draft = modeler.open_draft(ctx, owner, "general_publication")
    assert draft.forms == {"publish_check_form": changed}
    assert draft.known_forms["publish_check_form"] == changed  # what the draft would deploy
    assert draft.deployed_forms["publish_check_form"] == deployed  # what is deployed now
    result = modeler.deploy_draft(
        ctx, owner, "general_publication", GENERAL, {"publish_check_form": changed}, 1
    )
    assert result.version == 2  # the same diagram with a changed form is a new version
    with ctx.db.read() as session:
        forms = dict(
            session.execute(
                select(ProcessDefinition.version, ProcessDefinition.forms).where(
                    ProcessDefinition.process_id == "general_publication"
                )
            ).all()
        )
    assert forms[2]["publish_check_form"]["title"] == "ตรวจสอบและรับรองข้อมูลก่อนเผยแพร่"
    assert forms[1]["publish_check_form"] == deployed  # the running request's version keeps its snapshot
    assert instances.get_instance(ctx, request, actor("owner1")).process_version == 1


def test_diff_between_two_deployed_versions(ctx: ServiceContext, actor: Any) -> None:
    """The element comparison itself is tested in tests/engine/test_diff.py."""
    owner = actor("procowner1")
    modeler.deploy_draft(ctx, owner, "general_publication", renamed(), {}, 1)
    diff = library.diff_versions(ctx, owner, "general_publication", 1, 2)
    assert (diff.process_id, diff.old, diff.new) == ("general_publication", 1, 2)
    assert [c.element_id for c in diff.changed] == ["Task_GroupDirectorReview"]
    assert not diff.added and not diff.removed
    with pytest.raises(NotFoundError):
        library.diff_versions(ctx, owner, "general_publication", 1, 9)
    with pytest.raises(PermissionDeniedError):
        library.diff_versions(ctx, actor("owner1"), "general_publication", 1, 2)


OWNER = Actor(id=1, roles=frozenset({"process_owner"}), group_id=None, director_of=frozenset())
STAFF = Actor(id=2, roles=frozenset({"requester"}), group_id=None, director_of=frozenset())


def test_expression_check_is_the_deploy_sandbox() -> None:
    assert modeler.check_expression(OWNER, 'decision == "approve"') is None
    assert modeler.check_expression(OWNER, '__import__("os").system("id")') is not None
    assert modeler.check_expression(OWNER, "().__class__") is not None
    assert modeler.check_expression(OWNER, "  ") is not None
    with pytest.raises(PermissionDeniedError):
        modeler.check_expression(STAFF, 'decision == "approve"')


def test_form_check() -> None:
    assert modeler.check_form(OWNER, "legal_note_form", NEW_FORM) == []
    assert modeler.check_form(OWNER, "bad key", NEW_FORM)
    assert modeler.check_form(OWNER, "x_form", {"type": "object", "properties": {"a": {"type": "string"}}})
    with pytest.raises(PermissionDeniedError):
        modeler.check_form(STAFF, "legal_note_form", NEW_FORM)
