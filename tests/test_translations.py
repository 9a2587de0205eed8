"""Every Thai string of every screen has its English translation (the language switch stays whole)."""

from __future__ import annotations

import subprocess
import sys
from gettext import GNUTranslations
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "src/bpmnpub/translations/en/LC_MESSAGES/messages.po"
# `_` and `gettext` in templates and the web layer; `N_` and `problem`'s message (its second argument) for
# the field messages the services write in Thai and the pages translate (bpmnpub.errors).
KEYWORDS = ("-k", "_", "-k", "gettext", "-k", "N_", "-k", "problem:2")
# Babel skips folders whose names start with "_" by default: templates/_macros/ holds shared macros.
IGNORE = ("--ignore-dirs", ".* node_modules")


def test_every_string_is_translated_to_english(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", *KEYWORDS, *IGNORE, "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {(m.context or "", m.id) for m in read_po(f) if m.id}
    with PO.open("rb") as f:
        english = {(m.context or "", m.id): m.string for m in read_po(f) if m.id}
    missing = sorted(str(i) for i in wanted if not english.get(i))  # (msgctxt, msgid): a context counts
    assert not missing, f"no English for: {missing}"


# A Thai word said in two senses has a context (msgctxt, `pgettext` in templates) for each sense that
# English words differently: (context, Thai) -> English, with the word alone kept for its other sense.
SENSES = {
    ("duration unit", "เดือน"): "months",
    ("label", "เกินกำหนด"): "Overdue",
    ("", "เกินกำหนด"): "overdue since",
    ("version", "ล่าสุด"): "latest",
    ("attempt", "ล่าสุด"): "Last attempt",
    ("", "ล่าสุด"): "last change",
    ("field", "คำอธิบาย"): "Description",
    ("", "คำอธิบาย"): "Guidance",
    ("changed field", "รายการ"): "Field",
    ("photo choice", "เผยแพร่"): "to be published",
    ("", "เผยแพร่"): "Published",
    ("duty topic", "เรื่อง"): "Topic",
    ("", "เรื่อง"): "Subject",
}


def test_words_of_two_senses_have_a_context_for_each(tmp_path: Path) -> None:
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "compile", "-i", str(PO), "-o", str(tmp_path / "en.mo")], check=True)
    with (tmp_path / "en.mo").open("rb") as f:
        english = GNUTranslations(f)
    said = {(c, t): english.pgettext(c, t) if c else english.gettext(t) for c, t in SENSES}
    assert said == SENSES
