"""Bar charts drawn in Python, no JavaScript: the same markup goes into the PDF and into the staff pages.

Each chart is a small HTML table whose bars are inline SVG. Words stay in HTML on purpose: WeasyPrint
draws SVG text glyph by glyph, without Thai shaping, so a tone mark in an SVG label lands beside its
consonant instead of above it; HTML text is shaped like the rest of the page. Only digits (which need
no shaping) are drawn inside the SVG.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ..thaidate import thai_digits

COLOURS = ("#1f5f99", "#c8102e", "#6a9f3a", "#d98c1f")
BAR_AREA = 300  # SVG user units for the longest bar; its value is printed after it
BAR_HEIGHT = 9
GAP = 2


@dataclass(frozen=True)
class BarRow:
    label: str
    values: tuple[int, ...]  # one per series


def bar_chart(title: str, series: Sequence[str], rows: Sequence[BarRow], *, thai: bool = False) -> str:
    """Horizontal bars, one group per row (a bar per series) labelled with its value; the scale is the
    largest value. A chart without rows says so."""
    largest = max((v for row in rows for v in row.values), default=0) or 1

    def number(value: int) -> str:
        return thai_digits(str(value)) if thai else str(value)

    def words(text: str) -> str:
        return escape(thai_digits(text) if thai else text)

    parts = [f'<figure class="bar-chart"><figcaption>{words(title)}</figcaption>']
    if len(series) > 1:
        keys = "".join(
            f'<span class="key"><svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">'
            f'<rect width="10" height="10" fill="{COLOURS[i % len(COLOURS)]}"/></svg> {escape(name)}</span> '
            for i, name in enumerate(series)
        )
        parts.append(f'<p class="legend">{keys}</p>')
    if not rows:
        parts.append('<p class="empty">ไม่มีข้อมูลในรอบนี้</p></figure>')
        return "".join(parts)
    parts.append('<table class="bars">')
    height = len(series) * (BAR_HEIGHT + GAP) + GAP
    for row in rows:
        bars = []
        for i, value in enumerate(row.values):
            y = GAP + i * (BAR_HEIGHT + GAP)
            length = max(value / largest * BAR_AREA, 1.0 if value else 0.0)
            bars.append(
                f'<rect x="0" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{COLOURS[i % len(COLOURS)]}"/>'
                f'<text x="{length + 4:.1f}" y="{y + BAR_HEIGHT - 1}" font-size="10">{number(value)}</text>'
            )
        summary = ", ".join(f"{name} {number(v)}" for name, v in zip(series, row.values, strict=False))
        parts.append(
            f'<tr><th scope="row">{words(row.label)}</th><td>'
            f'<svg role="img" viewBox="0 0 {BAR_AREA + 40} {height}" '
            f'width="{BAR_AREA + 40}" height="{height}">'
            f"<title>{escape(row.label)}: {escape(summary)}</title>{''.join(bars)}</svg></td></tr>"
        )
    parts.append("</table></figure>")
    return "".join(parts)
