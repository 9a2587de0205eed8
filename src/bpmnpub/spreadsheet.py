"""CSV that a spreadsheet opens as data, never as formulas: every CSV the app produces is written here.

Excel, LibreOffice and Google Sheets run a cell that starts with = + - or @ as a formula (a tab or a
carriage return first still does, and so do the full-width forms some Thai and CJK input methods type):
a title `=cmd|' /C calc'!A0` would run a command on the assessor's computer. Such a cell gets a leading
apostrophe, which spreadsheets show as text and do not display (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
BOM = "\ufeff"  # without it Excel reads UTF-8 Thai as mojibake


def safe_cell(value: Any) -> Any:
    """A text cell that would start a formula, prefixed with '; numbers and other text as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: Iterable[Iterable[Any]], *, bom: bool = True) -> str:
    """Rows as CSV text (UTF-8 with a byte order mark by default), every cell through `safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return (BOM if bom else "") + out.getvalue()
