"""The office's six-monthly report (seed 000 §4) as a memo to the director: HTML, PDF, CSV and XLSX.

Plain values in: every figure is already computed and every text already written (Buddhist-era dates,
Arabic digits). The PDF prints Thai digits when the office does; CSV and XLSX keep numbers as numbers
so they can be added up. Charts arrive as markup made by `charts.py` (HTML with SVG bars).

The stylesheet names Laksaman alone (then `serif`), not the memo's "TH Sarabun New" fallback:
fonts-thai-tlwg's fontconfig rule 89-tlwg-laksaman-synthetic.conf gives Laksaman a 0.66 matrix
whenever the requested family list *contains* "TH Sarabun", wherever it stands in the list, so every
glyph was drawn at 66 % (ข้าพเจ้า at 16 pt: 48.75 pt wide with Laksaman alone, 32.1 pt with the
fallback; issue 10, item 1). The text layer is mended as the memo's is (`pdftext.py`).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..spreadsheet import to_csv
from ..thaidate import thai_digits
from .memo import TEMPLATES
from .pdftext import mend_text_maps

Cell = str | int | float | None
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    """A table of the report; the same rows go to the PDF, the CSV and the XLSX."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None  # a last row in bold
    sheet: str = ""  # the XLSX sheet's name (31 characters at most)


@dataclass(frozen=True)
class GroupNote:
    """What a group said about its half year, and the figure it states beside the system's."""

    group: str
    reporter: str  # name and position, or why nobody has yet
    via_deputy: bool
    system_published: int
    corrected_published: int | None
    correction_reason: str
    results: str
    problems: str
    suggestions: str


@dataclass(frozen=True)
class EvaluationNote:
    measure: str  # 3.2(5) or 3.3(6)
    title: str
    group: str
    date: str
    result: str
    lessons: str


@dataclass(frozen=True)
class ReportDocument:
    title: str  # the PDF's title
    office_unit: str  # ส่วนราชการ
    date: str  # วันที่ (long Buddhist-era date)
    subject: str  # เรื่อง
    to: str  # เรียน
    period: str  # the fiscal half in words
    paragraphs: tuple[str, ...]
    tables: tuple[Table, ...]
    charts: tuple[str, ...]  # SVG markup
    groups: tuple[GroupNote, ...]
    evaluations: tuple[EvaluationNote, ...]
    summary: str  # the compiler's summary
    closing: str
    signer_name: str
    signer_position: str
    footer: str
    notes: tuple[str, ...] = ()  # e.g. which groups the deputy director reported for, and why
    evaluations_heading: str = "ผลการประเมินการเผยแพร่ ตามมาตรการ ข้อ 3.2 (5) และ 3.3 (6)"
    thai_digits: bool = True


def render_html(report: ReportDocument) -> str:
    """The report as one HTML page with its stylesheet inline (what the PDF is made from)."""
    template = _environment(report.thai_digits).get_template("report.html")
    return template.render(
        report=report,
        charts=[Markup(svg) for svg in report.charts],  # noqa: S704 - made by charts.py, text escaped there
        counter_style="thai" if report.thai_digits else "decimal",
    )


def render_pdf(report: ReportDocument) -> bytes:
    """The report as an A4 PDF with its fonts embedded; it loads nothing from outside."""
    from weasyprint import HTML  # half a second to import: only printing needs it

    pdf: bytes = HTML(string=render_html(report), url_fetcher=_refusing()).write_pdf(finisher=mend_text_maps)
    return pdf


def render_csv(report: ReportDocument) -> bytes:
    """Every table one after another (title line, header, rows), UTF-8 with a BOM so Excel reads Thai;
    written by the one CSV writer (`bpmnpub.spreadsheet`), which escapes cells that would be formulas."""
    rows: list[list[Any]] = [[report.title], [report.period]]
    for table in report.tables:
        rows += [[], [table.title], list(table.headers)]
        for row in (*table.rows, *([table.total] if table.total else [])):
            rows.append(["" if c is None else c for c in row])
    return to_csv(rows).encode("utf-8")


def render_xlsx(report: ReportDocument) -> bytes:
    """One sheet per table, numbers stored as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for index, table in enumerate(report.tables, 1):
        name = SHEET_NAME.sub(" ", table.sheet or table.title)[:31] or f"ตาราง {index}"
        sheet = book.create_sheet(name)
        sheet.append([_safe(table.title)])
        sheet.append([_safe(report.period)])
        sheet.append([_safe(h) for h in table.headers])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_xlsx_cell(c) for c in row])
        if table.total:
            sheet.append([_xlsx_cell(c) for c in table.total])
            for cell in sheet[sheet.max_row]:
                cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 42
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


def _xlsx_cell(cell: Cell) -> Any:
    return _safe(cell) if isinstance(cell, str) else cell


def _shown(cell: Cell) -> str:
    if cell is None:
        return "–"
    if isinstance(cell, float):
        return f"{cell:.1f}"
    return str(cell)


def _typesetting(thai: bool) -> Any:
    def finalize(value: Any) -> Any:
        if value is None or (isinstance(value, (str, int, float)) and not isinstance(value, (bool, Markup))):
            return thai_digits(_shown(value)) if thai else _shown(value)
        return value

    return finalize


@cache
def _environment(thai: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_typesetting(thai),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _refusing() -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Nothing(URLFetcher):  # type: ignore[misc]
        """Refuses every URL (files, http, data): text typed into a report makes the renderer read nothing."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            raise ValueError(f"the report loads nothing, not {url[:80]!r}")

    return Nothing()
