"""Where a PDF draws its words, measured the way a viewer places glyphs, against the embedded font.

A viewer advances the pen by the widths the PDF gives each glyph (the CID font's /W, in font size
units, plus the TJ adjustments), while the glyph itself is drawn from the embedded font file. When
the two disagree the letters overlap or drift apart, and `pdftotext` still reads the text back
perfectly; so these helpers measure each word twice: its drawn advance (pen positions from the
content stream, through the text and graphics matrices, in points) and the sum of the advances the
embedded font itself gives its glyphs (fontTools, `hmtx`; marks count zero, as a shaper sets them).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]  # no stubs
from pypdf import PdfReader
from pypdf.generic import ContentStream, NumberObject

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


@dataclass(frozen=True)
class Word:
    text: str
    page: int
    x: float  # where its first glyph is drawn, in points from the page's left edge
    y: float  # its baseline, in points from the page's top edge
    size: float  # the font size as drawn, in points
    font: str  # the font's name without its subset prefix
    drawn: float  # the advance the PDF gives it, in points
    by_font: float  # the advance its embedded font gives it at that size, in points


@dataclass(frozen=True)
class Rectangle:
    page: int
    x: float  # its left edge, in points from the page's left edge
    y: float  # its top edge, in points from the page's top edge
    width: float
    height: float
    color: tuple[float, ...]  # the fill colour, as the PDF gives it (RGB from 0 to 1)


@dataclass
class _Font:
    name: str
    widths: dict[int, float]  # /W: glyph id -> width in 1/1000 of the font size
    default_width: float
    advances: dict[int, float]  # the embedded font: glyph id -> advance in 1/1000 of an em
    text: dict[int, str]  # /ToUnicode
    spaces: set[int]  # glyphs that separate words: space, no-break space

    def width(self, gid: int) -> float:
        return self.widths.get(gid, self.default_width)


@dataclass
class _State:
    ctm: Matrix = IDENTITY
    fill: tuple[float, ...] = (0.0, 0.0, 0.0)
    stack: list[tuple[Matrix, tuple[float, ...]]] = field(default_factory=list)
    tm: Matrix = IDENTITY  # the text matrix; pen moves along its x axis
    line: Matrix = IDENTITY
    font: _Font | None = None
    size: float = 0.0
    char_spacing: float = 0.0
    scale: float = 1.0


def words(pdf: bytes) -> list[Word]:
    """Every word the PDF draws, page by page, in drawing order. A word is a run of glyphs of one
    font between spaces (a tick box in another font is a word of its own)."""
    return [w for walker in _walk(pdf) for w in walker.words]


def filled_rectangles(pdf: bytes) -> list[Rectangle]:
    """Every rectangle the PDF fills (`re` then a fill), where it lands on the page."""
    return [r for walker in _walk(pdf) for r in walker.rectangles]


def _walk(pdf: bytes) -> list[_Walker]:
    reader = PdfReader(io.BytesIO(pdf))
    walkers = []
    for number, page in enumerate(reader.pages, start=1):
        fonts = {
            key: _font(value.get_object()) for key, value in (page["/Resources"].get("/Font") or {}).items()
        }
        walker = _Walker(number, float(page.mediabox.height), fonts)
        walker.run(ContentStream(page.get_contents(), reader).operations)
        walkers.append(walker)
    return walkers


class _Walker:
    def __init__(self, page: int, height: float, fonts: dict[str, _Font]) -> None:
        self.page, self.height, self.fonts = page, height, fonts
        self.words: list[Word] = []
        self.rectangles: list[Rectangle] = []
        self.path: list[tuple[float, float, float, float]] = []  # rectangles of the path being built
        self.state = _State()
        self.glyphs: list[int] = []
        self.start: tuple[float, float] | None = None
        self.end: tuple[float, float] = (0.0, 0.0)
        self.pen = 0.0  # along the text matrix's x axis, in text space units

    def run(self, operations: list[tuple[list[Any], bytes]]) -> None:
        s = self.state
        for operands, operator in operations:
            if operator == b"q":
                s.stack.append((s.ctm, s.fill))
            elif operator == b"Q":
                s.ctm, s.fill = s.stack.pop()
            elif operator == b"rg":
                s.fill = tuple(float(v) for v in operands)
            elif operator == b"re":
                self._rectangle([float(v) for v in operands])
            elif operator in (b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*"):
                self.rectangles.extend(
                    Rectangle(self.page, x0, self.height - y1, x1 - x0, y1 - y0, s.fill)
                    for x0, y0, x1, y1 in self.path
                )
                self.path = []
            elif operator in (b"n", b"S", b"s"):
                self.path = []
            elif operator == b"cm":
                s.ctm = _multiply(_matrix(operands), s.ctm)
            elif operator in (b"BT", b"ET"):
                self._close()
                s.tm = s.line = IDENTITY
                self.pen = 0.0
            elif operator == b"Tm":
                self._close()
                s.tm = s.line = _matrix(operands)
                self.pen = 0.0
            elif operator in (b"Td", b"TD"):
                self._close()
                s.line = _multiply((1, 0, 0, 1, float(operands[0]), float(operands[1])), s.line)
                s.tm = s.line
                self.pen = 0.0
            elif operator == b"Tf":
                self._close()
                s.font, s.size = self.fonts.get(str(operands[0])), float(operands[1])
            elif operator == b"Tc":
                s.char_spacing = float(operands[0])
            elif operator == b"Tz":
                s.scale = float(operands[0]) / 100
            elif operator == b"Tj":
                self._show([operands[0]])
            elif operator == b"TJ":
                self._show(list(operands[0]))
        self._close()

    def _show(self, items: list[Any]) -> None:
        s = self.state
        if s.font is None:
            return
        for item in items:
            if isinstance(item, (int, float)):
                self.pen -= float(item) / 1000 * s.size * s.scale
                # WeasyPrint writes a glyph's kerning after it as an integer, and the offset of the
                # glyph that follows (a mark moved sideways, or an empty glyph such as a word joiner
                # with the stretch justification gave it) before that glyph as a decimal: only the
                # first belongs to the word so far.
                if self.start is not None and isinstance(item, NumberObject):
                    self.end = self._point()
                continue
            data = bytes(item.original_bytes if hasattr(item, "original_bytes") else item)
            for i in range(0, len(data) - 1, 2):
                gid = int.from_bytes(data[i : i + 2], "big")
                if gid in s.font.spaces:
                    self._close()
                else:
                    if self.start is None:
                        self.start = self._point()
                    self.glyphs.append(gid)
                self.pen += (s.font.width(gid) / 1000 * s.size + s.char_spacing) * s.scale
                if self.start is not None:
                    self.end = self._point()

    def _rectangle(self, operands: list[float]) -> None:
        x, y, w, h = operands
        corners = [
            _apply(self.state.ctm, px, py) for px, py in ((x, y), (x + w, y), (x, y + h), (x + w, y + h))
        ]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        self.path.append((min(xs), min(ys), max(xs), max(ys)))

    def _point(self) -> tuple[float, float]:
        return _apply(_multiply(self.state.tm, self.state.ctm), self.pen, 0.0)

    def _close(self) -> None:
        s = self.state
        if self.start is not None and self.glyphs and s.font is not None:
            full = _multiply(s.tm, s.ctm)
            points = abs(full[0] * full[3] - full[1] * full[2]) ** 0.5 * s.size  # the size in points
            (x0, y0), (x1, y1) = self.start, self.end
            self.words.append(
                Word(
                    text="".join(s.font.text.get(g, "\ufffd") for g in self.glyphs),
                    page=self.page,
                    x=x0,
                    y=self.height - y0,
                    size=points,
                    font=s.font.name,
                    drawn=((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5,
                    by_font=sum(s.font.advances.get(g, 0.0) for g in self.glyphs) / 1000 * points,
                )
            )
        self.glyphs, self.start = [], None


def _font(font: Any) -> _Font:
    descendant = font["/DescendantFonts"][0].get_object()
    widths: dict[int, float] = {}
    entries = list(descendant.get("/W", []))
    i = 0
    while i < len(entries):
        first = int(entries[i])
        if isinstance(entries[i + 1], list):
            for offset, width in enumerate(entries[i + 1]):
                widths[first + offset] = float(width)
            i += 2
        else:  # c_first c_last width
            for gid in range(first, int(entries[i + 1]) + 1):
                widths[gid] = float(entries[i + 2])
            i += 3
    text: dict[int, str] = {}
    if "/ToUnicode" in font:
        cmap = font["/ToUnicode"].get_object().get_data()
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
            for gid, utf16 in _BFCHAR.findall(block):
                text[int(gid, 16)] = bytes.fromhex(utf16.decode()).decode("utf-16-be")
    advances, spaces = _embedded(descendant["/FontDescriptor"].get_object())
    return _Font(
        name=str(font["/BaseFont"]).lstrip("/").split("+")[-1],
        widths=widths,
        default_width=float(descendant.get("/DW", 1000)),
        advances=advances,
        text=text,
        spaces=spaces | {gid for gid, chars in text.items() if chars.isspace()},
    )


def _embedded(descriptor: Any) -> tuple[dict[int, float], set[int]]:
    """The embedded TrueType font's advances (1/1000 em; zero for marks) and its space glyphs."""
    face = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
    upem = face["head"].unitsPerEm
    marks: set[str] = set()
    if "GDEF" in face and face["GDEF"].table.GlyphClassDef is not None:
        marks = {name for name, kind in face["GDEF"].table.GlyphClassDef.classDefs.items() if kind == 3}
    order = face.getGlyphOrder()
    metrics = face["hmtx"].metrics
    advances = {
        gid: 0.0 if name in marks else metrics[name][0] * 1000 / upem for gid, name in enumerate(order)
    }
    cmap = face.getBestCmap() or {}
    return advances, {order.index(cmap[c]) for c in (0x20, 0xA0) if c in cmap}


def _matrix(operands: list[Any]) -> Matrix:
    a, b, c, d, e, f = (float(v) for v in operands)
    return (a, b, c, d, e, f)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector convention: [x y 1] x m x n)."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return (x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
