"""Saved states must keep loading: SpiffWorkflow is pinned and its serializer migrations crash on
some old formats (docs/spiffworkflow.md, trap 10). The fixture was written by the pinned version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpmnpub.engine import STATE_VERSION, Engine, ParsedSpec
from bpmnpub.errors import DiagramError

from .conftest import NOW, Recorder

FIXTURE = Path(__file__).parent / "fixtures" / "general_publication_v1_waiting_review.json"


def test_a_saved_state_restores_and_runs_on(engine: Engine, general: ParsedSpec) -> None:
    state = FIXTURE.read_text(encoding="utf-8")
    assert json.loads(state)["serializer_version"] == STATE_VERSION
    waiting = engine.inspect_state(general, state, NOW)
    [review] = waiting.pending
    assert review.spec_id == "Task_GroupDirectorReview"
    assert review.data["title"] == "ชื่อเรื่องใหม่" and review.data["attachments"] == ["0" * 32]
    approved = engine.complete(
        general, state, review.guid, {"decision": "approve"}, NOW, Recorder().operators
    )
    assert [p.spec_id for p in approved.pending] == ["Task_DirectorDecision"]


def test_a_state_from_another_format_is_refused_clearly(engine: Engine, general: ParsedSpec) -> None:
    stock = json.loads(FIXTURE.read_text(encoding="utf-8"))
    stock["serializer_version"] = "1.0"
    with pytest.raises(DiagramError, match="serializer"):
        engine.inspect_state(general, json.dumps(stock), NOW)
