"""The `processes/` folder on disk: BPMN files (file stem = process id) and forms/<key>.json.

The one place that knows the layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class ProcessFolder:
    diagrams: dict[str, bytes] = field(default_factory=dict)  # filename -> content
    forms: dict[str, Any] = field(default_factory=dict)  # form key -> schema
    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, message)


def read_folder(path: Path) -> ProcessFolder:
    """Read every diagram and form of a folder (or a single .bpmn file beside its forms/)."""
    folder = ProcessFolder()
    root = path.parent if path.is_file() else path
    files = [path] if path.is_file() else sorted(path.glob("*.bpmn"))
    for file in files:
        folder.diagrams[file.name] = file.read_bytes()
    for form_file in sorted((root / "forms").glob("*.json")):
        try:
            folder.forms[form_file.stem] = json.loads(form_file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            folder.problems.append((f"forms/{form_file.name}", f"not valid JSON: {exc}"))
    if not files:
        folder.problems.append((str(path), "no .bpmn files found"))
    return folder


def forms_used(forms: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    """The forms a diagram uses: they are snapshotted with the deployed version."""
    return {key: forms[key] for key in sorted(keys) if key in forms}
