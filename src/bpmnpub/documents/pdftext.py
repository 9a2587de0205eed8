"""Text that can be copied out of a Thai PDF: mending the glyph-to-text maps WeasyPrint writes.

WeasyPrint maps each glyph to the text it was first drawn for (Kozea/WeasyPrint#2841, open in 70).
Thai fonts reuse glyphs across characters: SARA AM is drawn as NIKHAHIT + SARA AA, a tone mark over
a consonant without an upper vowel is a lowered variant, so text copied from a memo read
"ผู้อานวยการ" or "ผู้อำนวยกำร" depending on which word came first. This finisher rewrites each map
from the embedded font's own cmap: a glyph that stands for a character maps to that character, and
the shifted variants Thai fonts reach through the Windows private-use code points map to the
character they shift. The copied text is then the printed text up to Unicode normalization (NFKC):
ำ reads as ํา, and marks may come in another (canonically equivalent) order.
"""

from __future__ import annotations

import io
import re
from typing import Any

from fontTools.ttLib import TTFont, TTLibError  # type: ignore[import-untyped]  # no stubs

# The Windows Thai private-use glyph variants (as HarfBuzz's Thai shaper uses them) -> the character.
_SHIFTED = dict(
    zip(
        range(0xF700, 0xF71B),
        (
            "\u0e10\u0e34\u0e35\u0e36\u0e37"  # F700-F704: ฐ without its tail, upper vowels shifted left
            "\u0e48\u0e49\u0e4a\u0e4b\u0e4c"  # F705-F709: tone marks down and left
            "\u0e48\u0e49\u0e4a\u0e4b\u0e4c"  # F70A-F70E: tone marks down
            "\u0e0d\u0e31\u0e4d\u0e47"  # F70F-F712: ญ without its tail, ั ํ ็ shifted left
            "\u0e48\u0e49\u0e4a\u0e4b\u0e4c"  # F713-F717: tone marks shifted left
            "\u0e38\u0e39\u0e3a"  # F718-F71A: lower vowels shifted down
        ),
        strict=True,
    )
)
_ENTRY = re.compile(rb"^<([0-9a-f]{4})> <([0-9a-f]*)>$")


def mend_text_maps(document: Any, pdf: Any) -> None:
    """A WeasyPrint finisher (`write_pdf(finisher=...)`): runs after the fonts are written, before
    the file is."""
    fonts = {font.name: font for font in document.fonts.values()}
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("BaseFont") in fonts and "ToUnicode" in obj:
            characters = _characters(fonts[obj["BaseFont"]])
            if characters:
                stream = pdf.objects[int(obj["ToUnicode"].split()[0])]
                stream.stream[:] = [_mended(line, characters) for line in stream.stream]


def _characters(font: Any) -> dict[int, set[str]]:
    """Glyph id -> the characters the embedded font's cmap draws with it."""
    try:
        face = TTFont(io.BytesIO(font.file_content), fontNumber=font.index, lazy=True)
        cmap = face.getBestCmap() or {}
        order = {name: gid for gid, name in enumerate(face.getGlyphOrder())}
    except (TTLibError, KeyError, AssertionError):
        return {}  # a font fontTools cannot read keeps WeasyPrint's map
    characters: dict[int, set[str]] = {}
    for codepoint, name in cmap.items():
        if name in order:
            characters.setdefault(order[name], set()).add(_SHIFTED.get(codepoint, chr(codepoint)))
    return characters


def _mended(line: bytes, characters: dict[int, set[str]]) -> bytes:
    match = _ENTRY.match(line)
    if match is None:
        return line
    gid = int(match[1], 16)
    text = bytes.fromhex(match[2].decode()).decode("utf-16-be")
    known = characters.get(gid)
    if not known or text in known:
        return line
    return b"<%s> <%s>" % (match[1], min(known).encode("utf-16-be").hex().encode())
