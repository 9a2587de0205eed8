"""The ITA/OIT index as the pages read it, as frozen values: an O item's period window by its rule
(`period_window`), the items that answer it, its status and counts, a year's index, the staff
dashboard's rows per group. Made by `ita_index.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ...thaidate import BANGKOK, ce_year, fiscal_year_start


@dataclass(frozen=True)
class Window:
    """When an item must have been published or updated to count: [start, end) in Bangkok time."""

    start: datetime
    end: datetime

    @property
    def last_day(self) -> date:
        return (self.end.astimezone(BANGKOK) - timedelta(days=1)).date()


def period_window(fiscal_year_be: int, rule: str) -> Window:
    """The window of a period rule; an unknown rule reads as `current_fy`."""
    if rule == "first_half":
        return Window(
            fiscal_year_start(fiscal_year_be), datetime(ce_year(fiscal_year_be), 4, 1, tzinfo=BANGKOK)
        )
    if rule == "previous_fy":
        return Window(fiscal_year_start(fiscal_year_be - 1), fiscal_year_start(fiscal_year_be + 1))
    return Window(fiscal_year_start(fiscal_year_be), fiscal_year_start(fiscal_year_be + 1))


@dataclass(frozen=True)
class IndexedItem:
    """A published item listed under an O item, with its stable absolute URL."""

    id: int
    title: str
    url: str
    published_at: datetime
    updated_at: datetime
    website_url: str | None = None  # the same item's post on the office's WordPress, when in step


@dataclass(frozen=True)
class OItemStatus:
    id: int
    code: str
    title: str
    guidance: str
    period_rule: str
    window: Window
    group_id: int | None
    group_code: str | None
    group_name: str | None
    status: str  # have | stale | missing
    in_period: int  # items counting in the window
    total: int  # items counting at any time
    latest_at: datetime | None  # the newest publication or update of any counting item
    due_soon: bool  # not met, and the window closes within DUE_SOON
    items: tuple[IndexedItem, ...] = ()  # the newest in period (none when stale or missing)

    @property
    def more(self) -> int:
        """Items in period beyond those listed."""
        return self.in_period - len(self.items)


@dataclass(frozen=True)
class Counts:
    assigned: int
    have: int
    stale: int
    missing: int

    @property
    def percent(self) -> int:
        """Share of O items met, rounded down: 99.6% is not yet 100%."""
        return 100 * self.have // self.assigned if self.assigned else 0

    @classmethod
    def of(cls, items: tuple[OItemStatus, ...] | list[OItemStatus]) -> Counts:
        statuses = [i.status for i in items]
        return cls(len(statuses), statuses.count("have"), statuses.count("stale"), statuses.count("missing"))


@dataclass(frozen=True)
class YearIndex:
    fiscal_year: int
    title: str
    source: str
    verified: bool
    note: str
    years: tuple[int, ...]  # every fiscal year that has a list, newest first
    items: tuple[OItemStatus, ...]

    @property
    def counts(self) -> Counts:
        return Counts.of(self.items)


@dataclass(frozen=True)
class GroupRow:
    group_id: int | None  # None: O items without a responsible group
    code: str | None
    name: str | None
    counts: Counts
    mine: bool  # the viewer directs this group (or belongs to it)


@dataclass(frozen=True)
class Dashboard:
    fiscal_year: int
    title: str
    verified: bool
    years: tuple[int, ...]
    groups: tuple[GroupRow, ...]
    total: Counts
