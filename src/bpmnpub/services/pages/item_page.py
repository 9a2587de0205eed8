"""A published item's staff page (`/publishing/items/<id>`) in one read transaction: the item, its audit
trail, the O items it may answer, the other channels PR recorded, whether the office's WordPress is
connected, and what the reader may do on it. The template decides nothing."""

from __future__ import annotations

from dataclasses import dataclass

from ...permissions import Actor
from ..kernel.context import ServiceContext
from ..kernel.membership import readable_ids
from ..portal import channels, website_settings
from ..portal.published_items import ItemHistory, item_history


@dataclass(frozen=True)
class ItemActions:
    """What the reader may do on the item's page (each action's service checks again)."""

    may_withdraw: bool  # it is on the portal: take it off (a reason required)
    may_publish: bool  # it was withdrawn: put it back at the same address
    may_confirm_o_items: bool  # its fiscal year has O items to confirm
    may_edit_channels: bool  # PR, and the item is on the portal: record another channel
    may_remove_channels: bool  # PR: take back a channel recorded by mistake
    free_channel_kinds: tuple[str, ...]  # the channels not recorded yet (the form's choices)
    may_resend_website: bool  # the office's WordPress: never sent, or the last try failed
    may_read_request: bool  # the request it came from is one the reader may open


@dataclass(frozen=True)
class ItemPage:
    history: ItemHistory
    shows_website: bool  # the office sends items to its WordPress, or this one was sent
    may: ItemActions


def get_item_page(ctx: ServiceContext, actor: Actor, item_id: int) -> ItemPage:
    """Raises PermissionDeniedError (not a publisher or admin), NotFoundError."""
    with ctx.db.read() as session:
        history = item_history(ctx, session, actor, item_id)
        connected = website_settings.load(session).enabled
        request = history.request_id
        readable = request is not None and request in readable_ids(session, actor, [request])
    item = history.item
    published = item.status == "published"
    recorded = {c.kind for c in history.channels}
    free = tuple(k for k in channels.KINDS if k not in recorded)
    shows_website = connected or item.website is not None
    return ItemPage(
        history=history,
        shows_website=shows_website,
        may=ItemActions(
            may_withdraw=published,
            may_publish=item.status == "withdrawn",
            may_confirm_o_items=bool(history.o_item_choices.choices),
            may_edit_channels=history.may_record_channels and published and bool(free),
            may_remove_channels=history.may_record_channels,
            free_channel_kinds=free,
            may_resend_website=shows_website and item.may_resend,
            may_read_request=readable,
        ),
    )
