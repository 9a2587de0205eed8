"""The process library: every process with its versions, running counts and draft, a version's
diagram, and the diff between two versions. What the modeler page does with a draft (open, save,
validate, deploy, import from another tool, the expression check and the form editor's preview) is
`modeler.py`.

Who may use it: process owners and admins (`PermissionDeniedError` for anyone else). Validation is
`definitions.check_diagram`, the same as `bpmnpub processes check` and deploy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...engine import (
    ElementDiff,
    diff_diagrams,
    process_name,
)
from ...errors import (
    NotFoundError,
    PermissionDeniedError,
)
from ...models import ProcessDefinition, ProcessDraft, ProcessInstance, User
from ...permissions import Actor, may_own_processes
from ...statuses import LIVE_STATUSES
from ..kernel.context import ServiceContext


@dataclass(frozen=True)
class VersionRow:
    version: int
    deployed_at: datetime
    deployed_by: str | None
    running: int
    total: int
    sha256: str


@dataclass(frozen=True)
class DraftInfo:
    updated_at: datetime
    updated_by: str | None
    base_version: int | None


@dataclass(frozen=True)
class ProcessEntry:
    process_id: str
    name: str
    category: str
    versions: tuple[VersionRow, ...]  # newest first; none for a process imported and not yet deployed
    draft: DraftInfo | None

    @property
    def latest(self) -> VersionRow:
        return self.versions[0]


@dataclass(frozen=True)
class VersionDiff:
    """`engine.diff_diagrams` between two deployed versions of a process."""

    process_id: str
    old: int
    new: int
    added: tuple[ElementDiff, ...]
    removed: tuple[ElementDiff, ...]
    changed: tuple[ElementDiff, ...]


def require_owner(actor: Actor) -> None:
    if not may_own_processes(actor):
        raise PermissionDeniedError("only process owners and admins can change processes")


def names_of_users(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(wanted)))
    return {uid: full or username for uid, full, username in rows}


def list_processes(ctx: ServiceContext, actor: Actor) -> list[ProcessEntry]:
    """Every process with its versions (newest first), running counts and draft. Raises
    PermissionDeniedError."""
    require_owner(actor)
    with ctx.db.read() as session:
        rows = session.execute(
            select(
                ProcessDefinition.id,
                ProcessDefinition.process_id,
                ProcessDefinition.version,
                ProcessDefinition.name,
                ProcessDefinition.category,
                ProcessDefinition.deployed_at,
                ProcessDefinition.deployed_by_id,
                ProcessDefinition.sha256,
            ).order_by(ProcessDefinition.process_id, ProcessDefinition.version.desc())
        ).all()
        counts: dict[int, tuple[int, int]] = {}
        for definition_id, total, running in session.execute(
            select(
                ProcessInstance.definition_id,
                func.count(),
                func.count().filter(ProcessInstance.status.in_(LIVE_STATUSES)),
            )
            .where(ProcessInstance.submitted_at.is_not(None))  # drafts are their requesters' alone
            .group_by(ProcessInstance.definition_id)
        ):
            counts[definition_id] = (int(total), int(running))
        drafts = {d.process_id: d for d in session.scalars(select(ProcessDraft))}
        names = names_of_users(
            session, {r.deployed_by_id for r in rows} | {d.updated_by_id for d in drafts.values()}
        )
    entries: dict[str, ProcessEntry] = {}
    grouped: dict[str, list[VersionRow]] = {}
    for row in rows:
        total, running = counts.get(row.id, (0, 0))
        grouped.setdefault(row.process_id, []).append(
            VersionRow(
                row.version,
                row.deployed_at,
                names.get(row.deployed_by_id) if row.deployed_by_id else None,
                running,
                total,
                row.sha256[:12],
            )
        )
        if row.process_id not in entries:
            draft = drafts.get(row.process_id)
            entries[row.process_id] = ProcessEntry(
                row.process_id,
                row.name,
                row.category,
                (),
                None
                if draft is None
                else DraftInfo(
                    draft.updated_at,
                    names.get(draft.updated_by_id) if draft.updated_by_id else None,
                    draft.base_version,
                ),
            )
    listed = [
        ProcessEntry(e.process_id, e.name, e.category, tuple(grouped[e.process_id]), e.draft)
        for e in entries.values()
    ]
    imported = [
        ProcessEntry(
            d.process_id,
            process_name(d.bpmn_xml) or d.process_id,
            "",
            (),
            DraftInfo(d.updated_at, names.get(d.updated_by_id) if d.updated_by_id else None, None),
        )
        for d in drafts.values()
        if d.process_id not in entries
    ]
    return imported + listed


def _definition(session: Session, process_id: str, version: int) -> ProcessDefinition:
    definition = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == process_id, ProcessDefinition.version == version
        )
    )
    if definition is None:
        raise NotFoundError(f"process {process_id!r} has no version {version}")
    return definition


def version_xml(ctx: ServiceContext, actor: Actor, process_id: str, version: int) -> tuple[str, str]:
    """The diagram of one deployed version and a file name for it. Raises PermissionDeniedError,
    NotFoundError."""
    require_owner(actor)
    with ctx.db.read() as session:
        definition = _definition(session, process_id, version)
        return definition.bpmn_xml, f"{process_id}-v{version}.bpmn"


# -- diff ------------------------------------------------------------------------------------------


def diff_versions(ctx: ServiceContext, actor: Actor, process_id: str, old: int, new: int) -> VersionDiff:
    """Elements added, removed and changed (by id) from version `old` to `new`. Raises
    PermissionDeniedError, NotFoundError."""
    require_owner(actor)
    with ctx.db.read() as session:
        old_xml = _definition(session, process_id, old).bpmn_xml
        new_xml = _definition(session, process_id, new).bpmn_xml
    found = diff_diagrams(
        old_xml.encode(), f"{process_id}-v{old}.bpmn", new_xml.encode(), f"{process_id}-v{new}.bpmn"
    )
    return VersionDiff(process_id, old, new, found.added, found.removed, found.changed)
