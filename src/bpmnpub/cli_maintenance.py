"""The `bpmnpub` commands that look after the data itself: `audit verify`, `backup DIR`, `restore DIR`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import BpmnpubError
from .services.kernel import trail
from .services.kernel.context import ServiceContext
from .services.operations import backup


def cmd_audit_verify(args: argparse.Namespace, ctx: ServiceContext) -> int:
    report = trail.verify(ctx)
    if args.json:
        print(
            json.dumps(
                {
                    "chains": report.chains,
                    "rows": report.rows,
                    "intact": report.intact,
                    "findings": [f.__dict__ for f in report.findings],
                },
                ensure_ascii=False,
            )
        )
    elif report.intact:
        print(f"audit trail intact: {report.rows} rows in {report.chains} chains")
        if args.heads:
            for chain, head in sorted(report.heads.items()):
                print(f"  {chain} {head}")
    else:
        print(f"audit trail altered: {len(report.findings)} chain(s)", file=sys.stderr)
        for finding in report.findings:
            print(f"  {finding.describe()}", file=sys.stderr)
    return 0 if report.intact else 1


def cmd_backup(args: argparse.Namespace, ctx: ServiceContext) -> int:
    try:
        manifest = backup.make_backup(ctx, Path(args.dir))
    except BpmnpubError as exc:
        print(f"backup refused: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {args.dir}: {backup.describe(manifest)}")
    return 0


def cmd_restore(args: argparse.Namespace, ctx: ServiceContext) -> int:
    try:
        manifest = backup.restore_backup(ctx, Path(args.dir), force=args.force)
    except BpmnpubError as exc:
        print(f"restore refused: {exc}", file=sys.stderr)
        return 1
    print(f"restored the backup of {backup.describe(manifest)}")
    print(
        "run `bpmnpub init` to bring an older backup's schema up to this version (and, where the database "
        "keeps stored files, to copy in files the backup had in its folder)"
    )
    return 0


def add_commands(sub: Any, context: Callable[[argparse.Namespace], ServiceContext]) -> None:
    """Register the commands on the main parser's subparsers."""

    def bound(command: Callable[[argparse.Namespace, ServiceContext], int]) -> Any:
        def run(args: argparse.Namespace) -> int:
            ctx = context(args)
            try:
                return command(args, ctx)
            finally:
                ctx.db.dispose()

        return run

    p = sub.add_parser("audit", help="the tamper-evident event trail")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    v = audit_sub.add_parser("verify", help="walk the hash chains; exit 1 naming the first altered row")
    v.add_argument("--json", action="store_true", help="print the result as JSON")
    v.add_argument("--heads", action="store_true", help="also print each chain's head hash")
    v.set_defaults(func=bound(cmd_audit_verify))

    p = sub.add_parser("backup", help="copy the database, stored files and office key into DIR")
    p.add_argument("dir")
    p.set_defaults(func=bound(cmd_backup))

    p = sub.add_parser("restore", help="restore a backup DIR into an empty database and data directory")
    p.add_argument("dir")
    p.add_argument("--force", action="store_true", help="overwrite a database or data directory in use")
    p.set_defaults(func=bound(cmd_restore))
