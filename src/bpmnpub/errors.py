"""Domain errors. They carry a stable code and details, never an HTTP status.

`bpmnpub.web.errors` is the one place that maps them to HTTP responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import field as dataclass_field
from enum import StrEnum
from typing import Any


class BpmnpubError(Exception):
    """Base of every error bpmnpub raises on purpose."""

    code = "error"

    def __init__(self, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class AuthenticationError(BpmnpubError):
    code = "unauthenticated"


class TooManyAttemptsError(BpmnpubError):
    """Too many failed sign-ins; `retry_after` says in how many seconds to try again."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, {"retry_after": retry_after})
        self.retry_after = retry_after


class PermissionDeniedError(BpmnpubError):
    code = "forbidden"


class NotFoundError(BpmnpubError):
    code = "not_found"


class Conflict(StrEnum):
    """Why an action no longer fits, as a stable code pages say in their language (never the message)."""

    TASK_DONE = "task_done"  # the step was completed already (a second submit, another tab)
    TASK_HELD = "task_held"  # someone else holds the step
    NOT_HOLDER = "not_holder"  # releasing a step one does not hold
    TASK_CLOSED = "task_closed"  # the step was cancelled or is gone from the request
    TASK_NOT_READY = "task_not_ready"  # the step is not waiting for a person (automatic, not reached)
    NOT_DRAFT = "not_draft"  # deleting a draft that has been sent meanwhile
    REQUEST_ENDED = "request_ended"  # the request is no longer running (withdrawn, deleted, ended)


class ConflictError(BpmnpubError):
    """The action no longer fits the current state (already done, held by someone else, stale write);
    `reason` says which, when a page must tell them apart."""

    code = "conflict"

    def __init__(self, message: str, details: Any = None, *, reason: Conflict | None = None) -> None:
        super().__init__(message, details)
        self.reason = reason


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field. `message` is said in Thai (the API and the logs read it); a page
    says it in its reader's language from `template` (a catalogue msgid) and `params`."""

    field: str
    message: str
    template: str | None = dataclass_field(default=None, compare=False)
    params: Mapping[str, Any] = dataclass_field(default_factory=dict, compare=False)


def N_(message: str) -> str:
    """Marks a Thai message for the catalogue (Babel extracts `N_` and `problem`'s message); a page
    translates it when it shows it."""
    return message


def problem(field: str, message: str, **params: Any) -> FieldProblem:
    """A field's problem in Thai, kept translatable: `message` may name `%(params)s`."""
    return FieldProblem(field, message % params if params else message, message, params)


class ValidationError(BpmnpubError):
    """Submitted data does not satisfy a form; `details` is a list of FieldProblem."""

    code = "validation_failed"

    def __init__(self, message: str, problems: list[FieldProblem]) -> None:
        super().__init__(message, problems)
        self.problems = problems


@dataclass(frozen=True)
class DiagramProblem:
    file: str
    element_id: str | None
    line: int | None
    message: str  # plain English; never a parser's internals
    # A stable code and its values when the web layer has its own (Thai) wording for it: engine/plain.py
    code: str = ""
    params: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


class DiagramError(BpmnpubError):
    """A BPMN file (or its forms) cannot be deployed; `problems` says where and why."""

    code = "invalid_diagram"

    def __init__(self, message: str, problems: list[DiagramProblem]) -> None:
        super().__init__(message, problems)
        self.problems = problems


class MalformedInputError(BpmnpubError):
    """Input that cannot be read at all, whatever the form: JSON nested too deeply, a number beyond what
    can be stored, NaN or Infinity (bpmnpub.jsontext)."""

    code = "bad_request"


class UploadTooLargeError(BpmnpubError):
    code = "too_large"


class QuotaExceededError(UploadTooLargeError):
    """The uploader's stored files would pass their quota; `used` and `quota` in bytes."""

    code = "quota_exceeded"

    def __init__(self, message: str, used: int, quota: int) -> None:
        super().__init__(message, {"used": used, "quota": quota})
        self.used = used
        self.quota = quota


class UnsupportedMediaTypeError(BpmnpubError):
    code = "unsupported_media_type"


class StepFailedError(BpmnpubError):
    """A step of a running workflow failed (script, condition, service operator).

    `state` is the last good serialized state to keep: the user's completed task is in it,
    the failed engine steps are not, so the step can be retried.
    """

    code = "step_failed"

    def __init__(self, message: str, task_spec: str | None, state: str) -> None:
        super().__init__(message, {"task": task_spec})
        self.task_spec = task_spec
        self.state = state
