"""Bar charts as inline SVG, drawn in Python: the same markup goes into the PDF (WeasyPrint draws SVG)
and into the staff pages, with no JavaScript and nothing fetched."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ..thaidate import thai_digits

COLOURS = ("#1f5f99", "#c8102e", "#6a9f3a", "#d98c1f")
WIDTH = 640
LABEL_WIDTH = 230
ROW_HEIGHT = 22
BAR_GAP = 2
LABEL_CHARS = 34


@dataclass(frozen=True)
class BarRow:
    label: str
    values: tuple[int, ...]  # one per series


def bar_chart(
    title: str, series: Sequence[str], rows: Sequence[BarRow], *, thai: bool = False, font: str = "Laksaman"
) -> str:
    """Horizontal bars, one group of bars per row (one bar per series), each bar labelled with its value;
    the scale is the largest value. A chart with no rows says so."""
    count = max(len(series), 1)
    bar = (ROW_HEIGHT - BAR_GAP * (count + 1)) / count
    top = 30 + (18 if len(series) > 1 else 0)
    height = top + max(len(rows), 1) * ROW_HEIGHT + 10
    largest = max((v for row in rows for v in row.values), default=0) or 1
    scale = (WIDTH - LABEL_WIDTH - 50) / largest

    def number(value: int) -> str:
        return thai_digits(str(value)) if thai else str(value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}" font-family="{escape(font)}" font-size="13">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    if len(series) > 1:
        x = LABEL_WIDTH
        for i, name in enumerate(series):
            parts.append(f'<rect x="{x}" y="26" width="12" height="12" fill="{COLOURS[i % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + 16}" y="37">{escape(name)}</text>')
            x += 20 + 9 * len(name)
    if not rows:
        parts.append(f'<text x="{LABEL_WIDTH}" y="{top + 15}" fill="#555">ไม่มีข้อมูลในรอบนี้</text>')
    for r, row in enumerate(rows):
        y = top + r * ROW_HEIGHT
        label = row.label if len(row.label) <= LABEL_CHARS else row.label[: LABEL_CHARS - 1] + "…"
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + ROW_HEIGHT / 2 + 4:.1f}" text-anchor="end">'
            f"<title>{escape(row.label)}</title>{escape(label)}</text>"
        )
        for i, value in enumerate(row.values):
            by = y + BAR_GAP + i * (bar + BAR_GAP)
            length = max(value * scale, 1 if value else 0)
            colour = COLOURS[i % len(COLOURS)]
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{by:.1f}" width="{length:.1f}" height="{bar:.1f}" '
                f'fill="{colour}"/>'
            )
            parts.append(
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{by + bar - 1:.1f}" font-size="11">'
                f"{number(value)}</text>"
            )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{top - 2}" x2="{LABEL_WIDTH}" y2="{height - 8:.0f}" stroke="#333"/>'
    )
    parts.append("</svg>")
    return "".join(parts)
