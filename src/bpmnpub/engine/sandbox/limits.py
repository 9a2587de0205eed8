"""Values and limits: which values are plain data, the MAX_* limits, and the size and work accounting.

A :class:`Frame` carries one call's names and its remaining work budget; :func:`size` measures a value
against a limit without building anything.  Everything here raises :class:`~.errors.Fail`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import Fail

MAX_SOURCE_LENGTH = 10_000
MAX_DEPTH = 50
MAX_STRING_LENGTH = 100_000
MAX_ITEMS = 10_000
MAX_INT = 10**100
MAX_VALUE_SIZE = 1_000_000
MAX_WORK = 5_000_000

SCALARS = frozenset({str, int, float, bool, type(None)})
CONTAINERS = frozenset({list, tuple, dict, set})
PLAIN = SCALARS | CONTAINERS
CHARGED = CONTAINERS | {str}
_NUMBERS = frozenset({int, float, bool, type(None)})
_CONTAINER_COST = 8  # walking or copying a nested container costs about as much as 8 items inside one
_NO_EXTRA: dict[str, Any] = {}
TOO_MUCH_WORK = f"evaluation needs too much work (more than {MAX_WORK:,} units)"
TOO_LARGE = f"value too large (more than {MAX_VALUE_SIZE:,} units; a self-referential value is infinite)"


def size(value: Any, limit: int, what: str) -> int:
    """Work units of walking *value*: 1 per item, plus string lengths, plus _CONTAINER_COST per container.

    Shared parts count each time they are reached (so a self-referential value is infinite); Fail beyond
    *limit*.  Flat groups of items are classified with ``set(map(type, ...))``, which runs at C speed.
    """
    kind = type(value)
    if kind is str:
        return len(value) + 1
    if kind in SCALARS:
        return 1
    if kind not in CONTAINERS:
        raise Fail(f"values of type {kind.__name__} are not allowed")
    total, stack = _CONTAINER_COST, [value]
    while stack:
        item = stack.pop()
        for group in (item, item.values()) if type(item) is dict else (item,):
            total += len(group)
            if total > limit:
                raise Fail(what)
            kinds = set(map(type, group))
            if kinds <= _NUMBERS:
                continue
            if not kinds <= PLAIN:
                raise Fail(f"values of type {min(k.__name__ for k in kinds - PLAIN)} are not allowed")
            if str in kinds:
                total += sum([len(c) for c in group if type(c) is str])
            if not kinds.isdisjoint(CONTAINERS):
                nested = [c for c in group if type(c) in CONTAINERS]
                total += _CONTAINER_COST * len(nested)
                stack.extend(nested)
        if total > limit:
            raise Fail(what)
    return total


def _copy(value: Any) -> Any:
    """Deep copy of plain data (dict keys and set items are hashable, hence immutable)."""
    kind = type(value)
    if kind is list:
        return [v if type(v) in SCALARS else _copy(v) for v in value]
    if kind is dict:
        return {k: v if type(v) in SCALARS else _copy(v) for k, v in value.items()}
    if kind is tuple:
        return tuple([v if type(v) in SCALARS else _copy(v) for v in value])
    return set(value) if kind is set else value


def check_result(value: Any) -> Any:
    """*value*, unless it is a too long string, a too large integer or not plain data."""
    kind = type(value)
    if kind is str and len(value) > MAX_STRING_LENGTH:
        raise Fail(f"string result longer than {MAX_STRING_LENGTH:,} characters")
    if kind is int and not -MAX_INT <= value <= MAX_INT:
        raise Fail("integer result larger than 10**100")
    if kind not in PLAIN:
        raise Fail(f"values of type {kind.__name__} are not allowed")
    return value


class Frame:
    """Per-call state: the names and the remaining work budget."""

    __slots__ = ("data", "extra", "work")

    def __init__(self, data: Mapping[str, Any], extra: Mapping[str, Any] | None) -> None:
        self.data, self.extra, self.work = data, _NO_EXTRA if extra is None else extra, MAX_WORK

    def charge(self, value: Any) -> None:
        """Count the work of an operation that walks *value* (comparison, hashing, conversion, ...)."""
        kind = type(value)
        if kind is str:
            self.work -= len(value)
            if self.work < 0:
                raise Fail(TOO_MUCH_WORK)
        elif kind in CONTAINERS:
            self.work -= size(value, self.work, TOO_MUCH_WORK)

    def produce(self, value: Any) -> Any:
        """Check the size of a newly built container and count it as work."""
        if type(value) in CONTAINERS:
            limit = min(MAX_VALUE_SIZE, self.work)
            self.work -= size(value, limit, TOO_LARGE if limit == MAX_VALUE_SIZE else TOO_MUCH_WORK)
        return value

    def store(self, value: Any) -> Any:
        """Fresh, acyclic copy of *value* (assignments and results have value semantics)."""
        if type(value) is str:
            self.charge(value)
        return _copy(self.produce(value)) if type(value) in CONTAINERS else value
