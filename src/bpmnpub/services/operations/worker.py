"""The worker's pass (due timers, scheduled starts, steps whose lane emptied) made to survive: transient
database errors are tried again with backoff, one request that keeps failing is put in `error` and the
others go on, and every pass leaves a heartbeat. `bpmnpub worker` runs `Worker.run_forever`."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from ...db import is_transient
from ..files import cleanup
from ..kernel.context import ServiceContext
from ..office import mail
from ..portal import website
from ..procedures import duties
from ..requests import worker_steps
from . import heartbeat

log = logging.getLogger("bpmnpub.worker")

T = TypeVar("T")
PURGE_EVERY = timedelta(hours=1)

# Why the worker stopped a request (shown to admins on the request and in its timeline).
GAVE_UP_REASON = (
    "ระบบทำงานเบื้องหลังดำเนินขั้นตอนอัตโนมัติของคำขอนี้ไม่สำเร็จ {attempts} ครั้ง "
    "จึงหยุดคำขอไว้ให้ผู้ดูแลระบบตรวจสอบแล้วสั่งทำซ้ำ ({error})"
)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, bounded in attempts and in each wait."""

    attempts: int = 6
    base: float = 0.25
    cap: float = 8.0

    def delay(self, attempt: int) -> float:
        """The wait before try number `attempt + 1` (attempt counts from 1)."""
        return random.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


class DatabaseUnavailable(Exception):
    """Transient errors outlasted every retry: the pass stops here and the next one starts over."""


@dataclass
class PassReport:
    started: list[int] = field(default_factory=list)  # instances started by a schedule
    moved: int = 0  # instances moved by a due timer
    rerouted: int = 0  # waiting steps sent up the chain: their lane emptied (an appointment ended)
    released: int = 0  # held steps given back: their holder was deactivated or their appointment ended
    mailed: int = 0  # e-mails sent (services/office/mail.py)
    purged: int = 0  # uploads nothing referred to, deleted (services/files/cleanup.py)
    posted: int = 0  # items brought in step on the office's WordPress (services/portal/website.py)
    duties: int = 0  # recurring duties made (services/procedures/duties.py)
    duty_notices: int = 0  # duties whose group was told they come due or are overdue
    failed: list[int] = field(default_factory=list)  # instances put in `error` by this pass
    errors: list[str] = field(default_factory=list)  # what went wrong and was survived


def describe(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:500]


