"""The office's signing key and certificate: in the database where stored files are (the `office_key`
table; PostgreSQL's default, so every app server signs with the one key), otherwise in the data
directory (`office-key/`, readable by the app's user only). A database that has none yet takes the
data directory's pair the first time it is asked (an install that kept it on disk before).

`bpmnpub init` makes a key and a self-signed certificate naming the office; `bpmnpub office-cert import`
puts the office's own (e.g. from its CA) in their place, and keeps the replaced pair beside them, since
documents already issued name it. Which certificate signed which document is in the register
(`signer_fingerprint`), so a replacement never makes an older document fail verification.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from ...db import insert_new
from ...documents.signing import KeyMaterialError, KeyPair, make_key_pair, read_key_pair
from ...errors import FieldProblem, ValidationError
from ...models import OfficeKeyRecord
from ..files import storage
from ..kernel import office_settings
from ..kernel.context import ServiceContext

log = logging.getLogger(__name__)

FOLDER = "office-key"
KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"
CURRENT = "current"


def in_database(ctx: ServiceContext) -> bool:
    """The key is kept where stored files are: in the database with the database file store."""
    return storage.blob_store(ctx).kind == "database"


def location(ctx: ServiceContext) -> str:
    """Where the key is, for people."""
    return "the database (table office_key)" if in_database(ctx) else str(key_folder(ctx))


def key_folder(ctx: ServiceContext) -> Path:
    return ctx.data_dir / FOLDER


def _folder_pair(ctx: ServiceContext) -> KeyPair | None:
    folder = key_folder(ctx)
    if (folder / KEY_FILE).exists() and (folder / CERT_FILE).exists():
        return KeyPair((folder / KEY_FILE).read_bytes(), (folder / CERT_FILE).read_bytes())
    return None


def _stored_pair(ctx: ServiceContext) -> KeyPair | None:
    with ctx.db.read() as session:
        row = session.get(OfficeKeyRecord, CURRENT)
        return None if row is None else KeyPair(bytes(row.key_pem), bytes(row.cert_pem))


def _ensure_in_database(ctx: ServiceContext) -> bool:
    if _stored_pair(ctx) is not None:
        return False
    pair = _folder_pair(ctx)
    made = pair is None
    if pair is None:
        settings = office_settings.get_settings(ctx)
        pair = make_key_pair([settings.name, settings.short_name, settings.name_en], ctx.now())
    values = {"slot": CURRENT, "key_pem": pair.key_pem, "cert_pem": pair.cert_pem, "created_at": ctx.now()}
    with ctx.db.write() as session:
        # Two app servers starting at once: the first pair written is the office's, the other one is dropped.
        written = session.execute(insert_new(ctx.db, OfficeKeyRecord, values, "slot")).first() is not None
    if written:
        log.info(
            "the office's signing key is in the database (%s)", "made" if made else "from the data folder"
        )
    return made and written


def ensure_office_key(ctx: ServiceContext) -> bool:
    """Make the office's key and self-signed certificate when there are none yet; True when made."""
    if in_database(ctx):
        return _ensure_in_database(ctx)
    if _folder_pair(ctx) is not None:
        return False
    folder = key_folder(ctx)
    settings = office_settings.get_settings(ctx)
    pair = make_key_pair([settings.name, settings.short_name, settings.name_en], ctx.now())
    _write_pair(folder, pair)
    log.info("made the office's signing key and self-signed certificate in %s", folder)
    return True


def load_office_key(ctx: ServiceContext) -> KeyPair:
    """The pair documents are signed with now (made first when missing, e.g. a data folder that
    predates it)."""
    ensure_office_key(ctx)
    pair = _stored_pair(ctx) if in_database(ctx) else _folder_pair(ctx)
    assert pair is not None  # made just now if it was missing
    return pair


def import_office_key(
    ctx: ServiceContext, key_data: bytes, cert_data: bytes, password: str | None
) -> KeyPair:
    """Sign from now on with the office's own key and certificate; the pair they replace is kept in a
    dated folder beside them. Raises ValidationError (unreadable, wrong password, not a pair, may not
    sign), before anything is changed."""
    try:
        pair = read_key_pair(key_data, cert_data, password)
    except KeyMaterialError as exc:
        raise ValidationError(str(exc), [FieldProblem("key", str(exc))]) from exc
    stamp = f"replaced-{ctx.now().strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(2)}"
    if in_database(ctx):
        with ctx.db.write() as session:
            current = session.get(OfficeKeyRecord, CURRENT, with_for_update=True)
            if current is not None:  # kept under a dated slot: documents issued before name it
                session.add(
                    OfficeKeyRecord(
                        slot=stamp,
                        key_pem=current.key_pem,
                        cert_pem=current.cert_pem,
                        created_at=current.created_at,
                    )
                )
                current.key_pem, current.cert_pem, current.created_at = pair.key_pem, pair.cert_pem, ctx.now()
            else:
                session.add(
                    OfficeKeyRecord(
                        slot=CURRENT, key_pem=pair.key_pem, cert_pem=pair.cert_pem, created_at=ctx.now()
                    )
                )
        return pair
    folder = key_folder(ctx)
    if (folder / KEY_FILE).exists():
        kept = folder / stamp
        kept.mkdir(mode=0o700, parents=True)
        for name in (KEY_FILE, CERT_FILE):
            if (folder / name).exists():
                os.replace(folder / name, kept / name)
    _write_pair(folder, pair)
    return pair


def _write_pair(folder: Path, pair: KeyPair) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for name, content in ((CERT_FILE, pair.cert_pem), (KEY_FILE, pair.key_pem)):
        _write_private(folder / name, content)


def _write_private(path: Path, content: bytes) -> None:
    """Written 0600 from the first byte (never readable by others, not even for a moment), then moved
    into place in one step."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.replace(tmp, path)
