"""Safe expression sandbox for BPMN gateway conditions, timers, service-task parameters and small scripts.

Diagrams are uploaded by process owners through the browser, so every expression in them is hostile input.
Nothing here calls ``eval``/``exec``/``compile`` on diagram text: the source is parsed with :mod:`ast`,
every node is checked against a whitelist while it is translated into a tree of small Python closures,
and that tree is what runs.  Translations are cached per source string (``functools.lru_cache``, 4096).

Language (a small subset of Python)
-----------------------------------
* Literals: ``str``, ``int``, ``float``, ``True``/``False``/``None``; list, tuple, dict and set displays
  (no ``*``/``**`` unpacking).  Not allowed: f-strings, bytes, complex numbers, ``...``.
* Names: any identifier not starting with ``_``.  A name is looked up first in ``extra`` (fixed, read-only
  helper values supplied by the caller, e.g. ``now``; **they take precedence over data**), then in the
  task data.  Reading an unknown name is an error (``name 'x' is not defined``); use ``defined("x")`` or
  ``get(...)`` for optional fields.  Function names are not values: a bare ``len`` is just a data name.
* Operators: ``+ - * / // %`` (no ``**``, no bit operators; ``%`` is never string formatting); unary
  ``- + not``; comparisons ``== != < <= > >= in``, ``not in``, and ``is``/``is not`` only against the
  literal ``None``; ``and``/``or`` (short-circuit, returning an operand as in Python);
  ``a if c else b``; subscripts ``x["k"]``, ``x[0]`` and slices ``x[1:3]``, ``x[::-1]``.
* Calls: only ``name(...)`` where *name* is in :data:`ALLOWED_FUNCTIONS` or is the special form
  ``defined``; positional and keyword arguments, no ``*args``/``**kwargs``.  No attribute access at all
  (write ``lower(s)``, not ``s.lower()``), no lambda, comprehensions, generators, ``:=``, ``await``,
  ``yield``.
* Scripts (:func:`execute`) are lines of ``name = expr``, ``name[key] = expr`` (also nested, e.g.
  ``x["a"][0] = 1``, and slices) and ``pass``.  Nothing else: no imports, loops, ``if``, ``def``, ``del``,
  ``+=``, bare expression statements.  Assignment has *value semantics*: the stored value is a fresh copy,
  so after ``b = a`` an item assignment ``b[0] = 1`` leaves ``a`` unchanged (as if stored through JSON).
  Names supplied in ``extra`` are read-only.  A failing script is not rolled back: earlier lines stay done.

Allowed functions
-----------------
``len str int float bool abs min max sum round sorted any all list dict`` behave like the Python builtins,
except that ``sum(items, start=0)`` only adds numbers, ``round(x, ndigits)`` needs ``-100 <= ndigits <=
100`` and ``sorted`` accepts only ``reverse=``.  Helpers:

* ``get(container, key, default=None)``: ``container[key]`` for a dict, list, tuple or string, or
  *default* for a missing key, an out-of-range or non-integer index, an unhashable key or a ``None``
  container (it never raises for those; other container types are an error).
* ``defined("name")``: special form, the argument must be a string literal; whether ``name`` can be read,
  i.e. it is in ``extra`` or in the data.
* ``lower(s)``, ``upper(s)``, ``strip(s, chars=None)``, ``startswith(s, prefix)``, ``split(s, sep=None)``,
  ``join(sep, items)``: string helpers.
* ``contains(container, item)``: ``item in container``; ``False`` when *container* is ``None``.
* ``count(items, value)``: occurrences of *value* in a list, tuple or string.
* ``keys(mapping)``: sorted list of the keys; ``values(mapping)``: the values, in that same key order.
* ``date_part(iso_string, part)``: ``part`` is ``"year"``, ``"month"`` or ``"day"`` of an ISO 8601 date
  or date-time string.

Values and limits
-----------------
Only plain data may be read from data and extra: exact types ``str int float bool None list tuple dict
set``.  Container results of :func:`evaluate` are fresh copies.  Against denial of service, the checker
rejects source longer than 10,000 characters or nested deeper than 50 levels, and at run time these
raise :class:`ExpressionError`:

* a string result longer than 100,000 characters (``"a" * 1000000`` fails before allocating anything);
* a list or tuple built by ``+`` or ``*`` with more than 10,000 items;
* an integer result beyond ``10**100`` in absolute value;
* a built or stored value larger than 1,000,000 *units* (1 per item, 8 per nested container, plus string
  lengths; shared parts count each time they are reached, so ``[[0] * 1000] * 1000`` is too large and a
  self-referential value is infinitely large);
* more than 5,000,000 units of work in one call: containers that are built, copied, compared, hashed or
  passed to a function, and strings passed to a function or stored, are counted (in measurements this
  bounds one call to well under a second of CPU).

Runtime errors (unknown name, wrong types, division by zero, missing key, bad index, bad value) become
:class:`ExpressionError` whose message includes the source.  ``lineno``/``col`` of errors are 1-based.
"""

