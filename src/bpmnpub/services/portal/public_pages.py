"""The public portal's read side: the home page, category pages, item pages (search is `search.py`, feeds
and the sitemap `feeds.py`); and the view counter the evaluation steps and the six-monthly report read.

Every page is one read transaction of one or two indexed queries (lists never load an item's files
or its group row by row); the text rules (search terms, marks, snippets) are in `portal_text`.
Publishing writes items (`publishing.py`); nothing here changes them except the view counter, which
keeps numbers only: no address, no cookie, no user agent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Row, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, defer

from ...errors import NotFoundError
from ...models import Category, Group, ItaItem, ItemViewDay, PublishedItem, StoredFile
from ...thaidate import local_date
from ..files.storage import clean_name
from ..kernel.context import ServiceContext
from .portal_text import file_type

PER_PAGE = 20
LATEST = 10


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


# -- queries -----------------------------------------------------------------------------------

NEWEST_FIRST = (PublishedItem.published_at.desc(), PublishedItem.id.desc())
PUBLISHED = PublishedItem.status == "published"


def summaries(*extra: Any, item: Any = PublishedItem) -> Any:
    """Items with their category's name (one outer join on the catalogue's unique code). `item` is the
    model or the columns of a derived table of items (the search's window of newest items)."""
    columns = (item.id, item.slug, item.title, item.kind, item.category, Category.name, Category.name_en)
    return select(*columns, item.published_at, item.updated_at, *extra).outerjoin(
        Category, Category.code == item.category
    )


def summary(row: Row[Any]) -> ItemSummary:
    item_id, slug, title, kind, code, name, name_en, published_at, updated_at = tuple(row)[:9]
    return ItemSummary(
        item_id, slug, title, kind, code, name or code, name_en or "", published_at, updated_at
    )


def home(ctx: ServiceContext) -> Home:
    """The newest items and every category with its number of published items."""
    with ctx.db.read() as session:
        latest = [
            summary(r)
            for r in session.execute(summaries().where(PUBLISHED).order_by(*NEWEST_FIRST).limit(LATEST))
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
        category = category_entry(session, code)
        pages = max(1, -(-category.items // PER_PAGE))
        if page < 1 or page > pages:
            raise NotFoundError("no such page")
        stmt = (
            summaries()
            .where(PublishedItem.category == code, PUBLISHED)
            .order_by(*NEWEST_FIRST)
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
        return CategoryPage(category, [summary(r) for r in session.execute(stmt)], page, pages)


def category_entry(session: Session, code: str) -> CategoryEntry:
    """The catalogue entry and its count in one statement (the count, outer-joined with the entry:
    a code the catalogue does not know still has its items). Raises NotFoundError."""
    counted = select(func.count().label("n")).where(PublishedItem.category == code, PUBLISHED).subquery()
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


# -- feeds and sitemap -------------------------------------------------------------------------


# -- views -------------------------------------------------------------------------------------


def record_view(ctx: ServiceContext, item_id: int) -> bool:
    """Count one view of a published item: its total and its Bangkok day, two statements in one short
    write (no read first, no row per view). Withdrawn or unknown items are not counted. Returns
    whether the view was counted."""
    day = local_date(ctx.now())
    with ctx.db.write() as session:
        result = session.execute(
            update(PublishedItem)
            .where(PublishedItem.id == item_id, PUBLISHED)
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
