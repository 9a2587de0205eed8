"""Text rules of the public portal, with no database: search terms, marked matches and snippets in
Thai (no spaces between words; vowel and tone marks that belong to their letter), feed summaries, the
name of a file's type, crawlers that say who they are, and an item's public address."""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_TERMS = 5
MAX_TERM_LENGTH = 100
SNIPPET_LENGTH = 180
SNIPPET_LEAD = 50  # characters of context shown before the first match
SUMMARY_LENGTH = 300  # characters of body in a feed entry

# Crawlers that say so; an agent that hides it is counted like a person (the count stays a number).
ROBOT_AGENT = re.compile(r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|preview", re.I)

# The label a person knows a file by, from its type; other types show their file extension.
FILE_TYPES = {
    "application/pdf": "PDF",
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-excel": "Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "text/csv": "CSV",
    "application/zip": "ZIP",
}

THAI_MARKS = frozenset(
    "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)
Segment = tuple[str, bool]  # a piece of text and whether it matched the search


def public_url(base: str, item_id: int, slug: str) -> str:
    return f"{base.rstrip('/')}/public/items/{item_id}-{slug}"


def search_terms(query: str) -> list[str]:
    """The lower-cased terms of a query: every term must occur (AND), each as a substring. A NUL
    separates terms: PostgreSQL refuses it in text, and SQLite's FTS5 reads a query only up to it."""
    terms: list[str] = []
    for word in query.lower().replace("\0", " ").split():
        term = word[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def highlight(text: str, terms: Sequence[str]) -> list[Segment]:
    """`text` cut into pieces, the pieces that match a term (ignoring case) marked True."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare letter changed length when lower-cased: match as written
        lowered = text
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = lowered.find(term)
        while start != -1:
            spans.append((start, _cluster_end(text, start + len(term))))
            start = lowered.find(term, start + len(term))
    out: list[Segment] = []
    at = 0
    for start, end in sorted(spans):
        if end <= at:
            continue
        start = max(start, at)
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out


def _cluster_end(text: str, end: int) -> int:
    """`end`, moved past the Thai vowel and tone marks written above or below the letter before it: a
    mark cut off from its letter is drawn on a dotted circle ("ซื" found in "ซื้อ" marks "ซื้")."""
    while end < len(text) and text[end] in THAI_MARKS:
        end += 1
    return end


def snippet(body: str, terms: Sequence[str], length: int = SNIPPET_LENGTH) -> list[Segment]:
    """About `length` characters of `body` around the first match, matches marked; the start of the
    body when the match was in the title or a caption."""
    flat = " ".join(body.split())
    lowered = flat.lower()
    found = [i for i in (lowered.find(t) for t in terms) if i != -1]
    start = max(0, min(found) - SNIPPET_LEAD) if found else 0
    start = _cluster_end(flat, start)  # never open on a mark whose letter was cut off
    end = _cluster_end(flat, min(len(flat), start + length))
    pieces = highlight(flat[start:end], terms)
    if start > 0:
        pieces.insert(0, ("…", False))
    if end < len(flat):
        pieces.append(("…", False))
    return pieces


def summary_text(body: str) -> str:
    """The start of an item's text for its feed entry, on one line."""
    flat = " ".join(body.split())
    return flat if len(flat) <= SUMMARY_LENGTH else flat[:SUMMARY_LENGTH] + "…"


def file_type(content_type: str, filename: str) -> str:
    """The type as a person names it: "PDF", "JPEG", "Word"..., else the file's extension."""
    if content_type in FILE_TYPES:
        return FILE_TYPES[content_type]
    _, dot, extension = filename.rpartition(".")
    return extension.upper() if dot and extension else content_type


def looks_like_robot(user_agent: str) -> bool:
    """Crawlers that name themselves in their User-Agent are not counted as views."""
    return bool(ROBOT_AGENT.search(user_agent))
