"""Errors of the sandbox: the public SandboxError family, and the internal run-time failure behind it."""

from __future__ import annotations

from typing import Any

Pos = tuple[int | None, int | None]

# Python exceptions that evaluation turns into ExpressionError (anything else is a bug and propagates).
RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, LookupError, RecursionError)


class SandboxError(Exception):
    """Base class: ``message`` (English), ``lineno`` and ``col`` (1-based, or None)."""

    __module__ = "bpmnpub.engine.sandbox"  # the public home: reprs, tracebacks and pickles name it

    def __init__(self, message: str, lineno: int | None = None, col: int | None = None) -> None:
        super().__init__(message, lineno, col)
        self.message, self.lineno, self.col = message, lineno, col

    def __str__(self) -> str:
        if self.lineno is None:
            return self.message
        return f"{self.message} (line {self.lineno}" + (f", column {self.col})" if self.col else ")")


class UnsafeCodeError(SandboxError):
    """The source was rejected by the checker (including invalid syntax)."""

    __module__ = "bpmnpub.engine.sandbox"


class ExpressionError(SandboxError):
    """Evaluation failed: unknown name, bad types, division by zero, missing key, a limit, ..."""

    __module__ = "bpmnpub.engine.sandbox"


class Fail(Exception):
    """Runtime failure; turned into ExpressionError (with the source) at the API boundary."""

    def __init__(self, message: str, pos: Pos = (None, None)) -> None:
        super().__init__(message)
        self.message, self.pos = message, pos


def short(value: Any) -> str:
    """*value* for an error message: its repr, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe(exc: BaseException) -> str:
    """The message of a Python runtime error, as the author of the expression should read it."""
    if isinstance(exc, KeyError):
        return f"key {short(exc.args[0]) if exc.args else '?'} not found"
    if isinstance(exc, RecursionError):
        return "value nested too deeply"
    return str(exc) or type(exc).__name__
