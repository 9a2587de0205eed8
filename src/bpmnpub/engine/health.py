"""What a saved state is waiting for, so the consistency check can tell waiting from stalled."""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.util.task import TaskState

from .scripting import SafeScriptEngine
from .specs import ParsedSpec
from .stepping import NO_TIME, restore_workflow


@dataclass(frozen=True)
class StateHealth:
    """One saved state read without running anything."""

    ready_user_tasks: frozenset[str]  # task guids a person can complete now
    waiting_events: int  # timers, messages and signals the state waits for
    waiting_timers: int
    ready_automatic: int  # automatic steps that are ready but did not run (a step failed or was cut)
    completed: bool


def state_health(parsed: ParsedSpec, state: str) -> StateHealth:
    """Raises DiagramError when the state cannot be read with this version's spec."""
    workflow = restore_workflow(parsed, state, SafeScriptEngine({}, NO_TIME))
    ready = workflow.get_tasks(state=TaskState.READY)
    waiting = workflow.waiting_events()
    return StateHealth(
        ready_user_tasks=frozenset(str(t.id) for t in ready if t.task_spec.manual),
        waiting_events=len(waiting),
        waiting_timers=sum(1 for e in waiting if e.event_type.endswith("TimerEventDefinition")),
        ready_automatic=sum(1 for t in ready if not t.task_spec.manual),
        completed=bool(workflow.is_completed()),
    )
