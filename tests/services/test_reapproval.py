"""Re-approval after revision (issue 11 item 4), explored over orders of decisions.

Hypothesis drives real requests of 3.1, 3.3 and the memo chain through the services: at each step the
holder of the open step approves, sends back, rejects, gives a legal opinion, or — when the request is
back with its requester — revises it (a new title, a new file, the personal-data answer flipped). The
test keeps its own book of which content version each person endorsed and checks, after every step:

- every endorsement the memo prints was given to the content as last revised, and every endorsement of
  the current content on a memo block is printed (the memo's blocks against the book, not against the
  service's own rule);
- before the publisher publishes, everyone in the chain endorsed the current content (the legal officer
  too when the request says it holds personal data);
- the request reaches someone who can act, or it has finished;
- nothing is lost: the request's data is the content as last submitted, and what is published is it;
- a re-reviewer is shown exactly the fields that changed since they last decided (files added/removed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select
from sqlalchemy.orm import undefer

from bpmnpub.models import HumanTask, ProcessInstance, PublishedItem
from bpmnpub.permissions import Actor, TaskScope, may_act
from bpmnpub.services.kernel import office_settings
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.procedures.versions import spec_for
from bpmnpub.services.records import memo
from bpmnpub.services.requests import instances, revisions, tasks
from bpmnpub.statuses import OPEN_STATUSES

from ..conftest import Clock
from ..explore import STEPS, explore
from .conftest import upload_pdf

PEOPLE = ("owner1", "gdir_plan", "legal1", "director1", "deputy1", "publisher1", "pr1")

# The decisions each reviewing form offers, the ones that move the request on first.
DECISIONS: dict[str, list[dict[str, Any]]] = {
    "review_form": [
        {"decision": "approve"},
        {"decision": "revise", "comment": "แก้ไข"},
        {"decision": "reject", "comment": "ไม่อนุมัติ"},
    ],
    "supervisor_review_form": [{"decision": "approve"}, {"decision": "revise", "comment": "แก้ไข"}],
    "legal_opinion_form": [
        {"decision": "approve"},
        {"decision": "recommend_deny", "comment": "ขัดต่อกฎหมาย"},
        {"decision": "revise", "comment": "ปิดบังข้อมูลส่วนบุคคล"},
    ],
    "publish_check_form": [
        {"decision": "approve", "certified": True},
        {"decision": "revise", "comment": "ไฟล์ผิด"},
    ],
    "certify_form": [{"decision": "approve", "certified": True}, {"decision": "revise", "comment": "ไฟล์ผิด"}],
    "deputy_opinion_form": [
        {"decision": "recommend_allow"},
        {"decision": "recommend_deny", "comment": "ไม่ควร"},
    ],
    "director_permission_form": [
        {"decision": "approve"},
        {"decision": "revise", "comment": "แก้ไข"},
        {"decision": "reject", "comment": "ไม่อนุญาต"},
    ],
    "publish_confirm_form": [{"confirmed": True}],
}
# The steps that endorse the content, per process, and the step at which the chain must be complete.
CHAIN = {
    "general_publication": ("Task_CheckAndPublish", ("Task_GroupDirectorReview", "Task_DirectorDecision")),
    "regulatory_publication": ("Task_PreparePublication", ("Task_SupervisorReview",)),
    "memo_publication": (
        "Task_Publish",
        (
            "Task_LegalOpinion",
            "Task_GroupDirectorReview",
            "Task_CertifyData",
            "Task_DeputyOpinion",
            "Task_DirectorDecision",
        ),
    ),
}
WEIGHT = {"revise": 2, "reject": 1, "recommend_deny": 1}
ENDORSING = {"approve", "recommend_allow", "recommend_deny"}  # a decision that lets the content go on
CONTENT_FORM = {
    "general_publication": "general_request_form",
    "regulatory_publication": "compile_data_form",
    "memo_publication": "memo_request_form",
}


def content(process: str, version: int, file_id: str, personal: bool) -> dict[str, Any]:
    """Version `version` of the request's content as its requester submits it."""
    if process == "general_publication":
        return {
            "title": f"ประกาศผลการคัดเลือก ฉบับที่ {version}",
            "category": "1.3",
            "description": f"รายละเอียด ฉบับที่ {version}",
            "purpose": "เพื่อเผยแพร่ต่อสาธารณะ",
            "channels": ["website"],
            "attachments": [file_id],
            "personal_data": personal,
            "legal_review": False,
        }
    if process == "regulatory_publication":
        return {
            "description": f"สรุปผลการจัดซื้อจัดจ้าง ฉบับที่ {version}",
            "attachments": [file_id],
            "data_as_of": "2026-10-31",
            "personal_data": personal,
            "legal_review": False,
        }
    return {
        "office_unit": "สพป.ฉะเชิงเทรา เขต 1 กลุ่มนโยบายและแผน",
        "document_number": "ศธ 04032/123",
        "memo_date": "2026-11-16",
        "title": "ขออนุญาตเผยแพร่ข้อมูลบนเว็บไซต์",
        "requester_name": "นางสาวสมใจ ใจดี",
        "requester_position": "นักวิเคราะห์นโยบายและแผน",
        "requester_group": "plan",
        "topic": f"แผนปฏิบัติการ ฉบับที่ {version}",
        "category": "1.3",
        "description": "แผนปฏิบัติการประจำปี",
        "purpose": "เพื่อเผยแพร่",
        "file_formats": ["pdf"],
        "delivery_channel": "email",
        "delivery_email": "owner1@example.go.th",
        "attachments": [file_id],
    }


