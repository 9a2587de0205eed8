"""The hash chain of the event logs (`instance_event`, `admin_event`): what a row's hash covers.

Each row stores `prev_hash` (the `row_hash` of the row before it in its chain, or GENESIS) and
`row_hash` = sha256(prev_hash + canonical JSON of the row's content). The content is every column but
`id` and the two hashes, in the form the row reads back from the database (aware UTC times to the
microsecond, JSON details as `JSONText` stores them), so a hash computed before the insert and one
computed from a read agree on SQLite and PostgreSQL. Pure functions: services, the verifier and the
migration that chains existing rows use the same ones. Changing them invalidates every stored hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
ADMIN_CHAIN = "admin"
INSTANCE_FIELDS = (
    "instance_id",
    "at",
    "actor_id",
    "on_behalf_of_id",
    "action",
    "human_task_id",
    "task_spec",
    "task_name",
    "decision",
    "comment",
    "details",
)
ADMIN_FIELDS = ("at", "actor_id", "area", "action", "subject", "details")


def instance_chain(instance_id: int) -> str:
    """The chain key of one request's events: each request is its own chain (see services/kernel/trail.py)."""
    return f"instance:{instance_id}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def canonical(content: Mapping[str, Any]) -> str:
    """One byte-exact JSON text for a row's content: sorted keys, no spaces, Unicode kept."""
    # Through JSON once as JSONText stores it: tuples become lists and int keys strings, as on reading.
    plain = json.loads(json.dumps({k: _plain(v) for k, v in content.items()}, ensure_ascii=False))
    return json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def row_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """sha256 (hex) of the previous row's hash followed by this row's canonical content."""
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()


def content_of(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The hashed content of a row object (ORM instance or result row) by attribute."""
    return {name: getattr(row, name) for name in fields}
