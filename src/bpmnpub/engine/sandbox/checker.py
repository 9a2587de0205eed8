"""The checker: parse source with :mod:`ast`, check every node against the whitelist and translate it.

Checking and translating are one walk: :class:`Compiler` rejects what is not allowed with an
:class:`~.errors.UnsafeCodeError` (message and 1-based position in the source as given) and otherwise
asks :mod:`.nodes` for the closure of each construct.  Results are cached per source string.
"""

from __future__ import annotations

import ast
import functools
import textwrap
from typing import Any, NoReturn

from . import nodes
from .errors import Fail, Pos, UnsafeCodeError
from .functions import ALLOWED_FUNCTIONS
from .limits import MAX_DEPTH, MAX_INT, MAX_SOURCE_LENGTH, SCALARS, Frame
from .nodes import Code, Store

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
_DISPLAYS: dict[type[ast.expr], type] = {ast.List: list, ast.Tuple: tuple, ast.Set: set}


class Compiler:
    """Checks an AST against the whitelist while translating it into closures."""

    def __init__(self, line_shift: int = 0, first_col_shift: int = 0, col_shift: int = 0) -> None:
        self.line_shift, self.first_col_shift, self.col_shift = line_shift, first_col_shift, col_shift
        self.reads: set[str] = set()
        self.assigned: set[str] = set()
        self.constants: set[Code] = set()  # closures that return a literal value

    def position(self, line: int | None, col: int | None) -> Pos:
        """1-based position in the source as given (*col* is 1-based in the parsed text)."""
        if line is None:
            return None, None
        if col is not None:
            col += self.col_shift + (self.first_col_shift if line == 1 else 0)
        return line + self.line_shift, col

    def pos(self, node: ast.AST) -> Pos:
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
    def expr(self, node: ast.AST, depth: int) -> Code:
        if depth > MAX_DEPTH:
            self.reject(node, f"expression nested too deeply (more than {MAX_DEPTH} levels)")
        depth += 1
        pos = self.pos(node)
        if isinstance(node, ast.Constant):
            value = node.value
            if type(value) not in SCALARS:
                self.reject(node, f"{type(value).__name__} literals are not allowed")
            if type(value) is int and not -MAX_INT <= value <= MAX_INT:
                self.reject(node, "integer literals larger than 10**100 are not allowed")
            return self.constant(value)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            elts = [self.expr(e, depth) for e in node.elts]
            return self.fold(elts, nodes.display(_DISPLAYS[type(node)], elts, pos))
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                self.reject(node, "dict unpacking (**) is not allowed")
            pairs = [
                (self.expr(k, depth), self.expr(v, depth))
                for k, v in zip(node.keys, node.values, strict=True)
                if k
            ]
            return self.fold([c for pair in pairs for c in pair], nodes.dictionary(pairs, pos))
        if isinstance(node, ast.BinOp):
            return self.binop(node, depth, pos)
        if isinstance(node, ast.UnaryOp):
            return self.unaryop(node, depth, pos)
        if isinstance(node, ast.BoolOp):
            values = [self.expr(v, depth) for v in node.values]
            return nodes.boolop(isinstance(node.op, ast.And), values)
        if isinstance(node, ast.Compare):
            return self.compare(node, depth, pos)
        if isinstance(node, ast.IfExp):
            test, body, orelse = (self.expr(n, depth) for n in (node.test, node.body, node.orelse))
            return nodes.if_else(test, body, orelse)
        if isinstance(node, ast.Subscript):
            return nodes.subscript(self.expr(node.value, depth), self.expr(node.slice, depth), pos)
        if isinstance(node, ast.Slice):
            lower, upper, step = (
                self.expr(n, depth) if n else None for n in (node.lower, node.upper, node.step)
            )
            return nodes.slice_of(lower, upper, step)
        if isinstance(node, ast.Call):
            return self.call(node, depth, pos)
        if isinstance(node, ast.Attribute):
            attr = node.attr
            hint = f"; write {attr}(x) instead of x.{attr}()" if attr in ALLOWED_FUNCTIONS else ""
            return self.reject(
                node, f"attribute access (.{attr}) is not allowed: it can reach Python internals{hint}"
            )
        return self.forbidden(node, _EXPR_REASON)

    def name(self, node: ast.Name) -> Code:
        name = node.id
        self.check_name(node, name)
        if name not in self.assigned:
            self.reads.add(name)
        return nodes.load_name(name, self.pos(node))

    def fold(self, parts: list[Code], code: Code) -> Code:
        """Compute a display or sign made only of literals once, at check time.

        Sharing the value is safe: nothing mutates a value in place except item assignment, whose target
        is rooted at a data name, and stores and results are copies."""
        if not all(part in self.constants for part in parts):
            return code
        try:
            value = code(Frame({}, None))
        except Fail:
            return code
        return self.constant(value)

    def constant(self, value: Any) -> Code:
        code: Code = lambda fr: value  # noqa: E731
        self.constants.add(code)
        return code

    def binop(self, node: ast.BinOp, depth: int, pos: Pos) -> Code:
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
        left, right = self.expr(node.left, depth), self.expr(node.right, depth)
        return nodes.binop(type(node.op), left, right, pos)

    def unaryop(self, node: ast.UnaryOp, depth: int, pos: Pos) -> Code:
        if isinstance(node.op, ast.Invert):
            self.reject(node, "the ~ operator is not allowed")
        operand = self.expr(node.operand, depth)
        if isinstance(node.op, ast.Not):
            return nodes.negation(operand)
        return self.fold([operand], nodes.sign(isinstance(node.op, ast.USub), operand, pos))

    def compare(self, node: ast.Compare, depth: int, pos: Pos) -> Code:
        operands = [node.left, *node.comparators]
        for i, op in enumerate(node.ops):
            if isinstance(op, (ast.Is, ast.IsNot)) and not any(
                isinstance(n, ast.Constant) and n.value is None for n in operands[i : i + 2]
            ):
                self.reject(
                    node, "'is' is only allowed as 'is None' / 'is not None' (use == to compare values)"
                )
        codes = [self.expr(n, depth) for n in operands]
        return nodes.compare([type(op) for op in node.ops], codes, pos)

    def call(self, node: ast.Call, depth: int, pos: Pos) -> Code:
        if not isinstance(node.func, ast.Name):
            self.expr(node.func, depth)  # rejects attribute access, lambdas, ... with a specific message
            self.reject(node, "only the allowed functions may be called, by name")
        fname = node.func.id
        self.check_name(node.func, fname)
        if fname == "defined":
            arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
            if not (isinstance(arg, ast.Constant) and type(arg.value) is str):
                self.reject(node, 'defined() takes exactly one string literal, like defined("name")')
            return nodes.defined(arg.value)
        if fname not in ALLOWED_FUNCTIONS:
            self.reject(
                node,
                f"calling '{fname}' is not allowed: only these functions may be called: "
                f"{', '.join(sorted(ALLOWED_FUNCTIONS))}, defined",
            )
        for kw in node.keywords:
            if kw.arg is None:
                self.reject(kw, "keyword argument unpacking (**) is not allowed")
            self.check_name(kw, kw.arg)
        args = [self.expr(a, depth) for a in node.args]  # a Starred argument is rejected here
        kwargs = [(kw.arg, self.expr(kw.value, depth)) for kw in node.keywords if kw.arg]
        return nodes.call(fname, ALLOWED_FUNCTIONS[fname], args, kwargs, pos)

    # -- statements
    def statement(self, node: ast.stmt) -> Code | None:
        if isinstance(node, ast.Pass):
            return None
        if not isinstance(node, ast.Assign):
            self.forbidden(node, _STMT_REASON)
        value = self.expr(node.value, 1)
        targets = [self.target(t) for t in node.targets]
        self.assigned.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return nodes.assignment(value, targets, self.pos(node))

    def target(self, node: ast.expr) -> Store:
        if isinstance(node, ast.Name):
            self.check_name(node, node.id)
            return nodes.store_name(node.id)
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
        return nodes.store_item(root_name, container, index, pos)


