"""E-mail notifications against a real SMTP server (aiosmtpd on loopback): Thai subject and body, plain
text and HTML, a link to the task; an SMTP server that is down and comes back loses and doubles
nothing; preferences (immediate, daily digest, off) are honoured."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from bpmnpub.models import Notification, User
from bpmnpub.services.kernel.context import ServiceContext
from bpmnpub.services.office import mail
from bpmnpub.services.requests import inbox

from ..conftest import Clock
from .conftest import file_request


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(ctx: ServiceContext) -> Iterator[Server]:
    server = Server()
    server.start()
    ctx.settings.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.port,
        MAIL_FROM="สพป. <noreply@example.go.th>",
        BASE_URL="https://bpmnpub.example.go.th",
    )
    yield server
    server.stop()


def test_a_task_arrives_by_mail_in_thai_with_a_link_to_it(
    ctx: ServiceContext, smtp: Server, actor: Any
) -> None:
    iid = file_request(ctx, actor("owner1"))
    result = mail.send_due(ctx)
    assert result.sent >= 1 and result.failed == 0
    [message] = smtp.inbox.to("gdir_plan@example.go.th")
    assert message["Subject"].startswith("มีงานรอคุณ: ")
    assert "ประกาศผลการคัดเลือกครูผู้ช่วย" in message["Subject"]
    [task] = [t for t in inbox.list_tasks(ctx, actor("gdir_plan")) if t.instance_id == iid]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    link = f"https://bpmnpub.example.go.th/tasks/{task.id}"
    assert "เรียน " in text and link in text
    assert f'href="{link}"' in html and "เปิดดู" in html
    assert mail.send_due(ctx).sent == 0  # nothing twice


def test_an_smtp_outage_loses_and_doubles_nothing(
    ctx: ServiceContext, smtp: Server, actor: Any, clock: Clock
) -> None:
    smtp.stop()
    for _ in range(3):
        file_request(ctx, actor("owner1"))
    down = mail.send_due(ctx)
    assert down.sent == 0 and down.failed == 3
    with ctx.db.read() as session:
        pending = session.scalars(select(Notification).where(Notification.mail_state.is_(None))).all()
    assert len(pending) == 3 and {n.mail_attempts for n in pending} == {1}
    assert all(n.mail_error and n.mail_next_at for n in pending)
    assert mail.send_due(ctx).failed == 0  # not yet due again (backoff)
    smtp.start()
    clock.advance(minutes=2)
    back = mail.send_due(ctx)
    assert back.sent == 3
    assert mail.send_due(ctx).sent == 0
    clock.advance(hours=7)
    assert mail.send_due(ctx).sent == 0
    ids = [m["Message-ID"] for m in smtp.inbox.messages]
    assert len(ids) == 3 and len(set(ids)) == 3


def test_a_worker_killed_mid_send_lets_the_claim_expire(
    ctx: ServiceContext, smtp: Server, actor: Any, clock: Clock
) -> None:
    file_request(ctx, actor("owner1"))

    def crash(message: EmailMessage) -> None:
        raise KeyboardInterrupt  # the process dies between claiming and recording

    with pytest.raises(KeyboardInterrupt):
        mail.send_due(ctx, send=crash)
    assert mail.send_due(ctx).sent == 0  # still claimed by the dead worker
    clock.advance(minutes=6)
    assert mail.send_due(ctx).sent == 1
    assert len(smtp.inbox.messages) == 1


def test_preferences_off_and_daily_digest(
    ctx: ServiceContext, smtp: Server, actor: Any, clock: Clock
) -> None:
    with ctx.db.write() as session:
        session.execute(update(User).where(User.username == "gdir_plan").values(mail_preference="digest"))
    mail.set_preference(ctx, actor("owner2"), "off")
    clock.current = datetime(2026, 11, 16, 22, 0, tzinfo=UTC)  # 05:00 in Bangkok: before the digest hour
    for _ in range(2):
        file_request(ctx, actor("owner1"))
    mail.send_due(ctx)
    assert smtp.inbox.to("gdir_plan@example.go.th") == []
    clock.current = datetime(2026, 11, 17, 0, 30, tzinfo=UTC)  # 07:30 in Bangkok the next day
    mail.send_due(ctx)
    [digest] = smtp.inbox.to("gdir_plan@example.go.th")
    assert "สรุปการแจ้งเตือนประจำวันที่" in digest["Subject"] and "(2 รายการ)" in digest["Subject"]
    clock.advance(hours=1)
    mail.send_due(ctx)
    assert len(smtp.inbox.to("gdir_plan@example.go.th")) == 1  # once a day


def test_nothing_is_mailed_without_a_server_configured(ctx: ServiceContext, actor: Any) -> None:
    file_request(ctx, actor("owner1"))
    assert mail.send_due(ctx) == mail.DrainResult(0, 0, 0)


def test_old_notices_are_not_mailed_when_a_server_is_set_up_later(
    ctx: ServiceContext, actor: Any, clock: Clock
) -> None:
    file_request(ctx, actor("owner1"))
    clock.advance(days=4)
    server = Server()
    server.start()
    try:
        ctx.settings.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
        result = mail.send_due(ctx)
        assert result.sent == 0 and result.skipped >= 1 and server.inbox.messages == []
    finally:
        server.stop()
    assert timedelta(days=4) > mail.MAX_AGE
