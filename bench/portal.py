"""The public portal at 50 000 published items, on SQLite and on PostgreSQL (`python -m bench.portal
[--quick]`; `make bench` runs it after the other measurements).

Pages are requested signed out through Flask's test client (server time: no network, no WSGI server,
HTML rendered in full): the home page, category pages (first, deep and small), item pages (a
different item each request, documents and albums, withdrawn ones answering 410; every GET counts a
view, so the view counter's write is inside the figure), Thai searches of known frequency (see
`portal_data`), a feed and an item sitemap. BASELINE = `GET /healthz` (the app's cheapest route: one
`SELECT 1`) measured interleaved with the pages in the same run; × = p95 against the baseline's p95.

What the search index buys (migration 0010): the searches again without it, in the same run. On
PostgreSQL the pg_trgm GIN index on `published_item.search_text` is dropped for the while (and made
again from its definition); on SQLite the service leaves out its FTS5 lookup (TRIGRAM set above every
term's length: LIKE alone, the query before migration 0010). The schema's pg_trgm is installed in
`public` as a DBA would (docs/configuration.md), so dropping the bench schema leaves it.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from bpmnpub import create_app
from bpmnpub.models import PublishedItem
from bpmnpub.services.portal import feeds, public_pages, search
from bpmnpub.services.wiring import OPERATOR_NAMES, OPERATORS

from .database import BenchDatabase, prepared
from .portal_data import COMMON, MISSING, RARE, SECOND, Generated, PortalGenerator
from .sql_count import counting
from .timing import now, percentile

ITEMS = 50_000
REQUESTS = {"full": 200, "quick": 60}
WARMUP = 10
PAGE_TARGET = 0.020  # p95 server time of the item page and the category page
SEARCH_TARGET = 0.100  # p95 server time of a search
SAMPLE = 300  # different items the item-page cases cycle through
PG_URL = os.environ.get("BPMNPUB_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
RESULTS = Path(__file__).resolve().parent / "results" / "portal.md"
TRGM_INDEX = "ix_published_item_search_trgm"


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    paths: tuple[str, ...]  # cycled: one path per request
    status: int = 200
    target: float | None = None

    @property
    def is_search(self) -> bool:
        return self.key.startswith("search")


@dataclass(frozen=True)
class Timing:
    case: Case
    p50: float
    p95: float
    cpu_p50: float
    statements: int  # SQL statements of one request (reads and the view counter's write)
    bytes: int

    @property
    def met(self) -> bool | None:
        return None if self.case.target is None else self.p95 <= self.case.target


@dataclass
class BackendRun:
    backend: str
    generated: Generated
    timings: list[Timing]
    index_note: str = ""  # the search index: its size, how it was left out
    without_index: list[Timing] = field(default_factory=list)  # the searches again without it

    @property
    def baseline(self) -> Timing:
        return self.timings[0]


# -- the data ----------------------------------------------------------------------------------


@contextmanager
def postgres_database() -> Iterator[BenchDatabase | None]:
    """A private schema on the PostgreSQL server, prepared as the tests prepare one; None when the
    server cannot be reached."""
    from bpmnpub.config import load_settings
    from bpmnpub.db import Database, upgrade
    from bpmnpub.engine import Engine
    from bpmnpub.permissions import LANE_ROLES
    from bpmnpub.services.kernel.context import ServiceContext
    from bpmnpub.services.operations import demo
    from bpmnpub.services.procedures import definitions

    from .scenario import PROCESSES

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means: no PostgreSQL figures
        log(f"PostgreSQL not reachable ({str(exc).splitlines()[0]}): SQLite only")
        admin.dispose()
        yield None
        return
    schema = f"bpmnpub_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    folder = Path(tempfile.mkdtemp(prefix="bpmnpub-bench-portal-pg-"))
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    settings = load_settings({"DATA_DIR": str(folder), "DATABASE_URL": url, "SECRET_KEY": "bench"})
    ctx = ServiceContext(Database(url), Engine(LANE_ROLES, OPERATOR_NAMES), settings, operators=OPERATORS)
    db = BenchDatabase(folder, ctx)
    try:
        upgrade(ctx.db)
        definitions.deploy_folder(ctx, PROCESSES)
        demo.create_demo_office(ctx)
        yield db
    finally:
        db.close()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def cases(db: BenchDatabase, generated: Generated) -> list[Case]:
    """The pages measured, with their paths drawn from the generated items."""
    rng = random.Random(7)
    with db.ctx.db.read() as session:
        rows = session.execute(
            select(PublishedItem.id, PublishedItem.slug, PublishedItem.kind, PublishedItem.status)
        ).all()
    documents = [r for r in rows if r.status == "published" and r.kind == "document"]
    albums = [r for r in rows if r.status == "published" and r.kind == "album"]
    withdrawn = [r for r in rows if r.status == "withdrawn"]

    def items(chosen: list[Any]) -> tuple[str, ...]:
        return tuple(
            f"/public/items/{r.id}-{quote(r.slug)}" for r in rng.sample(chosen, min(SAMPLE, len(chosen)))
        )

    largest = generated.largest_category
    smallest = min(generated.by_category, key=lambda c: generated.by_category[c])
    deep = max(1, generated.by_category[largest] // public_pages.PER_PAGE // 2)

    def search(query: str, page: int = 1) -> tuple[str, ...]:
        return (f"/public/search?q={quote(query)}" + (f"&page={page}" if page > 1 else ""),)

    n_largest, n_smallest = generated.by_category[largest], generated.by_category[smallest]
    return [
        Case("baseline", "BASELINE: `GET /healthz` (one `SELECT 1`)", ("/healthz",)),
        Case("home", "home (latest 10, categories with counts)", ("/public/",)),
        Case(
            "category",
            f"category {largest}, page 1 ({_n(n_largest)} items)",
            (f"/public/categories/{largest}",),
            target=PAGE_TARGET,
        ),
        Case(
            "category-deep",
            f"category {largest}, page {deep}",
            (f"/public/categories/{largest}?page={deep}",),
            target=PAGE_TARGET,
        ),
        Case(
            "category-small",
            f"category {smallest}, page 1 ({_n(n_smallest)} items)",
            (f"/public/categories/{smallest}",),
            target=PAGE_TARGET,
        ),
        Case("item", f"item page, document ({SAMPLE} different items)", items(documents), target=PAGE_TARGET),
        Case("item-album", "item page, album of 3–12 photos", items(albums), target=PAGE_TARGET),
        Case(
            "item-withdrawn", "item page, withdrawn (410)", items(withdrawn), status=410, target=PAGE_TARGET
        ),
        Case(
            "search-common", f"search `{COMMON}` (~1 item in 4), page 1", search(COMMON), target=SEARCH_TARGET
        ),
        Case("search-common-5", f"search `{COMMON}`, page 5", search(COMMON, 5), target=SEARCH_TARGET),
        Case(
            "search-two",
            f"search `{COMMON} {SECOND}` (two terms)",
            search(f"{COMMON} {SECOND}"),
            target=SEARCH_TARGET,
        ),
        Case("search-rare", f"search `{RARE}` (~1 item in 1 000)", search(RARE), target=SEARCH_TARGET),
        Case("search-missing", f"search `{MISSING}` (no item)", search(MISSING), target=SEARCH_TARGET),
        Case("feed", f"Atom feed of category {largest}", (f"/public/categories/{largest}/feed.atom",)),
        Case(
            "sitemap",
            f"item sitemap (up to {_n(feeds.SITEMAP_CHUNK)} URLs)",
            ("/sitemaps/items-1.xml",),
        ),
    ]


# -- measuring ---------------------------------------------------------------------------------


def measure(db: BenchDatabase, client: FlaskClient, chosen: list[Case], requests: int) -> list[Timing]:
    """`requests` timed requests per case, interleaved (one of each case in turn, so a burst of other
    load on the machine spreads over all cases), after WARMUP each; then each case's statement count."""

    def get(case: Case, n: int) -> bytes:
        response = client.get(case.paths[n % len(case.paths)])
        assert response.status_code == case.status, (case.key, response.status_code)
        return bytes(response.data)

    for case in chosen:
        for n in range(WARMUP):
            get(case, n)
    laps: dict[str, list[float]] = {c.key: [] for c in chosen}
    cpu: dict[str, list[float]] = {c.key: [] for c in chosen}
    for n in range(requests):
        for case in chosen:
            started, started_cpu = now(), time.thread_time()
            get(case, n)
            laps[case.key].append(now() - started)
            cpu[case.key].append(time.thread_time() - started_cpu)
    out = []
    for case in chosen:
        with counting(db) as counted:
            body = get(case, 0)
        lap = laps[case.key]
        out.append(
            Timing(
                case,
                percentile(lap, 50),
                percentile(lap, 95),
                percentile(cpu[case.key], 50),
                len(counted.statements),
                len(body),
            )
        )
    return out


