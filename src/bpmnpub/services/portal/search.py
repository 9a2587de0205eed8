"""The portal's Thai search: every term a substring of an item's search text (Thai has no spaces between
words), newest first, looking in the newest items before all of them, through a trigram index (an FTS5
table on SQLite, a pg_trgm GIN index on PostgreSQL: migration 0010). The text rules are in
`portal_text`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, column, select, table

from ...db import contains_pattern
from ...models import PublishedItem
from ..kernel.context import ServiceContext
from .portal_text import Segment, highlight, search_terms, snippet
from .public_pages import NEWEST_FIRST, PER_PAGE, PUBLISHED, ItemSummary, summaries, summary

SEARCH_WINDOW = 1_000  # newest items searched first (see `search`)


TRIGRAM = 3  # characters: the shortest term a trigram index can look up


FTS_TABLE = "published_item_search"  # SQLite's FTS5 trigram table over search_text (migration 0010)


@dataclass(frozen=True)
class SearchHit:
    item: ItemSummary
    title: list[Segment]
    snippet: list[Segment]


@dataclass(frozen=True)
class SearchResults:
    query: str
    terms: list[str]
    hits: list[SearchHit]
    page: int
    has_next: bool

    @property
    def first_rank(self) -> int:
        """The number of the page's first hit in the whole list."""
        return (self.page - 1) * PER_PAGE + 1


_FTS = table(FTS_TABLE, column("rowid"), column(FTS_TABLE))  # an FTS5 table's MATCH column has its name


_WINDOW_COLUMNS = (  # what a search hit shows, and what it is found by
    PublishedItem.id,
    PublishedItem.slug,
    PublishedItem.title,
    PublishedItem.kind,
    PublishedItem.category,
    PublishedItem.published_at,
    PublishedItem.updated_at,
    PublishedItem.body,
    PublishedItem.search_text,
)


def search(ctx: ServiceContext, query: str, page: int = 1) -> SearchResults:
    """Published items whose title, text, captions or file names contain every term, newest first.

    Thai has no spaces between words, so a term is a substring of `search_text`, never a word. The
    newest SEARCH_WINDOW items are searched first (a walk of the date index whose cost does not
    depend on what the planner guesses about the term); only when they do not fill the page are all
    items searched, through the trigram index (`contain_terms`). No total: counting would read every
    item for every query."""
    terms = search_terms(query)
    page = max(1, page)
    if not terms:
        return SearchResults(query, [], [], 1, False)
    offset = (page - 1) * PER_PAGE
    with ctx.db.read() as session:
        rows = session.execute(_search(terms, offset, newest=SEARCH_WINDOW, sqlite=ctx.db.is_sqlite)).all()
        if len(rows) <= PER_PAGE:  # the newest items do not fill the page: the older ones may
            rows = session.execute(_search(terms, offset, newest=None, sqlite=ctx.db.is_sqlite)).all()
    hits = [SearchHit(summary(r), highlight(r.title, terms), snippet(r.body, terms)) for r in rows[:PER_PAGE]]
    return SearchResults(query, terms, hits, page, len(rows) > PER_PAGE)


def _search(terms: Sequence[str], offset: int, *, newest: int | None, sqlite: bool) -> Any:
    """One page (and one more row) of the items matching every term, among the `newest` published
    items or among all. The window is a derived table with a LIMIT, so no database can filter with
    an index before taking it: matches in it are exactly the first matches overall, found by LIKE
    alone (a thousand rows: cheaper than looking a common term up in the index)."""
    if newest is None:
        item: Any = PublishedItem
        where = [PUBLISHED, *contain_terms(terms, sqlite=sqlite)]
    else:
        window = select(*_WINDOW_COLUMNS).where(PUBLISHED).order_by(*NEWEST_FIRST).limit(newest).subquery()
        item, where = window.c, _contain(window.c, terms)
    return (
        summaries(item.body, item=item)
        .where(*where)
        .order_by(item.published_at.desc(), item.id.desc())
        .limit(PER_PAGE + 1)
        .offset(offset)
    )


def contain_terms(terms: Sequence[str], *, sqlite: bool) -> list[ColumnElement[bool]]:
    """Conditions on PublishedItem: its search text contains every term (the portal's search and the
    public-items API find the same items).

    LIKE decides. PostgreSQL's pg_trgm GIN index serves LIKE by itself. SQLite's FTS5 trigram table
    has to be asked (`sqlite`): the items that hold every trigram of the terms, a narrowing that never
    loses a match (its case folding only widens it); a term shorter than a trigram is left to LIKE.
    Both come from migration 0010."""
    conditions = _contain(PublishedItem, terms)
    trigrams = dict.fromkeys(t[i : i + TRIGRAM] for t in terms for i in range(len(t) - TRIGRAM + 1))
    if sqlite and trigrams:
        # Each trigram quoted, a quote in it doubled: the query language's words and signs are text.
        query = " AND ".join('"' + g.replace('"', '""') + '"' for g in trigrams)
        conditions.append(PublishedItem.id.in_(select(_FTS.c.rowid).where(_FTS.c[FTS_TABLE].match(query))))
    return conditions


def _contain(item: Any, terms: Sequence[str]) -> list[ColumnElement[bool]]:
    return [item.search_text.like(contains_pattern(t), escape="\\") for t in terms]
