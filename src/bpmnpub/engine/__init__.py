"""The only package that imports SpiffWorkflow.

A stateless facade: serialized state in, new state and frozen dataclasses out. It knows no Flask,
no SQLAlchemy and no wall clock (time is passed in). SpiffWorkflow exceptions are translated to
`bpmnpub.errors` here and never cross this boundary. Diagram expressions and scripts run in
`engine.sandbox`, never through eval/exec.
"""

from ..statuses import COMPLETED, REJECTED, RUNNING
from .adopt import Adopted, Foreign, adopt_diagram, foreign_in, process_name
from .bpmn_xml import lane_codes, xml_text
from .diff import DiagramDiff, ElementDiff, diff_diagrams
from .health import StateHealth, state_health
from .runtime import Engine
from .sandbox import SandboxError
from .sandbox import check_expression as check_condition
from .serialization import VERSION as STATE_VERSION
from .specs import ParsedSpec
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
    "PERSON_KINDS",
    "RECORDED_KINDS",
    "REJECTED",
    "RUNNING",
    "STATE_VERSION",
    "Adopted",
    "DiagramDiff",
    "DiagramFlow",
    "DiagramGraph",
    "DiagramNode",
    "ElementChange",
    "ElementDiff",
    "Engine",
    "Foreign",
    "MigrationPlan",
    "Operator",
    "OperatorCall",
    "Operators",
    "ParsedSpec",
    "PendingTask",
    "ProcessModel",
    "RewindTarget",
    "RunResult",
    "SandboxError",
    "StateHealth",
    "StepRecord",
    "ThrownMessage",
    "TimerDue",
    "TimerWindow",
    "UserTaskInfo",
    "WorkCalendar",
    "add_duration",
    "adopt_diagram",
    "check_condition",
    "diff_diagrams",
    "foreign_in",
    "lane_codes",
    "next_occurrence",
    "process_name",
    "rewind_targets",
    "state_health",
    "task_due_at",
    "thai_public_holidays",
    "work_calendar",
    "xml_text",
]
