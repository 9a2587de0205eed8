"""The process library: versions with their running counts, drafts, validate/deploy from the modeler,
the diff between two versions, the expression check and the form preview of the modeler page.

Who may use it: process owners and admins (`PermissionDeniedError` for anyone else). Validation is
`definitions.check_diagram`, the same as `bpmnpub processes check` and deploy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import forms as form_rules
from ..engine import ElementDiff, diff_diagrams, sandbox
from ..errors import (
    ConflictError,
    DiagramError,
    DiagramProblem,
    FieldProblem,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from ..models import ProcessDefinition, ProcessDraft, ProcessInstance, User
from ..permissions import Actor, may_own_processes
from . import audit, definitions
from .context import ServiceContext
from .progress import LIVE_STATUSES
from .views import DeployResult

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
MAX_FORMS = 200


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
    versions: tuple[VersionRow, ...]  # newest first
    draft: DraftInfo | None

    @property
    def latest(self) -> VersionRow:
        return self.versions[0]


@dataclass(frozen=True)
class Draft:
    """What the modeler opens: the shared draft, or the newest version when nobody saved a draft."""

    process_id: str
    name: str
    xml: str
    forms: dict[str, Any]  # forms created or changed in this draft
    base_version: int | None
    latest_version: int
    saved: DraftInfo | None
    known_forms: dict[str, Any] = field(default_factory=dict)  # every deployed form, then the draft's
    # form key -> the processes whose newest version uses it (a deployed form edited in this draft is
    # picked up by those others when they next deploy)
    form_users: dict[str, tuple[str, ...]] = field(default_factory=dict)
    deployed_forms: dict[str, Any] = field(default_factory=dict)  # the newest deployed schema of each form


@dataclass(frozen=True)
class VersionDiff:
    """`engine.diff_diagrams` between two deployed versions of a process."""

    process_id: str
    old: int
    new: int
    added: tuple[ElementDiff, ...]
    removed: tuple[ElementDiff, ...]
    changed: tuple[ElementDiff, ...]


def _require_owner(actor: Actor) -> None:
    if not may_own_processes(actor):
        raise PermissionDeniedError("only process owners and admins can change processes")


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(wanted)))
    return {uid: full or username for uid, full, username in rows}


def list_processes(ctx: ServiceContext, actor: Actor) -> list[ProcessEntry]:
    """Every process with its versions (newest first), running counts and draft. Raises
    PermissionDeniedError."""
    _require_owner(actor)
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
            ).group_by(ProcessInstance.definition_id)
        ):
            counts[definition_id] = (int(total), int(running))
        drafts = {d.process_id: d for d in session.scalars(select(ProcessDraft))}
        names = _names(session, {r.deployed_by_id for r in rows} | {d.updated_by_id for d in drafts.values()})
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
    return [
        ProcessEntry(e.process_id, e.name, e.category, tuple(grouped[e.process_id]), e.draft)
        for e in entries.values()
    ]


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
    _require_owner(actor)
    with ctx.db.read() as session:
        definition = _definition(session, process_id, version)
        return definition.bpmn_xml, f"{process_id}-v{version}.bpmn"


def open_draft(ctx: ServiceContext, actor: Actor, process_id: str) -> Draft:
    """The shared draft of a process, or its newest version as a new draft. Raises
    PermissionDeniedError, NotFoundError."""
    _require_owner(actor)
    with ctx.db.read() as session:
        latest = definitions.latest(session, process_id)
        draft = session.get(ProcessDraft, process_id)
        deployed = definitions.known_forms(session)
        forms = dict(deployed)
        users: dict[str, list[str]] = {}
        for definition in definitions.latest_versions(session):
            for key in definition.forms or {}:
                users.setdefault(key, []).append(definition.process_id)
        form_users = {key: tuple(sorted(ids)) for key, ids in users.items()}
        if draft is None:
            return Draft(
                process_id,
                latest.name,
                latest.bpmn_xml,
                {},
                latest.version,
                latest.version,
                None,
                forms,
                form_users,
                deployed,
            )
        names = _names(session, {draft.updated_by_id})
        forms.update(draft.forms or {})
        info = DraftInfo(draft.updated_at, names.get(draft.updated_by_id or 0), draft.base_version)
        return Draft(
            process_id,
            latest.name,
            draft.bpmn_xml,
            dict(draft.forms or {}),
            draft.base_version,
            latest.version,
            info,
            forms,
            form_users,
            deployed,
        )


def _check_input(xml: str, forms: Any) -> dict[str, Any]:
    problems = []
    if not xml.strip():
        problems.append(FieldProblem("xml", "ไม่มีแผนภาพ"))
    elif len(xml.encode()) > MAX_DIAGRAM_BYTES:
        problems.append(FieldProblem("xml", "แผนภาพใหญ่เกิน 2 MB"))
    if not isinstance(forms, dict) or len(forms) > MAX_FORMS:
        problems.append(FieldProblem("forms", "แบบฟอร์มต้องเป็นออบเจกต์ {ชื่อฟอร์ม: JSON Schema}"))
    elif any(not isinstance(k, str) or not k.isidentifier() for k in forms):
        problems.append(FieldProblem("forms", "ชื่อแบบฟอร์มใช้ได้เฉพาะ a-z, 0-9 และ _"))
    if problems:
        raise ValidationError("the draft cannot be saved", problems)
    return dict(forms)


def save_draft(
    ctx: ServiceContext, actor: Actor, process_id: str, xml: str, forms: Any, base_version: int | None
) -> DraftInfo:
    """Keep the shared draft as it is (nothing is checked but its shape). Raises PermissionDeniedError,
    NotFoundError, ValidationError."""
    _require_owner(actor)
    checked = _check_input(xml, forms)
    with ctx.db.write() as session:
        definitions.latest(session, process_id)
        draft = session.get(ProcessDraft, process_id)
        if draft is None:
            draft = ProcessDraft(process_id=process_id)
            session.add(draft)
        draft.bpmn_xml = xml
        draft.forms = checked
        draft.base_version = base_version
        draft.updated_by_id = actor.id
        draft.updated_at = ctx.now()
        audit.record(
            session,
            "process",
            "draft_saved",
            process_id,
            actor_id=actor.id,
            now=draft.updated_at,
            details={"base_version": base_version, "forms": sorted(checked)},
        )
        return DraftInfo(draft.updated_at, actor.username, base_version)


def discard_draft(ctx: ServiceContext, actor: Actor, process_id: str) -> None:
    """Throw the shared draft away (audited when there was one). Raises PermissionDeniedError."""
    _require_owner(actor)
    with ctx.db.write() as session:
        draft = session.get(ProcessDraft, process_id)
        if draft is None:
            return
        audit.record(
            session,
            "process",
            "draft_discarded",
            process_id,
            actor_id=actor.id,
            now=ctx.now(),
            details={"base_version": draft.base_version, "saved_at": draft.updated_at.isoformat()},
        )
        session.delete(draft)


def _problems(
    ctx: ServiceContext, session: Session, process_id: str, xml: str, forms: dict[str, Any]
) -> tuple[list[DiagramProblem], dict[str, Any]]:
    filename = f"{process_id}.bpmn"
    known = definitions.known_forms(session)
    known.update(forms)
    parsed, _, problems = definitions.check_diagram(ctx.engine, xml.encode(), filename, known, ctx.now())
    if parsed is not None and parsed.model.process_id != process_id:
        problems.append(
            DiagramProblem(
                filename,
                parsed.model.process_id,
                None,
                f"the process id {parsed.model.process_id!r} must stay {process_id!r}",
            )
        )
    return problems, known


def validate_draft(
    ctx: ServiceContext, actor: Actor, process_id: str, xml: str, forms: Any
) -> list[DiagramProblem]:
    """Every problem deploy would refuse, with element ids; empty when it can be deployed. Raises
    PermissionDeniedError, NotFoundError, ValidationError."""
    _require_owner(actor)
    checked = _check_input(xml, forms)
    with ctx.db.read() as session:
        definitions.latest(session, process_id)
        return _problems(ctx, session, process_id, xml, checked)[0]


def deploy_draft(
    ctx: ServiceContext,
    actor: Actor,
    process_id: str,
    xml: str,
    forms: Any,
    base_version: int | None,
    *,
    force: bool = False,
) -> DeployResult:
    """Deploy the modeler's diagram as a new immutable version and drop the draft. Running instances
    stay on their version. Raises PermissionDeniedError, NotFoundError, ValidationError, DiagramError
    (nothing deployed), ConflictError (someone deployed since the draft was opened; `force` overrides)."""
    _require_owner(actor)
    checked = _check_input(xml, forms)
    with ctx.db.write() as session:
        latest = definitions.latest(session, process_id)
        if not force and base_version is not None and latest.version != base_version:
            raise ConflictError(
                f"version {latest.version} was deployed after this draft was opened from version"
                f" {base_version}",
                {"latest_version": latest.version, "base_version": base_version},
            )
        problems, known = _problems(ctx, session, process_id, xml, checked)
        if problems:
            raise DiagramError(f"{process_id}: {len(problems)} problem(s); nothing deployed", problems)
        result = definitions.deploy(
            ctx, session, xml.encode(), f"{process_id}.bpmn", known, actor_id=actor.id
        )
        session.execute(delete(ProcessDraft).where(ProcessDraft.process_id == process_id))
        return result


def check_expression(actor: Actor, source: str) -> str | None:
    """Why a gateway condition would be refused at deploy, or None when it is allowed. Raises
    PermissionDeniedError."""
    _require_owner(actor)
    if not source.strip():
        return "condition is empty"
    try:
        sandbox.check_expression(source)
    except sandbox.SandboxError as exc:
        return exc.message
    return None


def check_form(actor: Actor, key: str, schema: Any) -> list[str]:
    """Problems of a form schema the modeler's form editor sends (the deploy check). Raises
    PermissionDeniedError."""
    _require_owner(actor)
    if not key.isidentifier():
        return ["form key: use a-z, 0-9 and _ only (e.g. legal_check_form)"]
    return form_rules.check_schema(key, schema)


# -- diff ------------------------------------------------------------------------------------------


def diff_versions(ctx: ServiceContext, actor: Actor, process_id: str, old: int, new: int) -> VersionDiff:
    """Elements added, removed and changed (by id) from version `old` to `new`. Raises
    PermissionDeniedError, NotFoundError."""
    _require_owner(actor)
    with ctx.db.read() as session:
        old_xml = _definition(session, process_id, old).bpmn_xml
        new_xml = _definition(session, process_id, new).bpmn_xml
    found = diff_diagrams(
        old_xml.encode(), f"{process_id}-v{old}.bpmn", new_xml.encode(), f"{process_id}-v{new}.bpmn"
    )
    return VersionDiff(process_id, old, new, found.added, found.removed, found.changed)
