"""One comment thread per request, across every step and round, for everyone involved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import ValidationError, problem
from ...models import Comment, Notification, User
from ...permissions import Actor
from ..kernel.context import ServiceContext
from ..kernel.membership import readable_instance

MAX_LENGTH = 4000


@dataclass(frozen=True)
class CommentView:
    id: int
    author: str
    body: str
    created_at: datetime


def list_comments(ctx: ServiceContext, instance_id: int, actor: Actor) -> list[CommentView]:
    """Raises NotFoundError, PermissionDeniedError."""
    with ctx.db.read() as session:
        readable_instance(session, actor, instance_id)
        return comments_in(session, instance_id)


def comments_in(session: Session, instance_id: int) -> list[CommentView]:
    """A request's discussion, oldest first, for a reader already checked (`readable_instance`)."""
    rows = session.execute(
        select(Comment, User.full_name)
        .join(User, User.id == Comment.author_id)
        .where(Comment.instance_id == instance_id)
        .order_by(Comment.id)
    ).all()
    return [CommentView(c.id, name, c.body, c.created_at) for c, name in rows]


def add_comment(ctx: ServiceContext, instance_id: int, actor: Actor, body: str) -> CommentView:
    """Add to a request's thread; the requester is notified of others' comments.
    Raises NotFoundError, PermissionDeniedError, ValidationError."""
    text = body.strip()
    if not text or len(text) > MAX_LENGTH:
        raise ValidationError(
            "comment length", [problem("body", "กรุณาพิมพ์ความเห็น (ไม่เกิน %(n)s ตัวอักษร)", n=MAX_LENGTH)]
        )
    now = ctx.now()
    with ctx.db.write() as session:
        instance = readable_instance(session, actor, instance_id)
        comment = Comment(instance_id=instance_id, author_id=actor.id, body=text, created_at=now)
        session.add(comment)
        if instance.started_by_id and instance.started_by_id != actor.id:
            session.add(
                Notification(
                    user_id=instance.started_by_id,
                    instance_id=instance_id,
                    kind="comment",
                    text=f"ความเห็นใหม่ในคำขอ “{instance.title}”"[:500],
                    created_at=now,
                )
            )
        session.flush()
        author = session.scalar(select(User.full_name).where(User.id == actor.id)) or ""
        return CommentView(comment.id, author, comment.body, comment.created_at)
