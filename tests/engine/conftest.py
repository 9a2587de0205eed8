"""Engine tests: no database, no Flask. Diagrams come from processes/."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bpmnpub.engine import Engine, OperatorCall, ParsedSpec, RunResult
from bpmnpub.permissions import LANE_ROLES
from bpmnpub.services.wiring import OPERATOR_NAMES

PROCESSES = Path(__file__).resolve().parents[2] / "processes"
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


def all_forms() -> dict[str, Any]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (PROCESSES / "forms").glob("*.json")}


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(LANE_ROLES, OPERATOR_NAMES)


@pytest.fixture(scope="session")
def forms() -> dict[str, Any]:
    return all_forms()


@pytest.fixture(scope="session")
def general(engine: Engine, forms: dict[str, Any]) -> ParsedSpec:
    return engine.inspect(
        (PROCESSES / "general_publication.bpmn").read_bytes(), "general_publication.bpmn", frozenset(forms)
    )


class Recorder:
    """Service operators that record their calls."""

    def __init__(self) -> None:
        self.calls: list[OperatorCall] = []

    def __call__(self, call: OperatorCall) -> Any:
        self.calls.append(call)
        return {
            "id": len(self.calls),
            "url": f"/public/items/{len(self.calls)}-x",
            "published_at": call.now.isoformat(),
        }

    @property
    def operators(self) -> dict[str, Any]:
        return {"publish_item": self, "item_view_stats": self, "count_published_items": self}


REQUEST = {
    "title": "ประกาศรายชื่อผู้ผ่านการคัดเลือก",
    "category": "1.1",
    "description": "รายละเอียดประกาศ",
    "purpose": "เพื่อเผยแพร่ต่อสาธารณะ",
    "channels": ["website"],
    "attachments": ["0" * 32],
}


def complete(
    engine: Engine, parsed: ParsedSpec, result: RunResult, data: dict[str, Any], ops: Any
) -> RunResult:
    assert len(result.pending) == 1, result.pending
    return engine.complete(parsed, result.state, result.pending[0].guid, data, NOW, ops)
