"""Domain errors. They carry a stable code and details, never an HTTP status.

`bpmnpub.web.errors` is the one place that maps them to HTTP responses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


class ConflictError(BpmnpubError):
    """The action no longer fits the current state (already done, held by someone else, stale write)."""

    code = "conflict"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


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
