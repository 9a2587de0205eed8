"""The office at a glance for administrators, on the request list before any filter is chosen: how many
requests are in each status, how many wait on a step past its due time, and the same per procedure
(each a link to the list filtered so, and to the procedure's statistics). Two grouped queries over
the projection tables; drafts (a first form not yet sent) are their requester's alone and not counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ...models import HumanTask, ProcessDefinition, ProcessInstance
from ...statuses import INSTANCE_STATUSES, OPEN_STATUSES


@dataclass(frozen=True)
class ProcessCounts:
    process_id: str
    name: str
    by_status: dict[str, int]  # every status of INSTANCE_STATUSES, 0 when none
    overdue: int  # running requests with an open step past its due time

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class OfficeOverview:
    by_status: dict[str, int]  # every status of INSTANCE_STATUSES, 0 when none
    overdue: int
    processes: list[ProcessCounts]  # procedures with at least one request, by name

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


def office_overview_in(session: Session, now: datetime) -> OfficeOverview:
    """The office-wide counts, in the caller's transaction."""
    counted = session.execute(
        select(ProcessInstance.process_id, ProcessInstance.status, func.count(ProcessInstance.id))
        .where(ProcessInstance.submitted_at.is_not(None))
        .group_by(ProcessInstance.process_id, ProcessInstance.status)
    ).all()
    late = dict(
        session.execute(
            select(ProcessInstance.process_id, func.count(distinct(HumanTask.instance_id)))
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .where(
                HumanTask.status.in_(OPEN_STATUSES),
                HumanTask.due_at < now,
                ProcessInstance.status == "running",
                ProcessInstance.submitted_at.is_not(None),
            )
            .group_by(ProcessInstance.process_id)
        ).all()
    )
    per: dict[str, dict[str, int]] = {}
    for process_id, status, n in counted:
        per.setdefault(process_id, dict.fromkeys(INSTANCE_STATUSES, 0))[status] = int(n)
    names: dict[str, str] = {}
    if per:
        for process_id, name in session.execute(
            select(ProcessDefinition.process_id, ProcessDefinition.name)
            .where(ProcessDefinition.process_id.in_(per))
            .order_by(ProcessDefinition.version)
        ):
            names[process_id] = name  # the newest version's name
    processes = sorted(
        (ProcessCounts(p, names.get(p, p), counts, int(late.get(p, 0))) for p, counts in per.items()),
        key=lambda c: c.name,
    )
    by_status = {s: sum(c.by_status[s] for c in processes) for s in INSTANCE_STATUSES}
    return OfficeOverview(by_status, sum(c.overdue for c in processes), processes)
