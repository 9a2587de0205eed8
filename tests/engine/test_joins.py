"""A join never rewrites the data of tasks already done (bpmnpub.engine.joins).

The photo procedure sent back three times, a reminder firing in every round: the end join meets the
reminders' branches of every round, each holding the data as its round began. Stock SpiffWorkflow
merged those snapshots into lists shared with the completed tasks, so the request ended with the third
round's photos. The request's final data must be what people last submitted, and a task's data must
not change once it is completed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from bpmnpub.engine import Engine, OperatorCall, ParsedSpec, RunResult
from bpmnpub.permissions import LANE_ROLES
from bpmnpub.services.wiring import OPERATOR_NAMES

from ..explore import explore
from .conftest import PROCESSES, all_forms

START = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
PLAN = {
    "title": "กีฬาสี",
    "category": "1.1",
    "activity": "กีฬาสีสำนักงาน",
    "activity_date": "2026-10-02",
    "place": "สนามกีฬา",
    "photographer": "นายประชา",
}
PDPA = {"people_identifiable": False, "children_present": False, "consent_on_file": True, "comment": "-"}


def _operators(call: OperatorCall) -> dict[str, Any]:
    return {
        "notified": 1,
        "id": 1,
        "url": "/public/items/1-x",
        "published_at": call.now.isoformat(),
        "views": 3,
        "since": call.now.isoformat(),
    }


OPERATORS = dict.fromkeys(OPERATOR_NAMES, _operators)


def _photo_spec() -> tuple[Engine, ParsedSpec]:
    engine = Engine(LANE_ROLES, OPERATOR_NAMES)
    content = (PROCESSES / "photo_publication.bpmn").read_bytes()
    return engine, engine.inspect(content, "photo_publication.bpmn", frozenset(all_forms()))


class Walk:
    def __init__(self) -> None:
        self.engine, self.parsed = _photo_spec()
        self.now = START
        self.result: RunResult = self.engine.start(self.parsed, {}, self.now, OPERATORS)
        self.completed: list[tuple[str, str]] = []  # (spec id, its data as completed, JSON)

    def complete(self, spec_id: str, data: dict[str, Any]) -> None:
        pending = next(p for p in self.result.pending if p.spec_id == spec_id)
        self.result = self.engine.complete(
            self.parsed, self.result.state, pending.guid, data, self.now, OPERATORS
        )

    def wait(self, days: int) -> None:
        self.now += timedelta(days=days)
        self.result = self.engine.resume(self.parsed, self.result.state, self.now, OPERATORS)


def _photos(round_no: int, count: int) -> list[dict[str, Any]]:
    return [
        {"file": f"{round_no:02d}{i:030d}", "caption": f"รอบ {round_no} ภาพ {i}", "publish": i % 2 == 0}
        | ({"alt_text": f"คำอธิบาย {round_no}"} if i == 0 else {})
        for i in range(count)
    ]


@given(
    rounds=st.lists(
        st.tuples(st.integers(0, 12), st.integers(1, 4)), min_size=1, max_size=4
    ),  # (days waited before the shoot, photos shot) per round sent back
    final=st.integers(1, 4),
)
@explore(max_examples=25, steps=1)
def test_the_request_ends_with_the_photos_last_submitted(rounds: list[tuple[int, int]], final: int) -> None:
    walk = Walk()
    walk.complete("Task_PlanPhotography", PLAN)
    for round_no, (days, count) in enumerate(rounds, start=1):
        walk.wait(days)  # reminders and escalations fire when the shoot is late
        photos = _photos(round_no, count)
        walk.complete("Task_ShootAndSelect", {"photos": photos})
        walk.complete("Task_WriteCaptions", {"album_description": f"รอบ {round_no}", "photos": photos})
        walk.complete("Task_PdpaCheck", PDPA | {"decision": "revise"})
    last = _photos(99, final)
    walk.complete("Task_ShootAndSelect", {"photos": last})
    walk.complete("Task_WriteCaptions", {"album_description": "ฉบับสุดท้าย", "photos": last})
    walk.complete("Task_PdpaCheck", PDPA | {"decision": "approve", "ita_items": []})
    walk.wait(20)
    walk.complete("Task_EvaluatePublication", {"evaluation_result": "ดี"})
    assert walk.result.outcome == "published"
    assert walk.result.data["photos"] == last
    assert walk.result.data["album_description"] == "ฉบับสุดท้าย"
    seen = walk.engine.inspect_state(walk.parsed, walk.result.state, walk.now)
    assert seen.data["photos"] == last, "the saved state ends with other photos"


def test_a_completed_task_keeps_its_data_when_the_request_ends() -> None:
    walk = Walk()
    walk.complete("Task_PlanPhotography", PLAN)
    for round_no in (1, 2, 3):
        walk.wait(10)
        walk.complete("Task_ShootAndSelect", {"photos": _photos(round_no, 2)})
        walk.complete("Task_WriteCaptions", {"album_description": "-", "photos": _photos(round_no, 2)})
        walk.complete("Task_PdpaCheck", PDPA | {"decision": "revise"})
    walk.complete("Task_ShootAndSelect", {"photos": _photos(9, 1)})
    walk.complete("Task_WriteCaptions", {"album_description": "-", "photos": _photos(9, 1)})
    walk.complete("Task_PdpaCheck", PDPA | {"decision": "approve", "ita_items": []})
    walk.wait(20)
    evaluation = next(p for p in walk.result.pending if p.spec_id == "Task_EvaluatePublication")
    before = json.dumps(evaluation.data, sort_keys=True, ensure_ascii=False)
    walk.complete("Task_EvaluatePublication", {"evaluation_result": "ดี"})
    after = walk.engine.inspect_state(walk.parsed, walk.result.state, walk.now)
    assert after.data["photos"] == _photos(9, 1)
    assert json.loads(before)["photos"] == after.data["photos"]
