"""Deployed diagrams, running instances, the inbox projection and the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .base import Base, JSONText, UTCDateTime
from .org import Group, User


class ProcessDefinition(Base):
    """One immutable deployed version of a process (diagram + the forms it uses)."""

    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("process_id", "version", name="uq_process_definition_process_version"),
        UniqueConstraint("process_id", "sha256", name="uq_process_definition_process_sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    process_id: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    start_roles: Mapped[list[str]] = mapped_column(JSONText, default=list)
    start_timer: Mapped[str | None] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    bpmn_xml: Mapped[str] = deferred(mapped_column(Text))
    forms: Mapped[dict[str, Any]] = deferred(mapped_column(JSONText))
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def spec_key(self) -> str:
        """The engine's cache key: what the serialized state of an instance refers to."""
        return f"{self.process_id}@{self.sha256[:16]}"


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_process_instance_status_timer", "status", "next_timer_due"),
        Index("ix_process_instance_status", "status", "id"),
        Index("ix_process_instance_started_by", "started_by_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[str | None] = mapped_column(String(128), index=True)  # projected from the request data
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"), index=True)
    # SpiffWorkflow state as TEXT (never jsonb: it reorders keys and task data is lost).
    state: Mapped[str] = deferred(mapped_column(Text))
    serializer_version: Mapped[str] = mapped_column(String(16))
    step_counts: Mapped[dict[str, int]] = mapped_column(JSONText, default=dict)
    next_timer_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error_message: Mapped[str | None] = mapped_column(Text)
    error_task: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None while the requester has not yet sent the first form: a draft, theirs alone (docs/drafts.md).
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - SQLAlchemy reads it once

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")
    started_by: Mapped[User | None] = relationship(lazy="select", foreign_keys=[started_by_id])
    group: Mapped[Group | None] = relationship(lazy="select")

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None


class HumanTask(Base):
    """The inbox projection of a user task. Listing tasks never deserializes a workflow."""

    __tablename__ = "human_task"
    __table_args__ = (
        # Covering the lane rule of permissions.actionable_clause, so an inbox is answered from the index
        # (measured: a director's inbox at 100 000 instances from 186 ms to 31 ms p50).
        Index(
            "ix_human_task_inbox",
            "status",
            "lane",
            "scope_group_id",
            "unit_id",  # the publisher lane's unit (services/requests/units.py)
            "requester_id",
            "assigned_user_id",
            "decides",
            "instance_id",
            "created_at",
            "process_id",
            "category",
            "task_spec",
            "name",
            "due_at",  # the inbox sorted by due date stays in the index (services/requests/tasks.py)
        ),
        Index("ix_human_task_assignee", "assigned_user_id", "status"),
        # The admin list's "overdue" and "waiting longer than N days" filters, and per-step statistics.
        Index("ix_human_task_open_since", "status", "created_at", "due_at", "instance_id"),
        Index("ix_human_task_stats", "instance_id", "task_spec", "created_at", "completed_at"),
        Index(
            "ix_human_task_requester_inbox",
            "requester_id",
            "status",
            "lane",
            "assigned_user_id",
            "instance_id",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), index=True
    )
    task_guid: Mapped[str] = mapped_column(String(36))
    task_spec: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(255))
    # Copied from the request so the inbox's filters are answered from the index alone.
    process_id: Mapped[str] = mapped_column(String(128), default="")
    category: Mapped[str | None] = mapped_column(String(128))
    lane: Mapped[str] = mapped_column(String(64))
    form_key: Mapped[str | None] = mapped_column(String(128))
    instructions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer, default=1)
    decides: Mapped[bool] = mapped_column(Boolean, default=False)  # its form has a `decision` field
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    scope_group_id: Mapped[int | None] = mapped_column(ForeignKey("group.id"))
    # A publisher-lane step's unit: only that unit's publishers may do it; None: the office pool
    # (services/requests/units.py decides it when the step is made). A group's id; no foreign key:
    # SQLite could only add one by copying the table (migration 0027), and groups are never deleted.
    unit_id: Mapped[int | None] = mapped_column(Integer)
    assigned_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    instance: Mapped[ProcessInstance] = relationship(lazy="select")


class InstanceEvent(Base):
    """Append-only log: who did what to an instance, with which decision and why."""

    __tablename__ = "instance_event"
    __table_args__ = (Index("ix_instance_event_stats", "instance_id", "action", "task_spec", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # acting for (รักษาราชการแทน)
    action: Mapped[str] = mapped_column(String(32))
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    task_spec: Mapped[str | None] = mapped_column(String(128))
    task_name: Mapped[str | None] = mapped_column(String(255))
    decision: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONText)
    # The hash chain of this request's events (models/chain.py), checked by `bpmnpub audit verify`.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[actor_id])


class ProcessSchedule(Base):
    """When a timer-started process (e.g. the six-monthly report) next starts by itself."""

    __tablename__ = "process_schedule"

    process_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TaskDraft(Base):
    """What one person typed into one open step's form and saved without sending it (by the button or
    the page's autosave). Deleted when the step is completed or cancelled."""

    __tablename__ = "task_draft"

    task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSONText)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SavedFilter(Base):
    """An inbox view one person saved under a name of their own (its view, sort, search and filters
    as the inbox's query arguments); private to them (services/requests/saved_filters.py)."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_filter_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict[str, str]] = mapped_column(JSONText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Comment(Base):
    """One thread per request, across every step and round."""

    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """An in-app notice: a task arrived, a request came back for revision, was decided or published.

    It is also the e-mail outbox (services/office/mail.py): `mail_state` None means "not mailed yet"; the
    worker claims due rows, sends them outside any transaction and records the outcome."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at"),
        Index("ix_notification_mail", "mail_state", "mail_next_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id", ondelete="SET NULL"))
    mail_state: Mapped[str | None] = mapped_column(String(16))  # sent / digest / skipped / failed
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mail_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # not before (backoff)
    mail_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a worker is sending it
    mail_error: Mapped[str | None] = mapped_column(String(500))

    human_task: Mapped[HumanTask | None] = relationship(lazy="select")


class ProcessDraft(Base):
    """A process owner's unsaved-to-production work on a diagram: one shared draft per process.

    Saving a draft checks nothing; deploying it validates exactly as `bpmnpub processes check` does and
    creates an immutable ProcessDefinition. `base_version` is the version the draft was opened from, so a
    deploy can warn when someone else deployed in between.
    """

    __tablename__ = "process_draft"

    process_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSONText, default=dict)  # form key -> JSON Schema
    base_version: Mapped[int | None] = mapped_column(Integer)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