class Worker:
    """One worker process: its identity for the heartbeat, its retry policy, and a stop flag that ends
    every wait at once (SIGTERM, Ctrl-C)."""

    def __init__(
        self,
        ctx: ServiceContext,
        *,
        interval: int,
        stop: threading.Event | None = None,
        backoff: Backoff | None = None,
        batch: int = 50,
    ) -> None:
        self.ctx = ctx
        self.interval = interval
        self.stop = stop or threading.Event()
        self.backoff = backoff or Backoff()
        self.batch = batch
        self.identity = heartbeat.WorkerIdentity.of_this_process(interval)
        # Between the beats at the start and end of a pass, one at most this often during it.
        self._beat_every = max(1.0, interval / 2)
        self._last_beat = 0.0
        # An error met while the database was away is written with the first beat that gets through.
        self._unreported_error: str | None = None
        self._purged_at: datetime | None = None  # orphan uploads are looked for once an hour

    # --- the loop ------------------------------------------------------------------------------------

    def run_forever(self) -> None:
        """Passes every `interval` seconds until stopped. Nothing a pass raises ends the loop: a pass that
        failed is logged, noted in the heartbeat, and the next one comes sooner (backoff up to the
        interval)."""
        failures = 0
        while not self.stop.is_set():
            try:
                report = self.run_pass()
            except Exception as exc:
                failures += 1
                if isinstance(exc, DatabaseUnavailable):
                    log.error("worker pass failed (%d in a row): %s", failures, describe(exc))
                else:  # not the database: a bug worth its traceback
                    log.exception("worker pass failed (%d in a row)", failures)
                self._beat(error=describe(exc))
                self.stop.wait(min(float(self.interval), Backoff(cap=self.interval).delay(failures) + 0.5))
                continue
            failures = 0
            if report.started or report.moved or report.failed or report.rerouted or report.released:
                log.info(
                    "worker: %d scheduled start(s), %d instance(s) moved by timers, %d put in error, "
                    "%d step(s) sent up the chain, %d held step(s) given back",
                    len(report.started),
                    report.moved,
                    len(report.failed),
                    report.rerouted,
                    report.released,
                )
            self.stop.wait(self.interval)

    def run_pass(self, now: datetime | None = None) -> PassReport:
        """Scheduled starts, then due timers, one instance per transaction. Raises DatabaseUnavailable
        when transient errors outlast the retries."""
        when = now or self.ctx.now()
        report = PassReport()
        self._beat(pass_started=True)
        self._run_schedules(when, report)
        self._fire_timers(when, report)
        self._plan_duties(when, report)
        self._release_stranded(when, report)
        self._reroute_orphans(when, report)
        self._send_mail(report)
        self._sync_website(report)
        self._purge_files(when, report)
        self._beat(pass_finished=True, error=report.errors[-1] if report.errors else None)
        return report

    # --- the kinds of work ---------------------------------------------------------------------------

    def _release_stranded(self, now: datetime, report: PassReport) -> None:
        """Steps held by someone deactivated, or whose appointment to the lane ended, go back to the lane
        (or up the chain), one per transaction; a failure waits for the next pass."""
        for task_id in self.retrying(partial(worker_steps.stranded_task_ids, self.ctx, now)):
            if self.stop.is_set():
                return
            try:
                report.released += self.retrying(
                    partial(worker_steps.release_stranded, self.ctx, task_id, now)
                )
            except DatabaseUnavailable:
                raise
            except Exception as exc:  # one step that cannot be given back must not stop the others
                log.exception("task %d: giving it back failed", task_id)
                report.errors.append(f"task {task_id}: {describe(exc)}")
            self._beat_now_and_then()

    def _reroute_orphans(self, now: datetime, report: PassReport) -> None:
        """Steps waiting in a lane that has nobody left (appointments end by themselves) go up the chain
        of superiors (services/requests/routing.py), one per transaction; a failure waits for the next
        pass."""
        for task_id in self.retrying(partial(worker_steps.orphaned_task_ids, self.ctx, now)):
            if self.stop.is_set():
                return
            try:
                report.rerouted += self.retrying(
                    partial(worker_steps.reroute_orphaned, self.ctx, task_id, now)
                )
            except DatabaseUnavailable:
                raise
            except Exception as exc:  # one step that cannot be routed must not stop the others
                log.exception("task %d: sending it up the chain failed", task_id)
                report.errors.append(f"task {task_id}: {describe(exc)}")
            self._beat_now_and_then()

    def _send_mail(self, report: PassReport) -> None:
        """The e-mail outbox (services/office/mail.py); an SMTP failure is recorded per message."""
        if self.stop.is_set():
            return
        try:
            result = self.retrying(partial(mail.send_due, self.ctx))
        except DatabaseUnavailable:
            raise
        except Exception as exc:  # a bug in composing mail must not stop timers on the next pass
            log.exception("sending e-mail failed")
            report.errors.append(f"mail: {describe(exc)}")
            return
        report.mailed = result.sent
        if result.sent or result.failed:
            log.info("worker: %d e-mail(s) sent, %d attempt(s) failed", result.sent, result.failed)

    def _plan_duties(self, now: datetime, report: PassReport) -> None:
        """The recurring duties of the running periods and their notices (services/procedures/duties.py),
        before the mail so that a notice written now goes out in this pass."""
        if self.stop.is_set():
            return
        try:
            result = self.retrying(partial(duties.run_pass, self.ctx, now))
        except DatabaseUnavailable:
            raise
        except Exception as exc:  # a bug here must not stop timers, mail and the website
            log.exception("planning recurring duties failed")
            report.errors.append(f"duties: {describe(exc)}")
            return
        report.duties = result.created
        report.duty_notices = result.reminded + result.overdue
        if result.created or result.reminded or result.overdue:
            log.info(
                "worker: %d duty(ies) made, %d reminder(s), %d overdue notice(s)",
                result.created,
                result.reminded,
                result.overdue,
            )

    def _sync_website(self, report: PassReport) -> None:
        """The website outbox (services/portal/website.py); a WordPress failure is recorded per item."""
        if self.stop.is_set():
            return
        try:
            result = self.retrying(partial(website.sync_due, self.ctx))
        except DatabaseUnavailable:
            raise
        except Exception as exc:  # a bug in the connector must not stop timers and mail
            log.exception("sending items to the website failed")
            report.errors.append(f"website: {describe(exc)}")
            return
        report.posted = result.synced
        if result.synced or result.failed:
            log.info(
                "worker: %d item(s) sent to the website, %d attempt(s) failed", result.synced, result.failed
            )

    def _purge_files(self, now: datetime, report: PassReport) -> None:
        """Uploads nothing refers to (services/files/cleanup.py), once an hour; a failure waits."""
        if self.stop.is_set() or (self._purged_at is not None and now - self._purged_at < PURGE_EVERY):
            return
        try:
            purged = self.retrying(partial(cleanup.purge_orphans, self.ctx, now))
        except DatabaseUnavailable:
            raise
        except Exception as exc:  # never worth stopping timers for
            log.exception("deleting orphan uploads failed")
            report.errors.append(f"files: {describe(exc)}")
            return
        self._purged_at = now
        report.purged = purged.files
        if purged.files:
            log.info("worker: %d upload(s) nothing referred to deleted", purged.files)

    def _run_schedules(self, now: datetime, report: PassReport) -> None:
        for process_id, cycle in self.retrying(lambda: worker_steps.timed_processes(self.ctx)):
            if self.stop.is_set():
                return
            try:
                started = self.retrying(partial(worker_steps.run_schedule, self.ctx, process_id, cycle, now))
            except DatabaseUnavailable:
                raise
            except Exception as exc:  # no request exists yet to put in error: say so, go on
                log.exception("scheduled start of %s failed", process_id)
                report.errors.append(f"{process_id}: {describe(exc)}")
                continue
            if started is not None:
                report.started.append(started)

    def _fire_timers(self, now: datetime, report: PassReport) -> None:
        after = 0
        while not self.stop.is_set():
            ids = self.retrying(
                partial(worker_steps.due_timer_ids, self.ctx, now, after=after, batch=self.batch)
            )
            for instance_id in ids:
                if self.stop.is_set():
                    return
                report.moved += self._fire_one(instance_id, now, report)
                self._beat_now_and_then()
            if len(ids) < self.batch:
                return
            after = ids[-1]

    def _fire_one(self, instance_id: int, now: datetime, report: PassReport) -> int:
        """One instance, isolated: a transient error is tried again (and stops the pass if it lasts); any
        other error is tried once more, then the instance goes to `error` and the pass goes on."""
        attempts = 2
        last: Exception = RuntimeError("not tried")
        for attempt in range(1, attempts + 1):
            try:
                return self.retrying(lambda: worker_steps.fire_timer(self.ctx, instance_id, now))
            except DatabaseUnavailable:
                raise
            except Exception as exc:
                log.warning(
                    "request %d: timer step failed (try %d of %d): %s",
                    instance_id,
                    attempt,
                    attempts,
                    describe(exc),
                )
                last = exc
        reason = GAVE_UP_REASON.format(attempts=attempts, error=describe(last))
        details = {"code": "worker_gave_up", "attempts": attempts, "error": describe(last)}
        log.error("request %d put in error: %s", instance_id, describe(last), exc_info=last)
        try:
            if self.retrying(lambda: worker_steps.put_in_error(self.ctx, instance_id, reason, now, details)):
                report.failed.append(instance_id)
        except DatabaseUnavailable:
            raise
        except Exception:  # gone meanwhile (deleted): nothing left to stop
            log.exception("request %d could not be put in error", instance_id)
        report.errors.append(f"request {instance_id}: {describe(last)}")
        return 0

    # --- retries and heartbeat -----------------------------------------------------------------------

    def retrying(self, call: Callable[[], T]) -> T:
        """`call()`, tried again after a transient database error with backoff and jitter. Raises
        DatabaseUnavailable when every try failed that way; other errors pass through at once."""
        for attempt in range(1, self.backoff.attempts + 1):
            try:
                return call()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                self._unreported_error = describe(exc)  # survived, but the admin should know
                if attempt == self.backoff.attempts or self.stop.is_set():
                    raise DatabaseUnavailable(describe(exc)) from exc
                wait = self.backoff.delay(attempt)
                log.warning(
                    "transient database error (try %d, again in %.2fs): %s", attempt, wait, describe(exc)
                )
                self.stop.wait(wait)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _beat_now_and_then(self) -> None:
        if time.monotonic() - self._last_beat >= self._beat_every:
            self._beat()

    def _beat(
        self, *, pass_started: bool = False, pass_finished: bool = False, error: str | None = None
    ) -> None:
        """A heartbeat is never worth failing the pass for: tried once, logged when it cannot be written."""
        self._last_beat = time.monotonic()
        self._unreported_error = error or self._unreported_error
        try:
            heartbeat.record_beat(
                self.ctx,
                self.identity,
                self.ctx.now(),
                pass_started=pass_started,
                pass_finished=pass_finished,
                error=self._unreported_error,
            )
        except Exception as exc:
            log.warning("worker heartbeat not written: %s", describe(exc))
        else:
            self._unreported_error = None
