"""`python -m bench.ita_index [--items 50000] [--years 3] [--postgres URL]`: server time of the ITA index,
its CSV and the staff dashboard over many published items.

A fiscal year (2572) of 40 O items mapped to 20 categories (two O items per category, as office
catalogues do); published items spread over `--years` fiscal years up to 2572 (3, the default, is the
dense worst case: every item falls in some window of the year), 20% in categories no O item maps and
left unconfirmed, the others confirmed by their publisher for their category's first O item, a third
of them for both of its O items, 10% for another O item besides; 5% withdrawn; bulk-inserted. Each
page is requested through Flask's test client (server time only, HTML rendered in full), and the
services alone are timed too. Prints median and p95 in ms,
and p95 against BASELINE = `GET /healthz` (one `SELECT 1`) measured in the same run. `make bench` runs
it (`section`) on SQLite and on PostgreSQL when `BPMNPUB_BENCH_POSTGRES_URL` (see `portal`) is reachable.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, select, text

from bpmnpub import create_app
from bpmnpub.db import Database, upgrade
from bpmnpub.engine import Engine
from bpmnpub.models import (
    Category,
    ConfirmedOItem,
    Group,
    ItaFramework,
    ItaItem,
    PublishedItem,
    category_ita_item,
)
from bpmnpub.permissions import LANE_ROLES
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import accounts
from bpmnpub.services.operations import demo
from bpmnpub.services.portal import ita_index
from bpmnpub.services.procedures import definitions
from bpmnpub.services.wiring import OPERATOR_NAMES, OPERATORS

from .database import PROCESSES, BenchDatabase, _settings, prepared
from .timing import now, percentile
from .web_pages import Browser

FY = 2572
O_ITEMS = 40
CATEGORIES = 20
YEAR_END = datetime(2029, 9, 30, tzinfo=UTC)  # the end of fiscal year 2572
CHUNK = 5000
RUNS = 30


def seed(ctx: ServiceContext, count: int, years: int = 3) -> None:
    """`count` items published over the `years` fiscal years up to 2572 (3: the dense worst case, every
    item inside some window of the year; 15: an office's history)."""
    rng = random.Random(4)
    span = timedelta(days=365 * years)
    stamp = ctx.now()
    with ctx.db.write() as session:
        groups = list(session.scalars(select(Group.id)))
        session.add(ItaFramework(fiscal_year=FY, title="ITA 2572 (bench)", created_at=stamp))
        session.flush()
        categories = [
            Category(code=f"B.{n}", name=f"หมวด {n}", created_at=stamp, updated_at=stamp)
            for n in range(CATEGORIES)
        ]
        items = [
            ItaItem(
                fiscal_year=FY,
                code=f"O{n + 1}",
                title=f"รายการข้อมูลที่ {n + 1}",
                group_id=groups[n % len(groups)],
                period_rule=("current_fy", "first_half", "previous_fy")[n % 3],
                sort_order=n,
            )
            for n in range(O_ITEMS)
        ]
        session.add_all(categories + items)
        session.flush()
        session.execute(
            insert(category_ita_item),
            [
                {"category_id": categories[n % CATEGORIES].id, "ita_item_id": i.id}
                for n, i in enumerate(items)
            ],
        )
        mapped: dict[int, list[str]] = {}
        for n, i in enumerate(items):
            mapped.setdefault(n % CATEGORIES, []).append(i.code)
        first_id = session.scalar(select(func.max(PublishedItem.id))) or 0
        rows: list[dict[str, Any]] = []
        confirmed: list[dict[str, Any]] = []
        for n in range(count):
            at = YEAR_END - span * rng.random()
            category = rng.randrange(CATEGORIES * 5 // 4)  # 20% in categories no O item maps
            codes = list(mapped.get(category, []))[: 2 if rng.random() < 1 / 3 else 1]
            if codes and rng.random() < 0.1:
                codes.append(f"O{rng.randrange(1, O_ITEMS + 1)}")
            codes = sorted(set(codes))
            confirmed += [{"item_id": first_id + n + 1, "code": code} for code in codes]
            rows.append(
                {
                    "id": first_id + n + 1,
                    "kind": "document",
                    "title": f"ประกาศ {n}",
                    "slug": f"ประกาศ-{n}",
                    "category": f"B.{category}",
                    "ita_item": codes[0] if codes else None,
                    "ita_confirmed_at": at if codes else None,
                    "status": "withdrawn" if rng.random() < 0.05 else "published",
                    "fiscal_year": 0,
                    "published_at": at,
                    "updated_at": at + timedelta(days=rng.randrange(0, 60)),
                    "group_id": groups[n % len(groups)],
                }
            )
            if len(rows) == CHUNK:
                session.execute(insert(PublishedItem), rows)
                rows = []
        if rows:
            session.execute(insert(PublishedItem), rows)
        for start in range(0, len(confirmed), CHUNK):
            session.execute(insert(ConfirmedOItem), confirmed[start : start + CHUNK])


def measure(label: str, fn: Callable[[], Any], runs: int = RUNS) -> tuple[str, float, float]:
    for _ in range(3):
        fn()
    laps = []
    for _ in range(runs):
        started = now()
        fn()
        laps.append(now() - started)
    return label, sorted(laps)[len(laps) // 2], percentile(laps, 95)


def _lines(rows: list[tuple[str, float, float]]) -> list[str]:
    base = rows[0][2]
    return [
        f"  {label:<42} median {p50 * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   {p95 / base:6.1f}x baseline"
        for label, p50, p95 in rows
    ]


def run(ctx: ServiceContext, items: int, years: int, runs: int = RUNS) -> list[str]:
    seed(ctx, items, years)
    if not ctx.db.is_sqlite:
        with ctx.db.write() as session:
            session.execute(text("ANALYZE"))
    app = create_app(context=ctx)
    client = app.test_client()
    director = Browser(app, "director1")
    with ctx.db.read() as session:
        user = accounts.find_user(session, "director1")
        assert user is not None
        actor = accounts.actor_of(user, ctx.now())

    def public(path: str) -> Callable[[], None]:
        def get() -> None:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return get

    return _lines(
        [
            measure("BASELINE GET /healthz", public("/healthz"), runs),
            measure(
                "service year_index",
                lambda: ita_index.year_index(ctx, FY, base="https://example.go.th"),
                runs,
            ),
            measure("service dashboard", lambda: ita_index.dashboard(ctx, actor, FY), runs),
            measure(f"GET /public/ita/{FY}", public(f"/public/ita/{FY}"), runs),
            measure(f"GET /public/ita/{FY}.csv", public(f"/public/ita/{FY}.csv"), runs),
            measure(f"GET /reports/ita/{FY} (director1)", lambda: director.get(f"/reports/ita/{FY}"), runs),
        ]
    )


def section(mode: str, items: int = 50_000, years: int = 3) -> str:
    """`make bench`'s part: SQLite, then PostgreSQL when reachable; a Markdown section."""
    from .portal import postgres_database

    runs = RUNS if mode == "full" else 10
    out = [
        "## ITA index (bench/ita_index.py)",
        "",
        f"{items:,} published items over {years} fiscal years, {O_ITEMS} O items, {runs} requests each; "
        "server time; × = p95 against BASELINE's p95 (same run, same database).",
        "",
        "```",
    ]
    bench = prepared("ita")
    try:
        out.append("SQLite:")
        out += run(bench.ctx, items, years, runs)
    finally:
        bench.close()
    with postgres_database() as pg:
        if pg is not None:
            out.append("PostgreSQL:")
            out += run(pg.ctx, items, years, runs)
    return "\n".join([*out, "```"]) + "\n"


def _postgres(url: str) -> tuple[ServiceContext, Callable[[], None]]:
    schema = f"bpmnpub_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    scoped = f"{url}{sep}options=-csearch_path%3D{schema}"
    folder = Path(tempfile.mkdtemp(prefix="bpmnpub-bench-ita-pg-"))
    ctx = ServiceContext(
        Database(scoped), Engine(LANE_ROLES, OPERATOR_NAMES), _settings(folder, scoped), operators=OPERATORS
    )
    upgrade(ctx.db)
    definitions.deploy_folder(ctx, PROCESSES)
    demo.create_demo_office(ctx)

    def close() -> None:
        ctx.db.dispose()
        shutil.rmtree(folder, ignore_errors=True)
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return ctx, close


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--years", type=int, default=3, help="fiscal years the items are spread over")
    parser.add_argument("--postgres", help="also measure on this PostgreSQL URL (a private schema is made)")
    args = parser.parse_args()
    bench: BenchDatabase = prepared("ita")
    try:
        print(f"SQLite, {args.items} published items over {args.years} years, {O_ITEMS} O items:")
        print("\n".join(run(bench.ctx, args.items, args.years)))
    finally:
        bench.close()
    if args.postgres:
        ctx, close = _postgres(args.postgres)
        try:
            print(f"PostgreSQL, {args.items} published items over {args.years} years, {O_ITEMS} O items:")
            print("\n".join(run(ctx, args.items, args.years)))
        finally:
            close()


if __name__ == "__main__":
    main()
