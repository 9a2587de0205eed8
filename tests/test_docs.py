"""Docs that stay true: every setting is documented; the README shows the two commands."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpmnpub.config import SETTINGS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting: object) -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert f"BPMNPUB_{setting.name}" in text  # type: ignore[attr-defined]


def test_readme_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
