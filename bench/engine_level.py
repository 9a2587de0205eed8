"""bpmnpub's engine facade alone: `Engine.complete` (restore by spec reference, safe script engine,
run, prune history, describe the result, serialize). No database; operators are stubs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bpmnpub.engine import Engine, OperatorCall
from bpmnpub.permissions import LANE_ROLES
from bpmnpub.services.wiring import OPERATOR_NAMES

from .scenario import DIAGRAM, all_forms, steps
from .timing import Run, Stopwatch

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


def _publish(call: OperatorCall) -> dict[str, Any]:
    return {"id": 1, "url": "/public/items/1-x", "published_at": call.now.isoformat()}


OPERATORS = {"publish_item": _publish, "item_view_stats": _publish, "count_published_items": _publish}


class EngineRunner:
    name = "engine"

    def __init__(self) -> None:
        self.engine = Engine(LANE_ROLES, OPERATOR_NAMES)
        self.parsed = self.engine.inspect(
            DIAGRAM.read_bytes(), "general_publication.bpmn", frozenset(all_forms())
        )

    def run(self, loops: int) -> Run:
        result = self.engine.start(self.parsed, {}, NOW, OPERATORS)
        sizes = [len(result.state.encode())]
        watch = Stopwatch()
        plan = steps(loops)
        for step in plan:
            (pending,) = result.pending
            assert pending.spec_id == step.spec_id, (pending.spec_id, step.spec_id)
            with watch:
                result = self.engine.complete(
                    self.parsed, result.state, pending.guid, step.data, NOW, OPERATORS
                )
            sizes.append(len(result.state.encode()))
        assert (result.status, result.outcome) == ("completed", "published"), (result.status, result.outcome)
        return Run(watch.seconds, len(plan), sizes)
