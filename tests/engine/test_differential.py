"""Differential tests: bpmnpub's Engine against unmodified SpiffWorkflow 3.2.0, step for step (issue 9).

For every process in processes/, a Hypothesis state machine starts an instance on both sides and then
chooses, step after step, which ready user task to complete (so multi-instance group reports and any
parallel branches complete in every order), the form data (valid for the task's JSON-Schema form:
decisions, lists, Thai text, booleans), how much time passes, when due timers fire, and when "another
process" takes over (a fresh Engine with a freshly parsed spec, as a second gunicorn worker or the
background worker sees it), and when a service operator fails once (bpmnpub keeps the last good state;
its retry, `resume`, must end where the stock side, which saw no failure, is). bpmnpub runs through
`Engine.start/complete/resume` with its own serialization; the stock side (tests/engine/stock.py) is
serialized and restored with the stock serializer after every step. After every step, both must show the same:

- the ready user tasks: spec id, lane, and the data item of a multi-instance instance (the group);
- each ready task's data (what its form starts from), as restored from the saved state;
- waiting timers and their due times; the service operators called, with their parameters and data;
- whether the instance ended, at which end event (outcome), and with which data;
- and neither may be "stalled" (running with no ready user task and no waiting timer).

Deliberate differences, compared as a person sees them rather than object for object:
- bpmnpub prunes finished history from the saved task tree; only what is ready, waiting or the end is
  compared, never the tree itself or task ids (tasks are matched by spec, lane and data item).
- `_fire_start_timers` fires a start timer once, when the instance is created: the stock side gets the
  same diagram with plain start events (a cycle start timer would replay every past cycle inside one
  stock instance).
- Form data replaces top-level keys with deep copies instead of DeepMerge (docs/spiffworkflow.md, trap 5); the
  stock side is given the same semantics (`Task.set_data` with a deep copy), so the data must agree.
- Expressions: bpmnpub evaluates them in its sandbox, stock with Python eval; both get the same helpers.
- Joins (the end join, parallel gateways) merge their branches by top-level key, the arriving branch
  last (bpmnpub.engine.joins); the stock side's joins are given the same merge. Stock's own DeepMerge
  rewrote completed tasks' data with earlier rounds' snapshots (tests/engine/test_joins.py).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from lxml import etree

from bpmnpub.engine import RUNNING, Engine, OperatorCall, ParsedSpec, PendingTask, RunResult
from bpmnpub.errors import StepFailedError
from bpmnpub.permissions import LANE_ROLES
from bpmnpub.services.wiring import OPERATOR_NAMES

from ..explore import STEPS, explore
from ..formdata import form_data
from .conftest import PROCESSES, all_forms
from .stock import StockRun, StockSpec, end_data, end_outcome, ready_user_tasks, timers

START = datetime(2026, 10, 1, 2, 0, tzinfo=UTC)
GROUP_POOL = ("plan", "hr", "admin", "finance", "ict")
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
MIN_STEPS = 1000  # per process, in the bounded CI profile: "thousands of steps per process"


@dataclass(frozen=True)
class Process:
    process_id: str
    outcomes: frozenset[str]  # every end a walk must reach at least once
    loops: bool  # has revise loops that must go several rounds
    examples: int = 32  # walks in the CI profile: enough for MIN_STEPS with a margin, within the budget

    @property
    def content(self) -> bytes:
        return (PROCESSES / f"{self.process_id}.bpmn").read_bytes()


PROCESS_LIST = (
    Process("general_publication", frozenset({"published", "rejected"}), loops=True),
    Process("memo_publication", frozenset({"published", "rejected"}), loops=True, examples=40),
    Process("photo_publication", frozenset({"published"}), loops=True),
    Process("regulatory_publication", frozenset({"published"}), loops=True),
    Process("semiannual_report", frozenset({"published", "completed"}), loops=False),
    Process("publication_programme", frozenset({"completed"}), loops=False),
)


@cache
def forms() -> dict[str, Any]:
    return all_forms()


def parse(process: Process) -> ParsedSpec:
    """A fresh Engine's parse of the diagram, as a process that has not seen the instance yet."""
    engine = Engine(LANE_ROLES, OPERATOR_NAMES)
    return engine.inspect(process.content, f"{process.process_id}.bpmn", frozenset(forms()))


@cache
def form_strategy(form_key: str) -> st.SearchStrategy[dict[str, Any]]:
    return form_data(form_key, forms()[form_key])


@cache
def stock_spec(process: Process) -> StockSpec:
    return StockSpec(process.content, f"{process.process_id}.bpmn", process.process_id)


