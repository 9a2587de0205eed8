"""Docs that stay true: every setting is documented; the README shows the two commands; the architecture
maps every module of the engine and the services; nothing cites a file outside the repository; the
README shows a screenshot; no module grows past ~400 lines."""

from __future__ import annotations

import re
import tomllib
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


def _table_modules(section: str) -> set[str]:
    """The modules named in the first column of the tables of one `## ` section of architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {section}")
    end = text.find("\n## ", start + 1)
    rows = [line for line in text[start:end].splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([\w/]+(?:\.py|/))`", row.split("|")[1])}


def _package_modules(package: Path) -> set[str]:
    """Every module of a package (subpackages of the engine as `name/`, rooms of services by path)."""
    found = set()
    for path in package.rglob("*.py"):
        relative = path.relative_to(package)
        if path.name == "__init__.py":
            continue
        if package.name == "engine" and len(relative.parts) > 1:
            found.add(f"{relative.parts[0]}/")
        else:
            found.add(relative.as_posix())
    return found


@pytest.mark.parametrize("package", ["engine", "services"])
def test_architecture_tables_list_exactly_the_modules(package: str) -> None:
    """docs/architecture.md maps the code: a module added, moved or removed shows up here first."""
    section = {"engine": "engine/", "services": "services/"}[package]
    assert _table_modules(section) == _package_modules(ROOT / "src" / "bpmnpub" / package)


def test_every_room_of_services_is_a_layer_of_the_import_contract() -> None:
    """The rooms in the folder are the rooms the import contract orders (pyproject.toml)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [rooms] = [
        c for c in config["tool"]["importlinter"]["contracts"] if c.get("containers") == ["bpmnpub.services"]
    ]
    layered = {name.strip() for layer in rooms["layers"] for name in layer.split("|")}
    services = ROOT / "src" / "bpmnpub" / "services"
    folder = {p.name for p in services.iterdir() if (p / "__init__.py").exists()} | {"wiring"}
    assert layered == folder


OUTSIDE = ("ENGINE" + "_NOTES", "DESIGN" + " §", "DESIGN" + ".md", "STYLE" + ".md", "/work/" + "shared")


def test_no_reference_to_files_outside_the_repository() -> None:
    """What code, tests and docs cite is in the repository (the engine's traps: docs/spiffworkflow.md)."""
    cited = []
    for folder in ("src", "tests", "docs", "bench", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".py", ".md", ".html", ".js", ".css", ".toml", ".txt", ".po"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            cited += [f"{path.relative_to(ROOT)}: {word}" for word in OUTSIDE if word in text]
    cited += [
        f"README.md: {word}" for word in OUTSIDE if word in (ROOT / "README.md").read_text(encoding="utf-8")
    ]
    assert cited == []


def test_the_readme_shows_a_screenshot_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", readme)
    assert shown, "the README shows no screenshot"
    assert [p for p in shown if not (ROOT / p).is_file()] == []


MAX_LINES = 440  # "no module over ~400 lines" (#14): a module that grows past it is split by concept
# None waiting: a module that grows past the line is split before it is merged. Only shrink.
WAITING: dict[str, int] = {}


def test_no_module_over_about_400_lines() -> None:
    """Modules stay small enough to read in one sitting (migrations are history, not read that way)."""
    package = ROOT / "src" / "bpmnpub"
    sizes = {
        str(path.relative_to(package)): len(path.read_text(encoding="utf-8").splitlines())
        for path in package.rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {name: n for name, n in sizes.items() if n > WAITING.get(name, MAX_LINES)} == {}
