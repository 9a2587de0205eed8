"""The demo catalogue, put back as `bpmnpub init --demo` leaves it.

SQLite tests copy a fresh database each time; the PostgreSQL schema lives for the whole run and its
per-test reset (tests/conftest.py) does not know the catalogue tables, so catalogue tests restore it
before (other tests may have added rows) and after (for the tests that follow) themselves.
"""

from __future__ import annotations

from sqlalchemy import delete

from bpmnpub.models import Category, ItaFramework, category_ita_item
from bpmnpub.services import demo
from bpmnpub.services.context import ServiceContext


def restore_demo_catalogue(ctx: ServiceContext) -> None:
    with ctx.db.write() as session:
        session.execute(delete(category_ita_item))
        session.execute(delete(ItaFramework))  # its items go with it (ON DELETE CASCADE)
        session.execute(delete(Category))
    demo.create_demo_office(ctx)
