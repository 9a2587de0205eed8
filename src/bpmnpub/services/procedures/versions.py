"""A deployed version as the running requests read it: its parsed diagram (cached by the engine), its
forms and the field that names its requests (cached here: versions never change)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ... import forms
from ...engine import DiagramGraph, ParsedSpec
from ...errors import NotFoundError
from ...models import ProcessDefinition
from ..kernel.context import ServiceContext


def diagram_loader(session: Session, definition: ProcessDefinition) -> Callable[[], tuple[bytes, str]]:
    """Reads a version's diagram (a deferred column) only when the engine's cache does not hold it."""

    def load_xml() -> tuple[bytes, str]:
        xml = session.scalar(select(ProcessDefinition.bpmn_xml).where(ProcessDefinition.id == definition.id))
        return (xml or "").encode("utf-8"), definition.filename

    return load_xml


def spec_for(ctx: ServiceContext, session: Session, definition: ProcessDefinition) -> ParsedSpec:
    return ctx.engine.spec(definition.spec_key, diagram_loader(session, definition))


_form_cache: dict[tuple[str, str], forms.FormSpec] = {}


def form_for(session: Session, definition: ProcessDefinition, form_key: str) -> forms.FormSpec:
    """A deployed version's form. Versions are immutable (keyed by their hash), so it is cached."""
    key = (definition.sha256, form_key)
    cached = _form_cache.get(key)
    if cached is None:
        all_forms = session.scalar(
            select(ProcessDefinition.forms).where(ProcessDefinition.id == definition.id)
        )
        if not all_forms or form_key not in all_forms:
            raise NotFoundError(f"form {form_key!r} is missing from this process version")
        cached = _form_cache[key] = forms.FormSpec(form_key, all_forms[form_key])
    return cached


_title_cache: dict[str, str] = {}


def title_field(session: Session, definition: ProcessDefinition) -> str:
    """The data field that names a version's requests: the `"x-title"` of one of its forms (the memo's
    topic), or else `title`. Cached like the forms."""
    cached = _title_cache.get(definition.sha256)
    if cached is None:
        all_forms = session.scalar(
            select(ProcessDefinition.forms).where(ProcessDefinition.id == definition.id)
        )
        named = [
            forms.FormSpec(k, v).title_field for k, v in (all_forms or {}).items() if isinstance(v, dict)
        ]
        cached = _title_cache[definition.sha256] = next((n for n in named if n != "title"), "title")
    return cached


def graph_for(ctx: ServiceContext, session: Session, definition: ProcessDefinition) -> DiagramGraph:
    return ctx.engine.graph(definition.spec_key, diagram_loader(session, definition), definition.process_id)