from __future__ import annotations

import ast
import functools
import operator
import textwrap
import types
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, NoReturn

__all__ = [
    "ALLOWED_FUNCTIONS",
    "ExpressionError",
    "SandboxError",
    "UnsafeCodeError",
    "check_expression",
    "check_script",
    "evaluate",
    "execute",
    "referenced_names",
]

MAX_SOURCE_LENGTH = 10_000
MAX_DEPTH = 50
MAX_STRING_LENGTH = 100_000
MAX_ITEMS = 10_000
MAX_INT = 10**100
MAX_VALUE_SIZE = 1_000_000
MAX_WORK = 5_000_000


class SandboxError(Exception):
    """Base class: ``message`` (English), ``lineno`` and ``col`` (1-based, or None)."""

    def __init__(self, message: str, lineno: int | None = None, col: int | None = None) -> None:
        super().__init__(message, lineno, col)
        self.message, self.lineno, self.col = message, lineno, col

    def __str__(self) -> str:
        if self.lineno is None:
            return self.message
        return f"{self.message} (line {self.lineno}" + (f", column {self.col})" if self.col else ")")


class UnsafeCodeError(SandboxError):
    """The source was rejected by the checker (including invalid syntax)."""


class ExpressionError(SandboxError):
    """Evaluation failed: unknown name, bad types, division by zero, missing key, a limit, ..."""


# ------------------------------------------------------------------------------------------------ values
_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = frozenset({list, tuple, dict, set})
_PLAIN = _SCALARS | _CONTAINERS
_CHARGED = _CONTAINERS | {str}
_NUMBERS = frozenset({int, float, bool, type(None)})
_CONTAINER_COST = 8  # walking or copying a nested container costs about as much as 8 items inside one
_RUNTIME_ERRORS = (TypeError, ValueError, ArithmeticError, LookupError, RecursionError)
_NO_EXTRA: dict[str, Any] = {}
_TOO_MUCH_WORK = f"evaluation needs too much work (more than {MAX_WORK:,} units)"
_TOO_LARGE = f"value too large (more than {MAX_VALUE_SIZE:,} units; a self-referential value is infinite)"
_Pos = tuple[int | None, int | None]


class _Fail(Exception):
    """Runtime failure; turned into ExpressionError (with the source) at the API boundary."""

    def __init__(self, message: str, pos: _Pos = (None, None)) -> None:
        super().__init__(message)
        self.message, self.pos = message, pos


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _size(value: Any, limit: int, what: str) -> int:
    """Work units of walking *value*: 1 per item, plus string lengths, plus _CONTAINER_COST per container.

    Shared parts count each time they are reached (so a self-referential value is infinite); _Fail beyond
    *limit*.  Flat groups of items are classified with ``set(map(type, ...))``, which runs at C speed.
    """
    kind = type(value)
    if kind is str:
        return len(value) + 1
    if kind in _SCALARS:
        return 1
    if kind not in _CONTAINERS:
        raise _Fail(f"values of type {kind.__name__} are not allowed")
    total, stack = _CONTAINER_COST, [value]
    while stack:
        item = stack.pop()
        for group in (item, item.values()) if type(item) is dict else (item,):
            total += len(group)
            if total > limit:
                raise _Fail(what)
            kinds = set(map(type, group))
            if kinds <= _NUMBERS:
                continue
            if not kinds <= _PLAIN:
                raise _Fail(f"values of type {min(k.__name__ for k in kinds - _PLAIN)} are not allowed")
            if str in kinds:
                total += sum([len(c) for c in group if type(c) is str])
            if not kinds.isdisjoint(_CONTAINERS):
                nested = [c for c in group if type(c) in _CONTAINERS]
                total += _CONTAINER_COST * len(nested)
                stack.extend(nested)
        if total > limit:
            raise _Fail(what)
    return total


