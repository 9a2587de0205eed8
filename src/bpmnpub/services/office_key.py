"""The office's signing key and certificate, kept in the data directory (`office-key/`, readable by the
app's user only).

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

from ..documents.signing import KeyMaterialError, KeyPair, make_key_pair, read_key_pair
from ..errors import FieldProblem, ValidationError
from . import office
from .context import ServiceContext

log = logging.getLogger(__name__)

FOLDER = "office-key"
KEY_FILE = "key.pem"
CERT_FILE = "cert.pem"


def key_folder(ctx: ServiceContext) -> Path:
    return ctx.data_dir / FOLDER


def ensure_office_key(ctx: ServiceContext) -> bool:
    """Make the office's key and self-signed certificate when there are none yet; True when made."""
    folder = key_folder(ctx)
    if (folder / KEY_FILE).exists() and (folder / CERT_FILE).exists():
        return False
    settings = office.get_settings(ctx)
    pair = make_key_pair([settings.name, settings.short_name, settings.name_en], ctx.now())
    _write_pair(folder, pair)
    log.info("made the office's signing key and self-signed certificate in %s", folder)
    return True


def load_office_key(ctx: ServiceContext) -> KeyPair:
    """The pair documents are signed with now (made first when missing, e.g. a data folder that
    predates it)."""
    ensure_office_key(ctx)
    folder = key_folder(ctx)
    return KeyPair((folder / KEY_FILE).read_bytes(), (folder / CERT_FILE).read_bytes())


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
    folder = key_folder(ctx)
    if (folder / KEY_FILE).exists():
        stamp = ctx.now().strftime("%Y%m%dT%H%M%SZ")
        kept = folder / f"replaced-{stamp}-{secrets.token_hex(2)}"
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
