"""Partnership set-up: agencies, members and their roles, from cards and from a CSV import.

Only admins change the directory, and the actor is always the person behind the turn. Every
agency or member id in card data is untrusted: it is looked up within the admin's own
partnership before it is used, so an id from anywhere else is simply not found.

An agency's safeguarding leads are its members holding the agency_lead role; there is no
separate lead field to fall out of step with the roles.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final, TypeVar

from domain import audit
from domain.capabilities import require
from domain.errors import FieldError, FormInvalid, InvalidInput, NotFound, field_error
from domain.idempotency import revision_of
from domain.members import ensure_partnership
from domain.model import Actor, MemberView, Role
from domain.repositories import AgencyView, DirectoryMember, Holding, UnitOfWork
from domain.reviews import required_reason

T = TypeVar("T")

SECTORS: Final = (
    "police",
    "health",
    "children's social care",
    "education",
    "early help",
    "probation",
    "housing",
    "youth justice",
    "voluntary sector",
    "other",
)
NAME_MAX: Final = 200
EMAIL_MAX: Final = 320
PAGE_SIZE: Final = 15
# Members offered as an agency's lead: a static choice list, kept well inside Teams' card limit.
LEAD_CHOICES_MAX: Final = 150
MAX_IMPORT_ROWS: Final = 5_000
MAX_IMPORT_BYTES: Final = 5_000_000
IMPORT_COLUMNS: Final = (
    "aad_object_id",
    "display_name",
    "agency",
    "roles",
    "email",
    "access",
    "reason",
)
# The `access` column's words: a leaver's access ended, or given back, as the member card does.
ACCESS_WORDS: Final = {"active": True, "ended": False}
# Beside the name of an owner, return writer or lead whose access an admin ended, wherever
# the name is shown (item card, review summary card and Word document, tracker): the reader
# sees the work needs someone else (`storage.tables.shown_name` adds it in the same read).
ACCESS_ENDED_MARK: Final = " (access ended)"
# The audit trail's action for an access ended (the chase engine reads when it last was).
ACCESS_ENDED_EVENT: Final = "member.access_ended"


def shown_name(name: str | None, active: bool) -> str | None:
    """A member's name as shown beside work they hold: marked once their access has ended."""
    if name is None or active or name.endswith(ACCESS_ENDED_MARK):
        return name
    return f"{name}{ACCESS_ENDED_MARK}"


REQUIRED_COLUMNS: Final = ("aad_object_id", "display_name")
GUID_EXAMPLE: Final = "0c8a7b6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SEPARATORS = re.compile(r"[\s\-]+")
_ID_DIGITS_MAX = 18


# --- Field rules: each returns the clean value or raises ValueError naming the field. ---


def checked_name(raw: object, label: str) -> str:
    """Required single-line text of at most NAME_MAX characters (agency and member names)."""
    if raw is not None and not isinstance(raw, str):
        raise ValueError(field_error(label, " must be text."))
    text = (raw or "").strip()
    if not text:
        raise ValueError(field_error(label, " is required."))
    if len(text) > NAME_MAX:
        raise ValueError(
            field_error(label, f" is {len(text):,} characters; the limit is {NAME_MAX}.")
        )
    if _CONTROL.search(text):
        raise ValueError(field_error(label, " can't contain line breaks or control characters."))
    return text


def checked_sector(raw: object) -> str:
    text = raw.strip().lower() if isinstance(raw, str) else ""
    if not text:
        raise ValueError(field_error("Sector", " is required: choose one from the list."))
    if text not in SECTORS:
        raise ValueError(field_error("Sector", " must be one from the list."))
    return text


def checked_aad_id(raw: object, label: str) -> str:
    """An Entra (AAD) object id: a GUID, stored lower-case because Teams sends it that way."""
    if raw is not None and not isinstance(raw, str):
        raise ValueError(field_error(label, " must be text."))
    text = (raw or "").strip().lower()
    if not text:
        raise ValueError(field_error(label, " is required."))
    if not _GUID.fullmatch(text):
        raise ValueError(field_error(label, f" '{_clip(text)}' is not a GUID like {GUID_EXAMPLE}."))
    return text


def checked_email(raw: str) -> str | None:
    text = raw.strip()
    if not text:
        return None
    if len(text) > EMAIL_MAX or not _EMAIL.fullmatch(text):
        raise ValueError(f"'email' '{_clip(text)}' is not an email address.")
    return text


def checked_roles(parts: Iterable[str], label: str) -> frozenset[Role]:
    """Role values, tolerant of case and of spaces or hyphens ('Agency lead' is agency_lead)."""
    roles: set[Role] = set()
    for part in parts:
        key = _SEPARATORS.sub("_", part.strip().lower())
        if not key:
            continue
        try:
            roles.add(Role(key))
        except ValueError:
            raise ValueError(
                field_error(label, f" has unknown role '{_clip(part.strip())}'.")
            ) from None
    return frozenset(roles)


def roles_from_card(raw: object) -> frozenset[Role]:
    # Teams sends a multi-select as one comma-separated string; a list is tolerated too.
    if raw is None:
        return frozenset()
    if isinstance(raw, str):
        return checked_roles(raw.split(","), "Roles")
    if isinstance(raw, list) and all(isinstance(part, str) for part in raw):
        return checked_roles(raw, "Roles")
    raise ValueError("'Roles' must be chosen from the list.")