def run_backend(backend: str, db: BenchDatabase, requests: int) -> BackendRun:
    log(f"{backend}: generating {ITEMS:,} published items")
    generated = PortalGenerator(db.ctx).add(ITEMS)
    if backend == "postgresql":
        analyze(db)
    log(f"{backend}: {generated.items:,} items in {generated.seconds:.0f} s; {requests} requests per page")
    app = create_app(context=db.ctx)
    client = app.test_client()
    chosen = cases(db, generated)
    run = BackendRun(backend, generated, measure(db, client, chosen, requests))
    searches = [chosen[0], *(c for c in chosen if c.is_search)]
    log(f"{backend}: searches again without the search index")
    with without_search_index(db) as note:
        run.index_note = note
        run.without_index = measure(db, client, searches, requests)
    return run


def analyze(db: BenchDatabase) -> None:
    """VACUUM ANALYZE after the bulk load, as autovacuum does within a minute of it in production:
    without statistics the planner takes seq scans and bitmap scans for every list (10-100x slower),
    and without the visibility map counts cannot be index-only."""
    with db.ctx.db.write_engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")


@contextmanager
def without_search_index(db: BenchDatabase) -> Iterator[str]:
    """The service as it was before migration 0010 inside the block; yields what the index is."""
    if db.ctx.db.is_sqlite:
        with sqlite_like_alone(db) as note:
            yield note
    else:
        with postgresql_index_dropped(db) as note:
            yield note


