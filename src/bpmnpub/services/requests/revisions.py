"""Rounds of a request and what changed between them.

The content of a request is what its requester submits: the request as filed, and each revision after
a send-back. Every requester step's submission is recorded on its `task_completed` event
(`details["submitted"]`, written by `tasks.complete_task`), so the request as it stood at any moment can
be rebuilt from the event log.

A **round** opens with a requester's submission. An endorsement (a reviewer's decision) belongs to the
content of its round: once the content is revised, the diagrams send the request back through every
earlier endorser (docs/authoring-processes.md), and the memo prints only the decisions made after the
latest submission (`round_start`). A re-reviewer sees what changed since they last decided
(`changes_for`): field by field, files added and removed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...forms import FILE_ID
from ...models import HumanTask, InstanceEvent, ProcessDefinition, ProcessInstance, StoredFile
from ..files import storage
from .request_data import Field, describe

CONTENT_LANE = "requester"  # the lane whose submissions are the request's content


@dataclass(frozen=True)
class FileChange:
    id: str
    filename: str


@dataclass(frozen=True)
class FieldChange:
    """One field of the request that a revision changed: its Thai label, its value before and after
    (display values, request_data) and, for a file field, the files added and removed."""

    key: str
    label: str
    old: Field | None  # None: the field was empty
    new: Field | None
    added: tuple[FileChange, ...] = ()
    removed: tuple[FileChange, ...] = ()

    @property
    def files_only(self) -> bool:
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class Changes:
    """What changed in a request since the reader last decided on this step."""

    since: datetime  # when the reader last decided
    decision: str | None  # what they decided then
    fields: tuple[FieldChange, ...]
    revisions: int  # how many submissions came after their decision
    complete: bool  # False: a submission before this version of bpmnpub was not recorded


def submission_of(task: HumanTask, cleaned: dict[str, Any]) -> dict[str, Any] | None:
    """What `complete_task` records of a submission: the content a requester step sent, else nothing."""
    return dict(cleaned) if task.lane == CONTENT_LANE else None


def round_start(session: Session, instance_id: int, until_event_id: int | None = None) -> int:
    """The id of the event that opened the request's current round (the latest requester submission up
    to `until_event_id`); 0 when there is none. Decisions after it endorse the content as it stands."""
    stmt = (
        select(InstanceEvent.id)
        .join(HumanTask, HumanTask.id == InstanceEvent.human_task_id)
        .where(
            InstanceEvent.instance_id == instance_id,
            InstanceEvent.action == "task_completed",
            HumanTask.lane == CONTENT_LANE,
        )
        .order_by(InstanceEvent.id.desc())
        .limit(1)
    )
    if until_event_id is not None:
        stmt = stmt.where(InstanceEvent.id <= until_event_id)
    return session.scalar(stmt) or 0


def changes_for(session: Session, instance: ProcessInstance, task: HumanTask) -> Changes | None:
    """What changed in the request's content since the holder's step was last decided; None in the
    step's first round, on a requester's own step, or when nothing was submitted since."""
    if task.lane == CONTENT_LANE or not task.task_spec:
        return None
    last = session.execute(
        select(InstanceEvent.id, InstanceEvent.at, InstanceEvent.decision)
        .where(
            InstanceEvent.instance_id == instance.id,
            InstanceEvent.action == "task_completed",
            InstanceEvent.task_spec == task.task_spec,
            InstanceEvent.human_task_id != task.id,
        )
        .order_by(InstanceEvent.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return None
    rows = session.execute(
        select(InstanceEvent.id, InstanceEvent.details)
        .join(HumanTask, HumanTask.id == InstanceEvent.human_task_id)
        .where(
            InstanceEvent.instance_id == instance.id,
            InstanceEvent.action == "task_completed",
            HumanTask.lane == CONTENT_LANE,
        )
        .order_by(InstanceEvent.id)
    ).all()
    after = [details for event_id, details in rows if event_id > last.id]
    if not after:
        return None
    before_subs = [details for event_id, details in rows if event_id < last.id]
    complete = all(isinstance(d, dict) and "submitted" in d for d in before_subs + after)
    old = _fold(before_subs)
    new = _fold(before_subs + after)
    forms = session.scalar(
        select(ProcessDefinition.forms).where(ProcessDefinition.id == instance.definition_id)
    )
    return Changes(
        since=last.at,
        decision=last.decision,
        fields=tuple(diff(session, forms or {}, old, new)),
        revisions=len(after),
        complete=complete,
    )


def diff(
    session: Session, forms: dict[str, Any], old: dict[str, Any], new: dict[str, Any]
) -> list[FieldChange]:
    """The fields whose value differs between two states of a request's content, in the order of the
    newer one (fields emptied last). Keys no form names (system keys) are left out."""
    props = _props(forms)
    keys = [k for k in new if k in props] + [k for k in old if k in props and k not in new]
    changed = [k for k in keys if _blank(old.get(k)) != _blank(new.get(k))]
    if not changed:
        return []
    ids = set()
    for key in changed:
        ids |= set(_file_ids(old.get(key))) | set(_file_ids(new.get(key)))
    names = _filenames(session, ids)
    shown_old = _described(session, forms, {k: old.get(k) for k in changed}, ids)
    shown_new = _described(session, forms, {k: new.get(k) for k in changed}, ids)
    out = []
    for key in changed:
        before, after = _file_ids(old.get(key)), _file_ids(new.get(key))
        added = tuple(FileChange(i, names.get(i, i)) for i in after if i not in before)
        removed = tuple(FileChange(i, names.get(i, i)) for i in before if i not in after)
        out.append(
            FieldChange(
                key,
                str(props[key].get("title") or key),
                shown_old.get(key),
                shown_new.get(key),
                added,
                removed,
            )
        )
    return out


def _fold(submissions: Iterable[Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for details in submissions:
        if isinstance(details, dict) and isinstance(details.get("submitted"), dict):
            state.update(details["submitted"])
    return state


def _blank(value: Any) -> Any:
    return None if value in (None, "", [], {}) else value


def _props(forms: dict[str, Any]) -> dict[str, dict[str, Any]]:
    props: dict[str, dict[str, Any]] = {}
    for schema in forms.values():
        for name, prop in ((schema or {}).get("properties") or {}).items():
            if isinstance(prop, dict) and name not in ("decision", "comment"):
                props.setdefault(name, prop)
    return props


def _file_ids(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if FILE_ID.match(value) else []
    if isinstance(value, list):
        return [i for v in value for i in _file_ids(v)]
    if isinstance(value, dict):
        return [i for v in value.values() for i in _file_ids(v)]
    return []


def _filenames(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(select(StoredFile.id, StoredFile.filename).where(StoredFile.id.in_(sorted(ids))))
    return {i: storage.clean_name(name) for i, name in rows}


def _described(
    session: Session, forms: dict[str, Any], data: dict[str, Any], ids: set[str]
) -> dict[str, Field]:
    return {f.key: f for f in describe(session, forms, data, files=ids)}
