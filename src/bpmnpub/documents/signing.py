"""The office's electronic signature on the documents it issues: PAdES (PDF Advanced Electronic Signature,
ETSI EN 319 142) with pyHanko, and the key and certificate it is made with.

Plain bytes in and out: the key and certificate come as PEM from the caller, which keeps them (see
`services/records/office_key.py`); nothing here reads a file or the network (no revocation fetching either:
an office's self-signed certificate has no CRL, and the verification page must answer offline).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import NameOID

# RSA 3072: accepted by every PDF reader and good past 2030 (NIST SP 800-57); takes ~0.1-0.4 s to make.
KEY_BITS = 3072
CERTIFICATE_YEARS = 10
# The signer's certificate must allow signing; either bit will do (offices' CAs set one or both).
SIGNING_USAGES = frozenset({"digital_signature", "non_repudiation"})
# X.520 caps a name attribute at 64; cryptography counts its UTF-8 bytes (a Thai letter is 3).
NAME_LIMIT = 64


class KeyMaterialError(ValueError):
    """A key or certificate that cannot sign: unreadable, wrong password, or not a pair."""


@dataclass(frozen=True)
class KeyPair:
    key_pem: bytes  # PKCS#8, unencrypted (the caller keeps it readable by the app only)
    cert_pem: bytes  # the signer's certificate first, then any chain up to its CA

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.cert_pem)

    @property
    def subject(self) -> str:
        return _subject(x509.load_pem_x509_certificates(self.cert_pem)[0])

    @property
    def not_after(self) -> datetime:
        return x509.load_pem_x509_certificates(self.cert_pem)[0].not_valid_after_utc


@dataclass(frozen=True)
class SignatureCheck:
    """What the signature of a PDF says. `status`: valid (intact, made by the certificate's key, covering
    the whole file), invalid (altered, or not made by that key), unsigned, or unreadable (not a PDF)."""

    status: str
    signer: str = ""  # the certificate's subject (common name, else organisation)
    fingerprint: str = ""  # sha256 of the signer's certificate (DER), hex
    signed_at: datetime | None = None  # the time the signer claims (no timestamp authority here)


def fingerprint(cert_pem: bytes) -> str:
    """The sha256 of a certificate's DER form (the first certificate of a PEM chain), hex."""
    der = x509.load_pem_x509_certificates(cert_pem)[0].public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def make_key_pair(names: list[str], now: datetime | None = None) -> KeyPair:
    """A new RSA key and a self-signed certificate naming the office (the first of `names` that fits
    the certificate's 64-byte name, e.g. the Thai name, then the short name, then the English name)."""
    moment = now or datetime.now(UTC)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    fitting = [n.strip() for n in names if n.strip() and len(n.strip().encode()) <= NAME_LIMIT]
    common = fitting[0] if fitting else _trimmed(next((n for n in names if n.strip()), "bpmnpub"))
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common)]
    if len(fitting) > 1 and fitting[-1] != common:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, fitting[-1]))
    attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"))
    subject = x509.Name(attributes)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # non-repudiation: the office stands by what it signed
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - timedelta(days=1))
        .not_valid_after(moment + timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(_pkcs8(key), certificate.public_bytes(serialization.Encoding.PEM))


def read_key_pair(key_data: bytes, cert_data: bytes, password: str | None = None) -> KeyPair:
    """An office's own key (PEM or DER, encrypted with `password` or not) and certificate (PEM, with its
    chain after it, or one DER certificate), checked to be a pair that may sign. Raises KeyMaterialError."""
    try:
        secret = password.encode() if password else None
        loader = (
            serialization.load_pem_private_key
            if b"-----BEGIN" in key_data
            else serialization.load_der_private_key
        )
        key = loader(key_data, password=secret)
    except TypeError as exc:  # encrypted without a password, or a password for a plain key
        raise KeyMaterialError("the key needs its password" if secret is None else str(exc)) from exc
    except ValueError as exc:
        raise KeyMaterialError("the key cannot be read (wrong password, or not a private key)") from exc
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise KeyMaterialError("only RSA and EC keys can sign PDF documents here")
    try:
        if b"-----BEGIN" in cert_data:
            certificates = x509.load_pem_x509_certificates(cert_data)
        else:
            certificates = [x509.load_der_x509_certificate(cert_data)]
    except ValueError as exc:
        raise KeyMaterialError("the certificate cannot be read") from exc
    leaf = certificates[0]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if leaf.public_key().public_bytes(serialization.Encoding.DER, public) != key.public_key().public_bytes(
        serialization.Encoding.DER, public
    ):
        raise KeyMaterialError("the certificate is not the key's (its public key differs)")
    if not SIGNING_USAGES & _usages(leaf):
        raise KeyMaterialError("the certificate does not allow signing (key usage)")
    chain = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)
    return KeyPair(_pkcs8(key), chain)


