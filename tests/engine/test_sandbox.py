"""The expression sandbox: normal BPMN conditions and scripts work, known escapes and DoS inputs do not."""

from __future__ import annotations

import ast
import os
import pickle
import tracemalloc
from typing import Any

import pytest

from bpmnpub.engine.sandbox import (
    ALLOWED_FUNCTIONS,
    ExpressionError,
    SandboxError,
    UnsafeCodeError,
    check_expression,
    check_script,
    evaluate,
    execute,
    referenced_names,
)

DATA: dict[str, Any] = {
    "decision": "approve",
    "publish_report": True,
    "attachments": ["a.pdf"],
    "urgent": False,
    "x": {"k": {"n": 3}},
    "published_counts": {"G1": 2},
    "group_code": "G1",
    "n": 5,
    "items": [3, 1, 2],
    "title": "  Monthly Report  ",
    "maybe": None,
}


# ------------------------------------------------------------------------------------------ normal use
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('decision == "approve"', True),
        ('decision != "approve"', False),
        ('decision in ["revise", "reject"]', False),
        ('decision not in ("revise", "reject")', True),
        ("publish_report == True", True),
        ("len(attachments) > 0 and not urgent", True),
        ('x["k"]["n"] >= 3', True),
        ("get(published_counts, group_code, 0)", 2),
        ('get(published_counts, "G9", 0)', 0),
        ('"P14D"', "P14D"),
        ("  \n  decision == 'approve'\n  ", True),
        ("1 < n <= 5", True),
        ("maybe is None and urgent is not None", True),
        ("n * 2 + 1 - 4 / 2", 9.0),
        ("n // 2, n % 2, -n, +n", (2, 1, -5, 5)),
        ('"a" if urgent else "b"', "b"),
        ("urgent or n", 5),
        ("urgent and n", False),
        ("items[0], items[-1], items[1:], items[::-1]", (3, 2, [1, 2], [2, 1, 3])),
        ('{"a": [1, {2}], "b": (None,)}', {"a": [1, {2}], "b": (None,)}),
        ('"ab" * 3 + "c"', "abababc"),
        ("[0] * 3 + [1]", [0, 0, 0, 1]),
    ],
)
def test_normal_expressions(source: str, expected: Any) -> None:
    check_expression(source)
    assert evaluate(source, DATA) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("len(items)", 3),
        ("str(n) + '!'", "5!"),
        ('int("42") + float("0.5")', 42.5),
        ("bool(attachments)", True),
        ("abs(-n)", 5),
        ("min(items), max(items), min(4, 2)", (1, 3, 2)),
        ("sum(items), sum(items, 10)", (6, 16)),
        ("round(2.567, 2), round(2.5)", (2.57, 2)),
        ("sorted(items), sorted(items, reverse=True)", ([1, 2, 3], [3, 2, 1])),
        ("any([0, n]), all([0, n])", (True, False)),
        ('list("ab"), dict(a=1), dict([["b", 2]])', (["a", "b"], {"a": 1}, {"b": 2})),
        ("get(items, 1), get(items, 9), get(items, 'x', -1), get(maybe, 'k', 7)", (1, None, -1, 7)),
        ("get(published_counts, [1], 'unhashable')", "unhashable"),
        ('defined("decision"), defined("nothing")', (True, False)),
        ("lower(decision), upper(decision), strip(title)", ("approve", "APPROVE", "Monthly Report")),
        ('strip("xxaxx", "x")', "a"),
        ('contains(attachments, "a.pdf"), contains(maybe, 1), contains("abc", "b")', (True, False, True)),
        ('startswith(decision, "app")', True),
        ('join(", ", ["a", "b"]), split("a b  c"), split("a,b", ",")', ("a, b", ["a", "b", "c"], ["a", "b"])),
        ("count([1, 2, 1], 1), count('banana', 'a')", (2, 3)),
        ('keys({"b": 1, "a": 2}), values({"b": 1, "a": 2})', (["a", "b"], [2, 1])),
        (
            'date_part("2024-05-06", "year"), date_part("2024-05-06T10:00:00Z", "month"), '
            'date_part("2024-05-06", "day")',
            (2024, 5, 6),
        ),
    ],
)
def test_allowed_functions(source: str, expected: Any) -> None:
    assert evaluate(source, DATA) == expected


