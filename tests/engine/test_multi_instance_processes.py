"""The six-monthly report's group step is a parallel multi-instance task. Its instances must be
merged whichever process completes them: a gunicorn worker, the background worker, or a process
whose spec cache was refilled. Regression for the lost group report and the stall (issue 9)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bpmnpub.engine import Engine, OperatorCall, ParsedSpec
from bpmnpub.permissions import LANE_ROLES
from bpmnpub.services.wiring import OPERATOR_NAMES

from .conftest import NOW, PROCESSES, all_forms

GROUPS = ["plan", "hr", "admin"]
ANSWERS = {"results": "ผล", "problems": "ไม่มี", "suggestions": "ไม่มี"}


def _operators() -> dict[str, Any]:
    def count(call: OperatorCall) -> Any:
        return {"group_codes": GROUPS, "by_group": {g: i for i, g in enumerate(GROUPS)}}

    return {"count_published_items": count, "publish_item": lambda call: {"id": 1}, "item_view_stats": count}


def _parse(engine: Engine) -> ParsedSpec:
    content = (PROCESSES / "semiannual_report.bpmn").read_bytes()
    return engine.inspect(content, "semiannual_report.bpmn", frozenset(all_forms()))


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(GROUPS)))))
@pytest.mark.parametrize("fresh_spec_per_step", [False, True])
def test_every_group_report_is_merged_in_any_order_by_any_process(
    order: tuple[int, ...], fresh_spec_per_step: bool
) -> None:
    # A fresh Engine (own cache, newly parsed spec) per step is what a second process sees.
    engine = Engine(LANE_ROLES, OPERATOR_NAMES)
    parsed = _parse(engine)
    result = engine.start(parsed, {}, NOW, _operators())
    guids = {t.data["group_code"]: t.guid for t in result.pending}
    assert sorted(guids) == sorted(GROUPS)
    state = result.state
    for index in order:
        group = GROUPS[index]
        if fresh_spec_per_step:
            engine = Engine(LANE_ROLES, OPERATOR_NAMES)
            parsed = _parse(engine)
        result = engine.complete(
            parsed, state, guids[group], {**ANSWERS, "results": f"ผล {group}"}, NOW, _operators()
        )
        state = result.state
    assert [t.spec_id for t in result.pending] == ["Task_CompileReport"]
    reports = result.pending[0].data["group_reports"]
    assert sorted(r["group_code"] for r in reports) == sorted(GROUPS)
    assert {r["group_code"]: r["results"] for r in reports} == {g: f"ผล {g}" for g in GROUPS}