@contextmanager
def _pyhanko_imports() -> Iterator[None]:
    """pyHanko still imports cryptography's DSA classes, which cryptography 51 deprecates with a warning
    (the tests turn warnings into errors). We never make or accept DSA keys."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "DSA is deprecated", CryptographyDeprecationWarning)
        yield


def sign_pdf(pdf: bytes, pair: KeyPair, *, reason: str, location: str) -> bytes:
    """The PDF with the office's PAdES signature added as an incremental update (invisible field)."""
    with _pyhanko_imports():
        from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

    certificates = list(load_certs_from_pemder_data(pair.cert_pem))
    signer = signers.SimpleSigner(
        signing_cert=certificates[0],
        signing_key=load_private_key_from_pemder_data(pair.key_pem, passphrase=None),
        cert_registry=SimpleCertificateStore.from_certs(certificates),  # type: ignore[no-untyped-call]
    )
    meta = signers.PdfSignatureMetadata(
        field_name="OfficeSignature",
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    signed: io.BytesIO = _without_event_loop(lambda: signers.PdfSigner(meta, signer=signer).sign_pdf(writer))
    return signed.getvalue()


def check_signature(pdf: bytes) -> SignatureCheck:
    """The first signature of a PDF checked: intact, made by the key of the certificate it carries, and
    covering the whole file. Who that certificate belongs to is the caller's question (compare the
    fingerprint). Never raises: any bytes get an answer."""
    with _pyhanko_imports():
        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko.sign.validation.settings import KeyUsageConstraints
        from pyhanko.sign.validation.status import SignatureCoverageLevel
        from pyhanko_certvalidator import ValidationContext

    if not pdf.startswith(b"%PDF-"):
        return SignatureCheck("unreadable")
    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception:  # a damaged file fails in many ways (zlib, syntax, cross-references)
        return SignatureCheck("unreadable")
    if not signatures:
        return SignatureCheck("unsigned")
    embedded = signatures[0]
    try:
        cert = embedded.signer_cert
        der = cert.dump()
        # The certificate it carries is its own trust anchor here: whether it is the office's is
        # decided by its fingerprint, which the register keeps for each issued document.
        context = ValidationContext(trust_roots=[cert], allow_fetching=False)
        usage = KeyUsageConstraints(key_usage=set(SIGNING_USAGES), match_all_key_usages=False)
        status = _without_event_loop(
            lambda: validate_pdf_signature(embedded, context, key_usage_settings=usage)
        )
    except Exception:  # a signature dictionary with garbage in it
        return SignatureCheck("invalid")
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    ok = bool(status.intact and status.valid and whole)
    subject = cert.subject.native
    return SignatureCheck(
        "valid" if ok else "invalid",
        signer=str(subject.get("common_name") or subject.get("organization_name") or ""),
        fingerprint=hashlib.sha256(der).hexdigest(),
        signed_at=_aware(status.signer_reported_dt),
    )


T = TypeVar("T")


def _without_event_loop(call: Callable[[], T]) -> T:
    """pyHanko's plain API runs its async core with asyncio.run(), which refuses to run inside a running
    event loop (an async server, or Playwright's in the browser tests): then it runs on a thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _aware(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _pkcs8(key: Any) -> bytes:
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem


def _usages(certificate: x509.Certificate) -> set[str]:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return set(SIGNING_USAGES)  # no restriction stated
    found = set()
    if usage.digital_signature:
        found.add("digital_signature")
    if usage.content_commitment:
        found.add("non_repudiation")
    return found


def _subject(certificate: x509.Certificate) -> str:
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        values = certificate.subject.get_attributes_for_oid(oid)
        if values:
            return str(values[0].value)
    return certificate.subject.rfc4514_string()


def _trimmed(name: str) -> str:
    encoded = name.strip().encode()[:NAME_LIMIT]
    return encoded.decode(errors="ignore").strip() or "bpmnpub"