def card_id(raw: object) -> int | None:
    """A record id from card data: a positive int, or ASCII digits as text; else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 < raw < 10**_ID_DIGITS_MAX else None
    if isinstance(raw, str):
        text = raw.strip()
        if text.isascii() and text.isdigit() and len(text) <= _ID_DIGITS_MAX and int(text) > 0:
            return int(text)
    return None


def page_number(*candidates: object) -> int:
    """The first usable page number among the candidates (card data, then typed text)."""
    for candidate in candidates:
        number = card_id(candidate)
        if number is not None:
            return number
    return 1


def ordered_roles(roles: Iterable[Role]) -> list[Role]:
    """In the order Role declares them (admin first), which reads better than alphabetical."""
    held = set(roles)
    return [role for role in Role if role in held]


def role_changes(granted: Iterable[Role], revoked: Iterable[Role]) -> str:
    """'+agency_lead -manager': the notation of the import report and the result lines."""
    plus = [f"+{role.value}" for role in ordered_roles(granted)]
    minus = [f"-{role.value}" for role in ordered_roles(revoked)]
    return " ".join(plus + minus)


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(errors: dict[str, str], key: str, check: Callable[[], T], default: T) -> T:
    """Run one field's check, noting its problem under the card input's id."""
    try:
        return check()
    except ValueError as problem:
        # A FieldError kept as it is, so the card names the field by its shown label.
        said = problem.args[0] if problem.args else ""
        errors[key] = said if isinstance(said, FieldError) else str(problem)
        return default


def _same_name(a: str, b: str) -> bool:
    return agency_key(a) == agency_key(b)


def agency_key(name: str) -> str:
    """An agency name as names are compared: case and runs of spaces folded. Stored as the
    agency's unique key, so two admins adding "Police" and "police " at once get one row.

    Folding can lengthen a name ("ß" becomes "ss"), past the key's column (NAME_MAX): a key
    too long keeps its start and ends with a digest of the whole, so it fits and still tells
    names apart. Migration 0009 keeps a copy of this function; the two must agree."""
    key = " ".join(name.split()).casefold()
    if len(key) <= NAME_MAX:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{key[: NAME_MAX - len(digest) - 1]}#{digest}"


# --- Paging ---


@dataclass(frozen=True)
class Paging:
    page: int
    pages: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paging(total: int, requested: int) -> Paging:
    """Clamp a requested page into range, so an old card's 'Next' still shows something."""
    pages = max(1, -(-total // PAGE_SIZE))
    return Paging(min(max(requested, 1), pages), pages, total)


# --- Agencies ---


@dataclass(frozen=True)
class AgencyListing:
    agencies: tuple[AgencyView, ...]
    paging: Paging


@dataclass(frozen=True)
class AgencyForm:
    """The agency card's content: the agency edited (None when adding) and the possible leads."""

    agency: AgencyView | None
    members: tuple[DirectoryMember, ...]
    more_members: bool


def agency_listing(uow: UnitOfWork, admin: MemberView, page: int) -> AgencyListing:
    require(admin, Role.ADMIN)
    agencies = uow.directory.agencies(admin.partnership_id)
    window = paging(len(agencies), page)
    shown = agencies[window.offset : window.offset + PAGE_SIZE]
    return AgencyListing(tuple(shown), window)


def agency_form(uow: UnitOfWork, admin: MemberView, agency_id: object) -> AgencyForm:
    require(admin, Role.ADMIN)
    agency = _agency_to_edit(uow, admin.partnership_id, agency_id)
    people = uow.directory.member_page(admin.partnership_id, 0, LEAD_CHOICES_MAX)
    return AgencyForm(agency, people.members, people.total > len(people.members))


def agency_revision(agency: AgencyView) -> str:
    """What an agency's form was drawn at: what a save rewrites (leads are only added)."""
    return revision_of(agency.name, agency.sector)


def member_revision(member: DirectoryMember) -> str:
    """What a member's form was drawn at: what a save rewrites."""
    return revision_of(
        member.display_name, member.agency_id, sorted(r.value for r in member.roles), member.active
    )


def current_agency_revision(uow: UnitOfWork, admin: MemberView, raw: object) -> str:
    require(admin, Role.ADMIN)
    agency = _agency_to_edit(uow, admin.partnership_id, raw)
    if agency is None:
        raise NotFound("That agency isn't in your partnership. Type agencies to see the list.")
    return agency_revision(agency)


def current_member_revision(uow: UnitOfWork, admin: MemberView, raw: object) -> str:
    require(admin, Role.ADMIN)
    member = _member_to_edit(uow, admin.partnership_id, raw)
    if member is None:
        raise NotFound("That member isn't in your partnership. Type members to see the list.")
    return member_revision(member)


def save_agency(
    uow: UnitOfWork, actor: Actor, admin: MemberView, data: Mapping[str, object]
) -> str:
    """Add or edit an agency from the card's inputs; returns the result line for the card."""
    require(admin, Role.ADMIN)
    partnership_id = admin.partnership_id
    existing = _agency_to_edit(uow, partnership_id, data.get("agency_id"))
    errors: dict[str, str] = {}
    name = _field(errors, "name", lambda: checked_name(data.get("name"), "Agency name"), "")
    sector = _field(errors, "sector", lambda: checked_sector(data.get("sector")), "")
    lead = _field(errors, "lead", lambda: _chosen_lead(uow, partnership_id, data.get("lead")), None)
    if name and _name_taken(uow, partnership_id, name, existing):
        errors["name"] = f"An agency called '{name}' already exists."
    if errors:
        raise FormInvalid(errors)
    if existing is None:
        agency = _add_agency(uow, actor, partnership_id, name, sector)
        result = f"Agency '{agency.name}' added."
    else:
        agency = _edit_agency(uow, actor, partnership_id, existing, name, sector)
        changed = (agency.name, agency.sector) != (existing.name, existing.sector)
        result = f"Agency '{agency.name}' {'updated' if changed else 'saved, no changes'}."
    if lead is not None:
        result += " " + _make_lead(uow, actor, partnership_id, lead, agency)
    return result


def _agency_to_edit(uow: UnitOfWork, partnership_id: int, raw: object) -> AgencyView | None:
    if raw is None or raw == "":
        return None
    agency_id = card_id(raw)
    agency = uow.directory.agency(partnership_id, agency_id) if agency_id else None
    if agency is None:
        raise NotFound(
            "That agency isn't in your partnership. Type agencies to see the current list."
        )
    return agency


def _chosen_lead(uow: UnitOfWork, partnership_id: int, raw: object) -> DirectoryMember | None:
    if raw is None or raw == "":
        return None
    member_id = card_id(raw)
    member = uow.directory.member(partnership_id, member_id) if member_id else None
    if member is None:
        raise ValueError("The lead chosen is not a member of this partnership.")
    return member


def _name_taken(
    uow: UnitOfWork, partnership_id: int, name: str, existing: AgencyView | None
) -> bool:
    # Names are unique ignoring case, so the CSV import's agency column is unambiguous.
    return any(
        _same_name(agency.name, name) and (existing is None or agency.id != existing.id)
        for agency in uow.directory.agencies(partnership_id)
    )


def _add_agency(
    uow: UnitOfWork, actor: Actor, partnership_id: int, name: str, sector: str
) -> AgencyView:
    agency = uow.directory.add_agency(partnership_id, name, sector)
    if agency is None:  # added by a racing request since the check above
        raise FormInvalid({"name": f"An agency called '{name}' already exists."})
    audit.record(
        uow,
        partnership_id,
        actor,
        "agency.created",
        ("agency", agency.id),
        after={"name": name, "sector": sector},
    )
    return agency


def _edit_agency(
    uow: UnitOfWork,
    actor: Actor,
    partnership_id: int,
    existing: AgencyView,
    name: str,
    sector: str,
) -> AgencyView:
    before = {"name": existing.name, "sector": existing.sector}
    after = {"name": name, "sector": sector}
    if before == after:
        return existing
    agency = uow.directory.update_agency(partnership_id, existing.id, name, sector)
    if agency is None:  # renamed to a name a racing request took since the check above
        raise FormInvalid({"name": f"An agency called '{name}' already exists."})
    changed = [key for key in after if after[key] != before[key]]
    audit.record(
        uow,
        partnership_id,
        actor,
        "agency.updated",
        ("agency", agency.id),
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
    )
    return agency


def _make_lead(
    uow: UnitOfWork, actor: Actor, partnership_id: int, lead: DirectoryMember, agency: AgencyView
) -> str:
    """Choosing a lead moves the member to the agency and grants agency_lead."""
    _move(uow, actor, partnership_id, lead, agency.id)
    if _grant(uow, actor, partnership_id, lead.id, Role.AGENCY_LEAD):
        return f"{lead.display_name} is now its safeguarding lead."
    return f"{lead.display_name} is its safeguarding lead."


# --- Members ---


@dataclass(frozen=True)
class MemberListing:
    members: tuple[DirectoryMember, ...]
    paging: Paging


@dataclass(frozen=True)
class MemberForm:
    """The member card's content: the member edited (None when adding) and the agencies."""

    member: DirectoryMember | None
    agencies: tuple[AgencyView, ...]
    # What someone whose access ended still holds, whenever their card is opened (walk10:
    # listed only on the card that ended it, gone once it was left).
    holdings: tuple[Holding, ...] = ()


def member_listing(uow: UnitOfWork, admin: MemberView, page: int) -> MemberListing:
    require(admin, Role.ADMIN)
    partnership_id = admin.partnership_id
    found = uow.directory.member_page(partnership_id, (max(page, 1) - 1) * PAGE_SIZE, PAGE_SIZE)
    window = paging(found.total, page)
    if window.offset != found.offset:
        found = uow.directory.member_page(partnership_id, window.offset, PAGE_SIZE)
    return MemberListing(found.members, window)


def member_form(uow: UnitOfWork, admin: MemberView, member_id: object) -> MemberForm:
    require(admin, Role.ADMIN)
    member = _member_to_edit(uow, admin.partnership_id, member_id)
    agencies = tuple(uow.directory.agencies(admin.partnership_id))
    if member is None or member.active:
        return MemberForm(member, agencies)
    held = tuple(uow.directory.holdings(admin.partnership_id, member.id))
    return MemberForm(member, agencies, held)


def save_member(
    uow: UnitOfWork, actor: Actor, admin: MemberView, data: Mapping[str, object]
) -> str:
    """Add a member, or edit one's name, agency and roles; returns the card's result line.

    On edit the roles are set to exactly those ticked: un-ticking a role revokes it.
    """
    require(admin, Role.ADMIN)
    partnership_id = admin.partnership_id
    existing = _member_to_edit(uow, partnership_id, data.get("member_id"))
    errors: dict[str, str] = {}
    name = _field(
        errors, "display_name", lambda: checked_name(data.get("display_name"), "Display name"), ""
    )
    agency_id = _field(
        errors, "agency", lambda: _chosen_agency(uow, partnership_id, data.get("agency")), None
    )
    roles: frozenset[Role] = _field(
        errors, "roles", lambda: roles_from_card(data.get("roles")), frozenset()
    )
    if existing is None:
        aad = _field(
            errors,
            "aad_object_id",
            lambda: _new_aad_id(uow, partnership_id, data.get("aad_object_id")),
            "",
        )
        _raise_if(errors)
        return _add_member(uow, actor, partnership_id, aad, name, agency_id, roles)
    revokes_admin = "roles" not in errors and Role.ADMIN in existing.roles - roles
    if revokes_admin and _is_last_admin(uow, partnership_id):
        errors["roles"] = (
            f"{existing.display_name} is the partnership's only admin. Make someone else an "
            "admin first."
        )
    _raise_if(errors)
    return _edit_member(uow, actor, partnership_id, existing, name, agency_id, roles)


def _raise_if(errors: dict[str, str]) -> None:
    if errors:
        raise FormInvalid(errors)


def _member_to_edit(uow: UnitOfWork, partnership_id: int, raw: object) -> DirectoryMember | None:
    if raw is None or raw == "":
        return None
    member_id = card_id(raw)
    member = uow.directory.member(partnership_id, member_id) if member_id else None
    if member is None:
        raise NotFound(
            "That member isn't in your partnership. Type members to see the current list."
        )
    return member


def _chosen_agency(uow: UnitOfWork, partnership_id: int, raw: object) -> int | None:
    if raw is None or raw == "":
        return None
    agency_id = card_id(raw)
    if agency_id is None or uow.directory.agency(partnership_id, agency_id) is None:
        raise ValueError("The agency chosen is not in this partnership.")
    return agency_id


def _new_aad_id(uow: UnitOfWork, partnership_id: int, raw: object) -> str:
    aad = checked_aad_id(raw, "AAD object id")
    clash = uow.directory.members_by_aad(partnership_id, frozenset({aad})).get(aad)
    if clash is not None:
        raise ValueError(
            f"{clash.display_name} already has that AAD object id. Edit them from the members "
            "list instead."
        )
    return aad


def _is_last_admin(uow: UnitOfWork, partnership_id: int) -> bool:
    # Someone must always be able to set the partnership up.
    return uow.directory.count_with_role(partnership_id, Role.ADMIN) <= 1


def _add_member(
    uow: UnitOfWork,
    actor: Actor,
    partnership_id: int,
    aad: str,
    name: str,
    agency_id: int | None,
    roles: frozenset[Role],
) -> str:
    member = uow.directory.add_member(partnership_id, aad, name)
    if member is None:  # added by a racing request since the check above
        raise FormInvalid({"aad_object_id": "Someone already has that AAD object id."})
    if agency_id is not None:
        uow.directory.set_agency(partnership_id, member.id, agency_id)
    for role in ordered_roles(roles):
        uow.directory.grant(member.id, role)
    audit.record(
        uow,
        partnership_id,
        actor,
        "member.added",
        ("member", member.id),
        after={
            "aad_object_id": aad,
            "display_name": name,
            "agency_id": agency_id,
            "roles": [role.value for role in ordered_roles(roles)],
        },
    )
    return f"Member '{name}' added."


def _edit_member(
    uow: UnitOfWork,
    actor: Actor,
    partnership_id: int,
    existing: DirectoryMember,
    name: str,
    agency_id: int | None,
    roles: frozenset[Role],
) -> str:
    if name != existing.display_name:
        uow.directory.rename_member(partnership_id, existing.id, name)
        audit.record(
            uow,
            partnership_id,
            actor,
            "member.updated",
            ("member", existing.id),
            before={"display_name": existing.display_name},
            after={"display_name": name},
        )
    moved = _move(uow, actor, partnership_id, existing, agency_id)
    granted = ordered_roles(roles - existing.roles)
    revoked = ordered_roles(existing.roles - roles)
    for role in granted:
        _grant(uow, actor, partnership_id, existing.id, role)
    for role in revoked:
        _revoke(uow, actor, partnership_id, existing.id, role)
    if name == existing.display_name and not moved and not granted and not revoked:
        return f"Member '{name}' saved, no changes."
    changes = role_changes(granted, revoked)
    return f"Member '{name}' updated" + (f": roles {changes}." if changes else ".")


def _move(
    uow: UnitOfWork, actor: Actor, partnership_id: int, member: DirectoryMember, to: int | None
) -> bool:
    if member.agency_id == to:
        return False
    uow.directory.set_agency(partnership_id, member.id, to)
    audit.record(
        uow,
        partnership_id,
        actor,
        "member.updated",
        ("member", member.id),
        before={"agency_id": member.agency_id},
        after={"agency_id": to},
    )
    return True


def _grant(uow: UnitOfWork, actor: Actor, partnership_id: int, member_id: int, role: Role) -> bool:
    if not uow.directory.grant(member_id, role):
        return False
    audit.record(
        uow,
        partnership_id,
        actor,
        "member.role_granted",
        ("member", member_id),
        after={"role": role.value},
    )
    return True


def _revoke(uow: UnitOfWork, actor: Actor, partnership_id: int, member_id: int, role: Role) -> None:
    if uow.directory.revoke(member_id, role):
        audit.record(
            uow,
            partnership_id,
            actor,
            "member.role_revoked",
            ("member", member_id),
            before={"role": role.value},
        )


# --- Ending and restoring a member's access (someone who left their agency). ---

ACCESS_REASON_MAX: Final = 500
# What the identifier guard says of the reason box, after its name and what it found: the
# reason is about a member of staff and kept in the audit trail, so it names nobody at all.
ACCESS_REASON_GUARD: Final = (
    "It is kept in the audit trail: say why without naming anyone or giving an address, "
    "for example 'left the agency on 30 November'."
)


@dataclass(frozen=True)
class AccessChange:
    """The member card after an end or a restore: its result line, the member as they are
    now, and (after an end) what they still hold that someone must pick up."""

    result: str
    member: DirectoryMember
    holdings: tuple[Holding, ...] = ()


def end_access(
    uow: UnitOfWork,
    actor: Actor,
    admin: MemberView,
    data: Mapping[str, object],
    configured_admins: Collection[str] = (),
) -> AccessChange:
    """An admin ends a member's access, with a reason (no identifiers: it is kept in the audit
    trail). Their roles are kept for a restore but count nowhere while it lasts: their every
    turn is refused, and nothing proactive goes to them. An admin can't end their own access,
    nor another admin's (their admin role is taken away first, under the last-admin rule), so
    two admins ending each other at once can't leave the partnership with none to restore it."""
    require(admin, Role.ADMIN)
    member = _access_of(uow, admin, data)
    if member.id == admin.id:
        raise FormInvalid({"reason": "You can't end your own access. Ask another admin."})
    if member.aad_object_id in configured_admins:
        # The ADMIN_AAD_IDS setting makes them an admin again whenever they speak: as with
        # any admin, their access can't end while the role stays, and here no card takes it.
        then = (
            "untick Partnership admin and end their access"
            if Role.ADMIN in member.roles
            else "end their access"
        )
        raise FormInvalid(
            {
                "reason": f"{member.display_name} is an admin by the server's settings "
                "(ADMIN_AAD_IDS), so their access can't be ended here. Ask whoever runs Line of "
                f"Sight to take them out of that setting and restart it, then {then}."
            }
        )
    if Role.ADMIN in member.roles:
        raise FormInvalid(
            {
                "reason": f"{member.display_name} is an admin: untick Partnership admin and "
                "save the member first, then end their access."
            }
        )
    reason = required_reason(
        data.get("reason"),
        "Reason for ending access",
        ACCESS_REASON_MAX,
        not_about_a_child=ACCESS_REASON_GUARD,
    )
    now, changed = _set_access(
        uow, actor, admin.partnership_id, member.id, False, {"reason": reason}
    )
    held = tuple(uow.directory.holdings(admin.partnership_id, member.id))
    said = "ended" if changed else "had already ended"
    return AccessChange(f"{member.display_name}'s access {said}.", now, held)


def restore_access(
    uow: UnitOfWork, actor: Actor, admin: MemberView, data: Mapping[str, object]
) -> AccessChange:
    """An admin gives a member whose access ended their access back, with the roles they
    held; the audit trail records who and when."""
    require(admin, Role.ADMIN)
    member = _access_of(uow, admin, data)
    now, changed = _set_access(uow, actor, admin.partnership_id, member.id, True, {})
    said = "restored" if changed else "was not ended"
    return AccessChange(f"{member.display_name}'s access {said}.", now)


def _access_of(uow: UnitOfWork, admin: MemberView, data: Mapping[str, object]) -> DirectoryMember:
    member = _member_to_edit(uow, admin.partnership_id, data.get("member_id"))
    if member is None:
        raise NotFound("Choose a member from the members list first.")
    return member


def _set_access(
    uow: UnitOfWork,
    actor: Actor,
    partnership_id: int,
    member_id: int,
    active: bool,
    why: Mapping[str, str],
) -> tuple[DirectoryMember, bool]:
    """The member as they are now, and whether this changed them (a racing click that came
    second changes nothing, and records nothing). The card's and the import's one write."""
    changed = uow.directory.set_active(partnership_id, member_id, active)
    if changed:
        audit.record(
            uow,
            partnership_id,
            actor,
            "member.access_restored" if active else ACCESS_ENDED_EVENT,
            ("member", member_id),
            before={"active": not active},
            after={"active": active, **why},
        )
    now = uow.directory.member(partnership_id, member_id)
    assert now is not None
    return now, changed


# --- CSV import: parse (file and rows), plan (pure), apply. ---


class ImportFileError(InvalidInput):
    """The file as a whole can't be read as a member list; nothing was imported."""


@dataclass(frozen=True)
class ImportRow:
    row: int
    aad_object_id: str
    display_name: str
    agency: str
    roles: frozenset[Role]
    email: str | None
    # `access` column: True active, False ended, None (blank or no column) left as it is; an
    # end's reason, checked as the card checks it.
    access: bool | None = None
    reason: str = ""


@dataclass(frozen=True)
class RejectedRow:
    row: int
    reason: str


@dataclass(frozen=True)
class ParsedImport:
    rows: tuple[ImportRow, ...]
    rejected: tuple[RejectedRow, ...]
    ignored_columns: tuple[str, ...] = ()


def decode_import(data: bytes) -> str:
    """UTF-8 text, with or without the byte-order mark Excel writes."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"The file is {len(data):,} bytes; the limit is {MAX_IMPORT_BYTES:,}. Split it."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {error.start:,}). Save it as 'CSV UTF-8'."
        ) from None


def parse_import(text: str) -> ParsedImport:
    """Read the header and every row; a bad row is rejected with a reason, never guessed at.

    Row numbers are the spreadsheet's: the header is row 1.
    """
    records = _records(text.removeprefix("\ufeff"))
    if not records or not any(cell.strip() for cell in records[0]):
        raise ImportFileError(
            "The file is empty. Its first row must be the header: " + ",".join(IMPORT_COLUMNS)
        )
    columns = _columns(records[0])
    rows: list[ImportRow] = []
    rejected: list[RejectedRow] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        try:
            row = _import_row(number, columns, cells)
            _check_unique(row, first_row_of)
        except ValueError as problem:
            rejected.append(RejectedRow(number, str(problem)))
            continue
        rows.append(row)
    ignored = tuple(name for name in columns if name not in IMPORT_COLUMNS)
    return ParsedImport(tuple(rows), tuple(rejected), ignored)


def _records(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    filled = 0
    try:
        for record in reader:
            records.append(record)
            filled += any(cell.strip() for cell in record)
            if filled > MAX_IMPORT_ROWS + 1:  # the header plus the limit
                raise ImportFileError(
                    f"The file has more than {MAX_IMPORT_ROWS:,} member rows. Split it."
                )
    except csv.Error as error:
        raise ImportFileError(f"Line {reader.line_num} can't be read as CSV: {error}.") from None
    return records


def _columns(header: Sequence[str]) -> tuple[str, ...]:
    columns = tuple(_SEPARATORS.sub("_", cell.strip().lower()) for cell in header)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            f"The header row has no {', '.join(missing)} column. Expected the header: "
            + ",".join(IMPORT_COLUMNS)
        )
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        raise ImportFileError(f"The header names {', '.join(repeated)} more than once.")
    return columns


def _import_row(number: int, columns: tuple[str, ...], cells: Sequence[str]) -> ImportRow:
    if len(cells) != len(columns):
        raise ValueError(f"has {len(cells)} fields; the header has {len(columns)}.")
    values = {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}
    agency = values.get("agency", "")
    if agency:
        agency = checked_name(agency, "agency")
    access = _checked_access(values.get("access", ""))
    return ImportRow(
        row=number,
        aad_object_id=checked_aad_id(values["aad_object_id"], "aad_object_id"),
        display_name=checked_name(values["display_name"], "display_name"),
        agency=agency,
        roles=checked_roles(values.get("roles", "").split(";"), "roles"),
        email=checked_email(values.get("email", "")),
        access=access,
        reason=_checked_access_reason(values.get("reason", "")) if access is False else "",
    )


def _checked_access(raw: str) -> bool | None:
    if not raw:
        return None
    if raw.lower() not in ACCESS_WORDS:
        raise ValueError(
            f"'access' {_clip(raw)!r} is not one of: {', '.join(ACCESS_WORDS)} "
            "(or leave it blank to keep their access as it is)."
        )
    return ACCESS_WORDS[raw.lower()]


def _checked_access_reason(raw: str) -> str:
    """An end's reason: needed, and checked by the guard, as the End access form's box."""
    if not raw.strip():
        raise ValueError("'reason' is required where 'access' is ended (it is audited).")
    try:
        return required_reason(
            raw, "reason", ACCESS_REASON_MAX, not_about_a_child=ACCESS_REASON_GUARD
        )
    except FormInvalid as invalid:
        raise ValueError(invalid.errors["reason"]) from None


def _check_unique(row: ImportRow, first_row_of: dict[str, int]) -> None:
    first = first_row_of.setdefault(row.aad_object_id, row.row)
    if first != row.row:
        raise ValueError(
            f"'aad_object_id' {row.aad_object_id} is already in row {first}; list each member once."
        )


class Outcome(StrEnum):
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"


@dataclass(frozen=True)
class MemberChange:
    """What one row writes. `agency` None leaves the member's agency as it is."""

    aad_object_id: str
    display_name: str
    email: str | None
    agency: AgencyView | None
    grant: frozenset[Role]
    revoke: frozenset[Role]
    before: dict[str, Any] | None
    after: dict[str, Any]
    # Their access ended (False, with `reason`) or restored (True); None: as it is.
    access: bool | None = None
    reason: str = ""


@dataclass(frozen=True)
class RowPlan:
    row: int
    outcome: Outcome
    detail: str
    change: MemberChange | None = None

    def line(self) -> str:
        if self.outcome is Outcome.REJECTED:
            return f"row {self.row}: rejected: {self.detail.rstrip('.')}"
        return f"row {self.row}: {self.outcome.value} {self.detail}"


@dataclass(frozen=True)
class ImportReport:
    plans: tuple[RowPlan, ...]
    dry_run: bool
    ignored_columns: tuple[str, ...] = ()

    def count(self, outcome: Outcome) -> int:
        return sum(1 for plan in self.plans if plan.outcome is outcome)

    def lines(self) -> list[str]:
        notes = [f"note: ignored column '{name}'" for name in self.ignored_columns if name]
        return notes + [plan.line() for plan in self.plans] + [self.totals()]

    def totals(self) -> str:
        counts = ", ".join(f"{self.count(outcome)} {outcome.value}" for outcome in Outcome)
        suffix = " (dry run: nothing was written)" if self.dry_run else ""
        return f"{len(self.plans)} rows: {counts}{suffix}"


def plan_import(
    parsed: ParsedImport,
    agencies: Sequence[AgencyView],
    existing: Mapping[str, DirectoryMember],
    admin_count: int,
    *,
    replace_roles: bool,
    configured_admins: Collection[str] = (),
) -> list[RowPlan]:
    """Decide each row's outcome without writing anything (so --dry-run is the same path).

    Roles are added and never silently revoked; with `replace_roles` a member's roles become
    exactly the file's. A row that would leave the partnership without an admin is rejected.
    An `access` of ended ends a member's access as the member card's End access does, under
    its rules (never an admin's, nor one the ADMIN_AAD_IDS setting makes an admin).
    """
    by_name = {agency.name.casefold(): agency for agency in agencies}
    plans = [RowPlan(r.row, Outcome.REJECTED, r.reason) for r in parsed.rejected]
    admins = admin_count
    for row in parsed.rows:
        agency = by_name.get(row.agency.casefold()) if row.agency else None
        current = existing.get(row.aad_object_id)
        if row.agency and agency is None:
            plan = _rejected_agency(row)
        elif current is None and row.access is False:
            plan = RowPlan(
                row.row,
                Outcome.REJECTED,
                f"{row.display_name} is not a member, so there is no access to end; leave the "
                "row out.",
            )
        elif current is None:
            plan = _planned_addition(row, agency)
        else:
            plan = _planned_update(row, agency, current, replace_roles, admins)
            plan = _access_refused(plan, row, current, configured_admins) or plan
        if plan.change is not None:
            admins += _admin_delta(plan.change)
        plans.append(plan)
    return sorted(plans, key=lambda plan: plan.row)


def _rejected_agency(row: ImportRow) -> RowPlan:
    return RowPlan(
        row.row,
        Outcome.REJECTED,
        f"'agency' '{_clip(row.agency)}' is not an agency of this partnership; add it on the "
        "agencies card first, or correct the name.",
    )


def _planned_addition(row: ImportRow, agency: AgencyView | None) -> RowPlan:
    roles = [role.value for role in ordered_roles(row.roles)]
    after = {
        "display_name": row.display_name,
        "email": row.email,
        "agency": agency.name if agency else None,
        "roles": roles,
    }
    change = MemberChange(
        row.aad_object_id, row.display_name, row.email, agency, row.roles, frozenset(), None, after
    )
    where = f", agency {agency.name}" if agency else ""
    detail = f"{row.display_name} [{', '.join(roles)}]{where}"
    return RowPlan(row.row, Outcome.ADDED, detail, change)


def _planned_update(
    row: ImportRow,
    agency: AgencyView | None,
    current: DirectoryMember,
    replace_roles: bool,
    admins: int,
) -> RowPlan:
    grant = row.roles - current.roles
    revoke = current.roles - row.roles if replace_roles else frozenset()
    if Role.ADMIN in revoke and admins <= 1:
        return RowPlan(
            row.row,
            Outcome.REJECTED,
            f"{current.display_name} is the partnership's only admin; --replace-roles would "
            "remove that role.",
        )
    moved = agency is not None and agency.id != current.agency_id
    renamed = row.display_name != current.display_name
    new_email = row.email is not None and row.email != current.email
    parts = _update_parts(current, agency if moved else None, renamed, new_email, grant, revoke)
    access = row.access if row.access is not None and row.access != current.active else None
    if access is not None:
        parts.append("access restored" if access else "access ended")
    if not parts:
        return RowPlan(row.row, Outcome.UNCHANGED, row.display_name)
    final_roles = (current.roles | grant) - revoke
    before, after = _member_snapshot(current, current.roles), _member_snapshot(current, final_roles)
    after.update(display_name=row.display_name, email=row.email or current.email)
    if moved and agency is not None:
        after["agency"] = agency.name
    change = MemberChange(
        row.aad_object_id,
        row.display_name,
        row.email,
        agency if moved else None,
        grant,
        revoke,
        before,
        after,
        access,
        row.reason if access is False else "",
    )
    return RowPlan(row.row, Outcome.UPDATED, f"{row.display_name}: {'; '.join(parts)}", change)


def _access_refused(
    plan: RowPlan, row: ImportRow, current: DirectoryMember, configured_admins: Collection[str]
) -> RowPlan | None:
    """The End access rules on an import row that ends someone's access: an admin's ends only
    after their admin role goes, and one the ADMIN_AAD_IDS setting makes an admin not here."""
    change = plan.change
    if change is None or change.access is not False:
        return None
    name = current.display_name
    if current.aad_object_id in configured_admins:
        problem = (
            f"{name} is an admin by the server's settings (ADMIN_AAD_IDS), so their access "
            "can't be ended here; take them out of that setting first."
        )
    elif Role.ADMIN in (current.roles | change.grant) - change.revoke:
        problem = (
            f"{name} is an admin: take the admin role away first (leave it out of 'roles' "
            "with --replace-roles), then end their access."
        )
    else:
        return None
    return RowPlan(row.row, Outcome.REJECTED, problem)


def _update_parts(
    current: DirectoryMember,
    new_agency: AgencyView | None,
    renamed: bool,
    new_email: bool,
    grant: frozenset[Role],
    revoke: frozenset[Role],
) -> list[str]:
    parts = [f"renamed from '{current.display_name}'"] if renamed else []
    if new_agency is not None:
        parts.append(f"agency {new_agency.name}")
    if new_email:
        parts.append("email")
    if grant or revoke:
        parts.append(f"roles {role_changes(grant, revoke)}")
    return parts


def _member_snapshot(member: DirectoryMember, roles: frozenset[Role]) -> dict[str, Any]:
    return {
        "display_name": member.display_name,
        "email": member.email,
        "agency": member.agency_name,
        "roles": [role.value for role in ordered_roles(roles)],
    }


def _admin_delta(change: MemberChange) -> int:
    return (Role.ADMIN in change.grant) - (Role.ADMIN in change.revoke)


def import_actor(tenant_id: str) -> Actor:
    """The command line has no Teams identity: audit events record no actor."""
    return Actor(tenant_id, None, "", "lineofsight members import")


def import_members(
    uow: UnitOfWork,
    tenant_id: str,
    parsed: ParsedImport,
    *,
    replace_roles: bool = False,
    dry_run: bool = False,
    configured_admins: Collection[str] = (),
) -> ImportReport:
    """Plan every row against the partnership, then (unless a dry run) write the changes."""
    actor = import_actor(tenant_id)
    partnership = (
        uow.partnerships.by_tenant(tenant_id) if dry_run else ensure_partnership(uow, actor)
    )
    agencies: list[AgencyView] = []
    existing: dict[str, DirectoryMember] = {}
    admins = 0
    if partnership is not None:
        aad_ids = frozenset(row.aad_object_id for row in parsed.rows)
        agencies = uow.directory.agencies(partnership.id)
        existing = uow.directory.members_by_aad(partnership.id, aad_ids)
        admins = uow.directory.count_with_role(partnership.id, Role.ADMIN)
    plans = plan_import(
        parsed,
        agencies,
        existing,
        admins,
        replace_roles=replace_roles,
        configured_admins=configured_admins,
    )
    if partnership is not None and not dry_run:
        changes = [plan.change for plan in plans if plan.change is not None]
        # Everything the changes will hold, once, in the one order, before the first change:
        # held member by member, a lead's returns were locked out of id order across them.
        uow.directory.hold_changes(*import_holds(changes, existing))
        for change in changes:
            _apply(uow, actor, partnership.id, change)
    return ImportReport(tuple(plans), dry_run, parsed.ignored_columns)


def import_holds(
    changes: Iterable[MemberChange], existing: Mapping[str, DirectoryMember]
) -> tuple[set[int], set[int], set[int], set[int]]:
    """What applying `changes` holds (`DirectoryRepository.hold_changes`): every existing
    member changed; those whose change is a change of leads (a lead moving, agency_lead
    granted or revoked), whose agencies and covers it touches; the agencies a lead joins (a
    move, or a new member made a lead); and every agency a row names, whose row its
    member's agency takes (the agency card holds that row first: domain/holds.py)."""
    members: set[int] = set()
    leads: set[int] = set()
    joining: set[int] = set()
    moving_in: set[int] = set()
    for change in changes:
        if change.agency is not None:
            moving_in.add(change.agency.id)
        current = existing.get(change.aad_object_id)
        lead_now = current is not None and Role.AGENCY_LEAD in current.roles
        # A lead's access ending or coming back changes their agencies' leads, as a move does.
        lead_change = Role.AGENCY_LEAD in change.grant | change.revoke or (
            lead_now and (change.agency is not None or change.access is not None)
        )
        if current is not None:
            members.add(current.id)
            if lead_change:
                leads.add(current.id)
        if lead_change and change.agency is not None:
            joining.add(change.agency.id)
    return members, leads, joining, moving_in


def _apply(uow: UnitOfWork, actor: Actor, partnership_id: int, change: MemberChange) -> None:
    member = uow.directory.upsert_member(
        partnership_id, change.aad_object_id, change.display_name, change.email
    )
    if change.agency is not None:
        uow.directory.set_agency(partnership_id, member.id, change.agency.id)
    for role in ordered_roles(change.grant):
        uow.directory.grant(member.id, role)
    for role in ordered_roles(change.revoke):
        uow.directory.revoke(member.id, role)
    if change.before != change.after:  # not a row whose one change is the access
        audit.record(
            uow,
            partnership_id,
            actor,
            "member.imported",
            ("member", member.id),
            before=change.before,
            after=change.after,
        )
    if change.access is not None:
        # After the roles: an admin's access ends only once that role is gone (planned so).
        why = {"reason": change.reason} if change.access is False else {}
        _set_access(uow, actor, partnership_id, member.id, change.access, why)
