"""SQLAlchemy models only. Imports nothing of bpmnpub but its own base; no engine, no Flask."""

from .audit import AdminEvent, AuditChain
from .base import Base, JSONText, UTCDateTime
from .blobs import FileBlob, FileBlobChunk, OfficeKeyRecord
from .catalogue import (
    PERIOD_RULES,
    Category,
    Duty,
    DutyTopic,
    ItaFramework,
    ItaItem,
    ItemEvent,
    ItemViewDay,
    OfficeSetting,
    category_ita_item,
)
from .content import ConfirmedOItem, FileReference, ItemChannel, PublishedItem, StoredFile
from .org import ApiToken, ClosureDay, Delegation, Group, LoginFailure, RoleAssignment, User, UserSession
from .process import (
    Comment,
    HumanTask,
    InstanceEvent,
    Notification,
    ProcessDefinition,
    ProcessDraft,
    ProcessInstance,
    ProcessSchedule,
    SavedFilter,
    TaskDraft,
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
    "ClosureDay",
    "Comment",
    "ConfirmedOItem",
    "Delegation",
    "DocumentCounter",
    "Duty",
    "DutyTopic",
    "FileBlob",
    "FileBlobChunk",
    "FileReference",
    "Group",
    "HumanTask",
    "InstanceEvent",
    "ItaFramework",
    "ItaItem",
    "ItemChannel",
    "ItemEvent",
    "ItemViewDay",
    "JSONText",
    "LoginFailure",
    "Notification",
    "OfficeKeyRecord",
    "OfficeSetting",
    "ProcessDefinition",
    "ProcessDraft",
    "ProcessInstance",
    "ProcessSchedule",
    "PublishedItem",
    "RegisteredDocument",
    "RoleAssignment",
    "SavedFilter",
    "StoredFile",
    "TaskDraft",
    "UTCDateTime",
    "User",
    "UserSession",
    "WebsiteCopy",
    "WorkerHeartbeat",
    "category_ita_item",
]
