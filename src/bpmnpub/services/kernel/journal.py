"""What one write transaction has written and read under its locks, kept with its session.

A session is one transaction (`db.write`), and an action's response is built from what that transaction
did: the steps it opened, the events it wrote (instances.action_view), the names read with the request's
lock (transition.names_of), the hash-chain heads it locked (trail). Each writer notes them here as it
goes, so the response needs no second read and no result threaded back through every layer (operators
write events too). This module is the only one that touches `session.info`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ...models import AuditChain, HumanTask, InstanceEvent

_KEY = "bpmnpub.journal"


@dataclass
class Journal:
    tasks: list[HumanTask] = field(default_factory=list)  # steps opened by this transaction
    events: list[InstanceEvent] = field(default_factory=list)  # timeline rows written by it
    # request id -> (starter's username, group code), read with the request's lock
    names: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    # Chain heads locked by this transaction, held strongly: the identity map keeps clean objects
    # weakly, and a head collected after a flush would be locked and read again for the next event.
    heads: list[AuditChain] = field(default_factory=list)

    def tasks_of(self, instance_id: int) -> list[HumanTask]:
        return [row for row in self.tasks if row.instance_id == instance_id]

    def events_of(self, instance_id: int) -> list[InstanceEvent]:
        return [event for event in self.events if event.instance_id == instance_id]


def journal(session: Session) -> Journal:
    """The journal of the session's transaction (made on first use)."""
    found = session.info.get(_KEY)
    if not isinstance(found, Journal):
        found = session.info[_KEY] = Journal()
    return found