REGULATORY_START = [
    (
        "objective_form",
        {"title": "ผลการจัดซื้อจัดจ้าง", "category": "1.9", "objective": "เปิดเผย", "target_date": "2026-11-30"},
    ),
    ("acquire_data_form", {"data_sources": "ระบบ e-GP"}),
]


class ReapprovalWalk(RuleBasedStateMachine):
    process: ClassVar[str]
    ctx: ClassVar[ServiceContext]
    people: ClassVar[dict[str, Actor]]
    clock: ClassVar[Clock]
    started_at: ClassVar[Any]
    tally: ClassVar[Counter[str]]

    @initialize(personal=st.booleans())
    def start(self, personal: bool) -> None:
        self.clock.current = self.started_at
        self._start(personal)

    @precondition(lambda self: self.finished)
    @rule(personal=st.booleans())
    def start_next(self, personal: bool) -> None:
        self._start(personal)

    def _start(self, personal: bool) -> None:
        owner = self.people["owner1"]
        self.instance_id = instances.start_instance(self.ctx, self.process, None, owner).id
        if self.process == "regulatory_publication":
            for _form, data in REGULATORY_START:
                self._do(owner, data)
        self.version = 0
        self.book: dict[str, int] = {}  # step -> the content version its latest endorsement was given to
        self.decided_on: dict[str, dict[str, Any]] = {}  # step -> the content its holder last decided on
        self._submit(personal)

    # -- moves -------------------------------------------------------------------------------------

    def _do(self, who: Actor, data: dict[str, Any]) -> None:
        self.clock.advance(hours=1)
        (row,) = self._open()
        tasks.complete_task(self.ctx, row.id, data, who)
        self.tally["steps"] += 1

    def _submit(self, personal: bool) -> None:
        owner = self.people["owner1"]
        self.version += 1
        self.content = content(
            self.process, self.version, upload_pdf(self.ctx, owner, name=f"ฉบับ{self.version}.pdf"), personal
        )
        self._do(owner, self.content)
        self.check()

    def _open(self) -> list[HumanTask]:
        with self.ctx.db.read() as session:
            return list(
                session.scalars(
                    select(HumanTask).where(
                        HumanTask.instance_id == self.instance_id, HumanTask.status.in_(OPEN_STATUSES)
                    )
                )
            )

    @precondition(lambda self: not self.finished and self.at_requester)
    @rule(personal=st.booleans())
    def requester_revises(self, personal: bool) -> None:
        self.tally["revisions"] += 1
        self._submit(personal)

    @precondition(lambda self: not self.finished and not self.at_requester)
    @rule(data=st.data())
    def holder_decides(self, data: st.DataObject) -> None:
        (row,) = self._open()
        options = DECISIONS[row.form_key or ""]
        # moving on likeliest, sending back often, ending rarely: walks revise and still reach the end
        weights = [o for o in options for _ in range(WEIGHT.get(str(o.get("decision")), 3))]
        choice = dict(data.draw(st.sampled_from(weights), label=f"{row.task_spec}"))
        if row.form_key == "publish_check_form" and choice.get("decision") == "approve":
            choice["ita_items"] = []
        who = self._holder(row)
        self._check_changes_shown(row, who)
        self._do(who, choice)
        decision = choice.get("decision")
        self.tally[f"{row.task_spec}:{decision or 'done'}"] += 1
        if decision in ENDORSING:
            self.book[row.task_spec] = self.version
        else:
            self.book.pop(row.task_spec, None)  # a send-back or a rejection endorses nothing
        self.decided_on[row.task_spec] = dict(self.content)
        self.check()

    def _holder(self, row: HumanTask) -> Actor:
        scope = TaskScope(
            row.lane, row.status, row.requester_id, row.scope_group_id, row.assigned_user_id, row.decides
        )
        able = [p for p in self.people.values() if may_act(p, scope) is None]
        assert able, f"nobody can act on {row.task_spec}"
        return able[0]

    # -- invariants ---------------------------------------------------------------------------------

    def _check_changes_shown(self, row: HumanTask, who: Actor) -> None:
        """A re-reviewer sees exactly the fields that changed since they last decided."""
        page_changes = self._changes(row)
        before = self.decided_on.get(row.task_spec)
        if before is None:
            assert page_changes is None, f"{row.task_spec}: a first review shows changes"
            return
        expected = {k for k in self.content if self.content[k] != before.get(k)}
        if not expected and page_changes is None:
            return
        assert page_changes is not None, f"{row.task_spec}: a re-review shows no changes"
        assert {c.key for c in page_changes.fields} == expected
        for change in page_changes.fields:
            if change.key == "attachments":
                assert [f.id for f in change.added] == self.content["attachments"]
                assert [f.id for f in change.removed] == before["attachments"]
        self.tally["re-reviews shown changes"] += 1

    def _changes(self, row: HumanTask) -> Any:
        with self.ctx.db.read() as session:
            instance = session.get(ProcessInstance, self.instance_id)
            task = session.get(HumanTask, row.id)
            assert instance is not None and task is not None
            return revisions.changes_for(session, instance, task)

    def check(self) -> None:
        with self.ctx.db.read() as session:
            instance = session.get(
                ProcessInstance, self.instance_id, options=[undefer(ProcessInstance.state)]
            )
            assert instance is not None
            state = self.ctx.engine.inspect_state(
                spec_for(self.ctx, session, instance.definition), instance.state, self.clock()
            )
            item = session.scalar(select(PublishedItem).where(PublishedItem.instance_id == instance.id))
        rows = self._open()
        self.finished = instance.status != "running"
        self.at_requester = bool(rows) and rows[0].lane == "requester"
        # the request reaches someone, or it has finished
        assert instance.status in ("running", "completed", "rejected"), (
            instance.status,
            instance.error_message,
        )
        if not self.finished and not rows:  # 3.3 published: it waits 30 days to evaluate, the walk ends
            assert instance.next_timer_due is not None and item is not None, "stalled"
            self.finished = True
        elif not self.finished:
            assert len(rows) == 1, [r.task_spec for r in rows]
            self._holder(rows[0])
        else:
            self.tally[f"outcome:{instance.outcome}"] += 1
        # nothing is lost: the data is the content as last submitted
        data = dict(state.data)
        for key, value in self.content.items():
            if value not in (None, "", [], {}):
                assert data.get(key) == value, f"{key} lost: {data.get(key)!r} != {value!r}"
        if item is not None:  # what is published is the content as last revised
            assert item.attachments == self.content["attachments"]
            assert item.body == self.content["description"]
            self.tally["published"] += 1
        # before publishing, the whole chain endorsed the current content
        publish_step, chain = CHAIN[self.process]
        if (rows and rows[0].task_spec == publish_step) or instance.outcome == "published":
            needed = set(chain)
            if self.process != "memo_publication" and self.content.get("personal_data"):
                needed.add("Task_LegalOpinion")
            stale = {s for s in needed if self.book.get(s) != self.version}
            assert not stale, f"published on endorsements of older content: {stale}"
            self.tally["reached the publisher with a complete chain"] += 1
        if memo.has_memo(self.process):
            self._check_memo()

    def _check_memo(self) -> None:
        document = memo.get_memo(self.ctx, self.instance_id, self.people["owner1"])
        with self.ctx.db.read() as session:
            settings = office_settings.load(session)
        names = {"short_name": settings.short_name, "office": settings.name}
        by_heading = {b.heading.format(**names): b.task_spec for b in memo.BLOCKS[self.process]}
        printed = {by_heading[e.heading] for e in document.endorsements if e.signature is not None}
        current = {s for s, v in self.book.items() if v == self.version and s in by_heading.values()}
        # a printed signature is an endorsement of the current content, or the current round's send-back
        # or rejection by that step (which the book does not count as an endorsement)
        assert current <= printed, f"current endorsements not printed: {current - printed}"
        for spec in printed - current:
            block = next(e for e in document.endorsements if by_heading[e.heading] == spec)
            assert block.opinion in ("ส่งกลับให้แก้ไข", "เห็นควรไม่อนุญาต") or any(
                label == "ไม่อนุญาต" and ticked for label, ticked in block.choices
            ), f"{spec} prints an endorsement of older content"
        self.tally["memos checked"] += 1


