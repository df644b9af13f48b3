"""Proactive cards from handlers: look the recipients up, send through the one sender."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.outbound import Delivery
from bot.router import Context


async def send_cards(
    ctx: Context, messages: Sequence[tuple[int, dict[str, Any]]]
) -> list[Delivery]:
    """Send each (member id, card); the result says who was reached."""
    if not messages:
        return []
    ids = [member_id for member_id, _ in messages]
    recipients = {r.member_id: r for r in await ctx.run(lambda uow: uow.returns.recipients(ids))}
    deliveries = []
    for member_id, card in messages:
        recipient = recipients.get(member_id)
        if recipient is None:
            continue
        deliveries.append(
            await ctx.services.outbound.send_card(recipient, card, ctx.turn.address.service_url)
        )
    return deliveries
