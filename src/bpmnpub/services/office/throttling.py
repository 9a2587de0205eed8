"""Sign-in throttling that cannot be turned against the right person.

Failures are counted per (username, address): after FREE_TRIES failures each further try from that
pair waits a delay that doubles (5 s, 10 s, 20 s … at most 15 minutes). Another address's failures
never block a person: the right password from an address with no failures always gets in. An office
behind one shared address is not locked out by one person's typos either; what an address is blocked
for is spraying — failures for many different usernames (ADDRESS_USERNAMES within the window).
Every failure is logged; administrators see the current throttles and clear them (audited).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ...errors import TooManyAttemptsError
from ...models import LoginFailure
from ...permissions import Actor, require_admin
from ..kernel import audit
from ..kernel.context import ServiceContext

log = logging.getLogger("bpmnpub.signin")

WINDOW = timedelta(minutes=15)
FREE_TRIES = 3
FIRST_DELAY = timedelta(seconds=5)
MAX_DELAY = timedelta(minutes=15)
ADDRESS_USERNAMES = 20  # distinct usernames failing from one address within WINDOW: spraying


def delay_after(failures: int) -> timedelta:
    """How long a (username, address) pair waits after `failures` failures in the window."""
    if failures < FREE_TRIES:
        return timedelta(0)
    delay: timedelta = min(FIRST_DELAY * (2 ** (failures - FREE_TRIES)), MAX_DELAY)
    return delay


def check(session: Session, username: str, address: str, now: datetime) -> None:
    """Raises TooManyAttemptsError when this pair must wait, or the address sprays usernames."""
    since = now - WINDOW
    pair = session.scalars(
        select(LoginFailure.at)
        .where(
            LoginFailure.username == username, LoginFailure.remote_addr == address, LoginFailure.at > since
        )
        .order_by(LoginFailure.at)
    ).all()
    if pair:
        ready = pair[-1] + delay_after(len(pair))
        if now < ready:
            raise TooManyAttemptsError("too many failed sign-ins; try again later", _seconds(ready - now))
    names = session.scalar(
        select(func.count(func.distinct(LoginFailure.username))).where(
            LoginFailure.remote_addr == address, LoginFailure.at > since
        )
    )
    if (names or 0) >= ADDRESS_USERNAMES:
        oldest = session.scalar(
            select(func.min(LoginFailure.at)).where(
                LoginFailure.remote_addr == address, LoginFailure.at > since
            )
        )
        wait = (oldest + WINDOW - now) if oldest else WINDOW
        raise TooManyAttemptsError("too many usernames tried from this address", _seconds(wait))


def record_failure(session: Session, username: str, address: str, now: datetime) -> None:
    session.add(LoginFailure(username=username[:64], remote_addr=address[:64], at=now))
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - WINDOW))
    log.warning("failed sign-in for %r from %s", username[:64], address[:64] or "?")


def forget(session: Session, username: str, address: str) -> None:
    """A successful sign-in clears that pair's failures."""
    session.execute(
        delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.remote_addr == address)
    )


@dataclass(frozen=True)
class Throttle:
    username: str
    address: str
    failures: int
    last_at: datetime
    blocked_until: datetime | None  # None: not waiting now


def list_throttles(ctx: ServiceContext, actor: Actor) -> list[Throttle]:
    """Pairs with failures in the window, most recent first. Raises PermissionDeniedError."""
    require_admin(actor, "see and clear sign-in throttles")
    now = ctx.now()
    with ctx.db.read() as session:
        rows = session.execute(
            select(LoginFailure.username, LoginFailure.remote_addr, func.count(), func.max(LoginFailure.at))
            .where(LoginFailure.at > now - WINDOW)
            .group_by(LoginFailure.username, LoginFailure.remote_addr)
            .order_by(func.max(LoginFailure.at).desc())
        ).all()
    out = []
    for username, address, count, last in rows:
        ready = last + delay_after(count)
        out.append(Throttle(username, address, count, last, ready if ready > now else None))
    return out


def clear(ctx: ServiceContext, actor: Actor, username: str, address: str) -> int:
    """Forget a pair's failures (an admin vouches for the person). Raises PermissionDeniedError."""
    require_admin(actor, "see and clear sign-in throttles")
    with ctx.db.write() as session:
        result = session.execute(
            delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.remote_addr == address)
        )
        audit.record(
            session,
            "users",
            "throttle_cleared",
            f"sign-in {username[:64]} from {address[:64]}",
            actor_id=actor.id,
            now=ctx.now(),
            details={"failures": int(result.rowcount or 0)},  # type: ignore[attr-defined]
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _seconds(delta: timedelta) -> int:
    return max(int(delta.total_seconds()) + 1, 1)
