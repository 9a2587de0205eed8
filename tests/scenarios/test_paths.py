"""Walk every shipped process through every path, on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from bpmnpub.services.kernel.context import ServiceContext

from .paths import SCENARIOS
from .runner import Scenario, Step, run

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _param(scenario: Scenario) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=scenario.xfail)] if scenario.xfail else []
    return pytest.param(scenario, id=scenario.id, marks=marks)


@pytest.mark.parametrize("scenario", [_param(s) for s in SCENARIOS])
def test_path(ctx: ServiceContext, clock: Any, actor: Any, scenario: Scenario) -> None:
    run(ctx, clock, actor, scenario)


# Tasks that need data a scenario cannot make from the start event, walked by a named test instead.
WALKED_ELSEWHERE = {
    # Only when a group without a director published in the period: tests/services/test_semiannual.py.
    "semiannual_report": {"Task_DeputyGroupReport"},
}


def _diagram(path: Path) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """The user tasks of a diagram, the (user task, decision) pairs its gateways route on, and the
    outcomes of its end events."""
    root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    process = root.find(f"{BPMN}process")
    assert process is not None
    user_tasks = {str(t.get("id")) for t in process.iter(f"{BPMN}userTask")}
    ends = process.iter(f"{BPMN}endEvent")
    outcomes = {str(p.get("value")) for e in ends for p in e.iter() if p.get("name") == "outcome"}
    flows = list(process.iter(f"{BPMN}sequenceFlow"))
    before = {f.get("targetRef"): f.get("sourceRef") for f in flows}  # a gateway <- the task it follows
    routed = set()
    for flow in flows:
        found = re.fullmatch(r'decision == "(\w+)"', flow.findtext(f"{BPMN}conditionExpression", "").strip())
        if found:
            routed.add((str(before[flow.get("sourceRef")]), found.group(1)))
    return user_tasks, routed, outcomes


def test_the_paths_cover_every_task_decision_and_end() -> None:
    """Every user task of every shipped diagram is walked, every decision a gateway routes on is
    taken and every end is reached (by paths that pass today)."""
    shipped = sorted(p.stem for p in PROCESSES.glob("*.bpmn"))
    assert sorted({s.process for s in SCENARIOS}) == shipped
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
    for name in shipped:
        user_tasks, routed, outcomes = _diagram(PROCESSES / f"{name}.bpmn")
        paths = [sc for sc in SCENARIOS if sc.process == name and not sc.xfail]
        steps = [s for sc in paths for s in sc.steps if isinstance(s, Step)]
        walked_elsewhere = WALKED_ELSEWHERE.get(name, set())
        assert user_tasks - {s.task for s in steps} - walked_elsewhere == set(), name
        assert routed - {(s.task, s.data.get("decision")) for s in steps} == set(), name
        assert outcomes == {sc.expect.outcome for sc in paths}, name
