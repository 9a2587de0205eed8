"""Walk every shipped process through every path, on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from bpmnpub.services.context import ServiceContext

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


def _diagram(path: Path) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """The user tasks of a diagram, the (user task, decision) pairs its gateways route on, its ends."""
    process = ET.parse(path).getroot().find(f"{BPMN}process")
    assert process is not None
    user_tasks = {t.get("id", "") for t in process.iter(f"{BPMN}userTask")}
    ends = {e.get("id", "") for e in process.iter(f"{BPMN}endEvent")}
    flows = list(process.iter(f"{BPMN}sequenceFlow"))
    into = {f.get("targetRef"): f.get("sourceRef") for f in flows}
    routed = set()
    for flow in flows:
        condition = flow.find(f"{BPMN}conditionExpression")
        found = re.fullmatch(r'\s*decision == "(\w+)"\s*', condition.text or "") if condition is not None else None
        if found:
            routed.add((str(into[flow.get("sourceRef")]), found.group(1)))
    return user_tasks, routed, ends


def test_the_paths_cover_every_task_decision_and_process() -> None:
    """Every user task of every shipped diagram is walked, and every decision a gateway routes on taken."""
    shipped = sorted(p.stem for p in PROCESSES.glob("*.bpmn"))
    assert sorted({s.process for s in SCENARIOS}) == shipped
    assert len({s.id for s in SCENARIOS}) == len(SCENARIOS)
    for name in shipped:
        user_tasks, routed, _ = _diagram(PROCESSES / f"{name}.bpmn")
        steps = [s for sc in SCENARIOS if sc.process == name and not sc.xfail for s in sc.steps if isinstance(s, Step)]
        assert user_tasks - {s.task for s in steps} == set(), name
        assert routed - {(s.task, s.data.get("decision")) for s in steps} == set(), name