def test_allowed_functions_are_documented_and_read_only() -> None:
    import bpmnpub.engine.sandbox as sandbox

    assert sandbox.__doc__ is not None
    for name in ALLOWED_FUNCTIONS:
        assert name in sandbox.__doc__, name
    assert "defined" not in ALLOWED_FUNCTIONS  # a special form, handled by the interpreter
    with pytest.raises(TypeError):
        ALLOWED_FUNCTIONS["system"] = os.system  # type: ignore[index]


def test_scripts_assign_into_data() -> None:
    data: dict[str, Any] = {"group_code": "G1", "n": 4}
    execute('group_report = {"group_code": group_code, "n": n}', data)
    assert data["group_report"] == {"group_code": "G1", "n": 4}
    execute("a = 1\nb = a + 1\npass", data)
    assert (data["a"], data["b"]) == (1, 2)
    execute('group_report["n"] = n * 2\nlst = [1, [2]]\nlst[1][0] = 3\nlst[0:1] = [9, 9]', data)
    assert data["group_report"]["n"] == 8
    assert data["lst"] == [9, 9, [3]]


def test_script_may_be_indented_as_in_bpmn_xml() -> None:
    data: dict[str, Any] = {}
    execute("\n    a = 1\n    b = a + 1\n", data)
    assert data == {"a": 1, "b": 2}


def test_assignment_has_value_semantics() -> None:
    data: dict[str, Any] = {"a": [1, 2], "d": {"k": [1]}}
    execute("b = a\nb[0] = 99\nc = [d, d]\nc[0]['k'][0] = 5", data)
    assert data["a"] == [1, 2]
    assert data["b"] == [99, 2]
    assert data["c"] == [{"k": [5]}, {"k": [1]}]
    assert data["d"] == {"k": [1]}
    result = evaluate("a", data)
    result.append(3)
    assert data["a"] == [1, 2]


def test_extra_names_take_precedence_and_are_read_only() -> None:
    extra = {"now": "2024-05-06T00:00:00", "cfg": {"limit": 3}}
    assert evaluate("now", {"now": "from data"}, extra) == "2024-05-06T00:00:00"
    assert evaluate('defined("now") and date_part(now, "day") == 6', {}, extra) is True
    assert evaluate('cfg["limit"] + n', {"n": 1}, extra) == 4
    with pytest.raises(ExpressionError, match="'now' is a read-only name"):
        execute("now = 1", {}, extra)
    with pytest.raises(ExpressionError, match="'cfg' is a read-only name"):
        execute('cfg["limit"] = 99', {}, extra)
    assert extra["cfg"] == {"limit": 3}