@contextmanager
def sqlite_like_alone(db: BenchDatabase) -> Iterator[str]:
    with db.ctx.db.read_engine.connect() as conn:
        try:
            pages = conn.exec_driver_sql(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'published_item_search%'"
            ).scalar()
            size = f"FTS5 trigram table {int(pages or 0) / 1024 / 1024:.1f} MiB"
        except DBAPIError:  # SQLite built without the dbstat table
            size = "FTS5 trigram table"
    kept = search.TRIGRAM
    search.TRIGRAM = 1_000  # longer than any term: no term is looked up in the FTS5 table
    try:
        yield f"{size}; without it: LIKE alone"
    finally:
        search.TRIGRAM = kept


@contextmanager
def postgresql_index_dropped(db: BenchDatabase) -> Iterator[str]:
    engine = db.ctx.db.write_engine
    with engine.begin() as conn:
        definition = conn.scalar(text(f"SELECT pg_get_indexdef('{TRGM_INDEX}'::regclass)"))
        size = conn.scalar(text(f"SELECT pg_relation_size('{TRGM_INDEX}')"))
        conn.execute(text(f"DROP INDEX {TRGM_INDEX}"))
    try:
        yield f"pg_trgm GIN index {int(size or 0) / 1024 / 1024:.1f} MiB; without it: dropped for the while"
    finally:
        with engine.begin() as conn:
            conn.execute(text(definition))


# -- the report --------------------------------------------------------------------------------


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _ms(seconds: float) -> str:
    value = seconds * 1000
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _target(timing: Timing) -> str:
    if timing.case.target is None:
        return ""
    return f"≤ {_ms(timing.case.target)} ms: " + ("**met**" if timing.met else "**not met**")


def render(runs: list[BackendRun], requests: int) -> str:
    out: list[str] = []
    add = out.append
    add(f"## Public portal at {_n(ITEMS)} published items (signed out, Flask test client)")
    add("")
    add(
        "Targets: item page and category page p95 ≤ 20 ms, search p95 ≤ 100 ms. BASELINE = `GET /healthz` in "
        f"the same run, interleaved; × = p95 against its p95. {requests} requests per page after {WARMUP} "
        "warm-up requests; item cases cycle through different items; every item GET counts a view (a write)."
    )
    for run in runs:
        g = run.generated
        add("")
        add(f"### {run.backend}")
        add("")
        add(
            f"{_n(g.items)} items ({_n(g.published)} published, {_n(g.withdrawn)} withdrawn, "
            f"{_n(g.albums)} albums), {_n(g.files)} stored-file rows, search text "
            f"{g.text_chars / max(1, g.items):.0f} characters per item on average; "
            f"generated in {g.seconds:.0f} s."
        )
        add("")
        add(
            _row(
                "page",
                "SQL / request",
                "HTML bytes",
                "p50 ms",
                "p95 ms",
                "CPU p50 ms",
                "p95 × baseline",
                "target",
            )
        )
        add("|---|---:|---:|---:|---:|---:|---:|---|")
        base = run.baseline.p95
        for t in run.timings:
            ratio = "" if t is run.baseline else f"{t.p95 / base:.1f}×"
            add(
                _row(
                    t.case.label,
                    t.statements,
                    _n(t.bytes),
                    _ms(t.p50),
                    _ms(t.p95),
                    _ms(t.cpu_p50),
                    ratio,
                    _target(t),
                )
            )
        if run.without_index:
            add("")
            add(f"Without the search index ({run.index_note}):")
            add("")
            add(_row("page", "p50 ms", "p95 ms", "p95 × baseline", "with the index, p95 ms"))
            add("|---|---:|---:|---:|---:|")
            served = {t.case.key: t for t in run.timings}
            base_without = run.without_index[0].p95
            for t in run.without_index[1:]:
                add(
                    _row(
                        t.case.label,
                        _ms(t.p50),
                        _ms(t.p95),
                        f"{t.p95 / base_without:.1f}×",
                        _ms(served[t.case.key].p95),
                    )
                )
    return "\n".join(out) + "\n"


def run(mode: str) -> str:
    """Measure on SQLite, then on PostgreSQL when it is reachable; the Markdown section."""
    requests = REQUESTS[mode]
    runs = []
    db = prepared("portal")
    try:
        runs.append(run_backend("sqlite", db, requests))
    finally:
        db.close()
    with postgres_database() as pg:
        if pg is not None:
            runs.append(run_backend("postgresql", pg, requests))
    return render(runs, requests)


STARTED = now()


def log(message: str) -> None:
    print(f"[bench portal {now() - STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{REQUESTS['quick']} requests per page instead of {REQUESTS['full']}",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help=f"where to write the report (default {RESULTS})"
    )
    args = parser.parse_args(argv)
    text = run("quick" if args.quick else "full")
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    log(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
