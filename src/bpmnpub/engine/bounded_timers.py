"""SpiffWorkflow's timer events, bounded: every value is checked against the `TimerWindow` when it is
evaluated (literals were checked at deploy; values from data are checked here), and due times are
computed in constant time (`durations`), never by SpiffWorkflow's month loop.

`bound_timers` swaps them into a parsed spec, as `specs.connect_loop_merges` mends loops: the
parser stays stock. The class names keep SpiffWorkflow's ending `TimerEventDefinition`, which is how
`stepping.run_result` recognises timers among waiting events.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.util.task import TaskState

from .clock import timer_now
from .durations import TimerValueError
from .timer_window import TimerWindow


class TimerOutOfWindowError(WorkflowTaskException):  # type: ignore[misc]
    """A timer value from data that is invalid or outside the window; `thai` is the reason to record."""

    def __init__(self, task: Any, error: TimerValueError) -> None:
        super().__init__(error.message, task=task, exception=error)
        self.thai = error.thai


_ENDLESS_ZERO = TimerValueError(
    "the cycle repeats every 0 s without end", "รอบการทำซ้ำมีช่วงห่างเป็นศูนย์และไม่มีที่สิ้นสุด"
)


# A refused value is noted on its task, not raised: SpiffWorkflow evaluates a timer while the task
# before it runs (a person's task), and an exception there would lose that person's work. The engine
# raises it after the step (`refused_timer`), with the usual "their task done, nothing after" state.
_REFUSED = "bpmnpub_refused_timer"


def _refuse(my_task: Any, error: TimerValueError) -> bool:
    my_task._set_internal_data(**{_REFUSED: {"message": error.message, "thai": error.thai}})
    return False


def refused_timer(workflow: Any) -> TimerOutOfWindowError | None:
    """The error of the first waiting timer whose value was refused, if any."""
    for task in workflow.get_tasks(state=TaskState.WAITING):
        refused = task.internal_data.get(_REFUSED)
        if refused:
            return TimerOutOfWindowError(task, TimerValueError(refused["message"], refused["thai"]))
    return None


class _Bounded:
    window: TimerWindow

    def _value(self, my_task: Any) -> Any:
        expression = self.expression  # type: ignore[attr-defined]
        return my_task.workflow.script_engine.evaluate(my_task, expression)


class _BoundedDue(_Bounded):
    """A timer that fires once at a due time, computed when it is first reached."""

    def _due(self, value: Any, now: datetime) -> datetime:
        raise NotImplementedError

    def has_fired(self, my_task: Any) -> bool:
        now = timer_now()
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            try:
                due = self._due(self._value(my_task), now)
            except TimerValueError as exc:
                return _refuse(my_task, exc)
            my_task.internal_data.pop(_REFUSED, None)
            event_value = due.isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) < now:
            my_task._set_internal_data(event_fired=True)
        return bool(my_task._get_internal_data("event_fired", False))


class BoundedDurationTimerEventDefinition(_BoundedDue, DurationTimerEventDefinition):  # type: ignore[misc]
    def _due(self, value: Any, now: datetime) -> datetime:
        return now + self.window.duration(value, now)


class BoundedTimeDateTimerEventDefinition(_BoundedDue, TimeDateEventDefinition):  # type: ignore[misc]
    def _due(self, value: Any, now: datetime) -> datetime:
        return self.window.date(value, now)


class BoundedCycleTimerEventDefinition(_Bounded, CycleTimerEventDefinition):  # type: ignore[misc]
    endless: bool = False

    def cycle_complete(self, my_task: Any) -> bool:
        now = timer_now()
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            try:
                cycle = self.window.cycle(self._value(my_task), now, endless=self.endless)
            except TimerValueError as exc:
                return _refuse(my_task, exc)
            my_task.internal_data.pop(_REFUSED, None)
            event_value = {
                "cycles": cycle.repeats,
                "next": cycle.first.isoformat(),
                "duration": cycle.every.total_seconds(),
            }
        ready = False
        if event_value["cycles"] != 0:
            next_event = datetime.fromisoformat(event_value["next"])
            if next_event < now:
                # Every occurrence already past fires once, together: a worker that was down for a
                # day must not replay a day of cycles one engine pass after another.
                period = float(event_value["duration"])
                if period <= 0 and event_value["cycles"] < 0:
                    # Only a state saved before these bounds holds this (R/PT0S): it fired on every pass.
                    return _refuse(my_task, _ENDLESS_ZERO)
                missed = 1 if period <= 0 else max(1, math.ceil((now - next_event).total_seconds() / period))
                if event_value["cycles"] > 0:
                    missed = min(missed, event_value["cycles"])
                event_value["next"] = (next_event + timedelta(seconds=period * missed)).isoformat()
                event_value["cycles"] -= missed
                ready = True
        else:
            my_task.internal_data.pop("event_value", None)
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=event_value)
        return ready


_BOUNDED: dict[type, type] = {
    DurationTimerEventDefinition: BoundedDurationTimerEventDefinition,
    TimeDateEventDefinition: BoundedTimeDateTimerEventDefinition,
    CycleTimerEventDefinition: BoundedCycleTimerEventDefinition,
}


def bound_timers(process_spec: Any, window: TimerWindow) -> None:
    """Replace the stock timer event definitions of a parsed process spec by the bounded ones."""
    for task_spec in process_spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if definition is None:
            continue
        # A start event's cycle is the scheduler's (engine/timers.next_occurrence): it may repeat
        # without end. Anywhere else every firing adds a branch to the instance: it must end.
        endless = isinstance(task_spec, StartEvent)
        if isinstance(definition, MultipleEventDefinition):
            definition.event_definitions = [
                _bounded(d, window, endless) for d in definition.event_definitions
            ]
        else:
            task_spec.event_definition = _bounded(definition, window, endless)


def _bounded(definition: Any, window: TimerWindow, endless: bool) -> Any:
    bounded_class = _BOUNDED.get(type(definition))
    if bounded_class is None:
        return definition
    bounded = bounded_class(definition.name, definition.expression, description=definition.description)
    bounded.window = window
    if isinstance(bounded, BoundedCycleTimerEventDefinition):
        bounded.endless = endless
    return bounded