# ------------------------------------------------------------------------------------------ escapes
EXPRESSION_ESCAPES = [
    ("__import__('os').system('true')", "attribute access"),
    ("().__class__.__base__.__subclasses__()", "attribute access"),
    ("[c for c in ().__class__.__bases__[0].__subclasses__()]", "list comprehensions"),
    ("{c: 1 for c in x}", "dict comprehensions"),
    ("any(c for c in x)", "generator expressions"),
    ("(lambda: 1)()", "lambda"),
    ('getattr(x, "y")', "calling 'getattr' is not allowed"),
    ('eval("1")', "calling 'eval' is not allowed"),
    ('exec("x=1")', "calling 'exec' is not allowed"),
    ('open("/etc/passwd")', "calling 'open' is not allowed"),
    ("globals()", "calling 'globals' is not allowed"),
    ("vars()", "calling 'vars' is not allowed"),
    ("type(x)", "calling 'type' is not allowed"),
    ("__import__('os')", "names starting with '_'"),
    ("x.__class__", "attribute access (.__class__)"),
    ("decision.lower()", "write lower(x) instead of x.lower()"),
    ("_x", "names starting with '_'"),
    ("__builtins__", "names starting with '_'"),
    ("dict(__class__=1)", "names starting with '_'"),
    ("2 ** 10", "the ** operator"),
    ("9**9**9", "the ** operator"),
    ("1 << 100000000", "the << operator"),
    ("~n", "the ~ operator"),
    ('f"{x}"', "f-strings"),
    ("(y := 1)", "assignment expressions (:=)"),
    ("len(*items)", "starred expressions"),
    ("dict(**x)", "keyword argument unpacking (**)"),
    ("{**x}", "dict unpacking (**)"),
    ("x is True", "'is' is only allowed as 'is None'"),
    ("x is n", "'is' is only allowed as 'is None'"),
    ('"%s" % x', "string formatting with %"),
    ("b'abc'", "bytes literals"),
    ("1j", "complex literals"),
    ("items[0]()", "only the allowed functions may be called"),
    ("defined(decision)", "defined() takes exactly one string literal"),
    ("import os", "invalid syntax"),
]


@pytest.mark.parametrize(("source", "construct"), EXPRESSION_ESCAPES)
def test_expression_escapes_are_rejected_everywhere(
    source: str, construct: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[object] = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args))
    with pytest.raises(UnsafeCodeError) as checked:
        check_expression(source)
    assert construct in checked.value.message
    assert checked.value.lineno == 1
    with pytest.raises(UnsafeCodeError):
        evaluate(source, DATA)
    if construct != "invalid syntax":
        with pytest.raises(UnsafeCodeError) as executed:
            execute(f"result = {source}", dict(DATA))
        assert construct in executed.value.message
    assert calls == []


SCRIPT_ESCAPES = [
    ("import os", "import statements", 1),
    ("a = 1\nfrom os import system", "import statements", 2),
    ("def f():\n    pass", "function definitions", 1),
    ("a = 1\nfor i in items:\n    pass", "for loops", 2),
    ("while True:\n    pass", "while loops", 1),
    ("a = 1\n\ndel a", "del statements", 3),
    ("x.y = 1", "attribute access (.y)", 1),
    ("a = 1\nb = x.__class__", "attribute access (.__class__)", 2),
    ("global x", "global declarations", 1),
    ("with open('f') as f:\n    pass", "with statements", 1),
    ("try:\n    a = 1\nexcept Exception:\n    pass", "try statements", 1),
    ("class A:\n    pass", "class definitions", 1),
    ("if n:\n    a = 1", "if statements", 1),
    ("a = 1\na += 1", "augmented assignments", 2),
    ("a, b = 1, 2", "cannot assign to this target", 1),
    ("a = 1\nlen(items)", "expression statements", 2),
    ("a = 1\nb = (lambda: 1)()", "lambda", 2),
    ("a = 1\n_private = 2", "names starting with '_'", 2),
    ("[1][0] = 2", "item assignment must start from a name", 1),
    ("a = 1\nb = = 2", "invalid syntax", 2),
]


@pytest.mark.parametrize(("source", "construct", "lineno"), SCRIPT_ESCAPES)
def test_script_escapes_are_rejected_with_line(source: str, construct: str, lineno: int) -> None:
    for run in (check_script, lambda s: execute(s, dict(DATA))):
        with pytest.raises(UnsafeCodeError) as exc_info:
            run(source)
        assert construct in exc_info.value.message
        assert exc_info.value.lineno == lineno
        assert f"line {lineno}" in str(exc_info.value)


def test_unsafe_script_does_not_run_its_earlier_lines() -> None:
    data: dict[str, Any] = {}
    with pytest.raises(UnsafeCodeError):
        execute("a = 1\nimport os", data)
    assert data == {}