def walk(
    ctx: ServiceContext, actor: Callable[[str], Actor], clock: Clock, process: str, examples: int
) -> Counter[str]:
    tally: Counter[str] = Counter()
    machine = type(
        f"ReapprovalWalk_{process}",
        (ReapprovalWalk,),
        {
            "process": process,
            "ctx": ctx,
            "people": {name: actor(name) for name in PEOPLE},
            "clock": clock,
            "started_at": clock(),
            "tally": tally,
        },
    )
    run_state_machine_as_test(machine, settings=explore(max_examples=examples, steps=14))
    STEPS[f"reapproval/{process}/{'sqlite' if ctx.db.is_sqlite else 'postgresql'}"] = tally["steps"]
    print(f"\nreapproval/{process}: {dict(tally)}")
    return tally


@pytest.mark.parametrize("process", sorted(CHAIN))
def test_endorsements_always_belong_to_the_content_as_last_revised(
    ctx: ServiceContext, actor: Any, clock: Clock, process: str
) -> None:
    tally = walk(ctx, actor, clock, process, examples=8)
    # the walks did what they are for: revisions, re-reviews that showed changes, and whole chains
    assert tally["revisions"] > 0
    assert tally["re-reviews shown changes"] > 0
    assert tally["reached the publisher with a complete chain"] > 0
