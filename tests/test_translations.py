"""Every Thai string of every screen has its English translation (the language switch stays whole)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def test_every_string_is_translated_to_english(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [str(pybabel), "extract", "-F", "babel.cfg", "-k", "_", "-k", "gettext", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (ROOT / "src/bpmnpub/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        english = {m.id: m.string for m in read_po(f) if m.id}
    missing = sorted(i for i in wanted if not english.get(i))
    assert not missing, f"no English for: {missing}"
