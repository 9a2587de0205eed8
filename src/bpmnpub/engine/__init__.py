"""The only package that imports SpiffWorkflow.

A stateless facade: serialized state in, new state and frozen dataclasses out. It knows no Flask,
no SQLAlchemy and no wall clock (time is passed in). SpiffWorkflow exceptions are translated to
`bpmnpub.errors` here and never cross this boundary. Diagram expressions and scripts run in
`engine.sandbox`, never through eval/exec.
"""

from .diff import DiagramDiff, ElementDiff, diff_diagrams
from .health import StateHealth, state_health
from .runtime import Engine
from .serialization import VERSION as STATE_VERSION
from .specs import ParsedSpec, xml_text
from .steering import (
    PERSON_KINDS,
    RECORDED_KINDS,
    DiagramFlow,
    DiagramGraph,
    DiagramNode,
    ElementChange,
    MigrationPlan,
    RewindTarget,
    rewind_targets,
)
from .timer_window import TimerWindow
from .timers import add_duration, next_occurrence
from .types import (
    COMPLETED,
    KNOWN_OPERATORS,
    REJECTED,
    RUNNING,
    Operator,
    OperatorCall,
    Operators,
    PendingTask,
    ProcessModel,
    RunResult,
    StepRecord,
    ThrownMessage,
    TimerDue,
    UserTaskInfo,
)
from .workdays import WorkCalendar, task_due_at, thai_public_holidays, work_calendar

__all__ = [
    "COMPLETED",
    "KNOWN_OPERATORS",
    "PERSON_KINDS",
    "RECORDED_KINDS",
    "REJECTED",
    "RUNNING",
    "STATE_VERSION",
    "DiagramDiff",
    "DiagramFlow",
    "DiagramGraph",
    "DiagramNode",
    "ElementChange",
    "ElementDiff",
    "Engine",
    "MigrationPlan",
    "Operator",
    "OperatorCall",
    "Operators",
    "ParsedSpec",
    "PendingTask",
    "ProcessModel",
    "RewindTarget",
    "RunResult",
    "StateHealth",
    "StepRecord",
    "ThrownMessage",
    "TimerDue",
    "TimerWindow",
    "UserTaskInfo",
    "WorkCalendar",
    "add_duration",
    "diff_diagrams",
    "next_occurrence",
    "rewind_targets",
    "state_health",
    "task_due_at",
    "thai_public_holidays",
    "work_calendar",
    "xml_text",
]