def test_error_position_is_reported() -> None:
    with pytest.raises(UnsafeCodeError) as exc_info:
        check_script("a = 1\nb = n + x.y")
    assert (exc_info.value.lineno, exc_info.value.col) == (2, 9)
    with pytest.raises(UnsafeCodeError) as exc_info:
        check_expression("\n   n + x.y")
    assert (exc_info.value.lineno, exc_info.value.col) == (2, 8)


def test_non_plain_values_in_data_cannot_be_used() -> None:
    with pytest.raises(ExpressionError, match="name 'obj' holds a object"):
        evaluate("obj", {"obj": object()})
    with pytest.raises(ExpressionError, match="values of type builtin_function_or_method are not allowed"):
        evaluate("items[0]", {"items": [len]})
    with pytest.raises(ExpressionError, match="values of type builtin_function_or_method are not allowed"):
        execute("b = items", {"items": [len]})


def test_non_string_source_is_rejected() -> None:
    with pytest.raises(UnsafeCodeError, match="source must be a string"):
        evaluate(None, {})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ runtime errors
@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("missing > 1", "name 'missing' is not defined"),
        ("n / 0", "division by zero"),
        ("n % 0", "modulo by zero"),
        ('n + "a"', "unsupported operand"),
        ('items < "a"', "not supported between"),
        ('x["nope"]', "key 'nope' not found"),
        ("items[10]", "index 10 out of range"),
        ('int("abc")', "invalid literal"),
        ("lower(5)", "lower() expects a string, not int"),
        ("sorted(items, key=n)", "sorted() got an unexpected keyword argument 'key'"),
        ("sum([[1]], [])", "sum() expects"),
        ('date_part("not a date", "year")', "date_part()"),
        ('date_part("2024-01-01", "hour")', "part must be 'year', 'month' or 'day'"),
        ("get(5, 1)", "get() expects a dict"),
        ("{[1]: 2}", "unhashable type"),
        ("float(10 ** 2)", "the ** operator"),
    ],
)
def test_runtime_errors_become_expression_errors(source: str, fragment: str) -> None:
    expected = UnsafeCodeError if "operator" in fragment else ExpressionError
    with pytest.raises(expected) as exc_info:
        evaluate(source, DATA)
    assert fragment in exc_info.value.message
    if expected is ExpressionError:
        assert repr(source) in exc_info.value.message  # the message names the failing source
        assert exc_info.value.lineno == 1


def test_script_runtime_error_has_line_and_keeps_earlier_assignments() -> None:
    data: dict[str, Any] = {}
    with pytest.raises(ExpressionError) as exc_info:
        execute("a = 1\nb = a / 0", data)
    assert exc_info.value.lineno == 2
    assert "division by zero" in exc_info.value.message
    assert data == {"a": 1}  # documented: not transactional


def test_errors_are_sandbox_errors_and_pickle() -> None:
    with pytest.raises(SandboxError) as exc_info:
        evaluate("nope", {})
    clone = pickle.loads(pickle.dumps(exc_info.value))  # noqa: S301 - our own object
    assert isinstance(clone, ExpressionError)
    assert (clone.message, clone.lineno, clone.col) == (
        exc_info.value.message,
        exc_info.value.lineno,
        exc_info.value.col,
    )


