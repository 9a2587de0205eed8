"""SQLAlchemy models only. Imports nothing of bpmnpub but its own base; no engine, no Flask."""

from .audit import AdminEvent, AuditChain
from .base import Base, JSONText, UTCDateTime
from .catalogue import (
    PERIOD_RULES,
    Category,
    ItaFramework,
    ItaItem,
    ItemEvent,
    ItemViewDay,
    OfficeSetting,
    category_ita_item,
)
from .content import ConfirmedOItem, PublishedItem, StoredFile
from .org import ApiToken, Delegation, Group, LoginFailure, RoleAssignment, User, UserSession
from .process import (
    Comment,
    HumanTask,
    InstanceEvent,
    Notification,
    ProcessDefinition,
    ProcessDraft,
    ProcessInstance,
    ProcessSchedule,
)
from .register import DocumentCounter, RegisteredDocument
from .website import WebsiteCopy
from .worker import WorkerHeartbeat

__all__ = [
    "PERIOD_RULES",
    "AdminEvent",
    "ApiToken",
    "AuditChain",
    "Base",
    "Category",
    "Comment",
    "ConfirmedOItem",
    "Delegation",
    "DocumentCounter",
    "Group",
    "HumanTask",
    "InstanceEvent",
    "ItaFramework",
    "ItaItem",
    "ItemEvent",
    "ItemViewDay",
    "JSONText",
    "LoginFailure",
    "Notification",
    "OfficeSetting",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "ProcessSchedule",
    "PublishedItem",
    "RegisteredDocument",
    "RoleAssignment",
    "StoredFile",
    "UTCDateTime",
    "User",
    "UserSession",
    "WebsiteCopy",
    "WorkerHeartbeat",
    "category_ita_item",
]