@cache
def data_items(process: Process) -> dict[str, str]:
    """Multi-instance user task id -> the name of its input data item (what tells instances apart)."""
    root = etree.fromstring(process.content)
    found = {}
    for task in root.iter(f"{BPMN}userTask"):
        item = task.find(f"{BPMN}multiInstanceLoopCharacteristics/{BPMN}inputDataItem")
        if item is not None:
            found[task.get("id")] = item.get("name")
    return found


def norm(value: Any) -> Any:
    """JSON-equal values compare equal (tuples/lists, key order)."""
    return json.loads(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


@dataclass
class Side:
    """Service operators of one side: deterministic, and every call is logged."""

    groups: list[str]
    calls: list[Any] = field(default_factory=list)
    fail_next: bool = False  # the next call fails (a database hiccup while publishing)

    def __call__(self, call: OperatorCall) -> Any:
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("operator unavailable")
        self.calls.append(norm([call.name, call.task_spec, call.params, call.data, call.now.isoformat()]))
        if call.name == "count_published_items":
            return {
                "group_codes": list(self.groups),
                "by_group": {g: 3 * i for i, g in enumerate(self.groups)},
            }
        if call.name == "item_view_stats":
            return {"views": 10 + len(self.calls), "since": call.now.isoformat()}
        if call.name in ("remind", "escalate"):  # deadlines: notify (and perhaps reassign) — no data back
            return {"notified": 1}
        published = sum(1 for c in self.calls if c[0] == "publish_item")
        return {"id": published, "url": f"/public/items/{published}-x", "published_at": call.now.isoformat()}

    @property
    def operators(self) -> dict[str, Any]:
        return dict.fromkeys(OPERATOR_NAMES, self)


TaskKey = tuple[str, str, str]
FAILS = st.sampled_from([False, False, False, True])
SWITCHES = st.sampled_from([False, False, False, False, True])


class DifferentialMachine(RuleBasedStateMachine):
    """One instance at a time on both engines; a finished one is followed by a new one."""

    process: Process
    tally: Counter[str]

    def __init__(self) -> None:
        super().__init__()
        self.parsed = parse(self.process)
        self.engine = Engine(LANE_ROLES, OPERATOR_NAMES)
        self.now = START
        self.items = data_items(self.process)

    # -- the two sides ----------------------------------------------------------------------------

    def key(self, spec_id: str, lane: str | None, data: Any) -> TaskKey:
        item = self.items.get(spec_id)
        return (spec_id, lane or "", "" if item is None else json.dumps(data.get(item), ensure_ascii=False))

    def _start(self, data: st.DataObject) -> None:
        groups = data.draw(st.lists(st.sampled_from(GROUP_POOL), unique=True, max_size=4), label="groups")
        start_data = data.draw(st.one_of(st.just({}), self._first_form_data()), label="start data")
        self.mine, self.theirs = Side(groups), Side(groups)
        self.rounds: Counter[str] = Counter()
        self.mine.fail_next = data.draw(FAILS, label="operator fails once")
        self.result = self.retried(
            lambda: self.engine.start(self.parsed, start_data, self.now, self.mine.operators)
        )
        self.stock = StockRun(stock_spec(self.process), start_data, self.now, self.theirs.operators)
        self.tally["steps"] += 1
        self.tally["instances"] += 1
        self.compare()

    def retried(self, step: Callable[[], RunResult]) -> RunResult:
        """The step; when an operator failed in it, bpmnpub's retry (resume from the state it kept) must
        end where the stock side, which saw no failure, is."""
        try:
            result = step()
        except StepFailedError as failed:
            if self.mine.fail_next:
                raise  # not the failure the walk caused: a real one
            self.tally["failed and retried"] += 1
            result = self.engine.resume(self.parsed, failed.state, self.now, self.mine.operators)
        self.mine.fail_next = False
        return result

    def _first_form_data(self) -> st.SearchStrategy[dict[str, Any]]:
        first = next(t for t in self.parsed.model.user_tasks if t.form_key)
        assert first.form_key is not None
        return form_strategy(first.form_key)

    def compare(self) -> None:
        """Both sides, as restored from their saved state, show the same thing."""
        seen = self.engine.inspect_state(self.parsed, self.result.state, self.now)
        workflow = self.stock.restore(self.now)
        ours = {self.key(p.spec_id, p.lane, p.data): p for p in seen.pending}
        stock_tasks = ready_user_tasks(workflow)
        theirs = {self.key(t.task_spec.bpmn_id, t.task_spec.lane, t.data): t for t in stock_tasks}
        assert len(ours) == len(seen.pending), f"two ready tasks look the same: {seen.pending}"
        assert len(theirs) == len(stock_tasks), "stock shows two ready tasks that look the same"
        assert sorted(ours) == sorted(theirs), "the ready user tasks differ"
        for task_key, pending in ours.items():
            assert norm(pending.data) == norm(theirs[task_key].data), f"data of {task_key} differ"
            if task_key[2]:
                assert pending.scope_group == pending.data.get("group_code")
        in_memory = sorted(self.key(p.spec_id, p.lane, p.data) for p in self.result.pending)
        assert in_memory == sorted(ours), "the saved state lost or added a ready task"
        assert sorted((t.task_spec, t.due_at) for t in seen.timers) == sorted(
            (name, datetime.fromisoformat(value)) for name, value in timers(workflow)
        ), "waiting timers differ"
        assert self.mine.calls == self.theirs.calls, "service operators were called differently"
        assert seen.outcome == end_outcome(workflow), "the instances ended differently"
        assert (seen.status == RUNNING) == (not workflow.is_completed())
        if seen.status != RUNNING:
            assert norm(seen.data) == norm(end_data(workflow)), "the data at the end differ"
            self.tally[f"outcome:{seen.outcome}"] += 1
        else:
            assert seen.pending or seen.timers, "stalled: running, no ready task, no waiting timer"
        self.ready: dict[TaskKey, tuple[PendingTask, Any]] = {
            k: (ours[k], theirs[k].id) for k in sorted(ours)
        }
        self.waiting = bool(seen.timers)
        self.finished = seen.status != RUNNING

    # -- what happens -----------------------------------------------------------------------------

    @initialize(data=st.data())
    def start(self, data: st.DataObject) -> None:
        self._start(data)

    @precondition(lambda self: self.finished)
    @rule(data=st.data())
    def start_next(self, data: st.DataObject) -> None:
        self._start(data)

    @precondition(lambda self: not self.finished and bool(self.ready))
    @rule(data=st.data())
    def complete_a_task(self, data: st.DataObject) -> None:
        task_key = data.draw(st.sampled_from(sorted(self.ready)), label="task")
        pending, stock_id = self.ready[task_key]
        assert pending.form_key is not None
        submitted = data.draw(form_strategy(pending.form_key), label="form")
        hours = data.draw(st.sampled_from([0, 0, 1, 30, 24 * 8]), label="hours later")
        if data.draw(SWITCHES, label="another process"):
            self.another_process_takes_over()
        self.now += timedelta(hours=hours)
        self.mine.fail_next = data.draw(FAILS, label="operator fails once")
        state = self.result.state
        self.result = self.retried(
            lambda: self.engine.complete(
                self.parsed, state, pending.guid, submitted, self.now, self.mine.operators
            )
        )
        self.stock.complete(stock_id, submitted, self.now)
        self.rounds[task_key[0]] += 1
        self.tally["steps"] += 1
        self.tally["max rounds"] = max(self.tally["max rounds"], *self.rounds.values())
        self.compare()

    @precondition(lambda self: not self.finished and self.waiting)
    @rule(days=st.integers(0, 45), minutes=st.sampled_from([0, 1, 59]))
    def time_passes(self, days: int, minutes: int) -> None:
        self.now += timedelta(days=days, minutes=minutes)
        self.result = self.engine.resume(self.parsed, self.result.state, self.now, self.mine.operators)
        self.stock.resume(self.now)
        self.tally["steps"] += 1
        self.tally["timer passes"] += 1
        self.compare()

    def another_process_takes_over(self) -> None:
        """A fresh Engine with a freshly parsed spec: a second gunicorn worker, the background worker."""
        self.engine = Engine(LANE_ROLES, OPERATOR_NAMES)
        self.parsed = parse(self.process)
        self.tally["process switches"] += 1


def machine_for(process: Process, tally: Counter[str]) -> type[DifferentialMachine]:
    return type(
        f"Differential_{process.process_id}", (DifferentialMachine,), {"process": process, "tally": tally}
    )


@pytest.mark.parametrize("process", PROCESS_LIST, ids=lambda p: p.process_id)
def test_bpmnpub_and_stock_spiffworkflow_agree_at_every_step(process: Process) -> None:
    tally: Counter[str] = Counter()
    run_state_machine_as_test(
        machine_for(process, tally), settings=explore(max_examples=process.examples, steps=50)
    )
    STEPS[process.process_id] = tally["steps"]
    print(f"\n{process.process_id}: {dict(tally)}")
    assert tally["steps"] >= MIN_STEPS, tally
    assert {o for o in process.outcomes if tally[f"outcome:{o}"]} == process.outcomes, tally
    if process.loops:
        assert tally["max rounds"] >= 3, tally
