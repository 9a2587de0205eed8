"""What the modeler page does with a process's shared draft: open it (the newest version when nobody
saved one), save it, validate and deploy it, throw it away; import a diagram made by another tool as a
draft with the checker's list of what to fix; check a gateway condition; check a form the form editor
sends and fill its preview with the office's real lists.

Who may use it: process owners and admins (`PermissionDeniedError` for anyone else). Validation is
`definitions.check_diagram`, the same as `bpmnpub processes check` and deploy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ... import form_files
from ... import forms as form_rules
from ...engine import Foreign, SandboxError, adopt_diagram, check_condition, foreign_in, process_name
from ...errors import (
    ConflictError,
    DiagramError,
    DiagramProblem,
    FieldProblem,
    ValidationError,
    problem,
)
from ...models import Group, ProcessDefinition, ProcessDraft
from ...permissions import Actor
from ...thaidate import fiscal_year
from ..catalogue import o_items
from ..catalogue.categories import category_choices_in
from ..kernel import audit
from ..kernel.context import ServiceContext
from ..office import appointments
from . import definitions
from .library import DraftInfo, names_of_users, require_owner
from .results import DeployResult

MAX_DIAGRAM_BYTES = 2 * 1024 * 1024
PROCESS_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_FORMS = 200


@dataclass(frozen=True)
class ImportResult:
    """A diagram from another tool kept as the draft of `process_id`; `problems` is what deploy would
    refuse (the checker's list), `foreign` the other tool's extensions bpmnpub does not read."""

    process_id: str
    name: str
    problems: tuple[DiagramProblem, ...]
    foreign: tuple[Foreign, ...]


@dataclass(frozen=True)
class Draft:
    """What the modeler opens: the shared draft, or the newest version when nobody saved a draft."""

    process_id: str
    name: str
    xml: str
    forms: dict[str, Any]  # forms created or changed in this draft
    base_version: int | None
    latest_version: int | None  # None: imported, never deployed
    saved: DraftInfo | None
    known_forms: dict[str, Any] = field(default_factory=dict)  # every deployed form, then the draft's
    # form key -> the processes whose newest version uses it (a deployed form edited in this draft is
    # picked up by those others when they next deploy)
    form_users: dict[str, tuple[str, ...]] = field(default_factory=dict)
    deployed_forms: dict[str, Any] = field(default_factory=dict)  # the newest deployed schema of each form
    foreign: tuple[Foreign, ...] = ()  # another tool's extensions in the draft (kept, not read)


def open_draft(ctx: ServiceContext, actor: Actor, process_id: str) -> Draft:
    """The shared draft of a process, or its newest version as a new draft. Raises
    PermissionDeniedError, NotFoundError."""
    require_owner(actor)
    with ctx.db.read() as session:
        draft = session.get(ProcessDraft, process_id)
        latest = _latest_or_draft(session, process_id, draft)
        deployed = definitions.known_forms(session)
        forms = dict(deployed)
        users: dict[str, list[str]] = {}
        for definition in definitions.latest_versions(session):
            for key in definition.forms or {}:
                users.setdefault(key, []).append(definition.process_id)
        form_users = {key: tuple(sorted(ids)) for key, ids in users.items()}
        if draft is None:
            assert latest is not None  # _latest_or_draft
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
        names = names_of_users(session, {draft.updated_by_id})
        forms.update(draft.forms or {})
        info = DraftInfo(draft.updated_at, names.get(draft.updated_by_id or 0), draft.base_version)
        return Draft(
            process_id,
            latest.name if latest else process_name(draft.bpmn_xml) or process_id,
            draft.bpmn_xml,
            dict(draft.forms or {}),
            draft.base_version,
            latest.version if latest else None,
            info,
            forms,
            form_users,
            deployed,
            foreign_in(draft.bpmn_xml),
        )


def _latest_or_draft(
    session: Session, process_id: str, draft: ProcessDraft | None
) -> ProcessDefinition | None:
    """The newest version, or None for a process that exists only as an imported draft. Raises
    NotFoundError when there is neither."""
    if draft is not None:
        return definitions.find_latest(session, process_id)
    return definitions.latest(session, process_id)


def _check_input(xml: str, forms: Any) -> dict[str, Any]:
    problems = []
    if not xml.strip():
        problems.append(problem("xml", "ไม่มีแผนภาพ"))
    elif len(xml.encode()) > MAX_DIAGRAM_BYTES:
        problems.append(problem("xml", "แผนภาพใหญ่เกิน 2 MB"))
    if not isinstance(forms, dict) or len(forms) > MAX_FORMS:
        problems.append(problem("forms", "แบบฟอร์มต้องเป็นออบเจกต์ {ชื่อฟอร์ม: JSON Schema}"))
    elif any(not isinstance(k, str) or not k.isidentifier() for k in forms):
        problems.append(problem("forms", "ชื่อแบบฟอร์มใช้ได้เฉพาะ a-z, 0-9 และ _"))
    if problems:
        raise ValidationError("the draft cannot be saved", problems)
    return dict(forms)


def save_draft(
    ctx: ServiceContext, actor: Actor, process_id: str, xml: str, forms: Any, base_version: int | None
) -> DraftInfo:
    """Keep the shared draft as it is (nothing is checked but its shape). Raises PermissionDeniedError,
    NotFoundError, ValidationError."""
    require_owner(actor)
    checked = _check_input(xml, forms)
    with ctx.db.write() as session:
        draft = session.get(ProcessDraft, process_id)
        _latest_or_draft(session, process_id, draft)
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
    require_owner(actor)
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
    require_owner(actor)
    checked = _check_input(xml, forms)
    with ctx.db.read() as session:
        _latest_or_draft(session, process_id, session.get(ProcessDraft, process_id))
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
    require_owner(actor)
    checked = _check_input(xml, forms)
    with ctx.db.write() as session:
        latest = _latest_or_draft(session, process_id, session.get(ProcessDraft, process_id))
        if latest is not None and not force and base_version is not None and latest.version != base_version:
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


def import_diagram(
    ctx: ServiceContext, actor: Actor, content: bytes, filename: str, process_id: str | None = None
) -> ImportResult:
    """Open a diagram exported from another tool as the shared draft of `process_id` (default: the
    file's own process id), with the checker's list of what to fix before it can be deployed. Nothing is
    deployed. Raises PermissionDeniedError, ValidationError (too large, a bad id), DiagramError (not a
    BPMN file, no process), ConflictError (that process already has a draft someone is working on)."""
    require_owner(actor)
    if len(content) > MAX_DIAGRAM_BYTES:
        raise ValidationError("the file is too large", [problem("file", "แผนภาพใหญ่เกิน 2 MB")])
    if process_id is not None and not PROCESS_ID.fullmatch(process_id):
        raise ValidationError(
            "bad process id",
            [problem("process_id", "รหัสกระบวนงานใช้ได้เฉพาะ a-z, 0-9 และ _ ขึ้นต้นด้วยตัวอักษร")],
        )
    adopted = adopt_diagram(content, filename, process_id)
    with ctx.db.write() as session:
        if session.get(ProcessDraft, adopted.process_id) is not None:
            raise ConflictError(
                f"{adopted.process_id} already has a draft: discard it first or import under another id",
                {"process_id": adopted.process_id, "reason": "draft_exists"},
            )
        latest = definitions.find_latest(session, adopted.process_id)
        now = ctx.now()
        session.add(
            ProcessDraft(
                process_id=adopted.process_id,
                bpmn_xml=adopted.xml,
                forms={},
                base_version=latest.version if latest else None,
                updated_by_id=actor.id,
                updated_at=now,
            )
        )
        audit.record(
            session,
            "process",
            "draft_imported",
            adopted.process_id,
            actor_id=actor.id,
            now=now,
            details={"filename": filename[:200], "base_version": latest.version if latest else None},
        )
        problems, _ = _problems(ctx, session, adopted.process_id, adopted.xml, {})
    return ImportResult(adopted.process_id, adopted.name, tuple(problems), adopted.foreign)


def check_expression(actor: Actor, source: str) -> str | None:
    """Why a gateway condition would be refused at deploy, or None when it is allowed. Raises
    PermissionDeniedError."""
    require_owner(actor)
    if not source.strip():
        return "condition is empty"
    try:
        check_condition(source)
    except SandboxError as exc:
        return exc.message
    return None


def check_form(actor: Actor, key: str, schema: Any) -> list[FieldProblem]:
    """Problems of a form schema the modeler's form editor sends (the deploy check), each on its field.
    Raises PermissionDeniedError."""
    require_owner(actor)
    if not key.isidentifier():
        return [problem("_key", "รหัสแบบฟอร์มใช้ได้เฉพาะ a-z, 0-9 และ _ ขึ้นต้นด้วยตัวอักษร")]
    return form_files.schema_problems(key, schema)


# The office's lists a form's `x-source` fields choose from, as the task page offers them.
SOURCES = ("categories", "groups", "users", "roles", "ita_items")


def form_sources(
    ctx: ServiceContext, actor: Actor, process_id: str | None, schema: Any
) -> dict[str, list[tuple[str, str]]]:
    """The real options of every `x-source` list a schema uses, for the form editor's preview (the
    categories this procedure allows, groups, people, appointable roles, this fiscal year's O items).
    Raises PermissionDeniedError."""
    require_owner(actor)
    form = form_rules.FormSpec("preview", schema if isinstance(schema, dict) else {})
    used = [source for source in SOURCES if form.uses_source(source)]
    if not used:
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    with ctx.db.read() as session:
        if "categories" in used:
            found["categories"] = category_choices_in(session, process_id)
        if "groups" in used:
            found["groups"] = [
                (code, name)
                for code, name in session.execute(select(Group.code, Group.name).order_by(Group.name))
            ]
        if "users" in used:
            found["users"] = appointments.user_choices_in(session)
        if "roles" in used:
            found["roles"] = appointments.role_choices()
        if "ita_items" in used:
            year = o_items.choices(session, fiscal_year(ctx.now()), None)
            found["ita_items"] = [(c.code, c.label) for c in year.choices]
    return found
