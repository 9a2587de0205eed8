"""Checking diagrams: every problem names the file, the element and the line; unsafe code is refused."""

from __future__ import annotations

from typing import Any

import pytest

from bpmnpub.engine import Engine
from bpmnpub.errors import DiagramError, DiagramProblem

from .conftest import PROCESSES

GENERAL = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")
REGULATORY = (PROCESSES / "regulatory_publication.bpmn").read_text(encoding="utf-8")
APPROVE_CONDITION = '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decision == "approve"'


def problems_of(
    engine: Engine, xml: str, forms: dict[str, Any], filename: str = "x.bpmn"
) -> list[DiagramProblem]:
    with pytest.raises(DiagramError) as caught:
        engine.inspect(xml.encode(), filename, frozenset(forms))
    assert caught.value.problems, "a DiagramError always lists its problems"
    return caught.value.problems


def line_of(xml: str, needle: str) -> int:
    return xml[: xml.index(needle)].count("\n") + 1


@pytest.mark.parametrize("path", sorted(PROCESSES.glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_shipped_diagram_is_valid(engine: Engine, forms: dict[str, Any], path: Any) -> None:
    model = engine.inspect(path.read_bytes(), path.name, frozenset(forms)).model
    assert model.process_id == path.stem
    assert model.user_tasks and all(t.form_key in forms for t in model.user_tasks)
    assert set(model.lanes) <= engine.known_roles


def test_malformed_xml_names_the_line(engine: Engine, forms: dict[str, Any]) -> None:
    broken = GENERAL.replace("</bpmn:userTask>", "</bpmn:userTsk>", 1)
    [problem] = problems_of(engine, broken, forms, "general_publication.bpmn")
    assert problem.file == "general_publication.bpmn"
    assert problem.line == line_of(broken, "</bpmn:userTsk>")
    assert "well-formed" in problem.message


@pytest.mark.parametrize(
    ("condition", "why"),
    [
        ("__import__('os').system('touch /tmp/pwned')", "__import__"),
        ("().__class__.__base__.__subclasses__()", "attribute"),
        ("decision.lower() == 'approve'", "attribute"),
        ("[c for c in ().__class__.__bases__]", "comprehension"),
        ("(lambda: 1)() == 1", "lambda"),
        ("eval('1') == 1", "eval"),
    ],
)
def test_unsafe_conditions_are_refused_with_element_and_line(
    engine: Engine, forms: dict[str, Any], condition: str, why: str, tmp_path: Any
) -> None:
    unsafe = GENERAL.replace(
        APPROVE_CONDITION, APPROVE_CONDITION.replace('decision == "approve"', condition), 1
    )
    problems = problems_of(engine, unsafe, forms)
    flow = next(p for p in problems if "condition" in p.message)
    assert flow.element_id == "Flow_GroupDirectorResult_To_DirectorDecision"
    assert flow.line == line_of(unsafe, 'id="Flow_GroupDirectorResult_To_DirectorDecision"')
    assert why.lower() in flow.message.lower() or "not allowed" in flow.message
    assert not (tmp_path / "pwned").exists()


def test_unreachable_and_dead_end_nodes(engine: Engine, forms: dict[str, Any]) -> None:
    # Cut the flow into the publish step: the publisher's task dead-ends, the publish step is unreachable.
    cut = GENERAL.replace('targetRef="Task_PublishItem"', 'targetRef="End_Published"', 1)
    problems = {p.element_id: p for p in problems_of(engine, cut, forms)}
    assert "unreachable" in problems["Task_PublishItem"].message
    assert problems["Task_PublishItem"].line == line_of(cut, 'id="Task_PublishItem"')


def test_bad_timer_literal(engine: Engine, forms: dict[str, Any]) -> None:
    bad = REGULATORY.replace('"P30D"', '"P3X"', 1)
    problems = problems_of(engine, bad, forms)
    assert any("not a valid ISO 8601" in p.message and p.element_id for p in problems), problems


def test_unknown_form_and_role_and_missing_lane(engine: Engine, forms: dict[str, Any]) -> None:
    xml = GENERAL.replace('value="review_form"', 'value="no_such_form"', 1)
    xml = xml.replace('name="director"', 'name="dean"', 1)
    xml = xml.replace("<bpmn:flowNodeRef>Task_CheckAndPublish</bpmn:flowNodeRef>", "", 1)
    messages = {(p.element_id, p.message.split(" ")[0]) for p in problems_of(engine, xml, forms)}
    assert ("Task_GroupDirectorReview", "form") in messages
    assert ("Task_DirectorDecision", "lane") in messages
    assert ("Task_CheckAndPublish", "not") in messages  # "not in any lane"


def test_a_flow_to_a_missing_target_is_named(engine: Engine, forms: dict[str, Any]) -> None:
    xml = GENERAL.replace('targetRef="End_Published"', 'targetRef="End_Nowhere"', 1)
    problems = problems_of(engine, xml, forms)
    assert any("End_Nowhere" in p.message for p in problems), problems


def test_script_tasks_must_pass_the_same_checker(engine: Engine, forms: dict[str, Any]) -> None:
    semi = (PROCESSES / "semiannual_report.bpmn").read_text(encoding="utf-8")
    assert "<bpmn:script>" in semi
    start = semi.index("<bpmn:script>") + len("<bpmn:script>")
    end = semi.index("</bpmn:script>")
    evil = semi[:start] + "import os\nos.system('true')" + semi[end:]
    problems = problems_of(engine, evil, forms)
    assert any("import" in p.message for p in problems), problems
