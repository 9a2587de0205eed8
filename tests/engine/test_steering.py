"""Admin operations in the engine alone: the diagram graph, rewind, migration, data correction."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bpmnpub.engine import Engine, ParsedSpec, rewind_targets
from bpmnpub.errors import ConflictError

from .conftest import NOW, PROCESSES, REQUEST, Recorder, complete

APPROVE = {"decision": "approve"}


def graph_of(engine: Engine, name: str) -> Any:
    path = PROCESSES / f"{name}.bpmn"
    return engine.graph(f"test:{name}", lambda: (path.read_bytes(), path.name), name)


def at_director(engine: Engine, general: ParsedSpec, ops: Any) -> Any:
    result = complete(engine, general, engine.start(general, {}, NOW, ops), REQUEST, ops)
    return complete(engine, general, result, APPROVE, ops)


def test_graph_has_every_flow_and_the_parallel_section(engine: Engine) -> None:
    general = graph_of(engine, "general_publication")
    assert general.nodes["Task_GroupDirectorReview"].kind == "userTask"
    # from the legal screen: straight, or after the legal officer's opinion (every revision passes it)
    assert {f.source for f in general.incoming("Task_GroupDirectorReview")} == {
        "Gateway_LegalScreen",
        "Gateway_LegalResult",
    }
    assert {f.source for f in general.incoming("Gateway_LegalScreen")} == {
        "Task_PrepareRequest",
        "Task_ReviseForLegalOfficer",
        "Task_ReviseForGroupDirector",
        "Task_ReviseForDirector",
        "Task_ReviseForPublisher",
    }
    assert general.parallel == frozenset()
    memo = graph_of(engine, "memo_publication")
    if any(n.kind == "parallelGateway" for n in memo.nodes.values()):
        assert memo.parallel, "memo_publication forks: its branches are inside a parallel section"


def test_rewind_targets_say_why_not(engine: Engine) -> None:
    targets = {t.spec_id: t for t in rewind_targets(graph_of(engine, "general_publication"))}
    assert targets["Task_PrepareRequest"].reason is None
    assert targets["Task_DirectorDecision"].reason is None
    assert "Task_PublishItem" not in targets  # automatic steps are not offered
    report = {t.spec_id: t for t in rewind_targets(graph_of(engine, "semiannual_report"))}
    assert any(t.reason for t in report.values()), "the per-group report step cannot be restarted alone"


def test_the_pruned_tree_keeps_nothing_to_reset_to(engine: Engine, general: ParsedSpec) -> None:
    """Why rewind starts a fresh token: the kept tree has no earlier user task in it."""
    result = at_director(engine, general, Recorder().operators)
    specs = [t["task_spec"] for t in json.loads(result.state)["tasks"].values() if t["state"] == 64]
    assert "Task_PrepareRequest" not in specs and "Task_GroupDirectorReview" not in specs


def test_rewind_reopens_the_earlier_step_with_the_current_data(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    result = at_director(engine, general, ops)
    assert [p.spec_id for p in result.pending] == ["Task_DirectorDecision"]
    back = engine.rewind(general, result.state, "Task_PrepareRequest", NOW, ops)
    assert [p.spec_id for p in back.pending] == ["Task_PrepareRequest"]
    assert back.pending[0].data["title"] == REQUEST["title"]
    assert back.pending[0].guid != result.pending[0].guid
    # and the request runs on from there as usual
    again = complete(engine, general, back, {**REQUEST, "title": "ฉบับแก้"}, ops)
    assert [p.spec_id for p in again.pending] == ["Task_GroupDirectorReview"]
    done = complete(engine, general, complete(engine, general, again, APPROVE, ops), APPROVE, ops)
    done = complete(engine, general, done, {"certified": True}, ops)
    assert (done.status, done.outcome) == ("completed", "published")


def test_rewind_to_an_unknown_or_automatic_step_is_refused(engine: Engine, general: ParsedSpec) -> None:
    result = at_director(engine, general, Recorder().operators)
    for spec in ("Task_Nope", "Task_PublishItem"):
        with pytest.raises(ConflictError):
            engine.rewind(general, result.state, spec, NOW, {})


def test_set_value_changes_the_current_data(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    result = at_director(engine, general, ops)
    fixed = engine.set_value(general, result.state, "title", "ชื่อที่ถูกต้อง", NOW)
    assert fixed.pending[0].data["title"] == "ชื่อที่ถูกต้อง"
    after = complete(engine, general, fixed, APPROVE, ops)
    assert after.data["title"] == "ชื่อที่ถูกต้อง"


def _with_legal_step(engine: Engine, forms: dict[str, Any]) -> ParsedSpec:
    """general_publication with a legal officer's review between the group director and the director."""
    xml = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")
    xml = xml.replace(
        '<bpmn:userTask id="Task_DirectorDecision" name="ผอ.สพป. พิจารณา อนุญาต">',
        '<bpmn:userTask id="Task_DirectorDecision" name="ผอ.สพป. พิจารณาและอนุญาต">',
    )
    return engine.inspect(xml.encode("utf-8"), "general_publication@v2.bpmn", frozenset(forms))


