"""JSON text from outside (request bodies, uploaded form files, values an admin types), read within bounds.

Python's own reader accepts what the rest of bpmnpub cannot carry: nesting deep enough to exhaust the
recursion limit of every later step (validation, copying, serializing), integers of thousands of digits
that no database column holds, `NaN` and `Infinity` (not JSON, and not comparable), floats that overflow
to infinity, and text holding NUL (PostgreSQL stores no such text). `loads` refuses each of them with a
`MalformedInputError` (HTTP 400) naming the limit, and text that is not JSON with a `ValidationError`.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import FieldProblem, MalformedInputError, ValidationError

MAX_DEPTH = 32  # the deepest shipped form (rows of objects in an object) is 4; a JSON Schema about 10
MAX_INTEGER = 2**63 - 1  # a signed 64-bit integer: the widest integer column of SQLite and PostgreSQL
NUL = "\x00"
MAX_DIGITS = 40  # read no more than this before refusing (int() of a long digit string is quadratic)


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS or abs(value := int(text)) > MAX_INTEGER:
        raise MalformedInputError(
            f"a number is too large (at most {MAX_INTEGER} either side of zero)",
            {"limit": MAX_INTEGER},
        )
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise MalformedInputError("a number is too large to be represented", {"value": text[:40]})
    return value


def _constant(name: str) -> Any:
    raise MalformedInputError(f"{name} is not a JSON number", {"value": name})


def depth(value: Any) -> int:
    """How deeply lists and objects nest in `value` (a scalar is 0), without recursion.
    Raises MalformedInputError for text holding a NUL character (no database text column stores it)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
            if any(NUL in key for key in item):
                raise _nul()
        elif isinstance(item, list):
            children = item
        else:
            if isinstance(item, str) and NUL in item:
                raise _nul()
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _nul() -> MalformedInputError:
    return MalformedInputError("text may not contain the NUL character (\\u0000)", {"value": "\\u0000"})


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, field: str = "") -> Any:
    """The value of a JSON text, within bounds.
    Raises ValidationError (not JSON), MalformedInputError (too deep, a number out of range)."""
    try:
        value = json.loads(text, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except RecursionError as exc:  # the C reader gives up this way on very deep nesting
        raise _too_deep(max_depth) from exc
    except ValueError as exc:  # JSONDecodeError, bad bytes (UnicodeDecodeError is a ValueError)
        raise ValidationError("the body is not valid JSON", [FieldProblem(field, str(exc))]) from exc
    if depth(value) > max_depth:
        raise _too_deep(max_depth)
    return value


def _too_deep(max_depth: int) -> MalformedInputError:
    return MalformedInputError(
        f"the JSON nests too deeply (at most {max_depth} levels of lists and objects)", {"limit": max_depth}
    )
