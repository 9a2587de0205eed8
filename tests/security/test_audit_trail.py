"""Probe: "Someone with database access edits the timeline with SQL (a reviewer's comment reworded, an
approval deleted) and nothing shows it." Now each request's events and the admin changes carry a hash
chain, and `bpmnpub audit verify` names the first altered row and exits 1."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from bpmnpub.cli import main as cli
from bpmnpub.services.kernel import audit, trail
from bpmnpub.services.kernel.context import ServiceContext

from ..web.conftest import Api


def verify(ctx: ServiceContext, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = cli(["--database-url", ctx.db.url, "audit", "verify"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def event_ids(ctx: ServiceContext, instance_id: int) -> list[int]:
    with ctx.db.read() as session:
        rows = session.execute(
            text("SELECT id FROM instance_event WHERE instance_id = :i ORDER BY id"), {"i": instance_id}
        )
        return [row.id for row in rows]


def sql(ctx: ServiceContext, statement: str, **params: object) -> None:
    with ctx.db.write() as session:
        session.execute(text(statement), params)


@pytest.fixture
def reviewed(api: Api, filed: int) -> int:
    """The filed request, sent back by its group director with a comment: four events or more."""
    gdir = api.as_user("gdir_plan")
    done = gdir.complete(gdir.task_in(filed)["id"], {"decision": "revise", "comment": "แนบไฟล์ฉบับลงนาม"})
    assert done.status_code == 200, done.get_json()
    return filed


def test_an_untouched_trail_verifies(
    ctx: ServiceContext, reviewed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with ctx.db.write() as session:  # an admin change too: the admin chain
        audit.record(session, "office", "updated", "office name", actor_id=None, now=ctx.now(), details={})
    code, out = verify(ctx, capsys)
    assert code == 0, out
    assert "intact" in out
    report = trail.verify(ctx)
    assert report.rows >= len(event_ids(ctx, reviewed)) + 1


def test_a_comment_reworded_with_sql_is_named(
    ctx: ServiceContext, reviewed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with ctx.db.read() as session:
        target = session.execute(
            text("SELECT id FROM instance_event WHERE instance_id = :i AND decision = 'revise'"),
            {"i": reviewed},
        ).scalar_one()
    sql(ctx, "UPDATE instance_event SET comment = 'อนุมัติ' WHERE id = :id", id=target)
    code, out = verify(ctx, capsys)
    assert code == 1
    assert f"instance_event id {target}" in out and "changed" in out, out


def test_a_deleted_event_is_named(
    ctx: ServiceContext, reviewed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = event_ids(ctx, reviewed)
    assert len(ids) >= 3
    gone, following = ids[1], ids[2]
    sql(ctx, "DELETE FROM instance_event WHERE id = :id", id=gone)
    code, out = verify(ctx, capsys)
    assert code == 1
    assert f"instance_event id {following}" in out and "deleted" in out and f"after id {ids[0]}" in out, out


def test_the_last_event_deleted_is_named(
    ctx: ServiceContext, reviewed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = event_ids(ctx, reviewed)
    sql(ctx, "DELETE FROM instance_event WHERE id = :id", id=ids[-1])
    code, out = verify(ctx, capsys)
    assert code == 1
    assert "deleted" in out and f"after id {ids[-2]}" in out, out


def test_an_event_slipped_in_is_named(
    ctx: ServiceContext, reviewed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = event_ids(ctx, reviewed)
    sql(
        ctx,
        "INSERT INTO instance_event (instance_id, at, action, decision, comment, prev_hash, row_hash) "
        "SELECT instance_id, at, 'task_completed', 'approve', 'อนุมัติ', prev_hash, row_hash "
        "FROM instance_event WHERE id = :last",
        last=ids[-1],
    )
    code, out = verify(ctx, capsys)
    assert code == 1
    forged = event_ids(ctx, reviewed)[-1]
    assert f"instance_event id {forged}" in out and "inserted" in out, out


def test_an_admin_change_rewritten_is_named(ctx: ServiceContext, capsys: pytest.CaptureFixture[str]) -> None:
    with ctx.db.write() as session:
        for name in ("สพป.ทดสอบ เขต 1", "สพป.ทดสอบ เขต 2"):
            audit.record(
                session,
                "office",
                "updated",
                "office name",
                actor_id=None,
                now=ctx.now(),
                details={"to": name},
            )
    with ctx.db.read() as session:
        first = session.execute(text("SELECT max(id) FROM admin_event")).scalar_one() - 1
    sql(ctx, 'UPDATE admin_event SET details = \'{"to":"ปลอม"}\' WHERE id = :id', id=first)
    code, out = verify(ctx, capsys)
    assert code == 1
    assert f"admin_event id {first}" in out and "changed" in out, out


def test_changes_made_at_once_line_up_in_one_chain(
    ctx: ServiceContext, capsys: pytest.CaptureFixture[str]
) -> None:
    """Eight admins save at the same moment (on PostgreSQL, eight transactions at once, the first ones
    racing to start the chain): every row gets its own place, none forks the chain."""
    from concurrent.futures import ThreadPoolExecutor

    def save(n: int) -> None:
        for k in range(5):
            with ctx.db.write() as session:
                audit.record(
                    session, "users", "updated", f"user u{n}", actor_id=None, now=ctx.now(), details={"k": k}
                )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(save, range(8)))
    report = trail.verify(ctx)
    assert report.intact, [f.describe() for f in report.findings]
    with ctx.db.read() as session:
        rows = session.execute(text("SELECT count(*) FROM admin_event")).scalar_one()
        length = session.execute(text("SELECT length FROM audit_chain WHERE chain = 'admin'")).scalar_one()
    assert rows == length and rows >= 40


def _before_the_chain(config: Any) -> Any:
    """The revision before the audit-trail migration (by its file: merges renumber revisions)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(config)
    [trail_migration] = [r for r in scripts.walk_revisions() if (r.path or "").endswith("_audit_trail.py")]
    return trail_migration.down_revision


def test_events_written_before_the_chain_existed_are_chained_by_the_migration(
    ctx: ServiceContext, reviewed: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database from before migration 0016: its events get their chain at the upgrade, and it is the
    chain the app would have written (the same heads)."""
    from alembic import command

    from bpmnpub.db import alembic_config, upgrade

    before = trail.verify(ctx)
    assert before.intact and before.heads
    config = alembic_config(ctx.db.url)
    try:
        with ctx.db.write_engine.connect() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, str(_before_the_chain(config)))
            connection.commit()
    finally:
        upgrade(ctx.db)
    after = trail.verify(ctx)
    assert after.intact and after.heads == before.heads and after.rows == before.rows
    assert verify(ctx, capsys)[0] == 0
