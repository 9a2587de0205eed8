"""Which O items (ITA/OIT) a published item answers: a category suggests, a person confirms.

A category's mapping to O items (`category_ita_item`) is a suggestion offered ticked to the publisher
at certification; only what a person confirms (`confirmed_o_item`) counts in the ITA index
(docs/ita-index.md). Publishers change it later on /publishing/items (`published_items`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from ...errors import N_, FieldProblem, problem
from ...models import Category, ConfirmedOItem, ItaItem, PublishedItem, category_ita_item
from ...thaidate import fiscal_year
from ..kernel.context import ServiceContext

SOURCE = "ita_items"  # the `x-source` of form fields that choose O items
NOT_AN_O_ITEM = N_("ไม่ใช่ข้อการประเมิน ITA/OIT ของปีงบประมาณนี้")


@dataclass(frozen=True)
class OItemChoice:
    code: str
    title: str
    suggested: bool  # the item's category is mapped to it

    @property
    def label(self) -> str:
        return f"{self.code} {self.title}"


@dataclass(frozen=True)
class OItemChoices:
    """The O items of a fiscal year to choose from, the category's suggestions marked."""

    fiscal_year: int
    choices: tuple[OItemChoice, ...]

    @property
    def suggested(self) -> list[str]:
        return [c.code for c in self.choices if c.suggested]

    def first(self, codes: list[str] | tuple[str, ...]) -> list[OItemChoice]:
        """The choices with `codes` first (those ticked, so a long list shows them at its top), each
        part in the list's order."""
        return sorted(self.choices, key=lambda c: c.code not in codes)


def o_item_codes(session: Session, year: int) -> list[str]:
    """The codes of a fiscal year's O items, in the list's order."""
    return list(
        session.scalars(
            select(ItaItem.code).where(ItaItem.fiscal_year == year).order_by(ItaItem.sort_order, ItaItem.id)
        )
    )


def choices(session: Session, year: int, category_code: str | None) -> OItemChoices:
    """The year's O items in the list's order, those the category is mapped to marked suggested (one
    query: the mapping is a correlated EXISTS)."""
    mapped = (
        select(category_ita_item.c.ita_item_id)
        .join(Category, Category.id == category_ita_item.c.category_id)
        .where(category_ita_item.c.ita_item_id == ItaItem.id, Category.code == category_code)
        .correlate(ItaItem)
        .exists()
        if category_code
        else false()
    )
    rows = session.execute(
        select(ItaItem.code, ItaItem.title, mapped)
        .where(ItaItem.fiscal_year == year)
        .order_by(ItaItem.sort_order, ItaItem.id)
    ).all()
    return OItemChoices(year, tuple(OItemChoice(code, title, bool(hit)) for code, title, hit in rows))


def form_choices(ctx: ServiceContext, category_code: str | None) -> OItemChoices:
    """The current fiscal year's O items for a form (`x-source: ita_items`), with the suggestions of
    the request's category."""
    with ctx.db.read() as session:
        return choices(session, fiscal_year(ctx.now()), category_code)


def checked_codes(session: Session, year: int, codes: Iterable[Any]) -> list[str]:
    """Chosen codes in the list's order. Raises ValueError naming the codes the year does not have."""
    chosen = {str(c).strip() for c in codes if str(c).strip()}
    ordered = o_item_codes(session, year)
    unknown = sorted(chosen - set(ordered))
    if unknown:
        raise ValueError(f"{', '.join(unknown)} is not an ITA item of fiscal year {year}")
    return [c for c in ordered if c in chosen]


def unknown_o_items(session: Session, values: list[tuple[str, Any]], now: datetime) -> list[FieldProblem]:
    """A field error for each submitted (path, code) that is not an O item of the current fiscal year."""
    if not values:  # most steps tick none: no query on the hot path
        return []
    known = set(o_item_codes(session, fiscal_year(now)))
    return [problem(path, NOT_AN_O_ITEM) for path, value in values if value not in known]


def confirmed_codes(session: Session, item_ids: list[int]) -> dict[int, list[str]]:
    """{item id: its confirmed codes}, in number order (O2 before O10)."""
    if not item_ids:
        return {}
    rows = session.execute(
        select(ConfirmedOItem.item_id, ConfirmedOItem.code)
        .where(ConfirmedOItem.item_id.in_(item_ids))
        .order_by(ConfirmedOItem.item_id, ConfirmedOItem.code)
    ).all()
    out: dict[int, list[str]] = {}
    for item_id, code in rows:
        out.setdefault(item_id, []).append(code)
    return {item_id: sorted(codes, key=code_order) for item_id, codes in out.items()}


def code_order(code: str) -> tuple[str, int, str]:
    """O2 before O10, as the lists number them."""
    match = re.fullmatch(r"(\D*)(\d+)(.*)", code)
    return (match.group(1), int(match.group(2)), match.group(3)) if match else (code, 0, "")


def set_confirmed(session: Session, item: PublishedItem, codes: list[str], now: datetime) -> None:
    """Replace the item's confirmed O items (codes already checked, in the list's order)."""
    for row in session.scalars(select(ConfirmedOItem).where(ConfirmedOItem.item_id == item.id)):
        session.delete(row)
    session.flush()
    session.add_all(ConfirmedOItem(item_id=item.id, code=code) for code in codes)
    item.ita_item = codes[0] if codes else None
    item.ita_confirmed_at = now
