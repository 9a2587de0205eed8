"""Numbers typed into query strings and HTML forms, read one way everywhere.

`str.isdigit()` is true for "²" and "๑๒", which `int()` then refuses or reads as a number no database
column holds: a whole number here is 1 to 18 ASCII or Thai digits, within the range asked for.
"""

from __future__ import annotations

import re

from flask import request

MAX_PAGE = 100_000
MAX_ID = 2**31 - 1  # an id column (INTEGER on PostgreSQL): no row has a larger id
_WHOLE = re.compile(r"[0-9]{1,18}", re.ASCII)
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def whole(raw: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """The whole number `raw` spells, when it is one within [low, high]; otherwise None."""
    text = (raw or "").strip().translate(_THAI_DIGITS)
    if not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def page_number() -> int:
    """?page=N; 1 when absent, not a whole number or out of range (a wrong page is not worth an error)."""
    return whole(request.args.get("page"), low=1, high=MAX_PAGE) or 1
