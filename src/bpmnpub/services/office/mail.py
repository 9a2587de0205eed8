"""E-mail of notifications, through an outbox the worker drains.

The `notification` rows are the outbox: a row with `mail_state` None is not mailed yet. The worker
(`send_due`, called every pass) works in three short steps so that no transaction is open while it
talks to the SMTP server, and an SMTP server that is down loses and doubles nothing:

1. claim: in one write transaction, the due rows get `mail_claimed_until` (another worker skips
   them; a worker killed mid-send lets the claim expire and the row is tried again);
2. send each claimed message, outside any transaction;
3. record: in one write transaction, `mail_state` = "sent" (or the attempt, the error and the next
   try after an exponential backoff; after MAX_ATTEMPTS, "failed").

Each message carries a Message-ID made from the row, so a message sent again after a crash between
(2) and (3) is the same message to the receiving server.

People choose per account (`user.mail_preference`): "immediate", "digest" (one mail a day at
DIGEST_HOUR, Bangkok time, listing what arrived since the last one) or "off". Nothing is mailed while
BPMNPUB_SMTP_HOST is empty; rows older than MAX_AGE are never mailed (a newly configured server does
not receive last year's notices).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr
from typing import Any

from markupsafe import escape
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from ...errors import FieldProblem, ValidationError
from ...models import HumanTask, Notification, User
from ...permissions import Actor
from ...statuses import OPEN_STATUSES
from ...thaidate import BANGKOK, format_date
from ..kernel.context import ServiceContext

PREFERENCES = ("immediate", "digest", "off")
MAX_ATTEMPTS = 12
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
CLAIM_FOR = timedelta(minutes=5)
MAX_AGE = timedelta(days=3)
BATCH = 50
DIGEST_HOUR = 7  # 07:00 in Bangkok

Sender = Callable[[EmailMessage], None]


@dataclass(frozen=True)
class DrainResult:
    sent: int
    failed: int  # attempts that failed this pass (tried again later)
    skipped: int  # rows not to be mailed (no address, preference off, too old)


def mail_enabled(ctx: ServiceContext) -> bool:
    return bool(ctx.settings.get("SMTP_HOST"))


def smtp_sender(ctx: ServiceContext) -> Sender:
    """Sends through the configured SMTP server (one connection per message: passes are small)."""
    settings = ctx.settings

    def send(message: EmailMessage) -> None:
        host, port = settings["SMTP_HOST"], int(settings["SMTP_PORT"])
        security = str(settings["SMTP_SECURITY"]).lower()
        client: smtplib.SMTP
        if security == "ssl":
            client = smtplib.SMTP_SSL(host, port, timeout=15, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=15)
        with client:
            if security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings["SMTP_USER"]:
                client.login(settings["SMTP_USER"], settings["SMTP_PASSWORD"])
            client.send_message(message)

    return send


def send_due(ctx: ServiceContext, send: Sender | None = None) -> DrainResult:
    """One pass of the outbox: immediate mails, then the digests that are due."""
    if not mail_enabled(ctx):
        return DrainResult(0, 0, 0)
    sender = send or smtp_sender(ctx)
    now = ctx.now()
    skipped = _skip_unmailable(ctx, now)
    sent = failed = 0
    for message_id, message in _claim_immediate(ctx, now):
        ok = _try(sender, message)
        _record(ctx, [message_id], ok, now)
        sent, failed = (sent + 1, failed) if ok is None else (sent, failed + 1)
    for ids, message in _claim_digests(ctx, now):
        ok = _try(sender, message)
        _record(ctx, ids, ok, now, digest=True)
        sent, failed = (sent + 1, failed) if ok is None else (sent, failed + 1)
    return DrainResult(sent, failed, skipped)


def set_preference(ctx: ServiceContext, actor: Actor, preference: str) -> None:
    """Raises ValidationError for an unknown choice."""
    if preference not in PREFERENCES:
        raise ValidationError("mail preference", [FieldProblem("mail_preference", "unknown choice")])
    with ctx.db.write() as session:
        session.execute(update(User).where(User.id == actor.id).values(mail_preference=preference))


def get_preference(ctx: ServiceContext, actor: Actor) -> tuple[str, str]:
    """(preference, e-mail address) of the actor."""
    with ctx.db.read() as session:
        row = session.execute(select(User.mail_preference, User.email).where(User.id == actor.id)).one()
        return str(row[0]), str(row[1] or "")


# -- the three steps --------------------------------------------------------------------------------


def _due(now: datetime) -> Any:
    return and_(
        Notification.mail_state.is_(None),
        Notification.created_at >= now - MAX_AGE,
        or_(Notification.mail_next_at.is_(None), Notification.mail_next_at <= now),
        or_(Notification.mail_claimed_until.is_(None), Notification.mail_claimed_until < now),
    )


def _skip_unmailable(ctx: ServiceContext, now: datetime) -> int:
    """No address, mail turned off, or too old to be news: never mailed."""
    with ctx.db.write() as session:
        no_mail = select(User.id).where(or_(User.email == "", User.mail_preference == "off", ~User.is_active))
        result = session.execute(
            update(Notification)
            .where(
                Notification.mail_state.is_(None),
                or_(Notification.created_at < now - MAX_AGE, Notification.user_id.in_(no_mail)),
            )
            .values(mail_state="skipped")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _claim(session: Session, ids: Sequence[int], now: datetime) -> None:
    session.execute(
        update(Notification).where(Notification.id.in_(list(ids))).values(mail_claimed_until=now + CLAIM_FOR)
    )


def _claim_immediate(ctx: ServiceContext, now: datetime) -> list[tuple[int, EmailMessage]]:
    with ctx.db.write() as session:
        rows = session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(_due(now), User.mail_preference == "immediate")
            .order_by(Notification.id)
            .limit(BATCH)
            .with_for_update(of=Notification, skip_locked=True)
        ).all()
        _claim(session, [n.id for n, _ in rows], now)
        return [(n.id, _single(ctx, session, n, user)) for n, user in rows]


def _claim_digests(ctx: ServiceContext, now: datetime) -> list[tuple[list[int], EmailMessage]]:
    local = now.astimezone(BANGKOK)
    if local.hour < DIGEST_HOUR:
        return []
    today = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    out = []
    with ctx.db.write() as session:
        users = session.scalars(
            select(User).where(
                User.mail_preference == "digest",
                or_(User.last_digest_at.is_(None), User.last_digest_at < today),
                select(Notification.id).where(Notification.user_id == User.id, _due(now)).exists(),
            )
        ).all()
        for user in users:
            notes = session.scalars(
                select(Notification)
                .where(Notification.user_id == user.id, _due(now))
                .order_by(Notification.id)
                .with_for_update(skip_locked=True)
            ).all()
            if not notes:
                continue
            _claim(session, [n.id for n in notes], now)
            user.last_digest_at = now
            out.append(([n.id for n in notes], _digest(ctx, user, notes, now)))
    return out


def _try(send: Sender, message: EmailMessage) -> str | None:
    """None when sent; otherwise the error, short, for the record."""
    try:
        send(message)
    except (OSError, smtplib.SMTPException) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]
    return None


def _record(
    ctx: ServiceContext, ids: list[int], error: str | None, now: datetime, digest: bool = False
) -> None:
    with ctx.db.write() as session:
        if error is None:
            session.execute(
                update(Notification)
                .where(Notification.id.in_(ids))
                .values(mail_state="digest" if digest else "sent", mail_claimed_until=None, mail_error=None)
            )
            return
        for note in session.scalars(select(Notification).where(Notification.id.in_(ids))):
            note.mail_attempts += 1
            note.mail_error = error
            note.mail_claimed_until = None
            if note.mail_attempts >= MAX_ATTEMPTS:
                note.mail_state = "failed"
            else:
                note.mail_next_at = now + min(BACKOFF_FIRST * (2 ** (note.mail_attempts - 1)), BACKOFF_MAX)
        if digest:  # the day's digest was not delivered: the next pass tries again
            session.execute(
                update(User)
                .where(
                    User.id == select(Notification.user_id).where(Notification.id == ids[0]).scalar_subquery()
                )
                .values(last_digest_at=None)
            )


# -- the messages -----------------------------------------------------------------------------------


def _base(ctx: ServiceContext) -> str:
    base = ctx.settings.get("BASE_URL") or ctx.settings.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000"
    return str(base).rstrip("/")


def _link(ctx: ServiceContext, session: Session, note: Notification) -> str:
    base = _base(ctx)
    if note.human_task_id is not None:
        status = session.scalar(select(HumanTask.status).where(HumanTask.id == note.human_task_id))
        if status in OPEN_STATUSES:
            return f"{base}/tasks/{note.human_task_id}"
    if note.instance_id is not None:
        return f"{base}/requests/{note.instance_id}"
    return f"{base}/inbox"


def _envelope(ctx: ServiceContext, user: User, subject: str, key: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = ctx.settings["MAIL_FROM"]
    message["To"] = formataddr((user.full_name, user.email))
    # The same row gives the same Message-ID: a message sent again after a crash is the same message.
    message["Message-ID"] = f"<bpmnpub.{key}@{_domain(ctx)}>"
    return message


def _single(ctx: ServiceContext, session: Session, note: Notification, user: User) -> EmailMessage:
    link = _link(ctx, session, note)
    settings_link = f"{_base(ctx)}/notifications"
    message = _envelope(ctx, user, note.text, f"n{note.id}")
    text = (
        f"เรียน {user.full_name}\n\n{note.text}\n\nเปิดดู: {link}\n\n"
        f"— ระบบเผยแพร่ข้อมูลข่าวสารต่อสาธารณะ (bpmnpub)\n"
        f"ตั้งค่าการรับอีเมลได้ที่ {settings_link}\n"
    )
    html = (
        f'<!doctype html><html lang="th"><body style="font-family:sans-serif">'
        f"<p>เรียน {escape(user.full_name)}</p><p><strong>{escape(note.text)}</strong></p>"
        f'<p><a href="{escape(link)}">เปิดดู</a></p>'
        f'<p style="color:#666;font-size:smaller">ระบบเผยแพร่ข้อมูลข่าวสารต่อสาธารณะ (bpmnpub) · '
        f'<a href="{escape(settings_link)}">ตั้งค่าการรับอีเมล</a></p></body></html>'
    )
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _digest(ctx: ServiceContext, user: User, notes: Sequence[Notification], now: datetime) -> EmailMessage:
    base = _base(ctx)
    subject = f"สรุปการแจ้งเตือนประจำวันที่ {format_date(now, long=True)} ({len(notes)} รายการ)"
    message = _envelope(ctx, user, subject, f"d{user.id}.{notes[0].id}")
    lines = [
        f"- {n.text}\n  {base}/requests/{n.instance_id}" if n.instance_id else f"- {n.text}" for n in notes
    ]
    text = (
        f"เรียน {user.full_name}\n\nการแจ้งเตือนตั้งแต่ครั้งก่อน:\n\n"
        + "\n".join(lines)
        + f"\n\nกล่องงาน: {base}/inbox\n"
    )
    items = "".join(
        f'<li><a href="{escape(f"{base}/requests/{n.instance_id}")}">{escape(n.text)}</a></li>'
        if n.instance_id
        else f"<li>{escape(n.text)}</li>"
        for n in notes
    )
    html = (
        '<!doctype html><html lang="th"><body style="font-family:sans-serif">'
        f"<p>เรียน {escape(user.full_name)}</p>"
        f"<p>การแจ้งเตือนตั้งแต่ครั้งก่อน:</p><ul>{items}</ul>"
        f'<p><a href="{escape(base)}/inbox">เปิดกล่องงาน</a></p></body></html>'
    )
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _domain(ctx: ServiceContext) -> str:
    return str(ctx.settings["MAIL_FROM"]).rsplit("@", 1)[-1].strip("> ") or "bpmnpub.local"
