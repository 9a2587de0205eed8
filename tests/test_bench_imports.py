"""`make bench` starts: every benchmark module imports (a module-level value built from the code under
measure, such as the inbox's task columns, broke `python -m bench` once without any test noticing).
The measurements themselves are not run here: they print ratios and never pass or fail."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
MODULES = sorted(f"bench.{m.name}" for m in pkgutil.iter_modules([str(BENCH)]))


@pytest.mark.parametrize("name", MODULES)
def test_every_benchmark_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_the_list_is_not_empty() -> None:
    assert "bench.load" in MODULES and len(MODULES) > 10
