"""The memo (บันทึกข้อความ) of a request, laid out as ระเบียบงานสารบรรณ prescribes, as HTML and PDF.

Every text arrives already written (dates in the Buddhist era, with Arabic digits); when the office
prints Thai digits, every value printed is converted on the way out (the template's own text has no
digits), page numbers included; e-mail and web addresses keep theirs.

The emblem is the only resource the document loads, and it comes from memory: the fetcher refuses
every other URL, so text typed into a request can never make the renderer read a file or the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..thaidate import thai_digits
from .pdftext import mend_text_maps

TEMPLATES = Path(__file__).resolve().parents[3] / "templates" / "documents"
EMBLEM_URL = "bpmnpub-emblem:emblem"
ADDRESS = re.compile(r"(\S+@\S+|https?://\S+)")
BEFORE_NUMBER = re.compile(r" (?=[0-9])")
# A no-break space alone does not hold in Thai text (Pango's Thai word breaking breaks next to it);
# word joiners around it do. Neither is drawn, and copied text reads a space.
NUMBER_GLUE = "\u2060\u00a0\u2060"


@dataclass(frozen=True)
class Signature:
    """Who signed a part of the memo. An authenticated action in bpmnpub is the signature
    (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ แก้ไขเพิ่มเติม ฉบับที่ ๔ พ.ศ. ๒๕๖๔)."""

    name: str
    position: str
    date: str  # the long Buddhist-era date, e.g. 16 พฤศจิกายน 2569
    signed_at: str  # the date and time of the action in the system
    acting_for: str = ""  # "รักษาราชการแทน ..." when done on someone else's behalf


@dataclass(frozen=True)
class Endorsement:
    """One block under the memo: a reviewer's opinion, a certification or the decision."""

    heading: str
    role: str  # what the signer signs as, printed under the signature
    statement: str = ""  # the block's fixed text, e.g. the publisher's certification
    choices: tuple[tuple[str, bool], ...] = ()  # (label, ticked): ☑ อนุญาต  ☐ ไม่อนุญาต
    opinion: str = ""  # the decision in words, when it is not one of the choices
    reason: str = ""
    signature: Signature | None = None  # None: nobody has signed this block
    note: str = ""  # why it is unsigned: not yet considered, or the request ended first


@dataclass(frozen=True)
class MemoDocument:
    title: str  # the PDF's title
    office_unit: str  # ส่วนราชการ
    number: str  # ที่
    date: str  # วันที่
    subject: str  # เรื่อง
    to: str  # เรียน
    paragraphs: tuple[str, ...]
    closing: str  # จึงเรียนมาเพื่อโปรดพิจารณา...
    requester_role: str
    requester: Signature | None  # None: not filed yet
    endorsements: tuple[Endorsement, ...]
    footer: str  # the request's number and when this copy was made
    thai_digits: bool = True
    attachments: tuple[str, ...] = ()  # file names of what the memo refers to as attached
    note: str = ""  # a last line, e.g. when and by whom the item was published
    emblem: bytes | None = None  # the office's emblem image (ครุฑ), printed 1.5 cm high
    emblem_type: str = "image/png"
    document_number: str = ""  # the register's number once the director decided (ศธ 04082/123)
    verification_url: str = ""  # the public page that verifies the issued PDF
    verification_qr_svg: str = ""  # an <svg> of a QR code holding verification_url


def render_html(memo: MemoDocument) -> str:
    """The memo as one HTML page with its stylesheet inline (what the PDF is made from)."""
    template = _environment(memo.thai_digits).get_template("memo.html")
    return template.render(
        memo=memo,
        rows=_rows(memo.endorsements),
        emblem_url=EMBLEM_URL if memo.emblem else None,
        counter_style="thai" if memo.thai_digits else "decimal",
    )


def render_pdf(memo: MemoDocument) -> bytes:
    """The memo as an A4 PDF with its fonts embedded."""
    # Imported here: WeasyPrint costs half a second to import, and only printing needs it.
    from weasyprint import HTML

    document = HTML(string=render_html(memo), url_fetcher=_fetcher(memo))
    pdf: bytes = document.write_pdf(finisher=mend_text_maps)
    return pdf


def _rows(endorsements: tuple[Endorsement, ...]) -> list[tuple[Endorsement, ...]]:
    """Blocks two to a row, as on the paper form; a block with a statement (the certification) has a
    row of its own."""
    rows: list[tuple[Endorsement, ...]] = []
    pair: list[Endorsement] = []
    for block in endorsements:
        if block.statement:
            rows.extend([tuple(pair), (block,)] if pair else [(block,)])
            pair = []
        else:
            pair.append(block)
            if len(pair) == 2:
                rows.append(tuple(pair))
                pair = []
    if pair:
        rows.append(tuple(pair))
    return rows


def _typesetting(thai: bool) -> Any:
    def finalize(value: Any) -> Any:
        # Markup is a macro's output, whose values were set already (and entities must stay).
        if isinstance(value, (str, int)) and not isinstance(value, (bool, Markup)):
            return _set(str(value), thai)
        return value

    return finalize


def _set(text: str, thai: bool) -> str:
    """A number stays on the line of the word before it (เขต ๑, พ.ศ. ๒๕๗๐); Thai digits everywhere
    but in e-mail and web addresses, which would stop working."""
    text = BEFORE_NUMBER.sub(NUMBER_GLUE, text)
    if not thai:
        return text
    parts = ADDRESS.split(text)
    return "".join(part if i % 2 else thai_digits(part) for i, part in enumerate(parts))


@cache
def _environment(thai: bool) -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        finalize=_typesetting(thai),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _fetcher(memo: MemoDocument) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class EmblemOnly(URLFetcher):  # type: ignore[misc]
        """Serves the emblem from memory and refuses everything else (files, http, data)."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url == EMBLEM_URL and memo.emblem:
                return URLFetcherResponse(url, memo.emblem, {"Content-Type": memo.emblem_type})
            raise ValueError(f"the memo loads nothing but its emblem, not {url[:80]!r}")

    return EmblemOnly()