def _copy(value: Any) -> Any:
    """Deep copy of plain data (dict keys and set items are hashable, hence immutable)."""
    kind = type(value)
    if kind is list:
        return [v if type(v) in _SCALARS else _copy(v) for v in value]
    if kind is dict:
        return {k: v if type(v) in _SCALARS else _copy(v) for k, v in value.items()}
    if kind is tuple:
        return tuple([v if type(v) in _SCALARS else _copy(v) for v in value])
    return set(value) if kind is set else value


class _Frame:
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
                raise _Fail(_TOO_MUCH_WORK)
        elif kind in _CONTAINERS:
            self.work -= _size(value, self.work, _TOO_MUCH_WORK)

    def produce(self, value: Any) -> Any:
        """Check the size of a newly built container and count it as work."""
        if type(value) in _CONTAINERS:
            limit = min(MAX_VALUE_SIZE, self.work)
            self.work -= _size(value, limit, _TOO_LARGE if limit == MAX_VALUE_SIZE else _TOO_MUCH_WORK)
        return value

    def store(self, value: Any) -> Any:
        """Fresh, acyclic copy of *value* (assignments and results have value semantics)."""
        if type(value) is str:
            self.charge(value)
        return _copy(self.produce(value)) if type(value) in _CONTAINERS else value


# ------------------------------------------------------------------------------------------------ functions
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
        raise ValueError(f"part must be 'year', 'month' or 'day', not {_short(part)}")
    return parts[part]


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
    }
)
_FREE_FUNCTIONS = frozenset({"len", "bool"})  # O(1) on containers: arguments are not charged as work


# ------------------------------------------------------------------------------------------------ operators
def _add(fr: _Frame, a: Any, b: Any) -> Any:
    if type(a) is str and type(b) is str and len(a) + len(b) > MAX_STRING_LENGTH:
        raise _Fail(f"string result longer than {MAX_STRING_LENGTH:,} characters")
    if type(a) in (list, tuple) and type(b) is type(a):
        if len(a) + len(b) > MAX_ITEMS:
            raise _Fail(f"{type(a).__name__} result with more than {MAX_ITEMS:,} items")
        return fr.produce(a + b)
    return a + b


def _mul(fr: _Frame, a: Any, b: Any) -> Any:
    if type(a) in (int, bool) and type(b) in (str, list, tuple):
        a, b = b, a
    if type(a) in (str, list, tuple) and type(b) in (int, bool):
        times = max(int(b), 0)
        if type(a) is str:
            if len(a) * times > MAX_STRING_LENGTH:
                raise _Fail(f"string result longer than {MAX_STRING_LENGTH:,} characters")
            return a * times
        if len(a) * times > MAX_ITEMS:
            raise _Fail(f"{type(a).__name__} result with more than {MAX_ITEMS:,} items")
        if _size(a, MAX_VALUE_SIZE, _TOO_LARGE) * times > MAX_VALUE_SIZE:
            raise _Fail(_TOO_LARGE)
        return fr.produce(a * times)
    return a * b


def _mod(fr: _Frame, a: Any, b: Any) -> Any:
    if type(a) is str:
        raise _Fail("string formatting with % is not allowed")
    return a % b


def _plain(func: Callable[[Any, Any], Any]) -> Callable[[_Frame, Any, Any], Any]:
    return lambda fr, a, b: func(a, b)