def test_migration_dry_run_lists_changes_and_restarts_open_steps(
    engine: Engine, general: ParsedSpec, forms: dict[str, Any]
) -> None:
    ops = Recorder().operators
    result = at_director(engine, general, ops)
    newer = _with_legal_step(engine, forms)
    plan = engine.migrate(general, result.state, newer, NOW, ops, apply=False)
    assert plan.result is None and not plan.blockers
    changed = {c.spec_id: c for c in plan.changes}
    assert changed["Task_DirectorDecision"].change == "changed"
    assert plan.reset_steps == ("Task_DirectorDecision",)
    moved = engine.migrate(general, result.state, newer, NOW, ops, apply=True)
    assert moved.result is not None
    assert [p.name for p in moved.result.pending] == ["ผอ.สพป. พิจารณาและอนุญาต"]
    assert json.loads(moved.result.state)["spec_ref"] == newer.model.spec_key
    done = complete(engine, newer, moved.result, APPROVE, ops)
    assert [p.spec_id for p in done.pending] == ["Task_CheckAndPublish"]


def test_a_renamed_step_is_matched_by_its_place(
    engine: Engine, general: ParsedSpec, forms: dict[str, Any]
) -> None:
    ops = Recorder().operators
    result = at_director(engine, general, ops)
    xml = (PROCESSES / "general_publication.bpmn").read_text(encoding="utf-8")
    xml = xml.replace("Task_DirectorDecision", "Task_AreaDirectorDecision")
    newer = engine.inspect(xml.encode("utf-8"), "general_publication@v3.bpmn", frozenset(forms))
    plan = engine.migrate(general, result.state, newer, NOW, ops, apply=True)
    assert not plan.blockers and plan.result is not None
    assert [p.spec_id for p in plan.result.pending] == ["Task_AreaDirectorDecision"]


def test_migration_is_blocked_when_the_open_step_has_no_counterpart(
    engine: Engine, general: ParsedSpec, forms: dict[str, Any]
) -> None:
    ops = Recorder().operators
    result = at_director(engine, general, ops)
    other = engine.inspect(
        (PROCESSES / "regulatory_publication.bpmn").read_bytes(),
        "regulatory_publication.bpmn",
        frozenset(forms),
    )
    plan = engine.migrate(general, result.state, other, NOW, ops, apply=True)
    assert plan.result is None
    assert any("no longer exists" in b for b in plan.blockers)
    assert {c.change for c in plan.changes} >= {"added", "removed"}


PARALLEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="S"/>
    <bpmn:userTask id="Task_Before"/>
    <bpmn:parallelGateway id="Fork"/>
    <bpmn:userTask id="Task_Legal"/>
    <bpmn:userTask id="Task_Group"/>
    <bpmn:parallelGateway id="Join"/>
    <bpmn:userTask id="Task_After"/>
    <bpmn:endEvent id="E"/>
    <bpmn:sequenceFlow id="f1" sourceRef="S" targetRef="Task_Before"/>
    <bpmn:sequenceFlow id="f2" sourceRef="Task_Before" targetRef="Fork"/>
    <bpmn:sequenceFlow id="f3" sourceRef="Fork" targetRef="Task_Legal"/>
    <bpmn:sequenceFlow id="f4" sourceRef="Fork" targetRef="Task_Group"/>
    <bpmn:sequenceFlow id="f5" sourceRef="Task_Legal" targetRef="Join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="Task_Group" targetRef="Join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="Join" targetRef="Task_After"/>
    <bpmn:sequenceFlow id="f8" sourceRef="Task_After" targetRef="E"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_steps_between_a_fork_and_its_join_cannot_be_rewind_targets() -> None:
    from bpmnpub.engine.steering import diagram_graph

    graph = diagram_graph(PARALLEL, "parallel.bpmn", "p")
    assert graph.parallel == frozenset({"Task_Legal", "Task_Group"})
    reasons = {t.spec_id: t.reason for t in rewind_targets(graph)}
    assert reasons["Task_Before"] is None and reasons["Task_After"] is None
    assert reasons["Task_Legal"] and "parallel" in reasons["Task_Legal"]
