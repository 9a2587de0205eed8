"""The one vocabulary of statuses: a request's (`process_instance.status`), a step's (`human_task.status`),
and what an administrator may do to a request in each of its statuses.

The engine, the permission rules, the services and the pages all read them from here; the pages say
them in words (`templates/_macros/status.html`)."""

from __future__ import annotations

# A request. "running" and the two ends come from the engine; the rest from people.
RUNNING = "running"
COMPLETED = "completed"
REJECTED = "rejected"
SUSPENDED = "suspended"
TERMINATED = "terminated"
ERROR = "error"
INSTANCE_STATUSES = (RUNNING, COMPLETED, REJECTED, SUSPENDED, TERMINATED, ERROR)
# Not yet ended: the request still lives on its version and may be steered.
LIVE_STATUSES = (RUNNING, SUSPENDED, ERROR)

# A step (a row of the inbox projection).
READY = "ready"
CLAIMED = "claimed"
DONE = "completed"
CANCELLED = "cancelled"
OPEN_STATUSES = (READY, CLAIMED)

# What an administrator may do to a request, by its status: the services refuse anything else
# (ConflictError) and the admin's request page offers exactly these.
ADMIN_ACTIONS: dict[str, tuple[str, ...]] = {
    "suspend": (RUNNING,),
    "resume": (SUSPENDED,),
    "retry": (ERROR,),
    "rewind": (RUNNING, ERROR),
    "reassign": (RUNNING, SUSPENDED),
    "migrate": (RUNNING, SUSPENDED),
    "terminate": LIVE_STATUSES,
    "correct": LIVE_STATUSES,
}


def admin_actions(status: str) -> frozenset[str]:
    """The administrator's actions a request in `status` allows."""
    return frozenset(action for action, allowed in ADMIN_ACTIONS.items() if status in allowed)
