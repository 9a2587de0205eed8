"""The `bpmnpub` command: init, serve, worker, check, token, processes check, office-cert (and, from
`cli_maintenance`, audit verify, backup, restore)."""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from . import cli_maintenance
from .config import load_settings, shared_secret_problem
from .db import upgrade
from .documents.signing import KeyPair
from .errors import DiagramError, NotFoundError, ValidationError
from .services.files import storage
from .services.kernel.context import ServiceContext
from .services.office import accounts, sessions
from .services.operations import demo, demo_requests, worker
from .services.procedures import definitions
from .services.records import office_key
from .services.requests import consistency, worker_steps
from .services.wiring import make_context

log = logging.getLogger("bpmnpub")


def _context(args: argparse.Namespace) -> ServiceContext:
    overrides: dict[str, Any] = {}
    if getattr(args, "database_url", None):
        overrides["DATABASE_URL"] = args.database_url
    return make_context(load_settings(overrides))


def _print_problems(problems: list[Any]) -> None:
    for p in problems:
        where = p.file + (f":{p.line}" if p.line else "") + (f" [{p.element_id}]" if p.element_id else "")
        print(f"  {where}: {p.message}", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    ctx = _context(args)
    upgrade(ctx.db)
    processes = Path(args.processes or ctx.settings["PROCESSES_DIR"])
    try:
        results = definitions.deploy_folder(ctx, processes)
    except DiagramError as exc:
        print(f"cannot deploy {processes}: {exc.message}", file=sys.stderr)
        _print_problems(exc.problems)
        return 1
    for result in results:
        state = "deployed" if result.created else "unchanged"
        print(f"  {result.id} v{result.version} ({state})")
    if args.demo:
        created = demo.create_demo_office(ctx)
        demo.create_demo_units(ctx)  # publishers scoped to their units, before the demo requests
        filed = demo_requests.create_demo_requests(ctx)
        if filed:
            print(f"Demo requests filed: {filed} (two published on the portal, one waiting for director1)")
        topics = demo.create_demo_topics(ctx)
        if topics:
            print(f"Recurring topics: {topics} (the worker makes their duties each period)")
        print("Demo office ready" + (" (created)" if created else " (already there)") + ". Sign in as:")
        for username, roles, group in demo.DEMO_USERS_TABLE:
            print(f"  {username:<11} {roles:<28} {group}")
        print(f"  password for every demo user: {demo.DEMO_PASSWORD}  (demo only)")
    worker_steps.run_schedules(ctx)
    _import_files(ctx)
    made = office_key.ensure_office_key(ctx)
    pair = office_key.load_office_key(ctx)
    state = "made, self-signed" if made else "kept"
    print(f"Office signing key ({state}): {pair.subject} · {office_key.location(ctx)}")
    print(f"Stored files: {storage.blob_store(ctx).kind} store")
    print(f"Database: {ctx.db.url}")
    return 0


def _import_files(ctx: ServiceContext) -> storage.Imported:
    """The data directory's files copied into the database store (when that is the store)."""
    done = storage.import_folder(ctx)
    if done.copied:
        print(f"Stored files copied from {ctx.files_dir} into the database: {done.copied}")
    for digest in done.damaged:
        print(f"  left out, its bytes do not match its name: {storage.blob_path(ctx.files_dir, digest)}")
    return done


def cmd_files_import(args: argparse.Namespace) -> int:
    ctx = _context(args)
    if storage.blob_store(ctx).kind != "database":
        print("the folder store is in use (BPMNPUB_FILE_STORE): nothing to import", file=sys.stderr)
        return 0
    done = _import_files(ctx)
    print(f"{done.copied} copied, {done.present} there already, {len(done.damaged)} left out (damaged)")
    return 1 if done.damaged else 0


def _describe(pair: KeyPair) -> str:
    return f"{pair.subject}\n  sha256 {pair.fingerprint}\n  valid until {pair.not_after:%Y-%m-%d}"


def cmd_cert_show(args: argparse.Namespace) -> int:
    ctx = _context(args)
    print(_describe(office_key.load_office_key(ctx)))
    return 0


def cmd_cert_import(args: argparse.Namespace) -> int:
    """The office's own key and certificate replace the generated pair; the password is asked for
    (never on the command line, where `ps` and the shell history would keep it)."""
    ctx = _context(args)
    password = None
    if args.password:
        password = (
            getpass.getpass("key password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        )
    try:
        key_data, cert_data = Path(args.key).read_bytes(), Path(args.cert).read_bytes()
        pair = office_key.import_office_key(ctx, key_data, cert_data, password)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    print("Documents are signed from now on with:\n" + _describe(pair))
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        print(accounts.create_token(ctx, args.username, label=args.label))
    except Exception as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .services.kernel.context import utcnow
    from .services.wiring import make_engine

    settings = load_settings()
    path = Path(args.path or settings["PROCESSES_DIR"])
    problems = definitions.check_folder(make_engine(settings), path, utcnow())
    if problems:
        print(f"{len(problems)} problem(s) in {path}:", file=sys.stderr)
        _print_problems(problems)
        return 1
    print(f"{path}: every diagram and form is valid")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    ctx = _context(args)
    try:
        count = sessions.revoke_for_user(ctx, args.username, None if args.all else args.id)
    except NotFoundError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 1
    finally:
        ctx.db.dispose()
    print(f"{count} token(s) revoked")
    return 0 if count or args.all else 1


def cmd_consistency(args: argparse.Namespace) -> int:
    """Every live request checked against its workflow and the event log; exit 1 on any finding."""
    report = consistency.check_all(_context(args))
    if args.json:
        findings = [
            {"instance_id": f.instance_id, "kind": f.kind, "detail": f.detail} for f in report.findings
        ]
        print(json.dumps({"checked": report.checked, "findings": findings}, ensure_ascii=False))
    else:
        for f in report.findings:
            print(f"  request {f.instance_id}: {f.kind}: {f.detail}")
        print(f"{report.checked} live request(s) checked, {len(report.findings)} finding(s)")
    return 0 if report.clean else 1


def _refuse_without_secret(settings: dict[str, Any]) -> bool:
    problem = shared_secret_problem(settings)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
    return problem is not None


def cmd_worker(args: argparse.Namespace) -> int:
    ctx = _context(args)
    if _refuse_without_secret(ctx.settings):  # the website password's key is derived from it
        return 2
    interval = args.interval or int(ctx.settings["WORKER_INTERVAL"])
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner = worker.Worker(ctx, interval=interval, stop=stop)
    if args.once:
        try:
            report = runner.run_pass()
        except worker.DatabaseUnavailable as exc:
            print(f"error: the database stayed unavailable: {exc}", file=sys.stderr)
            return 1
        moved = f"{report.moved} instance(s) moved by due timers"
        print(f"started {len(report.started)} scheduled instance(s); {moved}")
        return 0
    log.info("worker %s (pid %d) every %ds", runner.identity.worker_id, os.getpid(), interval)
    runner.run_forever()
    return 0


# `serve` restarts a worker that died after waiting this long, doubling up to the cap; a worker that
# stayed up for STABLE_AFTER seconds starts the count again.
RESTART_DELAY, RESTART_DELAY_CAP, STABLE_AFTER = 1.0, 60.0, 120.0


class _Supervisor:
    """Keeps one worker process alive next to gunicorn: a worker that exits for any reason (a crash,
    kill -9, the OOM killer) is started again with backoff, and every restart is logged."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command, self.env = command, env
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restart_at: float | None = None
        self.delay = RESTART_DELAY

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, env=self.env)  # noqa: S603 - our own CLI
        self.started_at = time.monotonic()
        self.restart_at = None
        log.info("serve: worker started (pid %d)", self.proc.pid)

    def check(self) -> None:
        """Called every moment: notice a dead worker, start a new one when its wait is over."""
        now = time.monotonic()
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.start()
            return
        if self.proc is None or self.proc.poll() is None:
            return
        if now - self.started_at >= STABLE_AFTER:
            self.delay = RESTART_DELAY
        log.error(
            "serve: worker (pid %d) exited with %s; restarting in %.0fs",
            self.proc.pid,
            self.proc.returncode,
            self.delay,
        )
        self.restart_at = now + self.delay
        self.delay = min(self.delay * 2, RESTART_DELAY_CAP)

    def running(self) -> subprocess.Popen[bytes] | None:
        return self.proc if self.proc is not None and self.proc.poll() is None else None


def cmd_serve(args: argparse.Namespace) -> int:
    """gunicorn for the web app plus one supervised timer worker (none with --no-worker); Ctrl-C or
    SIGTERM stops both."""
    if _refuse_without_secret(load_settings()):
        return 2
    env = dict(os.environ)
    bin_dir = Path(sys.executable).parent
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"bpmnpub serving on http://{args.host}:{args.port}  (Ctrl-C to stop)", flush=True)
    web = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(bin_dir / "gunicorn"),
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--access-logfile",
            "-",
            "bpmnpub.wsgi:app",
        ],
        env=env,
    )
    supervisor = None if args.no_worker else _Supervisor([str(bin_dir / "bpmnpub"), "worker"], env)
    if supervisor is not None:
        supervisor.start()
    try:
        while not stop.is_set() and web.poll() is None:
            if supervisor is not None:
                supervisor.check()
            stop.wait(0.5)
        return web.returncode or 0
    finally:
        procs = [p for p in (web, supervisor.running() if supervisor else None) if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # SpiffWorkflow logs every task state change at INFO: pages of noise for one request.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(prog="bpmnpub", description="bpmnpub command line")
    parser.add_argument("--database-url", help="overrides BPMNPUB_DATABASE_URL")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create or upgrade the database and deploy processes/")
    p.add_argument("--demo", action="store_true", help="also create the demo office (README.md)")
    p.add_argument("--processes", help="folder of BPMN files (default: BPMNPUB_PROCESSES_DIR)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="serve the web app and run the timer worker")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    p.add_argument(
        "--no-worker", action="store_true", help="no timer worker beside the web app (run `bpmnpub worker`)"
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("worker", help="fire due timers and scheduled starts in a loop")
    p.add_argument("--once", action="store_true", help="one pass, then exit")
    p.add_argument("--interval", type=int, help="seconds between passes")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("check", help="check every live request against its workflow and the event log")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=cmd_consistency)

    p = sub.add_parser("token", help="API tokens")
    token_sub = p.add_subparsers(dest="token_command", required=True)
    t = token_sub.add_parser("create", help="create a bearer token for a user")
    t.add_argument("username")
    t.add_argument("--label", default="cli")
    t.set_defaults(func=cmd_token)
    r = token_sub.add_parser("revoke", help="revoke one token of a user (--id) or all of them (--all)")
    r.add_argument("username")
    which = r.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, help="the token's id (see the user's tokens page)")
    which.add_argument("--all", action="store_true", help="every live token of the user")
    r.set_defaults(func=cmd_token_revoke)

    p = sub.add_parser("processes", help="process diagrams")
    proc_sub = p.add_subparsers(dest="processes_command", required=True)
    c = proc_sub.add_parser("check", help="validate BPMN files and forms (a folder or one file)")
    c.add_argument("path", nargs="?")
    c.set_defaults(func=cmd_check)

    p = sub.add_parser("files", help="stored files")
    files_sub = p.add_subparsers(dest="files_command", required=True)
    c = files_sub.add_parser("import", help="copy DATA_DIR/files into the database store (idempotent)")
    c.set_defaults(func=cmd_files_import)

    p = sub.add_parser("office-cert", help="the office's signing key and certificate")
    cert_sub = p.add_subparsers(dest="cert_command", required=True)
    c = cert_sub.add_parser("show", help="the certificate documents are signed with now")
    c.set_defaults(func=cmd_cert_show)
    c = cert_sub.add_parser("import", help="sign with the office's own key and certificate from now on")
    c.add_argument("key", help="private key file (PEM or DER; RSA or EC)")
    c.add_argument("cert", help="certificate file (PEM, the chain may follow it; or one DER certificate)")
    c.add_argument("--password", action="store_true", help="the key is encrypted: ask for its password")
    c.set_defaults(func=cmd_cert_import)

    cli_maintenance.add_commands(sub, _context)

    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