class Program:
    """A checked source: the closure to run and the names it reads."""

    __slots__ = ("names", "run")

    def __init__(self, run: Code, names: frozenset[str]) -> None:
        self.run, self.names = run, names


@functools.lru_cache(maxsize=4096)
def compile_source(source: str, mode: str) -> Program:
    """Check and translate *source* (``mode`` "eval" or "exec"); raises UnsafeCodeError."""
    if len(source) > MAX_SOURCE_LENGTH:
        raise UnsafeCodeError(f"source is too long ({len(source):,} characters, limit {MAX_SOURCE_LENGTH:,})")
    if mode == "eval":  # conditions in XML often carry surrounding whitespace and newlines
        text = source.strip()
        skipped = source[: len(source) - len(source.lstrip())]
        compiler = Compiler(skipped.count("\n"), len(skipped) - skipped.rfind("\n") - 1)
    else:
        text = textwrap.dedent(source)
        first = next((line for line in source.splitlines() if line.strip()), "")
        compiler = Compiler(col_shift=len(first) - len(first.lstrip()) if text != source else 0)
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        message = exc.msg if exc.msg.startswith("invalid syntax") else f"invalid syntax: {exc.msg}"
        raise UnsafeCodeError(message, *compiler.position(exc.lineno, exc.offset)) from exc
    except (ValueError, MemoryError, RecursionError) as exc:
        raise UnsafeCodeError(f"source is too complex or invalid: {exc or type(exc).__name__}") from None
    if isinstance(tree, ast.Expression):
        return Program(compiler.expr(tree.body, 1), frozenset(compiler.reads))
    assert isinstance(tree, ast.Module)
    steps = [s for s in (compiler.statement(node) for node in tree.body) if s is not None]
    return Program(nodes.sequence(steps), frozenset(compiler.reads))


def program(source: str, mode: str) -> Program:
    """:func:`compile_source`, after checking that *source* is a string."""
    if not isinstance(source, str):
        raise UnsafeCodeError(f"source must be a string, not {type(source).__name__}")
    return compile_source(source, mode)


def check_expression(source: str) -> None:
    """Raise UnsafeCodeError unless *source* is an allowed expression (see the package docstring)."""
    program(source, "eval")


def check_script(source: str) -> None:
    """Raise UnsafeCodeError unless *source* is an allowed script: assignments and ``pass`` only."""
    program(source, "exec")


def referenced_names(source: str) -> frozenset[str]:
    """Names an expression or script reads (from data or extra).  Not included: names a script assigns
    before reading them, ``defined("x")`` probes, function names.  Raises UnsafeCodeError like the checks."""
    try:
        return program(source, "eval").names
    except UnsafeCodeError as exc:
        if not isinstance(exc.__cause__, SyntaxError):  # a valid expression that is not allowed
            raise
        try:
            return program(source, "exec").names
        except UnsafeCodeError as script_exc:
            if isinstance(script_exc.__cause__, SyntaxError):
                raise exc from None  # neither: report the expression's syntax error
            raise
