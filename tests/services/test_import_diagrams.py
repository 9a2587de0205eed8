"""Diagrams exported from other tools (tests/foreign: shaped like Camunda Modeler 7 and 8, the bpmn.io demo
and Signavio exports) open as a draft with the checker's list of what to fix, each problem naming its
element and line; nothing is deployed until the draft passes the checker. Hostile files get a clear
refusal and leave nothing behind."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func, select

from bpmnpub.errors import ConflictError, DiagramError, PermissionDeniedError, ValidationError
from bpmnpub.models import AdminEvent, ProcessDefinition, ProcessDraft
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures import definitions, library, modeler

FOREIGN = Path(__file__).resolve().parents[1] / "foreign"


def foreign(name: str) -> bytes:
    return (FOREIGN / name).read_bytes()


def drafts(ctx: ServiceContext) -> set[str]:
    with ctx.db.read() as session:
        return set(session.scalars(select(ProcessDraft.process_id)))


def deployed(ctx: ServiceContext, process_id: str) -> int:
    with ctx.db.read() as session:
        count = session.scalar(
            select(func.count())
            .select_from(ProcessDefinition)
            .where(ProcessDefinition.process_id == process_id)
        )
        return int(count or 0)


def line_of(xml: str, element_id: str) -> int:
    root = etree.fromstring(xml.encode())
    found = root.xpath("//*[@id=$id]", id=element_id)
    assert found, f"{element_id} is not in the draft"
    return int(found[0].sourceline)


# file -> (process id of the draft, {(code, element id)} the checker must list)
EXPECTED: dict[str, tuple[str, set[tuple[str, str]]]] = {
    "camunda7_request.bpmn": (
        "process_0x8hvgd",
        {
            ("not_executable", "process_0x8hvgd"),
            ("no_lanes", "process_0x8hvgd"),
            ("no_form", "Activity_0req"),
            ("no_form", "Activity_0rev"),
        },
    ),
    "camunda8_request.bpmn": ("news_request", {("no_lanes", "news_request"), ("no_form", "Task_Fill")}),
    "bpmnio_demo.bpmn": (
        "process_1",
        {("not_executable", "process_1"), ("no_lanes", "process_1"), ("unsupported_task", "Activity_1")},
    ),
    "signavio_collaboration.bpmn": (
        "sid_proc_office",
        {
            ("not_executable", "sid_proc_office"),
            ("other_process", "sid-PROC-CITIZEN"),
            ("unsupported_task", "sid-T-Receive"),
            ("lane_not_role", "sid-T-Approve"),
            ("no_form", "sid-T-Approve"),
        },
    ),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_foreign_diagram_opens_as_a_draft_with_what_to_fix(
    ctx: ServiceContext, actor: Any, name: str
) -> None:
    owner = actor("procowner1")
    process_id, expected = EXPECTED[name]
    result = modeler.import_diagram(ctx, owner, foreign(name), name)
    assert result.process_id == process_id
    found = {(p.code, p.element_id) for p in result.problems}
    assert expected <= found, found
    draft = modeler.open_draft(ctx, owner, process_id)
    assert draft.latest_version is None and draft.base_version is None and draft.saved is not None
    for p in result.problems:  # every problem names an element and the line it is on in the draft
        assert p.element_id and p.line == line_of(draft.xml, p.element_id), p
    # the checker (validate, deploy) says the same on the stored draft
    again = modeler.validate_draft(ctx, owner, process_id, draft.xml, {})
    assert {(p.code, p.element_id) for p in again} == found
    with pytest.raises(DiagramError):
        modeler.deploy_draft(ctx, owner, process_id, draft.xml, {}, None)
    assert deployed(ctx, process_id) == 0 and process_id in drafts(ctx)
    listed = {e.process_id: e for e in library.list_processes(ctx, owner)}
    assert listed[process_id].versions == () and listed[process_id].draft is not None
    with ctx.db.read() as session:
        assert session.scalar(
            select(func.count()).select_from(AdminEvent).where(AdminEvent.action == "draft_imported")
        )


def test_other_tools_extensions_are_listed_and_kept(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("procowner1")
    result = modeler.import_diagram(ctx, owner, foreign("camunda7_request.bpmn"), "camunda7_request.bpmn")
    names = {(f.element_id, f.name) for f in result.foreign}
    assert {("Activity_0req", "camunda:formKey"), ("Activity_0req", "camunda:formData")} <= names
    xml = modeler.open_draft(ctx, owner, result.process_id).xml
    assert "camunda:formData" in xml and 'bpmnElement="process_0x8hvgd"' in xml
    assert "Process_0x8hvgd" not in xml  # renamed everywhere it was referred to


def fixed_bpmnio(xml: str) -> str:
    """What a process owner does in the modeler to the bpmn.io demo: executable, a requester lane, the
    plain task a user task with a form."""
    spiff = 'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    xml = xml.replace("<bpmn2:definitions ", f"<bpmn2:definitions {spiff}", 1)
    xml = xml.replace('isExecutable="false">', 'isExecutable="true">', 1)
    lanes = (
        '<bpmn2:laneSet id="LaneSet_1"><bpmn2:lane id="Lane_1" name="requester">'
        + "".join(
            f"<bpmn2:flowNodeRef>{i}</bpmn2:flowNodeRef>" for i in ("StartEvent_1", "Activity_1", "Event_1")
        )
        + "</bpmn2:lane></bpmn2:laneSet>"
    )
    xml = re.sub(r'(<bpmn2:process id="process_1" isExecutable="true">)', r"\1" + lanes, xml, count=1)
    form = (
        "<bpmn2:extensionElements><spiffworkflow:properties>"
        '<spiffworkflow:property name="formKey" value="photo_check_form"/>'
        "</spiffworkflow:properties></bpmn2:extensionElements>"
    )
    xml = xml.replace(
        '<bpmn2:task id="Activity_1" name="Check the photos">',
        f'<bpmn2:userTask id="Activity_1" name="Check the photos">{form}',
    )
    return xml.replace("</bpmn2:task>", "</bpmn2:userTask>")


def test_a_fixed_draft_deploys_as_version_one(ctx: ServiceContext, actor: Any) -> None:
    owner = actor("procowner1")
    modeler.import_diagram(ctx, owner, foreign("bpmnio_demo.bpmn"), "bpmnio_demo.bpmn")
    xml = fixed_bpmnio(modeler.open_draft(ctx, owner, "process_1").xml)
    form = {"title": "ตรวจภาพ", "type": "object", "properties": {"ok": {"type": "boolean", "title": "ผ่าน"}}}
    assert modeler.validate_draft(ctx, owner, "process_1", xml, {"photo_check_form": form}) == []
    modeler.save_draft(ctx, owner, "process_1", xml, {"photo_check_form": form}, None)
    result = modeler.deploy_draft(ctx, owner, "process_1", xml, {"photo_check_form": form}, None)
    assert (result.version, result.created) == (1, True)
    assert deployed(ctx, "process_1") == 1 and "process_1" not in drafts(ctx)
    with ctx.db.read() as session:
        assert definitions.latest(session, "process_1").forms == {"photo_check_form": form}


def test_import_under_an_existing_process_becomes_its_draft_and_never_overwrites_one(
    ctx: ServiceContext, actor: Any
) -> None:
    owner = actor("procowner1")
    content = foreign("camunda8_request.bpmn")
    result = modeler.import_diagram(ctx, owner, content, "x.bpmn", "general_publication")
    assert result.process_id == "general_publication"
    draft = modeler.open_draft(ctx, owner, "general_publication")
    assert draft.base_version == 1 and draft.latest_version == 1 and 'id="general_publication"' in draft.xml
    with pytest.raises(ConflictError):
        modeler.import_diagram(ctx, owner, foreign("bpmnio_demo.bpmn"), "y.bpmn", "general_publication")
    assert modeler.open_draft(ctx, owner, "general_publication").xml == draft.xml
    assert deployed(ctx, "general_publication") == 1


HOSTILE = {
    "xxe": b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    b'<bpmn:process id="p" isExecutable="false"><bpmn:documentation>&x;</bpmn:documentation>'
    b"</bpmn:process></bpmn:definitions>",
    "billion-laughs": b'<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9))
    + b']>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    b'<bpmn:process id="p"><bpmn:documentation>&j;</bpmn:documentation></bpmn:process></bpmn:definitions>',
    "not-xml": b"%PDF-1.4 this is not a diagram",
    "empty": b"",
    "html": b"<html><body><p>hello</p></body></html>",
    "no-process": b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"/>',
    "deep": b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
    + b"<a>" * 300
    + b"</a>" * 300
    + b"</bpmn:definitions>",
    "huge": b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><!--'
    + b"x" * (3 * 1024 * 1024)
    + b"--></bpmn:definitions>",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_refused_clearly_and_leave_nothing(
    ctx: ServiceContext, actor: Any, name: str
) -> None:
    with pytest.raises((DiagramError, ValidationError)) as refused:
        modeler.import_diagram(ctx, actor("procowner1"), HOSTILE[name], f"{name}.bpmn")
    error = refused.value
    if isinstance(error, DiagramError):
        assert all(p.code for p in error.problems), error.problems  # each has Thai words on the page
    assert drafts(ctx) == set()


def test_only_process_owners_import_and_ids_are_checked(ctx: ServiceContext, actor: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        modeler.import_diagram(ctx, actor("owner1"), foreign("bpmnio_demo.bpmn"), "a.bpmn")
    with pytest.raises(ValidationError):
        modeler.import_diagram(ctx, actor("procowner1"), foreign("bpmnio_demo.bpmn"), "a.bpmn", "Bad-Id")
    assert drafts(ctx) == set()
