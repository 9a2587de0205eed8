"""Realistic rows for the task-list measurement, bulk-inserted (SQLAlchemy Core executemany in chunks).

Driving 100 000 instances through the engine would take far too long, so the engine runs twice
(one instance left waiting, one driven to its end) and every generated instance copies one of those
two real state strings. human_task rows follow real paths of general_publication (prepare,
review/revise loops, director, publisher), with the names, lanes, forms and instructions of the real
rows. About 20% of instances are running, each with one open task (ready or claimed), so 100 000
instances hold ~20 000 open tasks (the staff web UI issue's figure) among ~580 000 human_task rows;
the rest are completed or rejected with their whole path of completed rows. Requesters are demo
users of five groups (weights below); group-director tasks are scoped to the requester's group (only
plan and hr have a director in the demo office).

The measured user (owner1, a plain requester) is planted with a fixed number of open tasks so the
inbox under test is a realistic 20-50 tasks; everyone else's rows are still in the same tables and
indexes. instance_event rows are not generated (the inbox never reads them; the task page reads the
events of one instance through an index, and the instances it shows are real, see `web_pages`).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, insert, select
from sqlalchemy import inspect as sa_inspect

from bpmnpub.models import Group, HumanTask, ProcessInstance, User
from bpmnpub.services.requests import instances, tasks

from .database import BenchDatabase
from .scenario import LANE_USERS, PROCESS_ID, steps
from .service_level import open_task

MEASURED_USER = "owner1"
CHUNK = 5000
P_RUNNING, P_REJECTED = 0.20, 0.045  # the rest completed; ~20 000 open tasks per 100 000 instances
P_CLAIMED = 0.3  # share of open rows someone has claimed
REQUESTERS = {  # username: weight (demo users who belong to a group)
    "owner1": 2,
    "owner2": 6,
    "gdir_plan": 1,
    "gdir_hr": 1,
    "legal1": 3,
    "publisher1": 2,
    "pr1": 3,
    "procowner1": 2,
}
TOPICS = (
    "ประกาศผลการคัดเลือก",
    "ประกาศจัดซื้อจัดจ้าง",
    "รายงานผลการดำเนินงาน",
    "แผนปฏิบัติราชการ",
    "ข่าวประชาสัมพันธ์",
    "คู่มือการปฏิบัติงาน",
    "ประกาศรับสมัคร",
)
PREPARE, REVIEW, REVISE = "Task_PrepareRequest", "Task_GroupDirectorReview", "Task_ReviseForGroupDirector"
DIRECTOR, PUBLISHER = "Task_DirectorDecision", "Task_CheckAndPublish"
SPAN = timedelta(days=3 * 365)
EPOCH = datetime(2023, 10, 1, 2, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Templates:
    """Column values of real rows; every generated row starts from one of them, so columns added to
    the schema later get real values without touching this file."""

    running: dict[str, Any]  # process_instance row waiting at the group director's review
    finished: dict[str, Any]  # process_instance row of a published request
    rows: dict[str, dict[str, Any]]  # task_spec -> a human_task row of that step
    users: dict[str, tuple[int, int | None]]  # username -> (id, group id)
    group_directors: dict[int, int]  # group id -> its director's user id
    group_codes: dict[int, str] = field(default_factory=dict)  # group id -> code (plan, hr, ...)


def _columns(row: Any) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in sa_inspect(type(row)).column_attrs}


def templates(db: BenchDatabase) -> Templates:
    """Run two real instances through the services and copy what the bulk rows need."""
    ctx = db.ctx
    requester = db.actor(LANE_USERS["requester"])
    plan = steps(1, db.file_id)
    waiting = instances.start_instance(ctx, PROCESS_ID, None, requester)
    waiting = tasks.complete_task(ctx, open_task(waiting) or 0, plan[0].data, requester)  # at the review
    done = instances.start_instance(ctx, PROCESS_ID, None, requester)
    for step in plan:
        done = tasks.complete_task(ctx, open_task(done) or 0, step.data, db.actor(LANE_USERS[step.lane]))
    with ctx.db.read() as session:
        running = _columns(session.get(ProcessInstance, waiting.id))
        finished = _columns(session.get(ProcessInstance, done.id))
        rows = {}
        for row in session.scalars(select(HumanTask).where(HumanTask.instance_id == done.id)):
            rows[row.task_spec] = _columns(row)
        users = {u.username: (u.id, u.group_id) for u in session.scalars(select(User))}
        group_directors: dict[int, int] = {}
        for user in session.scalars(select(User)):
            for role in user.roles_at(ctx.now()):
                if role.role == "group_director":
                    group = role.group_id or user.group_id
                    if group is not None:
                        group_directors[group] = user.id
        group_codes = {g.id: g.code for g in session.scalars(select(Group))}
        assert len(group_codes) >= 5
    assert running["state"]
    assert finished["status"] == "completed"
    assert set(rows) == {PREPARE, REVIEW, REVISE, DIRECTOR, PUBLISHER}, sorted(rows)
    return Templates(running, finished, rows, users, group_directors, group_codes)


@dataclass
class Totals:
    instances: int = 0
    running: int = 0
    rows: int = 0
    open_rows: int = 0
    claimed: int = 0
    planted: int = 0
    seconds: float = 0.0
    by_lane: dict[str, int] = field(default_factory=dict)  # open rows per lane
    by_group: dict[str, int] = field(default_factory=dict)  # open group-director rows per group code

    @property
    def open_share(self) -> float:
        return self.open_rows / self.rows if self.rows else 0.0


class Generator:
    def __init__(self, db: BenchDatabase, tpl: Templates, seed: int = 2569) -> None:
        self.db = db
        self.tpl = tpl
        self.rng = random.Random(seed)
        self.totals = Totals()
        self.next_instance = self.next_task = 0
        self._sync_ids()
        names = list(REQUESTERS)
        self.requester_names = names
        self.requester_weights = [REQUESTERS[n] for n in names]
        self.others = [n for n in names if n != MEASURED_USER]
        self.other_weights = [REQUESTERS[n] for n in self.others]

    def _sync_ids(self) -> None:
        """Continue after the highest ids (real instances may have been added between two stages)."""
        with self.db.ctx.db.read() as session:
            self.next_instance = (session.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
            self.next_task = (session.scalar(select(func.max(HumanTask.id))) or 0) + 1

    # -- one instance -------------------------------------------------------------------------

    def _path(self) -> list[str]:
        loops = self.rng.choices((0, 1, 2, 3), weights=(70, 20, 7, 3))[0]
        return [PREPARE, *([REVIEW, REVISE] * loops), REVIEW, DIRECTOR, PUBLISHER]

    def _holder(self, spec: str, requester_id: int, group_id: int | None) -> int | None:
        lane = self.tpl.rows[spec]["lane"]
        if lane == "requester":
            return requester_id
        if lane == "group_director":
            return self.tpl.group_directors.get(group_id) if group_id is not None else None
        if lane == "director":
            return self.tpl.users["director1"][0]
        return self.tpl.users[self.rng.choice(("publisher1", "pr1"))][0]

    def _instance(self, planted: bool) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        rng, tpl = self.rng, self.tpl
        path = self._path()
        roll = rng.random()
        status = (
            "running"
            if planted or roll < P_RUNNING
            else ("rejected" if roll < P_RUNNING + P_REJECTED else "completed")
        )
        if status == "running":
            if planted:
                cut = rng.choice([i for i, s in enumerate(path) if tpl.rows[s]["lane"] == "requester"])
            else:
                cut = rng.randrange(len(path))
            path = path[: cut + 1]
        elif status == "rejected":
            cut = rng.choice([i for i, s in enumerate(path) if s in (REVIEW, DIRECTOR)])
            path = path[: cut + 1]
        if planted:
            username = MEASURED_USER
        else:
            username = rng.choices(self.requester_names, weights=self.requester_weights)[0]
            if (
                username == MEASURED_USER
                and status == "running"
                and tpl.rows[path[-1]]["lane"] == "requester"
            ):
                username = rng.choices(self.others, weights=self.other_weights)[0]  # keep the inbox planted
        requester_id, group_id = tpl.users[username]
        instance_id = self.next_instance
        self.next_instance += 1
        created = EPOCH + SPAN * rng.random()
        rows: list[dict[str, Any]] = []
        counts: dict[str, int] = {}
        at = created
        for index, spec in enumerate(path):
            counts[spec] = counts.get(spec, 0) + 1
            is_open = status == "running" and index == len(path) - 1
            holder = self._holder(spec, requester_id, group_id)
            claimed = is_open and holder is not None and rng.random() < P_CLAIMED
            lane = tpl.rows[spec]["lane"]
            rows.append(
                {
                    **tpl.rows[spec],
                    "id": self.next_task,
                    "instance_id": instance_id,
                    "task_guid": str(uuid.UUID(int=rng.getrandbits(128))),
                    "status": ("claimed" if claimed else "ready") if is_open else "completed",
                    "round": counts[spec],
                    "requester_id": requester_id,
                    "scope_group_id": group_id,
                    "assigned_user_id": holder if (claimed or not is_open) else None,
                    "created_at": at,
                    "due_at": at + timedelta(days=3) if spec != PREPARE else None,
                    "completed_at": None if is_open else at + timedelta(hours=20),
                    "completed_by_id": None if is_open else holder,
                }
            )
            self.next_task += 1
            if is_open:
                self.totals.open_rows += 1
                self.totals.claimed += int(claimed)
                self.totals.by_lane[lane] = self.totals.by_lane.get(lane, 0) + 1
                if lane == "group_director":
                    code = tpl.group_codes.get(group_id or 0, "none")
                    self.totals.by_group[code] = self.totals.by_group.get(code, 0) + 1
            at += timedelta(hours=rng.uniform(4, 60))
        finished = status != "running"
        instance = {
            **(tpl.finished if finished else tpl.running),
            "id": instance_id,
            "status": status,
            "outcome": {"completed": "published", "rejected": "rejected"}.get(status),
            "title": f"{rng.choice(TOPICS)} ฉบับที่ {instance_id}",
            "started_by_id": requester_id,
            "group_id": group_id,
            "step_counts": counts,
            "next_timer_due": None,
            "error_message": None,
            "error_task": None,
            "created_at": created,
            "updated_at": at,
            "completed_at": at if finished else None,
            "lock_version": len(path) * 2,
        }
        self.totals.instances += 1
        self.totals.running += int(not finished)
        self.totals.rows += len(rows)
        self.totals.planted += int(planted)
        return instance, rows

    # -- many ---------------------------------------------------------------------------------

    def add(self, count: int, planted: int) -> float:
        """Insert `count` instances, `planted` of them waiting for the measured user. Returns seconds."""
        from .timing import now

        started = now()
        self._sync_ids()
        plant_at = set(self.rng.sample(range(count), planted))
        instance_table, task_table = cast(Table, ProcessInstance.__table__), cast(Table, HumanTask.__table__)
        with self.db.ctx.db.write_engine.begin() as conn:
            for start in range(0, count, CHUNK):
                batch_instances, batch_rows = [], []
                for n in range(start, min(start + CHUNK, count)):
                    instance, rows = self._instance(n in plant_at)
                    batch_instances.append(instance)
                    batch_rows.extend(rows)
                conn.execute(insert(instance_table), batch_instances)
                conn.execute(insert(task_table), batch_rows)
            if conn.dialect.name == "postgresql":  # the ids were given: move the sequences past them
                for table in ("process_instance", "human_task"):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
        seconds = now() - started
        self.totals.seconds += seconds
        return seconds
