"""SQLAlchemy models only. Imports nothing of bpmnpub but its own base; no engine, no Flask."""

from .base import Base, JSONText, UTCDateTime
from .content import PublishedItem, StoredFile
from .org import ApiToken, Group, LoginFailure, RoleAssignment, User
from .process import HumanTask, InstanceEvent, ProcessDefinition, ProcessInstance, ProcessSchedule

__all__ = [
    "ApiToken",
    "Base",
    "Group",
    "HumanTask",
    "InstanceEvent",
    "JSONText",
    "LoginFailure",
    "ProcessDefinition",
    "ProcessInstance",
    "ProcessSchedule",
    "PublishedItem",
    "RoleAssignment",
    "StoredFile",
    "UTCDateTime",
    "User",
]
