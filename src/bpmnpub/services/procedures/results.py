"""What the procedures' use cases return: plain frozen values, never ORM rows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessSummary:
    id: str
    name: str
    version: int
    category: str
    description: str


@dataclass(frozen=True)
class DeployResult:
    id: str
    version: int
    created: bool
