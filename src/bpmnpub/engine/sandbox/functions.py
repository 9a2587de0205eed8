"""The allow-listed functions: :data:`ALLOWED_FUNCTIONS`, the only callables an expression can reach.

They raise TypeError/ValueError for bad arguments, which the interpreter reports as ExpressionError.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from .errors import short
from .limits import MAX_STRING_LENGTH

_STR = (str,)
_NUMBER = (int, float, bool)


def _need(value: Any, kinds: tuple[type, ...], func: str, what: str = "a string") -> Any:
    if type(value) not in kinds:
        raise TypeError(f"{func}() expects {what}, not {type(value).__name__}")
    return value


def _get(container: Any, key: Any, default: Any = None) -> Any:
    kind = type(container)
    if container is None:
        return default
    if kind is dict:
        try:
            return container.get(key, default)
        except TypeError:  # unhashable key
            return default
    if kind in (list, tuple, str):
        return container[key] if type(key) is int and -len(container) <= key < len(container) else default
    raise TypeError(f"get() expects a dict, list, tuple, string or None, not {kind.__name__}")


def _join(sep: Any, items: Any) -> str:
    items = _need(items, (list, tuple), "join", "a list of strings")
    parts = [_need(part, _STR, "join", "a list of strings") for part in items]
    if sum(map(len, parts)) + len(_need(sep, _STR, "join")) * max(len(parts) - 1, 0) > MAX_STRING_LENGTH:
        raise ValueError(f"result would be longer than {MAX_STRING_LENGTH:,} characters")
    return str(sep).join(parts)


def _sum(items: Any, start: Any = 0) -> Any:
    values = [start, *_need(items, (list, tuple, set), "sum", "a list of numbers")]
    return sum(_need(value, _NUMBER, "sum", "numbers") for value in values)


def _round(number: Any, ndigits: Any = None) -> Any:
    _need(number, _NUMBER, "round", "a number")
    if ndigits is None:
        return round(number)
    if not -100 <= _need(ndigits, (int,), "round", "an integer ndigits") <= 100:
        raise ValueError("ndigits must be between -100 and 100")
    return round(number, ndigits)


def _sorted(items: Iterable[Any], *, reverse: bool = False) -> list[Any]:
    return sorted(items, reverse=bool(reverse))


def _contains(container: Any, item: Any) -> bool:
    if container is None:
        return False
    return item in _need(container, (str, list, tuple, dict, set), "contains", "a string or container")


def _count(items: Any, value: Any) -> int:
    return int(_need(items, (list, tuple, str), "count", "a list, tuple or string").count(value))


def _keys(mapping: Any) -> list[Any]:
    return sorted(_need(mapping, (dict,), "keys", "a dict"))


def _values(mapping: Any) -> list[Any]:
    return [mapping[key] for key in _keys(mapping)]


def _date_part(iso: Any, part: Any) -> int:
    moment = datetime.fromisoformat(_need(iso, _STR, "date_part").strip())
    parts = {"year": moment.year, "month": moment.month, "day": moment.day}
    if part not in parts:
        raise ValueError(f"part must be 'year', 'month' or 'day', not {short(part)}")
    return parts[part]


def _working_days(days: Any, start: Any = None) -> str:
    """The close (16:30 Bangkok) of the `days`-th working day after `start` (an ISO date or date-time;
    None: the engine call's time, i.e. when a timer starts), as ISO text a timeDate timer reads."""
    from ..clock import current_time  # the engine's clock: a timer is evaluated inside an engine call
    from ..workdays import current_calendar

    _need(days, (int,), "working_days", "a whole number of days")
    if start is None or start == "":
        try:
            moment: date | datetime = current_time()
        except RuntimeError as exc:  # a condition checked outside an engine call has no "now"
            raise ValueError("working_days() needs a start date here") from exc
    else:
        text = _need(start, _STR, "working_days", "an ISO date").strip()
        moment = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        if isinstance(moment, datetime) and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    return current_calendar().add_working_days(moment, days).isoformat()


ALLOWED_FUNCTIONS: Mapping[str, Callable[..., Any]] = types.MappingProxyType(
    {
        "len": len,
        "str": str,
        "int": int,
        "float": float,
        "bool": bool,
        "abs": abs,
        "min": min,
        "max": max,
        "sum": _sum,
        "round": _round,
        "sorted": _sorted,
        "any": any,
        "all": all,
        "list": list,
        "dict": dict,
        "get": _get,
        "lower": lambda s: _need(s, _STR, "lower").lower(),
        "upper": lambda s: _need(s, _STR, "upper").upper(),
        "strip": lambda s, chars=None: _need(s, _STR, "strip").strip(chars),
        "contains": _contains,
        "startswith": lambda s, prefix: _need(s, _STR, "startswith").startswith(prefix),
        "join": _join,
        "split": lambda s, sep=None: _need(s, _STR, "split").split(sep),
        "count": _count,
        "keys": _keys,
        "values": _values,
        "date_part": _date_part,
        "working_days": _working_days,
    }
)
FREE_FUNCTIONS = frozenset({"len", "bool"})  # O(1) on containers: arguments are not charged as work
