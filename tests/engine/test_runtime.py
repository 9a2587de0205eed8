"""Running the general publication procedure in the engine alone."""

from __future__ import annotations

import json

import pytest

from bpmnpub.engine import Engine, ParsedSpec
from bpmnpub.errors import Conflict, ConflictError, StepFailedError

from .conftest import NOW, REQUEST, Recorder, complete

APPROVE = {"decision": "approve"}
REVISE = {"decision": "revise", "comment": "กรุณาแนบไฟล์ฉบับลงนาม"}


def test_approve_path_publishes_once(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder()
    result = engine.start(general, {}, NOW, ops.operators)
    assert [p.spec_id for p in result.pending] == ["Task_PrepareRequest"]
    assert result.pending[0].lane == "requester"
    assert result.pending[0].form_key == "general_request_form"
    result = complete(engine, general, result, REQUEST, ops.operators)
    assert result.data["title"] == REQUEST["title"]
    assert [p.lane for p in result.pending] == ["group_director"]
    result = complete(engine, general, result, APPROVE, ops.operators)
    assert [p.lane for p in result.pending] == ["director"]
    result = complete(engine, general, result, APPROVE, ops.operators)
    assert [p.lane for p in result.pending] == ["publisher"]
    assert ops.calls == []
    result = complete(engine, general, result, {"certified": True}, ops.operators)
    assert (result.status, result.outcome) == ("completed", "published")
    assert len(ops.calls) == 1
    assert ops.calls[0].params["title"] == REQUEST["title"]
    assert [s.kind for s in result.steps] == ["service", "end"]


def test_reject_ends_rejected(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder()
    result = complete(engine, general, engine.start(general, {}, NOW, ops.operators), REQUEST, ops.operators)
    result = complete(engine, general, result, {"decision": "reject", "comment": "ไม่เข้าข่าย"}, ops.operators)
    assert (result.status, result.outcome, result.pending) == ("rejected", "rejected", ())
    assert ops.calls == []


def test_a_revision_goes_back_through_everyone_who_endorsed_it(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    result = complete(engine, general, engine.start(general, {}, NOW, ops), REQUEST, ops)
    result = complete(engine, general, result, APPROVE, ops)  # group director
    result = complete(engine, general, result, REVISE, ops)  # director asks for a revision
    assert [p.spec_id for p in result.pending] == ["Task_ReviseForDirector"]
    assert result.pending[0].data["title"] == REQUEST["title"]  # the form comes back filled
    result = complete(engine, general, result, {**REQUEST, "title": "ฉบับแก้ไข"}, ops)
    # the group director approved the old content: the revision goes back to them first (issue 11)
    assert [p.lane for p in result.pending] == ["group_director"]
    assert result.pending[0].data["title"] == "ฉบับแก้ไข"
    result = complete(engine, general, result, APPROVE, ops)
    assert [p.lane for p in result.pending] == ["director"]


def test_state_stays_small_and_flat_across_revise_loops(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    result = complete(engine, general, engine.start(general, {}, NOW, ops), REQUEST, ops)
    sizes = []
    for _ in range(30):
        result = complete(engine, general, result, REVISE, ops)
        result = complete(engine, general, result, REQUEST, ops)
        sizes.append(len(result.state.encode()))
    assert max(sizes) < 8 * 1024
    assert max(sizes) - min(sizes) < 200  # history is pruned: loop 30 costs what loop 1 costs
    state = json.loads(result.state)
    assert "spec" not in state and state["spec_ref"] == general.model.spec_key


def test_second_completion_of_the_same_task_is_a_conflict(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    started = engine.start(general, {}, NOW, ops)
    guid = started.pending[0].guid
    engine.complete(general, started.state, guid, REQUEST, NOW, ops)
    after = engine.complete(general, started.state, guid, REQUEST, NOW, ops)  # from the old state: fine
    # the request form is followed by the legal screen's gateway: history is pruned at the gateway, so
    # the completed form is gone from the tree (a conflict all the same; the services say "already done"
    # from the task row before the engine is asked)
    with pytest.raises(ConflictError, match="no longer exists") as caught:
        engine.complete(general, after.state, guid, REQUEST, NOW, ops)
    assert caught.value.reason == Conflict.TASK_CLOSED


def test_a_future_task_cannot_be_completed_out_of_order(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    started = engine.start(general, {}, NOW, ops)
    state = json.loads(started.state)
    future = [tid for tid, t in state["tasks"].items() if t["task_spec"] == "Task_GroupDirectorReview"]
    assert future, "the review is predicted as a future task"
    with pytest.raises(ConflictError, match="not ready"):
        engine.complete(general, started.state, future[0], APPROVE, NOW, ops)


def test_form_data_replaces_top_level_keys_without_sharing(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    data = {**REQUEST, "channels": ["website", "social_media", "newsletter"]}
    result = complete(engine, general, engine.start(general, {}, NOW, ops), data, ops)
    result = complete(engine, general, result, REVISE, ops)
    result = complete(engine, general, result, {"channels": ["newsletter"]}, ops)
    assert result.pending[0].data["channels"] == ["newsletter"]  # DeepMerge would have given []
    data["channels"].append("mutated after submit")
    assert result.pending[0].data["channels"] == ["newsletter"]


def test_a_failing_operator_keeps_the_persons_work(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    result = complete(engine, general, engine.start(general, {}, NOW, ops), REQUEST, ops)
    result = complete(engine, general, result, APPROVE, ops)
    result = complete(engine, general, result, APPROVE, ops)

    def broken(call: object) -> None:
        raise RuntimeError("portal database is down")

    with pytest.raises(StepFailedError) as failure:
        engine.complete(
            general,
            result.state,
            result.pending[0].guid,
            {"certified": True},
            NOW,
            {**ops, "publish_item": broken},
        )
    assert failure.value.task_spec == "Task_PublishItem"
    assert "portal database is down" in failure.value.message
    kept = engine.inspect_state(general, failure.value.state, NOW)
    assert kept.pending == () and kept.status == "running"  # publisher's task done, publish not yet run
    retried = engine.resume(general, failure.value.state, NOW, ops)
    assert (retried.status, retried.outcome) == ("completed", "published")


def test_the_lane_the_caller_expects_must_be_the_tasks_lane(engine: Engine, general: ParsedSpec) -> None:
    ops = Recorder().operators
    started = engine.start(general, {}, NOW, ops)
    guid = started.pending[0].guid
    with pytest.raises(ConflictError, match="lane 'requester'"):
        engine.complete(general, started.state, guid, REQUEST, NOW, ops, lane="director")
    assert engine.complete(general, started.state, guid, REQUEST, NOW, ops, lane="requester").pending