# ------------------------------------------------------------------------------------------ denial of service
@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ('"a" * 1000000', "string result longer than 100,000 characters"),
        ('1000000 * "a"', "string result longer than 100,000 characters"),
        ("[0] * 100000", "list result with more than 10,000 items"),
        ("(0,) * 100000", "tuple result with more than 10,000 items"),
        ("[0] * 6000 + [0] * 6000", "list result with more than 10,000 items"),
        ("[[[0] * 100] * 100] * 100", "value too large"),
        ("str([[0] * 1000] * 1000)", "value too large"),
        ("big * big * big", "integer result larger than 10**100"),
        ('int("9" * 200)', "integer result larger than 10**100"),
        ("round(1, -10000000)", "ndigits must be between -100 and 100"),
        ('join("", [long] * 10000)', "longer than 100,000 characters"),
        ('str(["x" * 90000, "y" * 90000])', "string result longer than 100,000 characters"),
        ("huge == huge2 and " * 10 + "True", "too much work"),
        ("n not in huge and " * 30 + "True", "too much work"),
    ],
)
def test_resource_limits(source: str, fragment: str) -> None:
    data = {
        "big": 10**40,
        "long": "x" * 20,
        "huge": list(range(300_000)),
        "huge2": list(range(300_000)),
        "n": -1,
    }
    with pytest.raises(ExpressionError) as exc_info:
        evaluate(source, data)
    assert fragment in exc_info.value.message


@pytest.mark.parametrize("source", ['"ab" * 100000000', "[0, 1] * 100000000", "(0,) * 100000000"])
def test_repetition_is_refused_before_allocating(source: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ExpressionError, match=r"longer than|more than"):
            evaluate(source, {})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000


@pytest.mark.parametrize(
    ("script", "fragment"),
    [
        ("a = [1]\n" + "a = [a, a]\n" * 40, "value too large"),  # doubling through shared references
        ("a = [0] * 10000\n" + "a[0] = [a, a]\n" * 60, "value too large"),  # growth by item assignment
        ("t = [[0] * 1000] * 120\n" + "b = t\n" * 100, "too much work"),  # many near-limit copies
        ("s = 'x' * 90000\n" + "b = s\n" * 100, "too much work"),  # many stored strings
        ("a = 'x' * 100000\nb = a + a", "longer than 100,000 characters"),
    ],
)
def test_scripts_cannot_grow_values_without_bound(script: str, fragment: str) -> None:
    data: dict[str, Any] = {}
    with pytest.raises(ExpressionError, match=fragment):
        execute(script, data)
    assert all(len(repr(value)) < 10_000_000 for value in data.values())


def test_item_assignment_never_builds_a_cycle() -> None:
    data: dict[str, Any] = {}
    execute("a = [0]\na[0] = a\nb = str(a)", data)
    assert data["a"] == [[0]]
    assert data["b"] == "[[0]]"


@pytest.mark.parametrize(
    "source",
    [
        "n" + " + n" * 6000,  # over 10,000 characters
        "-" * 60 + "1",  # nested deeper than 50
        "[" * 60 + "]" * 60,
        "-" * 9000 + "1",  # too deep for Python's own parser
        "a\0b",
    ],
)
def test_source_limits(source: str) -> None:
    with pytest.raises(UnsafeCodeError):
        check_expression(source)
    with pytest.raises(UnsafeCodeError):
        evaluate(source, DATA)


# ---------------------------------------------------------------------------------- deploy-time helpers
@pytest.mark.parametrize(
    ("source", "names"),
    [
        ('decision == "approve"', {"decision"}),
        ("get(published_counts, group_code, 0) > limit", {"published_counts", "group_code", "limit"}),
        ('defined("optional") and len(attachments) > 0', {"attachments"}),
        ('"P14D"', set()),
        ("a = b + 1\nc = a + d\nx[k] = a", {"b", "d", "x", "k"}),
        ("a = a + 1", {"a"}),
    ],
)
def test_referenced_names(source: str, names: set[str]) -> None:
    assert referenced_names(source) == frozenset(names)


@pytest.mark.parametrize(
    ("source", "construct"), [("x.y", "attribute access"), ("import os", "import statements")]
)
def test_referenced_names_checks_safety(source: str, construct: str) -> None:
    with pytest.raises(UnsafeCodeError, match=construct):
        referenced_names(source)


def test_translation_is_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_parse = ast.parse

    def counting_parse(source: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(source)
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(ast, "parse", counting_parse)
    source = 'decision == "cache-probe-1"'
    for _ in range(3):
        assert evaluate(source, DATA) is False
    assert calls == [source]