_BINOPS: dict[type[ast.operator], Callable[[_Frame, Any, Any], Any]] = {
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
_OPERATOR_NAMES = {
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.MatMult: "@",
    ast.Invert: "~",
}
_NOT_ALLOWED = {
    ast.Lambda: "lambda expressions",
    ast.ListComp: "list comprehensions",
    ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.Starred: "starred expressions (*x)",
    ast.Await: "await expressions",
    ast.Yield: "yield expressions",
    ast.YieldFrom: "yield expressions",
    ast.JoinedStr: "f-strings",
    ast.FormattedValue: "f-strings",
    ast.Import: "import statements",
    ast.ImportFrom: "import statements",
    ast.FunctionDef: "function definitions (def)",
    ast.AsyncFunctionDef: "function definitions (def)",
    ast.ClassDef: "class definitions",
    ast.Return: "return statements",
    ast.Delete: "del statements",
    ast.AugAssign: "augmented assignments (+= and similar)",
    ast.AnnAssign: "annotated assignments",
    ast.For: "for loops",
    ast.AsyncFor: "for loops",
    ast.While: "while loops",
    ast.If: "if statements",
    ast.With: "with statements",
    ast.AsyncWith: "with statements",
    ast.Match: "match statements",
    ast.Raise: "raise statements",
    ast.Try: "try statements",
    ast.TryStar: "try statements",
    ast.Assert: "assert statements",
    ast.Global: "global declarations",
    ast.Nonlocal: "nonlocal declarations",
    ast.Expr: "expression statements",
    ast.Break: "break statements",
    ast.Continue: "continue statements",
}
_EXPR_REASON = "an expression may only use literals, names, operators, subscripts and the allowed functions"
_STMT_REASON = "a script may only contain assignments (name = value, name[key] = value) and pass"

_Code = Callable[[_Frame], Any]
_Store = Callable[[_Frame, Any], None]


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"key {_short(exc.args[0]) if exc.args else '?'} not found"
    if isinstance(exc, RecursionError):
        return "value nested too deeply"
    return str(exc) or type(exc).__name__


def _charge_comparison(fr: _Frame, a: Any, b: Any, membership: bool) -> None:
    """Count the work of comparing *a* with *b*, one of which is a container."""
    if not membership:
        if type(a) in _CONTAINERS and type(b) in _CONTAINERS:  # a scalar against a container is O(1)
            fr.charge(a)
            fr.charge(b)
        return
    if type(a) not in _SCALARS:
        fr.charge(a)  # hashed, or compared with every item
    if type(b) in (list, tuple):
        if type(a) in _SCALARS:
            fr.work -= len(b)
            if fr.work < 0:
                raise _Fail(_TOO_MUCH_WORK)
        else:
            fr.charge(b)


def _call_message(fname: str, exc: BaseException) -> str:
    message = _describe(exc)
    head, paren, rest = message.partition("() ")
    if paren and " " not in head:  # "_sorted() got an unexpected ...", "<lambda>() takes ..."
        return f"{fname}() {rest}"
    return message if message.startswith(fname) else f"{fname}(): {message}"


def _guarded(pos: _Pos, run: _Code) -> _Code:
    """Wrap *run* so Python runtime errors become _Fail with a position (``try`` is free in 3.11)."""

    def guarded(fr: _Frame) -> Any:
        try:
            return run(fr)
        except _RUNTIME_ERRORS as exc:
            raise _Fail(_describe(exc), pos) from None
        except _Fail as exc:
            raise _Fail(exc.message, exc.pos if exc.pos[0] else pos) from None

    return guarded


def _check_result(value: Any) -> Any:
    kind = type(value)
    if kind is str and len(value) > MAX_STRING_LENGTH:
        raise _Fail(f"string result longer than {MAX_STRING_LENGTH:,} characters")
    if kind is int and not -MAX_INT <= value <= MAX_INT:
        raise _Fail("integer result larger than 10**100")
    if kind not in _PLAIN:
        raise _Fail(f"values of type {kind.__name__} are not allowed")
    return value


# ------------------------------------------------------------------------------------------------ compiler
class _Compiler:
    """Checks an AST against the whitelist while translating it into closures."""

    def __init__(self, line_shift: int = 0, first_col_shift: int = 0, col_shift: int = 0) -> None:
        self.line_shift, self.first_col_shift, self.col_shift = line_shift, first_col_shift, col_shift
        self.reads: set[str] = set()
        self.assigned: set[str] = set()
        self.constants: set[_Code] = set()  # closures that return a literal value

    def position(self, line: int | None, col: int | None) -> _Pos:
        """1-based position in the source as given (*col* is 1-based in the parsed text)."""
        if line is None:
            return None, None
        if col is not None:
            col += self.col_shift + (self.first_col_shift if line == 1 else 0)
        return line + self.line_shift, col

    def pos(self, node: ast.AST) -> _Pos:
        col = getattr(node, "col_offset", None)
        return self.position(getattr(node, "lineno", None), None if col is None else col + 1)

    def reject(self, node: ast.AST, message: str) -> NoReturn:
        raise UnsafeCodeError(message, *self.pos(node))

    def forbidden(self, node: ast.AST, reason: str) -> NoReturn:
        what = _NOT_ALLOWED.get(type(node), f"{type(node).__name__} syntax")
        self.reject(node, f"{what} {'is' if what.endswith('syntax') else 'are'} not allowed: {reason}")

    def check_name(self, node: ast.AST, name: str) -> None:
        if name.startswith("_"):
            self.reject(
                node, f"names starting with '_' are not allowed ('{name}'): they lead to Python internals"
            )

    # -- expressions
    def expr(self, node: ast.AST, depth: int) -> _Code:
        if depth > MAX_DEPTH:
            self.reject(node, f"expression nested too deeply (more than {MAX_DEPTH} levels)")
        depth += 1
        pos = self.pos(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if type(value) not in _SCALARS:
                self.reject(node, f"{type(value).__name__} literals are not allowed")
            if type(value) is int and not -MAX_INT <= value <= MAX_INT:
                self.reject(node, "integer literals larger than 10**100 are not allowed")
            return self.constant(value)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            elts = [self.expr(e, depth) for e in node.elts]
            return self.fold(elts, self.display(node, elts, pos))
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                self.reject(node, "dict unpacking (**) is not allowed")
            pairs = [
                (self.expr(k, depth), self.expr(v, depth))
                for k, v in zip(node.keys, node.values, strict=True)
                if k
            ]
            build = _guarded(pos, lambda fr: fr.produce({k(fr): v(fr) for k, v in pairs}))
            return self.fold([c for pair in pairs for c in pair], build)
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth, pos)
        if isinstance(node, ast.UnaryOp):
            return self.unaryop(node, depth, pos)
        if isinstance(node, ast.BoolOp):
            return self.boolop(node, [self.expr(v, depth) for v in node.values])
        if isinstance(node, ast.Compare):
            return self.compare(node, depth, pos)
        if isinstance(node, ast.IfExp):
            test, body, orelse = (self.expr(n, depth) for n in (node.test, node.body, node.orelse))
            return lambda fr: body(fr) if test(fr) else orelse(fr)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, depth, pos)
        if isinstance(node, ast.Slice):
            lower, upper, step = (
                self.expr(n, depth) if n else (lambda fr: None) for n in (node.lower, node.upper, node.step)
            )
            return lambda fr: slice(lower(fr), upper(fr), step(fr))
        if isinstance(node, ast.Call):
            return self.call(node, depth, pos)
        if isinstance(node, ast.Attribute):
            attr = node.attr
            hint = f"; write {attr}(x) instead of x.{attr}()" if attr in ALLOWED_FUNCTIONS else ""
            return self.reject(
                node, f"attribute access (.{attr}) is not allowed: it can reach Python internals{hint}"
            )
        return self.forbidden(node, _EXPR_REASON)

    def name(self, node: ast.Name) -> _Code:
        name = node.id
        self.check_name(node, name)
        if name not in self.assigned:
            self.reads.add(name)
        pos, missing = self.pos(node), f"name '{name}' is not defined"

        def load(fr: _Frame) -> Any:
            if name in fr.extra:
                value = fr.extra[name]
            else:
                try:
                    value = fr.data[name]
                except KeyError:
                    raise _Fail(missing, pos) from None
            if type(value) not in _PLAIN:
                raise _Fail(f"name '{name}' holds a {type(value).__name__}, which is not allowed", pos)
            return value

        return load

    def display(self, node: ast.List | ast.Tuple | ast.Set, elts: list[_Code], pos: _Pos) -> _Code:
        kind = type(node)

        def run(fr: _Frame) -> Any:
            items = [e(fr) for e in elts]
            for item in items:
                if type(item) in _CONTAINERS:
                    fr.produce(items)
                    break
            return items if kind is ast.List else tuple(items) if kind is ast.Tuple else set(items)

        return _guarded(pos, run)

    def fold(self, parts: list[_Code], code: _Code) -> _Code:
        """Compute a display or sign made only of literals once, at check time.

        Sharing the value is safe: nothing mutates a value in place except item assignment, whose target
        is rooted at a data name, and stores and results are copies."""
        if not all(part in self.constants for part in parts):
            return code
        try:
            value = code(_Frame({}, None))
        except _Fail:
            return code
        return self.constant(value)

    def constant(self, value: Any) -> _Code:
        code: _Code = lambda fr: value  # noqa: E731
        self.constants.add(code)
        return code

    def binop(self, node: ast.BinOp, depth: int, pos: _Pos) -> _Code:
        if type(node.op) in _OPERATOR_NAMES:
            why = ": it can exhaust CPU and memory" if isinstance(node.op, ast.Pow) else ""
            self.reject(node, f"the {_OPERATOR_NAMES[type(node.op)]} operator is not allowed{why}")
        left_node = node.left
        if (
            isinstance(node.op, ast.Mod)
            and isinstance(left_node, ast.Constant)
            and type(left_node.value) is str
        ):
            self.reject(node, "string formatting with % is not allowed")
        func = _BINOPS[type(node.op)]
        left, right = self.expr(node.left, depth), self.expr(node.right, depth)
        return _guarded(pos, lambda fr: _check_result(func(fr, left(fr), right(fr))))

    def unaryop(self, node: ast.UnaryOp, depth: int, pos: _Pos) -> _Code:
        if isinstance(node.op, ast.Invert):
            self.reject(node, "the ~ operator is not allowed")
        operand = self.expr(node.operand, depth)
        if isinstance(node.op, ast.Not):
            return lambda fr: not operand(fr)
        func = operator.neg if isinstance(node.op, ast.USub) else operator.pos
        return self.fold([operand], _guarded(pos, lambda fr: func(operand(fr))))

    def boolop(self, node: ast.BoolOp, values: list[_Code]) -> _Code:
        stop_when = not isinstance(node.op, ast.And)  # `and` stops at a falsy operand, `or` at a truthy one

        def run(fr: _Frame) -> Any:
            value: Any = None
            for code in values:
                value = code(fr)
                if bool(value) is stop_when:
                    return value
            return value

        return run

    def compare(self, node: ast.Compare, depth: int, pos: _Pos) -> _Code:
        nodes = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if isinstance(op, (ast.Is, ast.IsNot)) and not any(
                isinstance(n, ast.Constant) and n.value is None for n in nodes[i : i + 2]
            ):
                self.reject(
                    node, "'is' is only allowed as 'is None' / 'is not None' (use == to compare values)"
                )
        codes = [self.expr(n, depth) for n in nodes]
        first = codes[0]
        steps = [
            (_CMPOPS[type(op)], isinstance(op, (ast.In, ast.NotIn)), code)
            for op, code in zip(node.ops, codes[1:], strict=True)
        ]
        if len(steps) == 1:  # the common case, kept lean
            func, membership, second = steps[0]

            def run_one(fr: _Frame) -> Any:
                a, b = first(fr), second(fr)
                if type(a) in _CONTAINERS or type(b) in _CONTAINERS:
                    _charge_comparison(fr, a, b, membership)
                return func(a, b)

            return _guarded(pos, run_one)

        def run(fr: _Frame) -> Any:
            a = first(fr)
            result: Any = True
            for func, membership, code in steps:
                b = code(fr)
                if type(a) in _CONTAINERS or type(b) in _CONTAINERS:
                    _charge_comparison(fr, a, b, membership)
                result = func(a, b)
                if not result:
                    return result
                a = b
            return result

        return _guarded(pos, run)

    def subscript(self, node: ast.Subscript, depth: int, pos: _Pos) -> _Code:
        container, index = self.expr(node.value, depth), self.expr(node.slice, depth)

        def run(fr: _Frame) -> Any:
            value, key = container(fr), index(fr)
            if type(key) in _CONTAINERS:
                fr.charge(key)
            try:
                item = value[key]
            except IndexError:
                raise _Fail(f"index {_short(key)} out of range", pos) from None
            if type(item) not in _PLAIN:
                raise _Fail(f"values of type {type(item).__name__} are not allowed", pos)
            return item

        return _guarded(pos, run)

    def call(self, node: ast.Call, depth: int, pos: _Pos) -> _Code:
        if not isinstance(node.func, ast.Name):
            self.expr(node.func, depth)  # rejects attribute access, lambdas, ... with a specific message
            self.reject(node, "only the allowed functions may be called, by name")
        fname = node.func.id
        self.check_name(node.func, fname)
        if fname == "defined":
            arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
            if not (isinstance(arg, ast.Constant) and type(arg.value) is str):
                self.reject(node, 'defined() takes exactly one string literal, like defined("name")')
            probe = arg.value
            return lambda fr: probe in fr.extra or probe in fr.data
        if fname not in ALLOWED_FUNCTIONS:
            self.reject(
                node,
                f"calling '{fname}' is not allowed: only these functions may be called: "
                f"{', '.join(sorted(ALLOWED_FUNCTIONS))}, defined",
            )
        func = ALLOWED_FUNCTIONS[fname]
        for kw in node.keywords:
            if kw.arg is None:
                self.reject(kw, "keyword argument unpacking (**) is not allowed")
            self.check_name(kw, kw.arg)
        args = [self.expr(a, depth) for a in node.args]  # a Starred argument is rejected here
        kwargs = [(kw.arg, self.expr(kw.value, depth)) for kw in node.keywords if kw.arg]
        # Arguments the function walks count as work; len/bool are O(1); get() does not walk its container.
        charge_from = None if fname in _FREE_FUNCTIONS else 1 if fname == "get" else 0

        def invoke(fr: _Frame, values: tuple[Any, ...] | list[Any], named: Mapping[str, Any]) -> Any:
            try:
                if charge_from is not None:
                    for value in (*values[charge_from:], *named.values()):
                        if type(value) in _CHARGED:
                            fr.charge(value)
                return _check_result(func(*values, **named))
            except _RUNTIME_ERRORS as exc:
                raise _Fail(_call_message(fname, exc), pos) from None
            except _Fail as exc:
                raise _Fail(exc.message, exc.pos if exc.pos[0] else pos) from None

        # Arity-specialised argument collection: calls are the hot path of typical conditions.
        if kwargs or len(args) > 3:
            return lambda fr: invoke(fr, [a(fr) for a in args], {k: v(fr) for k, v in kwargs})
        if len(args) == 3:
            a0, a1, a2 = args
            return lambda fr: invoke(fr, (a0(fr), a1(fr), a2(fr)), _NO_EXTRA)
        if len(args) == 2:
            b0, b1 = args
            return lambda fr: invoke(fr, (b0(fr), b1(fr)), _NO_EXTRA)
        if len(args) == 1:
            c0 = args[0]
            return lambda fr: invoke(fr, (c0(fr),), _NO_EXTRA)
        return lambda fr: invoke(fr, (), _NO_EXTRA)

    # -- statements
    def statement(self, node: ast.stmt) -> _Code | None:
        if isinstance(node, ast.Pass):
            return None
        if not isinstance(node, ast.Assign):
            self.forbidden(node, _STMT_REASON)
        value = self.expr(node.value, 1)
        targets = [self.target(t) for t in node.targets]
        self.assigned.update(t.id for t in node.targets if isinstance(t, ast.Name))
        pos = self.pos(node)

        def run(fr: _Frame) -> None:
            result = value(fr)
            for store in targets:
                try:
                    store(fr, fr.store(result))
                except _Fail as exc:
                    raise _Fail(exc.message, exc.pos if exc.pos[0] else pos) from None

        return run

    def target(self, node: ast.expr) -> _Store:
        if isinstance(node, ast.Name):
            self.check_name(node, node.id)
            name = node.id

            def assign(fr: _Frame, value: Any) -> None:
                if name in fr.extra:
                    raise _Fail(f"'{name}' is a read-only name")
                fr.data[name] = value  # type: ignore[index]  # execute() passes a dict

            return assign
        if not isinstance(node, ast.Subscript):
            if isinstance(node, ast.Attribute):
                self.expr(node, 1)
            self.reject(node, f"cannot assign to this target: {_STMT_REASON}")
        root = node.value
        while isinstance(root, ast.Subscript):
            root = root.value
        if not isinstance(root, ast.Name):
            self.reject(node, 'item assignment must start from a name, like x["k"] = 1')
        root_name, pos = root.id, self.pos(node)
        container, index = self.expr(node.value, 2), self.expr(node.slice, 2)

        def assign_item(fr: _Frame, value: Any) -> None:
            if root_name in fr.extra:
                raise _Fail(f"'{root_name}' is a read-only name", pos)
            target, key = container(fr), index(fr)
            if type(target) not in (list, dict):
                raise _Fail(
                    f"can only assign items of a list or dict, not of type {type(target).__name__}", pos
                )
            fr.charge(key)
            try:
                target[key] = value
            except _RUNTIME_ERRORS as exc:
                raise _Fail(_describe(exc), pos) from None

        return assign_item


