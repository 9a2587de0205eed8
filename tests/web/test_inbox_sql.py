"""The inbox page is one service call: the SQL statements one GET /inbox issues, per view, stay at
what they were before the page was made one call (issue #14 item 3), whatever the reader's filters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from bpmnpub.services.kernel.context import ServiceContext

from ..services.conftest import file_request
from .pages import signed_in


@pytest.fixture
def backend() -> str:
    return "sqlite"


@contextmanager
def counting(ctx: ServiceContext) -> Iterator[list[str]]:
    seen: list[str] = []

    def grab(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engines = {id(e): e for e in (ctx.db.read_engine, ctx.db.write_engine)}.values()
    for engine in engines:
        event.listen(engine, "before_cursor_execute", grab)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", grab)


# Statements of one GET /inbox before the page was one call (measured on this test's office): the inbox
# service, the category names, the duties and the menu's badge each in a transaction of their own, the
# badge counted again whenever a view or search was chosen.
BEFORE = {"": 21, "view=mine": 23, "view=unassigned": 23, "view=others": 23, "view=overdue": 23}
BEFORE_SEARCH = 23  # ?q=… (any view)


@pytest.mark.parametrize("args", list(BEFORE))
def test_the_inbox_is_one_read_and_no_more_statements_than_before(
    app: Flask, ctx: ServiceContext, actor: Any, args: str
) -> None:
    for _ in range(3):
        file_request(ctx, actor("owner1"))
    client = signed_in(app, "gdir_plan")
    for path, before in ((f"/inbox?{args}", BEFORE[args]), (f"/inbox?{args}&q=ประกาศ", BEFORE_SEARCH)):
        assert client.get(path).status_code == 200  # warm
        with counting(ctx) as seen:
            response = client.get(path)
        assert response.status_code == 200
        assert len(seen) < before, (path, len(seen))
        # the session, the signed-in user, the page, the unread notifications: one transaction each
        assert sum(1 for s in seen if s.strip().upper() == "BEGIN") == 4, seen
