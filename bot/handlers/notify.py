"""Proactive cards from handlers: look the recipients up, send through the one sender."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.outbound import Delivery
from bot.router import Context
from domain.model import ConversationAddress
from domain.records import Recipient


async def send_cards(
    ctx: Context, messages: Sequence[tuple[int, dict[str, Any]]]
) -> list[Delivery]:
    """Send each (member id, card); the result says who was reached."""
    if not messages:
        return []
    ids = [member_id for member_id, _ in messages]
    found = await ctx.run_short(lambda uow: uow.returns.recipients(ids))
    recipients = {r.member_id: r for r in found}
    deliveries = []
    for member_id, card in messages:
        recipient = recipients.get(member_id)
        if recipient is None:
            continue
        deliveries.append(
            await ctx.services.outbound.send_card(recipient, card, ctx.turn.address.service_url)
        )
    return deliveries


def reached(deliveries: Sequence[Delivery]) -> set[int]:
    """The members Teams took a card for (or may have: an unknown outcome is not called a
    failure). Anyone else was not reached, and the sender is told so, never "sent"."""
    return {d.member_id for d in deliveries if d.delivered or d.unknown}


async def send_to_address(ctx: Context, address: ConversationAddress, card: dict[str, Any]) -> bool:
    """Post a card to a registered channel (not a member)."""
    recipient = Recipient(0, "channel", None, address.tenant_id, address, False)
    delivery = await ctx.services.outbound.send_card(recipient, card, ctx.turn.address.service_url)
    return delivery.delivered