# ------------------------------------------------------------------------------------------------ API
class _Program:
    __slots__ = ("names", "run")

    def __init__(self, run: _Code, names: frozenset[str]) -> None:
        self.run, self.names = run, names


@functools.lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> _Program:
    if len(source) > MAX_SOURCE_LENGTH:
        raise UnsafeCodeError(f"source is too long ({len(source):,} characters, limit {MAX_SOURCE_LENGTH:,})")
    if mode == "eval":  # conditions in XML often carry surrounding whitespace and newlines
        text = source.strip()
        skipped = source[: len(source) - len(source.lstrip())]
        compiler = _Compiler(skipped.count("\n"), len(skipped) - skipped.rfind("\n") - 1)
    else:
        text = textwrap.dedent(source)
        first = next((line for line in source.splitlines() if line.strip()), "")
        compiler = _Compiler(col_shift=len(first) - len(first.lstrip()) if text != source else 0)
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        message = exc.msg if exc.msg.startswith("invalid syntax") else f"invalid syntax: {exc.msg}"
        raise UnsafeCodeError(message, *compiler.position(exc.lineno, exc.offset)) from exc
    except (ValueError, MemoryError, RecursionError) as exc:
        raise UnsafeCodeError(f"source is too complex or invalid: {exc or type(exc).__name__}") from None
    if isinstance(tree, ast.Expression):
        return _Program(compiler.expr(tree.body, 1), frozenset(compiler.reads))
    assert isinstance(tree, ast.Module)
    steps = [s for s in (compiler.statement(node) for node in tree.body) if s is not None]

    def run(fr: _Frame) -> None:
        for step in steps:
            step(fr)

    return _Program(run, frozenset(compiler.reads))


