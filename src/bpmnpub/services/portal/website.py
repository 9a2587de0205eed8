"""The office's WordPress kept in step with the portal, through an outbox the worker drains.

`website_copy` has one row per item: what the website should show (`wanted`, bumped `version` on every
publish, update, withdraw, republish — written in the same transaction as the change) and what it was
last made to show (`synced_version`, `post_id`, `post_url`). The worker's `sync_due` works like the
e-mail outbox (services/office/mail.py), in three steps so no transaction is open while WordPress is called:

1. claim: due rows get `claimed_until` (another worker skips them; a crashed worker's claim expires);
2. call WordPress, outside any transaction;
3. record: the post's id and URL and the version now in step, or the error and the next try after an
   exponential backoff. Nothing gives up: an outage delays a post, never loses it.

One post per item: the post's slug is our marker `bpmnpub-item-<id>`. Before creating a post the
worker looks for one carrying it, so a crash between "sent" and "recorded" updates that post instead
of making a second. Files go up as media once each (slug `bpmnpub-file-<file id>`, looked up the
same way) and are linked in the post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from markupsafe import escape
from sqlalchemy import Label, case, or_, select
from sqlalchemy.orm import Session

from ...errors import NotFoundError, PermissionDeniedError
from ...models import PublishedItem, StoredFile, WebsiteCopy
from ...permissions import Actor, may_manage_items
from ..files import storage
from ..kernel.context import ServiceContext
from . import portal_text, website_settings
from .wordpress import Connection, WordPress, WordPressError

log = logging.getLogger("bpmnpub.website")

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
CLAIM_FOR = timedelta(minutes=10)
BATCH = 20

ClientFactory = Callable[[Connection], WordPress]


def post_slug(item_id: int) -> str:
    return f"bpmnpub-item-{item_id}"


def media_slug(file_id: str) -> str:
    return f"bpmnpub-file-{file_id}"


# -- the changes that put a row in the outbox (called inside the caller's transaction) ---------------


def enqueue(session: Session, item: PublishedItem, now: datetime) -> None:
    """Ask for the website copy of `item` to follow its current state. Nothing when the office has
    no website connection on (an item published then is not sent later on its own)."""
    if not website_settings.load(session).enabled:
        return
    row = session.get(WebsiteCopy, item.id)
    wanted = "published" if item.status == "published" else "withdrawn"
    if row is None:
        session.add(
            WebsiteCopy(
                item_id=item.id,
                wanted=wanted,
                version=1,
                synced_version=0,
                media={},
                attempts=0,
                updated_at=now,
            )
        )
        return
    row.wanted = wanted
    row.version += 1
    row.next_at = None  # a new change is worth trying at once, whatever the backoff said
    row.updated_at = now


# -- what publishers see ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebsiteState:
    """An item's website copy for its publishers: `state` is in_step | pending | failing."""

    state: str
    post_url: str | None
    wanted: str
    error_code: str | None
    error_detail: str | None
    attempts: int
    next_at: datetime | None
    synced_at: datetime | None


def states(session: Session, item_ids: Iterable[int]) -> dict[int, WebsiteState]:
    ids = list(item_ids)
    if not ids:
        return {}
    rows = session.scalars(select(WebsiteCopy).where(WebsiteCopy.item_id.in_(ids)))
    return {row.item_id: _state(row) for row in rows}


def _state(row: WebsiteCopy) -> WebsiteState:
    behind = "failing" if row.error_code else "pending"
    state = "in_step" if row.synced_version >= row.version else behind
    return WebsiteState(
        state,
        row.post_url,
        row.wanted,
        row.error_code,
        row.error_detail,
        row.attempts,
        row.next_at,
        row.synced_at,
    )


def retry(ctx: ServiceContext, actor: Actor, item_id: int) -> None:
    """Send the item again on the worker's next pass (the same post is updated, never a second one).
    Raises PermissionDeniedError, NotFoundError."""
    if not may_manage_items(actor):
        raise PermissionDeniedError("only publishers and admins manage published items")
    now = ctx.now()
    with ctx.db.write() as session:
        item = session.get(PublishedItem, item_id)
        if item is None:
            raise NotFoundError(f"published item {item_id} not found")
        row = session.get(WebsiteCopy, item_id)
        if row is None or row.synced_version >= row.version:
            # Never sent (published before the connection) or in step: sending again is harmless.
            enqueue(session, item, now)
        if (row := session.get(WebsiteCopy, item_id)) is not None:
            row.next_at = None
            row.claimed_until = None


