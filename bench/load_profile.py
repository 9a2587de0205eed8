"""Where one submission's time goes over WSGI on PostgreSQL (`python -m bench.load_profile [--db sqlite]`):
the load benchmark's requests through Flask's test client (whole WSGI app, no gunicorn, no network to
the client), under cProfile. Prints exclusive time per library and the top functions."""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bpmnpub.services.files import storage

from .api_level import ApiClient, open_task
from .database import PDF, BenchDatabase, prepared
from .portal import postgres_database
from .scenario import APPROVE, CERTIFY, LANE_USERS, PROCESS_ID, request_data
from .timing import now

CATEGORIES: tuple[tuple[str, Callable[[str, str], bool]], ...] = (  # (label, test), first match wins
    ("database driver (psycopg / sqlite3, waits included)", lambda f, n: "psycopg" in f or "sqlite3" in n),
    ("socket / select (waiting for the server)", lambda f, n: f == "~" and ("socket" in n or "poll" in n)),
    ("SpiffWorkflow", lambda f, n: "SpiffWorkflow" in f),
    ("bpmnpub.engine", lambda f, n: "/bpmnpub/engine/" in f),
    ("SQLAlchemy", lambda f, n: "/sqlalchemy/" in f),
    (
        "jsonschema / forms",
        lambda f, n: any(p in f for p in ("/jsonschema", "/referencing", "/rpds", "forms")),
    ),
    (
        "Flask / Werkzeug / Jinja / flask_login",
        lambda f, n: any(p in f for p in ("/flask", "/werkzeug", "/jinja")),
    ),
    ("json", lambda f, n: "/json/" in f or (f == "~" and "json" in n)),
    ("copy.deepcopy", lambda f, n: f.endswith("/copy.py")),
    ("bpmnpub services/web/models", lambda f, n: "/bpmnpub/" in f),
    ("other Python (stdlib, builtins)", lambda f, n: True),
)


@contextmanager
def _database(kind: str) -> Iterator[BenchDatabase]:
    if kind == "sqlite":
        db = prepared("profile")
        try:
            yield db
        finally:
            db.close()
        return
    with postgres_database() as pg:
        if pg is None:
            raise SystemExit("PostgreSQL not reachable")
        owner = pg.actor(LANE_USERS["requester"])
        pg.file_id = storage.upload_file(pg.ctx, io.BytesIO(PDF), "ประกาศ.pdf", actor_id=owner.id).id
        yield pg


def _request(api: ApiClient, file_id: str) -> int:
    instance = api.post(f"/api/v1/processes/{PROCESS_ID}/instances", LANE_USERS["requester"], {})
    plan = [("requester", request_data(file_id)), ("group_director", APPROVE), ("director", APPROVE)]
    for lane, data in [*plan, ("publisher", CERTIFY)]:
        task_id = open_task(instance)
        instance = api.post(f"/api/v1/tasks/{task_id}/complete", LANE_USERS[lane], {"data": data})["instance"]
    return 4


def profile(kind: str, requests: int) -> str:
    with _database(kind) as db:
        api = ApiClient(db)
        for _ in range(5):  # warm: parsed spec, forms, imports
            _request(api, db.file_id)
        started = now()
        count = sum(_request(api, db.file_id) for _ in range(requests))
        plain = (now() - started) / count
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            _request(api, db.file_id)
        profiler.disable()
    stats = pstats.Stats(profiler)
    totals = {label: 0.0 for label, _ in CATEGORIES}
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
        for label, test in CATEGORIES:
            if test(filename, name):
                totals[label] += tottime
                break
    whole = sum(totals.values()) or 1.0
    out = io.StringIO()
    out.write(f"{kind}: {plain * 1000:.2f} ms per request step (start + 4 submissions / 4), unprofiled\n\n")
    for label, seconds in sorted(totals.items(), key=lambda x: -x[1]):
        out.write(f"  {seconds / whole:6.1%}  {label}\n")
    out.write("\n")
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_profile", description=__doc__)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)
    print(profile(args.db, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
