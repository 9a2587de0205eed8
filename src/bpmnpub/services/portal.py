"""The public portal's read side: the home page, category pages, item pages, Thai search, Atom feeds,
the sitemap; and the view counter the evaluation steps and the six-monthly report read.

Every page is one read transaction of one or two indexed queries (lists never load an item's files
or its group row by row); the text rules (search terms, marks, snippets) are in `portal_text`.
Publishing writes items (`publishing.py`); nothing here changes them except the view counter, which
keeps numbers only: no address, no cookie, no user agent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Row, and_, column, func, select, table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from ..db import contains_pattern
from ..errors import NotFoundError
from ..models import Category, Group, ItaItem, ItemViewDay, PublishedItem, StoredFile
from ..thaidate import local_date
from .context import ServiceContext
from .files import clean_name
from .portal_text import Segment, file_type, highlight, search_terms, snippet, summary_text

PER_PAGE = 20
LATEST = 10
FEED_SIZE = 30
SITEMAP_CHUNK = 2_000  # item URLs per sitemap file: ~1 MB (the protocol allows 50 000 and 50 MB)
SEARCH_WINDOW = 1_000  # newest items searched first (see `search`)
TRIGRAM = 3  # characters: the shortest term a trigram index can look up
FTS_TABLE = "published_item_search"  # SQLite's FTS5 trigram table over search_text (migration 0010)


# -- what the pages show -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSummary:
    """An item in a list: enough for a link, its category and its date."""

    id: int
    slug: str
    title: str
    kind: str
    category: str  # the catalogue code, e.g. "1.9"
    category_name: str  # the catalogue's name, or the code when the catalogue does not know it
    category_name_en: str  # "" when the catalogue has no English name
    published_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CategoryEntry:
    code: str
    name: str
    name_en: str
    description: str
    items: int  # published items


@dataclass(frozen=True)
class Home:
    latest: list[ItemSummary]
    categories: list[CategoryEntry]


@dataclass(frozen=True)
class CategoryPage:
    category: CategoryEntry
    items: list[ItemSummary]
    page: int
    pages: int


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


@dataclass(frozen=True)
class PortalFile:
    id: str
    filename: str
    content_type: str
    size: int
    type_label: str


@dataclass(frozen=True)
class PortalPhoto:
    file_id: str
    thumb_id: str  # the thumbnail, or the photo itself for items published before thumbnails
    filename: str
    caption: str
    alt_text: str


@dataclass(frozen=True)
class ItemPage:
    id: int
    slug: str
    title: str
    body: str
    kind: str
    category: str
    category_name: str
    category_name_en: str
    ita_item: str | None
    ita_title: str | None
    group: str | None
    status: str
    published_at: datetime
    updated_at: datetime
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    files: list[PortalFile]
    photos: list[PortalPhoto]

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"


@dataclass(frozen=True)
class FeedEntry:
    item: ItemSummary
    summary: str


@dataclass(frozen=True)
class Feed:
    category: CategoryEntry
    entries: list[FeedEntry]
    updated: datetime


@dataclass(frozen=True)
class SitemapItem:
    id: int
    slug: str
    updated_at: datetime


# -- queries -----------------------------------------------------------------------------------

_NEWEST_FIRST = (PublishedItem.published_at.desc(), PublishedItem.id.desc())
_PUBLISHED = PublishedItem.status == "published"
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


def _summaries(*extra: Any, item: Any = PublishedItem) -> Any:
    """Items with their category's name (one outer join on the catalogue's unique code). `item` is the
    model or the columns of a derived table of items (the search's window of newest items)."""
    columns = (item.id, item.slug, item.title, item.kind, item.category, Category.name, Category.name_en)
    return select(*columns, item.published_at, item.updated_at, *extra).outerjoin(
        Category, Category.code == item.category
    )


def _summary(row: Row[Any]) -> ItemSummary:
    item_id, slug, title, kind, code, name, name_en, published_at, updated_at = tuple(row)[:9]
    return ItemSummary(
        item_id, slug, title, kind, code, name or code, name_en or "", published_at, updated_at
    )


def home(ctx: ServiceContext) -> Home:
    """The newest items and every category with its number of published items."""
    with ctx.db.read() as session:
        latest = [
            _summary(r)
            for r in session.execute(_summaries().where(_PUBLISHED).order_by(*_NEWEST_FIRST).limit(LATEST))
        ]
        return Home(latest, _categories(session))


def list_categories(ctx: ServiceContext) -> list[CategoryEntry]:
    """The categories the portal lists (for the sitemap): see `_categories`."""
    with ctx.db.read() as session:
        return _categories(session)


def _categories(session: Session) -> list[CategoryEntry]:
    """Active categories in catalogue order (an empty one too: the public sees what is not published
    yet), then deactivated ones and codes the catalogue does not know, while they hold items."""
    # Grouped by status too, and filtered here: one pass over the (category, status, date) index on
    # both databases. With `WHERE status = 'published'` SQLite walks the status index instead and
    # reads every item's row (~125 ms at 50 000 items, against ~3 ms).
    by_status = session.execute(
        select(PublishedItem.category, PublishedItem.status, func.count()).group_by(
            PublishedItem.category, PublishedItem.status
        )
    )
    counts = {code: int(n) for code, status, n in by_status if status == "published"}
    rows = session.scalars(select(Category).order_by(Category.sort_order, Category.code)).all()
    known = {c.code for c in rows}
    out = [
        CategoryEntry(c.code, c.name, c.name_en, c.description, counts.get(c.code, 0))
        for c in rows
        if c.active or counts.get(c.code)
    ]
    out += [
        CategoryEntry(code, code, "", "", n)
        for code, n in sorted(counts.items())
        if code and code not in known
    ]
    return out


def category_page(ctx: ServiceContext, code: str, page: int = 1) -> CategoryPage:
    """One page of a category's items, newest first. Raises NotFoundError (an unknown category, or a
    page after the last)."""
    with ctx.db.read() as session:
        category = _category(session, code)
        pages = max(1, -(-category.items // PER_PAGE))
        if page < 1 or page > pages:
            raise NotFoundError("no such page")
        stmt = (
            _summaries()
            .where(PublishedItem.category == code, _PUBLISHED)
            .order_by(*_NEWEST_FIRST)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
        return CategoryPage(category, [_summary(r) for r in session.execute(stmt)], page, pages)


def _category(session: Session, code: str) -> CategoryEntry:
    """The catalogue entry and its count in one statement (the count, outer-joined with the entry:
    a code the catalogue does not know still has its items). Raises NotFoundError."""
    counted = select(func.count().label("n")).where(PublishedItem.category == code, _PUBLISHED).subquery()
    n, name, name_en, description = session.execute(
        select(counted.c.n, Category.name, Category.name_en, Category.description)
        .select_from(counted)
        .outerjoin(Category, Category.code == code)
    ).one()
    if name is None and not n:
        raise NotFoundError("no such category")
    return CategoryEntry(code, name or code, name_en or "", description or "", int(n))


def get_item(ctx: ServiceContext, item_id: int) -> ItemPage:
    """An item as the public sees it, withdrawn ones included (their page says why). Raises
    NotFoundError."""
    with ctx.db.read() as session:
        row = session.execute(
            select(PublishedItem, Group.name, Category.name, Category.name_en, ItaItem.title)
            .options(defer(PublishedItem.search_text))
            .outerjoin(Group, Group.id == PublishedItem.group_id)
            .outerjoin(Category, Category.code == PublishedItem.category)
            .outerjoin(
                ItaItem,
                and_(
                    ItaItem.code == PublishedItem.ita_item, ItaItem.fiscal_year == PublishedItem.fiscal_year
                ),
            )
            .where(PublishedItem.id == item_id)
        ).one_or_none()
        if row is None:
            raise NotFoundError("no such published item")
        item, group, category_name, category_name_en, ita_title = row
        # A withdrawn item's page says when and why; its files are neither listed nor served.
        shown = item.status == "published"
        photos = list(item.photos or []) if shown else []
        attachments = list(item.attachments or []) if shown else []
        wanted = [
            *attachments,
            *(p.get("file") for p in photos),
            *(p.get("thumb") for p in photos),
        ]
        ids = sorted({str(i) for i in wanted if i})
        stored = (
            {f.id: f for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))}
            if ids
            else {}
        )
        return ItemPage(
            id=item.id,
            slug=item.slug,
            title=item.title,
            body=item.body,
            kind=item.kind,
            category=item.category,
            category_name=category_name or item.category,
            category_name_en=category_name_en or "",
            ita_item=item.ita_item,
            ita_title=ita_title,
            group=group,
            status=item.status,
            published_at=item.published_at,
            updated_at=item.updated_at,
            withdrawn_at=item.withdrawn_at,
            withdrawn_reason=item.withdrawn_reason,
            files=[_file(stored[a]) for a in attachments if a in stored],
            photos=[_photo(p, stored) for p in photos if p.get("file") in stored],
        )


def _file(stored: StoredFile) -> PortalFile:
    return PortalFile(
        stored.id,
        clean_name(stored.filename),
        stored.content_type,
        stored.size,
        file_type(stored.content_type, stored.filename),
    )


def _photo(photo: dict[str, Any], stored: dict[str, StoredFile]) -> PortalPhoto:
    file_id = str(photo["file"])
    thumb = str(photo.get("thumb") or "")
    return PortalPhoto(
        file_id=file_id,
        thumb_id=thumb if thumb in stored else file_id,
        filename=clean_name(stored[file_id].filename),
        caption=str(photo.get("caption") or ""),
        alt_text=str(photo.get("alt_text") or ""),
    )


# -- search ------------------------------------------------------------------------------------


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
    hits = [
        SearchHit(_summary(r), highlight(r.title, terms), snippet(r.body, terms)) for r in rows[:PER_PAGE]
    ]
    return SearchResults(query, terms, hits, page, len(rows) > PER_PAGE)


def _search(terms: Sequence[str], offset: int, *, newest: int | None, sqlite: bool) -> Any:
    """One page (and one more row) of the items matching every term, among the `newest` published
    items or among all. The window is a derived table with a LIMIT, so no database can filter with
    an index before taking it: matches in it are exactly the first matches overall, found by LIKE
    alone (a thousand rows: cheaper than looking a common term up in the index)."""
    if newest is None:
        item: Any = PublishedItem
        where = [_PUBLISHED, *contain_terms(terms, sqlite=sqlite)]
    else:
        window = select(*_WINDOW_COLUMNS).where(_PUBLISHED).order_by(*_NEWEST_FIRST).limit(newest).subquery()
        item, where = window.c, _contain(window.c, terms)
    return (
        _summaries(item.body, item=item)
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


# -- feeds and sitemap -------------------------------------------------------------------------


def category_feed(ctx: ServiceContext, code: str) -> Feed:
    """The newest FEED_SIZE items of a category for its Atom feed. Raises NotFoundError."""
    with ctx.db.read() as session:
        category = _category(session, code)
        rows = session.execute(
            _summaries(PublishedItem.body)
            .where(PublishedItem.category == code, _PUBLISHED)
            .order_by(*_NEWEST_FIRST)
            .limit(FEED_SIZE)
        ).all()
    entries = [FeedEntry(_summary(r), summary_text(r.body)) for r in rows]
    # Atom needs a date even for an empty feed; the newest change otherwise.
    updated = max((e.item.updated_at for e in entries), default=ctx.now())
    return Feed(category, entries, updated)


def sitemap_chunks(ctx: ServiceContext) -> int:
    """How many item sitemaps there are: chunk n lists the ids ((n-1)*SITEMAP_CHUNK, n*SITEMAP_CHUNK],
    so an item's chunk never changes and a chunk is one range read on the primary key."""
    with ctx.db.read() as session:
        highest = session.scalar(select(func.max(PublishedItem.id))) or 0
    return max(1, -(-highest // SITEMAP_CHUNK))


def sitemap_items(ctx: ServiceContext, chunk: int) -> list[SitemapItem]:
    """The published items of one sitemap chunk (see `sitemap_chunks`)."""
    low = (chunk - 1) * SITEMAP_CHUNK
    stmt = (
        select(PublishedItem.id, PublishedItem.slug, PublishedItem.updated_at)
        .where(PublishedItem.id > low, PublishedItem.id <= low + SITEMAP_CHUNK, _PUBLISHED)
        .order_by(PublishedItem.id)
    )
    with ctx.db.read() as session:
        return [SitemapItem(*row) for row in session.execute(stmt)]


# -- views -------------------------------------------------------------------------------------


def record_view(ctx: ServiceContext, item_id: int) -> bool:
    """Count one view of a published item: its total and its Bangkok day, two statements in one short
    write (no read first, no row per view). Withdrawn or unknown items are not counted. Returns
    whether the view was counted."""
    day = local_date(ctx.now())
    with ctx.db.write() as session:
        result = session.execute(
            update(PublishedItem)
            .where(PublishedItem.id == item_id, _PUBLISHED)
            .values(views=PublishedItem.views + 1)
            .execution_options(synchronize_session=False)
        )
        counted = cast(CursorResult[Any], result).rowcount
        if not counted:
            return False
        session.execute(_count_day(session, item_id, day))
    return True


def _count_day(session: Session, item_id: int, day: date) -> Any:
    """INSERT … ON CONFLICT DO UPDATE: the first view of a day makes the row, later views add one."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(ItemViewDay).values(item_id=item_id, day=day, views=1)
    return stmt.on_conflict_do_update(
        index_elements=[ItemViewDay.item_id, ItemViewDay.day], set_={"views": ItemViewDay.views + 1}
    )
