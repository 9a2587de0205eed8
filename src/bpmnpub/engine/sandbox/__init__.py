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
* ``working_days(n, start=None)``: ISO date-time text of the office's close (16:30 Bangkok) on the
  ``n``-th working day after ``start`` (an ISO date or date-time; omitted: the moment of the engine call,
  i.e. when a timer starts). Weekends, Thai public holidays and the office's closure days do not count
  (``bpmnpub.engine.workdays``). For ``timeDate`` timers: ``working_days(2, activity_date)``.

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

Package layout
--------------
This package owns the language and nothing else; it imports only the standard library (never the rest of
bpmnpub, SpiffWorkflow, Flask or SQLAlchemy) and nothing in it may call ``eval``/``exec``/``compile``.
Imports point one way, each module only to the ones listed after it:

* :mod:`.interpreter`: :func:`evaluate` and :func:`execute`, the boundary where failures become
  :class:`ExpressionError`;
* :mod:`.checker`: parse, whitelist and translate (cached); :func:`check_expression`,
  :func:`check_script`, :func:`referenced_names`;
* :mod:`.nodes`: what each construct does at run time (the closures the checker builds);
* :mod:`.functions`: :data:`ALLOWED_FUNCTIONS`;
* :mod:`.limits`: the ``MAX_*`` limits, plain values and the size and work accounting;
* :mod:`.errors`: :class:`SandboxError` and its subclasses.
"""

from __future__ import annotations

from .checker import check_expression, check_script, referenced_names
from .errors import ExpressionError, SandboxError, UnsafeCodeError
from .functions import ALLOWED_FUNCTIONS
from .interpreter import evaluate, execute
from .limits import MAX_DEPTH as MAX_DEPTH
from .limits import MAX_INT as MAX_INT
from .limits import MAX_ITEMS as MAX_ITEMS
from .limits import MAX_SOURCE_LENGTH as MAX_SOURCE_LENGTH
from .limits import MAX_STRING_LENGTH as MAX_STRING_LENGTH
from .limits import MAX_VALUE_SIZE as MAX_VALUE_SIZE
from .limits import MAX_WORK as MAX_WORK

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
