"""`engine.diff_diagrams`: what a person changed between two diagrams, by element id, layout left out."""

from __future__ import annotations

import pytest

from bpmnpub.engine import DiagramDiff, diff_diagrams
from bpmnpub.errors import DiagramError

from .conftest import PROCESSES

GENERAL = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")


def diff(old: str, new: str) -> DiagramDiff:
    return diff_diagrams(old.encode(), "old.bpmn", new.encode(), "new.bpmn")


def test_changed_names_conditions_and_lanes() -> None:
    xml = GENERAL.replace('name="ผอ.กลุ่ม/หน่วย พิจารณา"', 'name="ผอ.กลุ่ม ตรวจและพิจารณา"', 1)
    xml = xml.replace('decision == "revise"', 'decision == "revise" or decision == "fix"', 1)
    xml = xml.replace("<bpmn:flowNodeRef>Task_CheckAndPublish</bpmn:flowNodeRef>", "", 1).replace(
        "<bpmn:flowNodeRef>Task_PublishItem</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>Task_PublishItem</bpmn:flowNodeRef><bpmn:flowNodeRef>Task_CheckAndPublish</bpmn:flowNodeRef>",
        1,
    )
    found = diff(GENERAL, xml)
    changed = {c.element_id: c.changes for c in found.changed}
    assert ("name", "ผอ.กลุ่ม/หน่วย พิจารณา", "ผอ.กลุ่ม ตรวจและพิจารณา") in changed["Task_GroupDirectorReview"]
    assert any(
        what == "conditionExpression" for what, _, _ in changed["Flow_LegalResult_To_ReviseForLegalOfficer"]
    )
    assert not found.added and not found.removed
    assert (
        "Task_CheckAndPublish" not in changed
    )  # same lane name: moving between refs of one lane is no change
    reverse = diff(xml, GENERAL)
    assert {c.element_id for c in reverse.changed} == set(changed)


def test_added_and_removed_and_layout_ignored() -> None:
    xml = GENERAL.replace('id="Flow_PublishItem_To_Published"', 'id="Flow_Publish_To_End"').replace(
        "Flow_PublishItem_To_Published<", "Flow_Publish_To_End<"
    )
    xml = xml.replace('bpmnElement="Flow_PublishItem_To_Published"', 'bpmnElement="Flow_Publish_To_End"')
    found = diff(GENERAL, xml)
    assert [c.element_id for c in found.added] == ["Flow_Publish_To_End"]
    assert [c.element_id for c in found.removed] == ["Flow_PublishItem_To_Published"]
    assert found.added[0].kind == "sequenceFlow"
    moved = GENERAL.replace('<dc:Bounds x="', '<dc:Bounds x="1', 1)
    assert moved != GENERAL
    assert diff(GENERAL, moved) == DiagramDiff((), (), ())


def test_not_well_formed_xml_is_a_diagram_error() -> None:
    with pytest.raises(DiagramError):
        diff(GENERAL, "<bpmn:definitions")
