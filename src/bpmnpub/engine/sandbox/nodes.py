"""What each construct does at run time: the closures the checker translates a syntax tree into.

Every builder takes the closures of the parts (already checked) and returns one closure that runs in a
:class:`~.limits.Frame`.  Python runtime errors become :class:`~.errors.Fail` with the position of the
construct; sizes and work are counted through the frame.  Nothing here looks at source text or decides
what is allowed: that is the checker's job.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

from .errors import RUNTIME_ERRORS, Fail, Pos, describe, short
from .functions import FREE_FUNCTIONS
from .limits import (
    CHARGED,
    CONTAINERS,
    MAX_ITEMS,
    MAX_STRING_LENGTH,
    MAX_VALUE_SIZE,
    PLAIN,
    SCALARS,
    TOO_LARGE,
    TOO_MUCH_WORK,
    Frame,
    check_result,
    size,
)

Code = Callable[[Frame], Any]
Store = Callable[[Frame, Any], None]

_NO_KWARGS: dict[str, Any] = {}


# ------------------------------------------------------------------------------------------------ operators
def _add(fr: Frame, a: Any, b: Any) -> Any:
    if type(a) is str and type(b) is str and len(a) + len(b) > MAX_STRING_LENGTH:
        raise Fail(f"string result longer than {MAX_STRING_LENGTH:,} characters")
    if type(a) in (list, tuple) and type(b) is type(a):
        if len(a) + len(b) > MAX_ITEMS:
            raise Fail(f"{type(a).__name__} result with more than {MAX_ITEMS:,} items")
        return fr.produce(a + b)
    return a + b


def _mul(fr: Frame, a: Any, b: Any) -> Any:
    if type(a) in (int, bool) and type(b) in (str, list, tuple):
        a, b = b, a
    if type(a) in (str, list, tuple) and type(b) in (int, bool):
        times = max(int(b), 0)
        if type(a) is str:
            if len(a) * times > MAX_STRING_LENGTH:
                raise Fail(f"string result longer than {MAX_STRING_LENGTH:,} characters")
            return a * times
        if len(a) * times > MAX_ITEMS:
            raise Fail(f"{type(a).__name__} result with more than {MAX_ITEMS:,} items")
        if size(a, MAX_VALUE_SIZE, TOO_LARGE) * times > MAX_VALUE_SIZE:
            raise Fail(TOO_LARGE)
        return fr.produce(a * times)
    return a * b


def _mod(fr: Frame, a: Any, b: Any) -> Any:
    if type(a) is str:
        raise Fail("string formatting with % is not allowed")
    return a % b


def _plain(func: Callable[[Any, Any], Any]) -> Callable[[Frame, Any, Any], Any]:
    return lambda fr, a, b: func(a, b)


_BINOPS: dict[type[ast.operator], Callable[[Frame, Any, Any], Any]] = {
    ast.Add: _add,
    ast.Sub: _plain(operator.sub),
    ast.Mult: _mul,
    ast.Div: _plain(operator.truediv),
    ast.FloorDiv: _plain(operator.floordiv),
    ast.Mod: _mod,
}
_CMPOPS: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}


def _charge_comparison(fr: Frame, a: Any, b: Any, membership: bool) -> None:
    """Count the work of comparing *a* with *b*, one of which is a container."""
    if not membership:
        if type(a) in CONTAINERS and type(b) in CONTAINERS:  # a scalar against a container is O(1)
            fr.charge(a)
            fr.charge(b)
        return
    if type(a) not in SCALARS:
        fr.charge(a)  # hashed, or compared with every item
    if type(b) in (list, tuple):
        if type(a) in SCALARS:
            fr.work -= len(b)
            if fr.work < 0:
                raise Fail(TOO_MUCH_WORK)
        else:
            fr.charge(b)


def _call_message(fname: str, exc: BaseException) -> str:
    message = describe(exc)
    head, paren, rest = message.partition("() ")
    if paren and " " not in head:  # "_sorted() got an unexpected ...", "<lambda>() takes ..."
        return f"{fname}() {rest}"
    return message if message.startswith(fname) else f"{fname}(): {message}"


def _guarded(pos: Pos, run: Code) -> Code:
    """Wrap *run* so Python runtime errors become Fail with a position (``try`` is free in 3.11)."""

    def guarded(fr: Frame) -> Any:
        try:
            return run(fr)
        except RUNTIME_ERRORS as exc:
            raise Fail(describe(exc), pos) from None
        except Fail as exc:
            raise Fail(exc.message, exc.pos if exc.pos[0] else pos) from None

    return guarded


# ------------------------------------------------------------------------------------------------ expressions
def load_name(name: str, pos: Pos) -> Code:
    """Read *name* from extra (first) or data; only plain data may be read."""
    missing = f"name '{name}' is not defined"

    def load(fr: Frame) -> Any:
        if name in fr.extra:
            value = fr.extra[name]
        else:
            try:
                value = fr.data[name]
            except KeyError:
                raise Fail(missing, pos) from None
        if type(value) not in PLAIN:
            raise Fail(f"name '{name}' holds a {type(value).__name__}, which is not allowed", pos)
        return value

    return load


def display(kind: type, elts: list[Code], pos: Pos) -> Code:
    """A list, tuple or set display (*kind*)."""

    def run(fr: Frame) -> Any:
        items = [e(fr) for e in elts]
        for item in items:
            if type(item) in CONTAINERS:
                fr.produce(items)
                break
        return items if kind is list else tuple(items) if kind is tuple else set(items)

    return _guarded(pos, run)


def dictionary(pairs: list[tuple[Code, Code]], pos: Pos) -> Code:
    """A dict display."""
    return _guarded(pos, lambda fr: fr.produce({k(fr): v(fr) for k, v in pairs}))


def binop(op: type[ast.operator], left: Code, right: Code, pos: Pos) -> Code:
    """``left <op> right`` for an allowed arithmetic operator."""
    func = _BINOPS[op]
    return _guarded(pos, lambda fr: check_result(func(fr, left(fr), right(fr))))


def negation(operand: Code) -> Code:
    """``not operand``."""
    return lambda fr: not operand(fr)


def sign(minus: bool, operand: Code, pos: Pos) -> Code:
    """``-operand`` or ``+operand``."""
    func = operator.neg if minus else operator.pos
    return _guarded(pos, lambda fr: func(operand(fr)))


def boolop(is_and: bool, values: list[Code]) -> Code:
    """``and``/``or``: short-circuit, returning an operand as in Python."""
    stop_when = not is_and  # `and` stops at a falsy operand, `or` at a truthy one

    def run(fr: Frame) -> Any:
        value: Any = None
        for code in values:
            value = code(fr)
            if bool(value) is stop_when:
                return value
        return value

    return run


def compare(ops: list[type[ast.cmpop]], codes: list[Code], pos: Pos) -> Code:
    """A (chained) comparison of *codes* by *ops*; comparing containers counts as work."""
    first = codes[0]
    steps = [(_CMPOPS[op], op in (ast.In, ast.NotIn), code) for op, code in zip(ops, codes[1:], strict=True)]
    if len(steps) == 1:  # the common case, kept lean
        func, membership, second = steps[0]

        def run_one(fr: Frame) -> Any:
            a, b = first(fr), second(fr)
            if type(a) in CONTAINERS or type(b) in CONTAINERS:
                _charge_comparison(fr, a, b, membership)
            return func(a, b)

        return _guarded(pos, run_one)

    def run(fr: Frame) -> Any:
        a = first(fr)
        result: Any = True
        for func, membership, code in steps:
            b = code(fr)
            if type(a) in CONTAINERS or type(b) in CONTAINERS:
                _charge_comparison(fr, a, b, membership)
            result = func(a, b)
            if not result:
                return result
            a = b
        return result

    return _guarded(pos, run)


def if_else(test: Code, body: Code, orelse: Code) -> Code:
    """``body if test else orelse``."""
    return lambda fr: body(fr) if test(fr) else orelse(fr)


def slice_of(lower: Code | None, upper: Code | None, step: Code | None) -> Code:
    """The slice in ``x[lower:upper:step]``; a missing part is None."""
    lo, up, st = (code or (lambda fr: None) for code in (lower, upper, step))
    return lambda fr: slice(lo(fr), up(fr), st(fr))


def subscript(container: Code, index: Code, pos: Pos) -> Code:
    """``container[index]``; only plain data may come out."""

    def run(fr: Frame) -> Any:
        value, key = container(fr), index(fr)
        if type(key) in CONTAINERS:
            fr.charge(key)
        try:
            item = value[key]
        except IndexError:
            raise Fail(f"index {short(key)} out of range", pos) from None
        if type(item) not in PLAIN:
            raise Fail(f"values of type {type(item).__name__} are not allowed", pos)
        return item

    return _guarded(pos, run)


def defined(probe: str) -> Code:
    """The special form ``defined("probe")``."""
    return lambda fr: probe in fr.extra or probe in fr.data


def call(
    fname: str, func: Callable[..., Any], args: list[Code], kwargs: list[tuple[str, Code]], pos: Pos
) -> Code:
    """``fname(*args, **kwargs)`` of the allowed function *func*; arguments it walks count as work."""
    # len/bool are O(1); get() does not walk its container.
    charge_from = None if fname in FREE_FUNCTIONS else 1 if fname == "get" else 0

    def invoke(fr: Frame, values: tuple[Any, ...] | list[Any], named: Mapping[str, Any]) -> Any:
        try:
            if charge_from is not None:
                for value in (*values[charge_from:], *named.values()):
                    if type(value) in CHARGED:
                        fr.charge(value)
            return check_result(func(*values, **named))
        except RUNTIME_ERRORS as exc:
            raise Fail(_call_message(fname, exc), pos) from None
        except Fail as exc:
            raise Fail(exc.message, exc.pos if exc.pos[0] else pos) from None

    # Arity-specialised argument collection: calls are the hot path of typical conditions.
    if kwargs or len(args) > 3:
        return lambda fr: invoke(fr, [a(fr) for a in args], {k: v(fr) for k, v in kwargs})
    if len(args) == 3:
        a0, a1, a2 = args
        return lambda fr: invoke(fr, (a0(fr), a1(fr), a2(fr)), _NO_KWARGS)
    if len(args) == 2:
        b0, b1 = args
        return lambda fr: invoke(fr, (b0(fr), b1(fr)), _NO_KWARGS)
    if len(args) == 1:
        c0 = args[0]
        return lambda fr: invoke(fr, (c0(fr),), _NO_KWARGS)
    return lambda fr: invoke(fr, (), _NO_KWARGS)


# ------------------------------------------------------------------------------------------------ statements
def assignment(value: Code, targets: list[Store], pos: Pos) -> Code:
    """``target = ... = value``: each target gets its own stored copy."""

    def run(fr: Frame) -> None:
        result = value(fr)
        for store in targets:
            try:
                store(fr, fr.store(result))
            except Fail as exc:
                raise Fail(exc.message, exc.pos if exc.pos[0] else pos) from None

    return run


def store_name(name: str) -> Store:
    """Store into data name *name*; names in extra are read-only."""

    def assign(fr: Frame, value: Any) -> None:
        if name in fr.extra:
            raise Fail(f"'{name}' is a read-only name")
        fr.data[name] = value  # type: ignore[index]  # execute() passes a dict

    return assign


def store_item(root_name: str, container: Code, index: Code, pos: Pos) -> Store:
    """Store into ``container[index]``, a list or dict reached from data name *root_name*."""

    def assign_item(fr: Frame, value: Any) -> None:
        if root_name in fr.extra:
            raise Fail(f"'{root_name}' is a read-only name", pos)
        target, key = container(fr), index(fr)
        if type(target) not in (list, dict):
            raise Fail(f"can only assign items of a list or dict, not of type {type(target).__name__}", pos)
        fr.charge(key)
        try:
            target[key] = value
        except RUNTIME_ERRORS as exc:
            raise Fail(describe(exc), pos) from None

    return assign_item


def sequence(steps: list[Code]) -> Code:
    """A script: its statements in order (a failing one leaves the earlier ones done)."""

    def run(fr: Frame) -> None:
        for step in steps:
            step(fr)

    return run