def _program(source: str, mode: str) -> _Program:
    if not isinstance(source, str):
        raise UnsafeCodeError(f"source must be a string, not {type(source).__name__}")
    return _compile(source, mode)


def _run(program: _Program, source: str, fr: _Frame) -> Any:
    try:
        result = program.run(fr)
        return fr.store(result) if type(result) in _CONTAINERS else result
    except _Fail as exc:
        message, pos = exc.message, exc.pos
    except _RUNTIME_ERRORS as exc:
        message, pos = _describe(exc), (None, None)
    snippet = " ".join(source.split())
    snippet = snippet if len(snippet) <= 120 else snippet[:117] + "..."
    raise ExpressionError(f"{message} (while evaluating {snippet!r})", *pos)


def check_expression(source: str) -> None:
    """Raise UnsafeCodeError unless *source* is an allowed expression (see the module docstring)."""
    _program(source, "eval")


def check_script(source: str) -> None:
    """Raise UnsafeCodeError unless *source* is an allowed script: assignments and ``pass`` only."""
    _program(source, "exec")


def evaluate(source: str, data: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> Any:
    """Check and evaluate expression *source*; names come from *extra* (first) and then *data*."""
    if not isinstance(source, str):
        raise UnsafeCodeError(f"source must be a string, not {type(source).__name__}")
    return _run(_compile(source, "eval"), source, _Frame(data, extra))


def execute(source: str, data: dict[str, Any], extra: Mapping[str, Any] | None = None) -> None:
    """Check and run script *source*; assignments write copies into *data*; names in *extra* are read-only."""
    _run(_program(source, "exec"), source, _Frame(data, extra))


def referenced_names(source: str) -> frozenset[str]:
    """Names an expression or script reads (from data or extra).  Not included: names a script assigns
    before reading them, ``defined("x")`` probes, function names.  Raises UnsafeCodeError like the checks."""
    try:
        return _program(source, "eval").names
    except UnsafeCodeError as exc:
        if not isinstance(exc.__cause__, SyntaxError):  # a valid expression that is not allowed
            raise
        try:
            return _program(source, "exec").names
        except UnsafeCodeError as script_exc:
            if isinstance(script_exc.__cause__, SyntaxError):
                raise exc from None  # neither: report the expression's syntax error
            raise