# -- the worker's pass --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileToSend:
    id: str
    filename: str
    content_type: str
    caption: str


@dataclass
class Job:
    item_id: int
    version: int
    wanted: str
    post_id: int | None
    media: dict[str, Any]
    title: str
    body: str
    portal_url: str
    base: str
    category_id: int | None
    files: list[FileToSend] = field(default_factory=list)
    photos: list[FileToSend] = field(default_factory=list)


@dataclass(frozen=True)
class SyncResult:
    synced: int
    failed: int


def sync_due(ctx: ServiceContext, client_factory: ClientFactory | None = None) -> SyncResult:
    """One pass of the outbox: claim, call WordPress, record. A WordPress failure is recorded per item."""
    make = client_factory or WordPress
    now = ctx.now()
    claimed = _claim(ctx, now)
    if claimed is None:
        return SyncResult(0, 0)
    connection, jobs = claimed
    client = make(connection)
    signed_in: WordPressError | None = None
    if jobs:
        # WordPress treats a wrong password as a visitor: asking who we are first names the real cause.
        try:
            client.whoami()
        except WordPressError as exc:
            signed_in = exc
    synced = failed = 0
    for job in jobs:
        try:
            outcome = (
                _send(ctx, client, job)
                if signed_in is None
                else Outcome(job.post_id, None, job.media, signed_in)
            )
        except Exception as exc:  # a file gone from disk, a bug: recorded on this item, the others go on
            log.exception("item %d: sending to the website failed", job.item_id)
            outcome = Outcome(
                job.post_id, None, job.media, WordPressError("internal", f"{type(exc).__name__}: {exc}")
            )
        _record(ctx, job, outcome, ctx.now())
        synced, failed = (synced + 1, failed) if outcome.error is None else (synced, failed + 1)
    return SyncResult(synced, failed)


def _claim(ctx: ServiceContext, now: datetime) -> tuple[Connection, list[Job]] | None:
    base = str(ctx.settings.get("PUBLIC_BASE_URL") or ctx.settings.get("BASE_URL") or "").rstrip("/")
    with ctx.db.write() as session:
        connection = website_settings.connection(ctx, session)
        if connection is None:
            return None
        mapping = website_settings.load(session).categories
        rows = session.execute(
            select(WebsiteCopy, PublishedItem)
            .join(PublishedItem, PublishedItem.id == WebsiteCopy.item_id)
            .where(
                WebsiteCopy.synced_version < WebsiteCopy.version,
                or_(WebsiteCopy.next_at.is_(None), WebsiteCopy.next_at <= now),
                or_(WebsiteCopy.claimed_until.is_(None), WebsiteCopy.claimed_until < now),
            )
            .order_by(WebsiteCopy.item_id)
            .limit(BATCH)
            .with_for_update(of=WebsiteCopy, skip_locked=True)
        ).all()
        jobs = []
        for row, item in rows:
            row.claimed_until = now + CLAIM_FOR
            jobs.append(_job(session, row, item, base, mapping.get(item.category)))
        return connection, jobs


def _job(session: Session, row: WebsiteCopy, item: PublishedItem, base: str, category_id: int | None) -> Job:
    photo_ids = [str(p.get("file")) for p in item.photos or []]
    ids = list(item.attachments or []) + photo_ids
    stored = (
        {f.id: f for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))} if ids else {}
    )
    captions = {
        str(p.get("file")): str(p.get("caption") or p.get("alt_text") or "") for p in item.photos or []
    }

    def to_send(file_id: str) -> FileToSend | None:
        found = stored.get(file_id)
        if found is None:
            return None
        return FileToSend(found.id, found.filename, found.content_type, captions.get(file_id, ""))

    return Job(
        item_id=item.id,
        version=row.version,
        wanted=row.wanted,
        post_id=row.post_id,
        media=dict(row.media or {}),
        title=item.title,
        body=item.body or "",
        portal_url=portal_text.public_url(base, item.id, item.slug),
        base=base,
        category_id=category_id,
        files=[f for f in map(to_send, item.attachments or []) if f is not None],
        photos=[f for f in map(to_send, photo_ids) if f is not None],
    )


