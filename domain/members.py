"""Who is talking to the bot: record members as they appear and bootstrap the first admins."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from domain import audit
from domain.model import Actor, MemberView, Role
from domain.repositories import MemberSighting, PartnershipView, UnitOfWork

DEFAULT_PARTNERSHIP_NAME = "Safeguarding Children Partnership"


def ended_choice(chosen: MemberView | None) -> str | None:
    """Why someone chosen for work (a return to write, an action item to own) can't be given
    it: an admin ended their access (a people picker, or a card drawn before, still names
    them). None when they can be."""
    if chosen is None or chosen.active:
        return None
    return f"{chosen.display_name}'s access to Line of Sight has ended: choose someone else."


# All a member whose access an admin ended hears, whatever they send or click.
ACCESS_ENDED = (
    "Your access to Line of Sight has ended. If this is wrong, ask your partnership's "
    "administrator."
)


def ensure_partnership(uow: UnitOfWork, actor: Actor) -> PartnershipView:
    """A partnership is keyed by its Teams tenant and created on first contact."""
    existing = uow.partnerships.by_tenant(actor.tenant_id)
    if existing is not None:
        return existing
    created = uow.partnerships.create(actor.tenant_id, DEFAULT_PARTNERSHIP_NAME)
    if created is None:  # a racing first contact from this tenant made it
        found = uow.partnerships.by_tenant(actor.tenant_id)
        assert found is not None
        return found
    audit.record(
        uow,
        created.id,
        actor,
        "partnership.created",
        ("partnership", created.id),
        after={"tenant_id": actor.tenant_id, "name": created.name},
    )
    return created


def record_member(
    uow: UnitOfWork,
    actor: Actor,
    sighting: MemberSighting,
    bootstrap_admins: Collection[str],
) -> MemberView:
    """Create or refresh the member behind this turn; grant admin if bootstrapped by config."""
    member = _known(uow, actor, sighting)
    if member is None:
        partnership = ensure_partnership(uow, actor)
        member = uow.members.find(partnership.id, sighting.aad_object_id, sighting.teams_user_id)
        if member is None:
            created = uow.members.create(partnership.id, sighting)
            if created is not None:
                audit.record(
                    uow,
                    partnership.id,
                    actor,
                    "member.created",
                    ("member", created.id),
                    after={"aad_object_id": sighting.aad_object_id},
                )
                return _bootstrap_admin(uow, actor, created, bootstrap_admins)
            # An install sends several activities at once: another created them just now.
            member = uow.members.find(
                partnership.id, sighting.aad_object_id, sighting.teams_user_id
            )
            assert member is not None
    before, after = uow.members.record_sighting(member.id, sighting)
    if after:
        audit.record(
            uow,
            member.partnership_id,
            actor,
            "member.updated",
            ("member", member.id),
            before=before,
            after=after,
        )
    return _bootstrap_admin(uow, actor, member, bootstrap_admins)


def _known(uow: UnitOfWork, actor: Actor, sighting: MemberSighting) -> MemberView | None:
    # Nearly every turn: someone already known, found by AAD id in one read (bench/, §9).
    if not sighting.aad_object_id:
        return None
    return uow.members.find_in_tenant(actor.tenant_id, sighting.aad_object_id)


def _bootstrap_admin(
    uow: UnitOfWork, actor: Actor, member: MemberView, bootstrap_admins: Collection[str]
) -> MemberView:
    # Someone has to be able to set the partnership up; config names the first admins.
    if member.aad_object_id is None or member.aad_object_id not in bootstrap_admins:
        return member
    if uow.members.grant(member.id, Role.ADMIN):
        audit.record(
            uow,
            member.partnership_id,
            actor,
            "member.role_granted",
            ("member", member.id),
            after={"role": Role.ADMIN.value, "source": "ADMIN_AAD_IDS"},
        )
        return uow.members.get(member.id)
    return member


def welcome_once(uow: UnitOfWork, actor: Actor, member: MemberView, at: datetime) -> bool:
    """True the first time only, so a member never gets two welcome cards."""
    if not uow.members.mark_welcomed(member.id, at):
        return False
    audit.record(uow, member.partnership_id, actor, "member.welcomed", ("member", member.id))
    return True
