"""SQLAlchemy models only. Imports nothing of bpmnpub but its own base; no engine, no Flask."""

from .base import Base, JSONText, UTCDateTime
from .content import PublishedItem, StoredFile
from .org import ApiToken, Delegation, Group, LoginFailure, RoleAssignment, User
from .process import (
    Comment,
    HumanTask,
    InstanceEvent,
    Notification,
    ProcessDefinition,
    ProcessInstance,
    ProcessSchedule,
)

__all__ = [
    "ApiToken",
    "Base",
    "Comment",
    "Delegation",
    "Group",
    "HumanTask",
    "InstanceEvent",
    "JSONText",
    "LoginFailure",
    "Notification",
    "ProcessDefinition",
    "ProcessInstance",
    "ProcessSchedule",
    "PublishedItem",
    "RoleAssignment",
    "StoredFile",
    "UTCDateTime",
    "User",
]
