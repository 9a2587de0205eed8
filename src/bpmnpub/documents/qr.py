"""QR codes drawn as inline SVG (vector, so a printed memo's code stays sharp at any size)."""

from __future__ import annotations

import segno


def qr_svg(text: str) -> str:
    """An <svg> element (no XML declaration, no fixed size: the page sizes it) that encodes `text`,
    with error correction M (15 %: survives a crease or a stamp)."""
    code = segno.make(text, error="m", micro=False)
    svg: str = code.svg_inline(scale=1, border=2, omitsize=True, dark="#000", light="#fff")
    return svg
