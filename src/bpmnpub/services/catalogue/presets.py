"""The presets an office starts its catalogue from (`bpmnpub/presets/`: category lists and ITA/OIT lists),
read as data, never code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from ...errors import NotFoundError, ValidationError, problem

DEFAULT_MAPPING = "categories-phitsanulok2"  # the category list the ITA presets map to when in doubt


@dataclass(frozen=True)
class Preset:
    name: str  # the file stem, e.g. "ita-2568-oit"
    title: str
    title_en: str
    size: int  # categories or O items in it


@lru_cache(maxsize=16)
def _preset(name: str) -> dict[str, Any]:
    """A preset by file stem. Raises NotFoundError (the names come from a listing, never a path)."""
    folder = resources.files("bpmnpub") / "presets"
    if name not in {p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")}:
        raise NotFoundError(f"no preset {name!r}")
    data: dict[str, Any] = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return data


def list_presets(kind: str) -> list[Preset]:
    """The presets shipped for `kind` ("categories" or "ita")."""
    folder = resources.files("bpmnpub") / "presets"
    names = sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.name.startswith(f"{kind}-"))
    out = []
    for name in names:
        data = _preset(name)
        entries = data.get("categories") or data.get("items") or []
        out.append(Preset(name, str(data["title"]), str(data.get("title_en", "")), len(entries)))
    return out


def preset_of(kind: str, name: str) -> dict[str, Any]:
    """Raises ValidationError for a name that is not a preset of this kind."""
    if not name.startswith(f"{kind}-"):
        raise ValidationError("unknown preset", [problem("preset", "ไม่พบชุดตั้งต้นนี้")])
    try:
        return _preset(name)
    except NotFoundError as exc:
        raise ValidationError("unknown preset", [problem("preset", "ไม่พบชุดตั้งต้นนี้")]) from exc
