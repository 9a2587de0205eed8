"""The interpreter: run a checked program in a fresh :class:`~.limits.Frame` and report failures.

This is the API boundary of evaluation: run-time failures and Python runtime errors become
:class:`~.errors.ExpressionError` with the (shortened) source in the message, and container results are
fresh copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .checker import Program, compile_source, program
from .errors import RUNTIME_ERRORS, ExpressionError, Fail, UnsafeCodeError, describe
from .limits import CONTAINERS, Frame


def _run(program: Program, source: str, fr: Frame) -> Any:
    try:
        result = program.run(fr)
        return fr.store(result) if type(result) in CONTAINERS else result
    except Fail as exc:
        message, pos = exc.message, exc.pos
    except RUNTIME_ERRORS as exc:
        message, pos = describe(exc), (None, None)
    snippet = " ".join(source.split())
    snippet = snippet if len(snippet) <= 120 else snippet[:117] + "..."
    raise ExpressionError(f"{message} (while evaluating {snippet!r})", *pos)


def evaluate(source: str, data: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> Any:
    """Check and evaluate expression *source*; names come from *extra* (first) and then *data*."""
    if not isinstance(source, str):
        raise UnsafeCodeError(f"source must be a string, not {type(source).__name__}")
    return _run(compile_source(source, "eval"), source, Frame(data, extra))


def execute(source: str, data: dict[str, Any], extra: Mapping[str, Any] | None = None) -> None:
    """Check and run script *source*; assignments write copies into *data*; names in *extra* are read-only."""
    _run(program(source, "exec"), source, Frame(data, extra))
