"""Deploying process versions and listing what a user may start."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ... import form_files, process_folder
from ...engine import Engine, ParsedSpec, xml_text
from ...errors import DiagramError, DiagramProblem, NotFoundError, PermissionDeniedError
from ...models import ProcessDefinition
from ...permissions import Actor, may_own_processes, may_start
from ..kernel.context import ServiceContext
from .results import DeployResult, ProcessSummary


def check_diagram(
    engine: Engine, content: bytes, filename: str, all_forms: dict[str, Any], now: datetime | None = None
) -> tuple[ParsedSpec | None, dict[str, Any], list[DiagramProblem]]:
    """Everything deploy checks, without a database: the diagram, then the forms it uses
    (timer dates at most ten years after `now`)."""
    problems: list[DiagramProblem] = []
    try:
        parsed = engine.inspect(content, filename, frozenset(all_forms), now)
    except DiagramError as exc:
        return None, {}, exc.problems
    used = process_folder.forms_used(all_forms, parsed.model.form_keys)
    for key, schema in used.items():
        for message in form_files.check_schema(key, schema):
            problems.append(DiagramProblem(f"forms/{key}.json", None, None, message))
    return parsed, used, problems


def check_folder(engine: Engine, path: Path, now: datetime | None = None) -> list[DiagramProblem]:
    """`bpmnpub processes check`: every problem of every diagram and form in a folder (or one file)."""
    folder = process_folder.read_folder(path)
    problems = [DiagramProblem(file, None, None, message) for file, message in folder.problems]
    seen: dict[str, str] = {}
    for filename, content in folder.diagrams.items():
        parsed, _, found = check_diagram(engine, content, filename, folder.forms, now)
        problems.extend(found)
        if parsed is not None:
            process_id = parsed.model.process_id
            if Path(filename).stem != process_id:
                problems.append(
                    DiagramProblem(
                        filename, process_id, None, f"the process id {process_id!r} must equal the file name"
                    )
                )
            if process_id in seen:
                problems.append(
                    DiagramProblem(filename, process_id, None, f"also defined in {seen[process_id]}")
                )
            seen[process_id] = filename
    return problems


def _version_hash(content: bytes, used_forms: dict[str, Any]) -> str:
    digest = hashlib.sha256(content)
    digest.update(json.dumps(used_forms, sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def deploy(
    ctx: ServiceContext,
    session: Session,
    content: bytes,
    filename: str,
    all_forms: dict[str, Any],
    *,
    actor_id: int | None,
) -> DeployResult:
    """Deploy one diagram in the caller's transaction; the same diagram and forms again is a no-op.
    Raises DiagramError (nothing written)."""
    parsed, used, problems = check_diagram(ctx.engine, content, filename, all_forms, ctx.now())
    if problems or parsed is None:
        raise DiagramError(f"{filename}: {len(problems)} problem(s); nothing deployed", problems)
    model = parsed.model
    version_hash = _version_hash(content, used)
    existing = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.process_id == model.process_id, ProcessDefinition.sha256 == version_hash
        )
    )
    if existing is not None:
        return DeployResult(existing.process_id, existing.version, created=False)
    current = session.scalar(
        select(func.max(ProcessDefinition.version)).where(ProcessDefinition.process_id == model.process_id)
    )
    definition = ProcessDefinition(
        process_id=model.process_id,
        version=(current or 0) + 1,
        name=model.name,
        description=model.description,
        category=model.category,
        start_roles=list(model.start_roles),
        start_timer=model.start_timer,
        sha256=version_hash,
        filename=filename,
        bpmn_xml=xml_text(content),
        forms=used,
        deployed_by_id=actor_id,
        deployed_at=ctx.now(),
    )
    session.add(definition)
    session.flush()
    ctx.engine.cache.put(definition.spec_key, parsed)
    return DeployResult(definition.process_id, definition.version, created=True)


def deploy_upload(
    ctx: ServiceContext, content: bytes, filename: str, extra_forms: dict[str, Any], *, actor: Actor
) -> DeployResult:
    """Deploy an uploaded diagram; forms not uploaded with it come from the latest deployed versions.
    Raises PermissionDeniedError, DiagramError."""
    if not may_own_processes(actor):
        raise PermissionDeniedError("only process owners can deploy processes")
    with ctx.db.write() as session:
        known = {**known_forms(session), **extra_forms}
        return deploy(ctx, session, content, filename, known, actor_id=actor.id)


def known_forms(session: Session) -> dict[str, Any]:
    """Every form deployed so far, the newest deployed schema of each key: a diagram may use any of them."""
    known: dict[str, Any] = {}
    for forms_of_version in session.scalars(select(ProcessDefinition.forms).order_by(ProcessDefinition.id)):
        known.update(forms_of_version or {})
    return known


def deploy_folder(ctx: ServiceContext, path: Path, *, actor_id: int | None = None) -> list[DeployResult]:
    """Deploy every diagram of a folder in one transaction: all or nothing. Raises DiagramError."""
    folder = process_folder.read_folder(path)
    if folder.problems:
        problems = [DiagramProblem(file, None, None, message) for file, message in folder.problems]
        raise DiagramError("the process folder has problems; nothing deployed", problems)
    results = []
    problems = []
    with ctx.db.write() as session:
        for filename, content in folder.diagrams.items():
            try:
                results.append(deploy(ctx, session, content, filename, folder.forms, actor_id=actor_id))
            except DiagramError as exc:
                problems.extend(exc.problems)
        if problems:
            raise DiagramError("the process folder has problems; nothing deployed", problems)
    return results


def find_latest(session: Session, process_id: str) -> ProcessDefinition | None:
    """The newest version of a process, or None when it was never deployed."""
    return session.scalar(
        select(ProcessDefinition)
        .where(ProcessDefinition.process_id == process_id)
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


def latest(session: Session, process_id: str) -> ProcessDefinition:
    """The newest version of a process. Raises NotFoundError."""
    definition = find_latest(session, process_id)
    if definition is None:
        raise NotFoundError(f"no process named {process_id!r}")
    return definition


def latest_versions(session: Session) -> list[ProcessDefinition]:
    newest = (
        select(ProcessDefinition.process_id, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.process_id)
        .subquery()
    )
    return list(
        session.scalars(
            select(ProcessDefinition)
            .join(
                newest,
                (ProcessDefinition.process_id == newest.c.process_id)
                & (ProcessDefinition.version == newest.c.version),
            )
            .order_by(ProcessDefinition.process_id)
        )
    )


def list_startable(ctx: ServiceContext, actor: Actor) -> list[ProcessSummary]:
    with ctx.db.read() as session:
        return [
            ProcessSummary(d.process_id, d.name, d.version, d.category, d.description)
            for d in latest_versions(session)
            if may_start(actor, d.start_roles)
        ]


def list_deployed(ctx: ServiceContext) -> list[ProcessSummary]:
    with ctx.db.read() as session:
        return [
            ProcessSummary(d.process_id, d.name, d.version, d.category, d.description)
            for d in latest_versions(session)
        ]