@dataclass
class Outcome:
    post_id: int | None = None
    post_url: str | None = None
    media: dict[str, Any] = field(default_factory=dict)
    error: WordPressError | None = None


def _send(ctx: ServiceContext, client: WordPress, job: Job) -> Outcome:
    """Make the website show what the job says. What was learnt before a failure (the post found, the
    media uploaded) is kept in the outcome, so the next try does not do it twice."""
    outcome = Outcome(post_id=job.post_id, media=dict(job.media))
    try:
        if outcome.post_id is not None and client.get_post(outcome.post_id) is None:
            outcome.post_id = None  # deleted on the site: make it again
        if outcome.post_id is None:
            found = client.find_post(post_slug(job.item_id))
            outcome.post_id = found.id if found else None
        if job.wanted == "withdrawn":
            if outcome.post_id is not None:
                post = client.save_post(outcome.post_id, {"status": "private"})
                outcome.post_url = post.link
            return outcome
        for sent in (*job.files, *job.photos):
            if sent.id not in outcome.media:
                outcome.media[sent.id] = _upload(ctx, client, sent)
        fields: dict[str, Any] = {
            "title": job.title,
            "content": _content(job, outcome.media),
            "status": "publish",
            "slug": post_slug(job.item_id),
        }
        if job.category_id is not None:
            fields["categories"] = [job.category_id]
        post = client.save_post(outcome.post_id, fields)
        outcome.post_id, outcome.post_url = post.id, post.link
    except WordPressError as exc:
        outcome.error = exc
    return outcome


def _upload(ctx: ServiceContext, client: WordPress, sent: FileToSend) -> dict[str, Any]:
    """The file's media on the site, uploaded once. A type the site refuses is linked on the portal."""
    slug = media_slug(sent.id)
    found = client.find_media(slug)
    if found is None:
        _, content = storage.read_file(ctx, sent.id)
        try:
            found = client.upload_media(sent.filename, sent.content_type, content, slug)
        except WordPressError as exc:
            if exc.code != "rejected":
                raise
            return {"id": None, "url": None}
    return {"id": found.id, "url": found.url}


def _content(job: Job, media: dict[str, Any]) -> str:
    """The post's HTML: the description, the files, the photos, and the way back to the portal."""

    def href(sent: FileToSend) -> str:
        url = (media.get(sent.id) or {}).get("url")
        return str(url or f"{job.base}/public/files/{sent.id}/{sent.filename}")

    parts = [f"<p>{escape(line)}</p>" for line in job.body.split("\n\n") if line.strip()]
    if job.files:
        links = "".join(f'<li><a href="{escape(href(f))}">{escape(f.filename)}</a></li>' for f in job.files)
        parts.append(f"<h3>เอกสารแนบ</h3><ul>{links}</ul>")
    for photo in job.photos:
        caption = f"<figcaption>{escape(photo.caption)}</figcaption>" if photo.caption else ""
        parts.append(
            f'<figure><img src="{escape(href(photo))}" alt="{escape(photo.caption)}">{caption}</figure>'
        )
    source = escape(job.portal_url)
    parts.append(f'<p class="bpmnpub-source">ต้นฉบับ: <a href="{source}">{source}</a></p>')
    return "\n".join(parts)


def _record(ctx: ServiceContext, job: Job, outcome: Outcome, now: datetime) -> None:
    with ctx.db.write() as session:
        row = session.get(WebsiteCopy, job.item_id)
        if row is None:
            return
        row.claimed_until = None
        row.media = outcome.media
        if outcome.post_id is not None:
            row.post_id = outcome.post_id
        if outcome.error is None:
            if outcome.post_url:
                row.post_url = outcome.post_url
            # A change made while we were sending bumped `version`: the next pass sends that one.
            row.synced_version = max(row.synced_version, job.version)
            row.attempts, row.error_code, row.error_detail, row.next_at = 0, None, None, None
            row.synced_at = now
            return
        row.attempts += 1
        row.error_code, row.error_detail = outcome.error.code, outcome.error.detail
        row.next_at = now + min(BACKOFF_FIRST * (2 ** min(row.attempts - 1, 20)), BACKOFF_MAX)


def public_post_url() -> Label[str | None]:
    """The column (for a query outer-joined to website_copy) of an item's post URL when the post is
    public: the evidence the ITA index lists beside the portal URL."""
    return case((WebsiteCopy.wanted == "published", WebsiteCopy.post_url), else_=None).label("post_url")
