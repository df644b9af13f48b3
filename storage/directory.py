"""SQL implementation of the directory (domain/repositories.py `DirectoryRepository`).

Every read is scoped by partnership id. Lists are one joined query each, grouped here, so a
page of members costs the same whatever its size.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, update
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased
from sqlmodel import col, select

from domain.chasers import LEAD_WAIT_STATUSES, LEADS_CHANGED
from domain.directory import agency_key
from domain.model import Role
from domain.repositories import (
    OWNER_STATUSES,
    WRITER_STATUSES,
    AgencyView,
    DirectoryMember,
    Holding,
    HoldingKind,
    MemberPage,
)
from domain.reviews import OPEN_STAGES
from storage import atomic
from storage import tables as t
from storage.reviews import SqlReturns

_T = TypeVar("_T")

# Rows may hold a role a later version dropped; it is skipped rather than failing the page.
_ROLE_VALUES = frozenset(role.value for role in Role)


def active_with_role(session: Session, partnership_id: int, role: Role) -> list[int]:
    """The ids of the partnership's members with `role` whose access has not ended."""
    return [
        int(member_id)
        for member_id in session.scalars(
            select(t.Member.id)
            .join(t.MemberRole, col(t.MemberRole.member_id) == col(t.Member.id))
            .where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.active),
                col(t.MemberRole.role) == role.value,
            )
            .order_by(col(t.Member.id))
        )
    ]


class SqlDirectory:
    def __init__(self, session: Session) -> None:
        self._session = session
        # What this transaction holds already through hold_changes (one SqlDirectory a unit
        # of work): a later change of the same members holds nothing more.
        self._held_members: set[int] = set()
        self._held_agencies: set[int] = set()  # their open returns
        self._held_agency_rows: set[int] = set()

    def agencies(self, partnership_id: int) -> list[AgencyView]:
        return self._agencies(col(t.Agency.partnership_id) == partnership_id)

    def agency(self, partnership_id: int, agency_id: int) -> AgencyView | None:
        found = self._agencies(
            and_(col(t.Agency.partnership_id) == partnership_id, col(t.Agency.id) == agency_id)
        )
        return found[0] if found else None

    def add_agency(self, partnership_id: int, name: str, sector: str) -> AgencyView | None:
        key = agency_key(name)
        row = t.Agency(partnership_id=partnership_id, name=name, name_key=key, sector=sector)
        if not atomic.insert_new(self._session, row):
            return None  # a racing request added one of this name (in any case) first
        agency_id = self._session.scalar(
            select(t.Agency.id).where(
                col(t.Agency.partnership_id) == partnership_id, col(t.Agency.name_key) == key
            )
        )
        assert agency_id is not None
        return AgencyView(int(agency_id), name, sector)

    def update_agency(
        self, partnership_id: int, agency_id: int, name: str, sector: str
    ) -> AgencyView | None:
        row = self._agency_row(partnership_id, agency_id)
        self._session.flush()
        try:
            with self._session.begin_nested():  # a racing rename to this name: refused alone
                row.name, row.name_key, row.sector = name, agency_key(name), sector
                self._session.flush()
        except IntegrityError:
            self._session.expire(row)
            return None
        updated = self.agency(partnership_id, agency_id)
        assert updated is not None
        return updated

    def member_page(self, partnership_id: int, offset: int, limit: int) -> MemberPage:
        in_partnership = col(t.Member.partnership_id) == partnership_id
        total = self._session.scalar(
            select(func.count()).select_from(t.Member).where(in_partnership)
        )
        page = (
            select(t.Member.id)
            .where(in_partnership)
            .order_by(func.lower(t.Member.display_name), col(t.Member.id))
            .offset(max(offset, 0))
            .limit(max(limit, 0))
            .subquery()
        )
        members = self._members(col(t.Member.id).in_(select(page.c.id)))
        return MemberPage(tuple(members), int(total or 0), max(offset, 0))

    def member(self, partnership_id: int, member_id: int) -> DirectoryMember | None:
        found = self._members(
            and_(col(t.Member.partnership_id) == partnership_id, col(t.Member.id) == member_id)
        )
        return found[0] if found else None

    def members_by_aad(
        self, partnership_id: int, aad_object_ids: frozenset[str]
    ) -> dict[str, DirectoryMember]:
        found: dict[str, DirectoryMember] = {}
        # Chunked so a 5,000-row import stays inside every driver's parameter limit.
        for chunk in _chunks(sorted(aad_object_ids), 500):
            for member in self._members(
                and_(
                    col(t.Member.partnership_id) == partnership_id,
                    col(t.Member.aad_object_id).in_(chunk),
                )
            ):
                assert member.aad_object_id is not None
                found[member.aad_object_id] = member
        return found

    def upsert_member(
        self, partnership_id: int, aad_object_id: str, display_name: str, email: str | None
    ) -> DirectoryMember:
        row = self._session.scalars(
            select(t.Member).where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.aad_object_id) == aad_object_id,
            )
        ).first()
        if row is None:
            row = t.Member(
                partnership_id=partnership_id, aad_object_id=aad_object_id, display_name=""
            )
            self._session.add(row)
        row.display_name = display_name
        row.email = email or row.email
        self._session.flush()
        assert row.id is not None
        member = self.member(partnership_id, row.id)
        assert member is not None
        return member

    def add_member(
        self, partnership_id: int, aad_object_id: str, display_name: str
    ) -> DirectoryMember | None:
        row = t.Member(
            partnership_id=partnership_id, aad_object_id=aad_object_id, display_name=display_name
        )
        if not atomic.insert_new(self._session, row):
            return None
        return self.members_by_aad(partnership_id, frozenset({aad_object_id}))[aad_object_id]

    def rename_member(self, partnership_id: int, member_id: int, display_name: str) -> None:
        self._member_row(partnership_id, member_id).display_name = display_name
        self._session.flush()

    def set_agency(self, partnership_id: int, member_id: int, agency_id: int | None) -> None:
        row = self._member_row(partnership_id, member_id)
        lead = self._session.get(t.MemberRole, (member_id, Role.AGENCY_LEAD.value))
        leads = self._lead_sets(member_id, agency_id) if lead is not None else {}
        row.agency_id = agency_id
        self._session.flush()
        self._leads_changed(leads)

    def set_active(self, partnership_id: int, member_id: int, active: bool) -> bool:
        # A lead leaving or coming back changes their agencies' leads, as a revoke does.
        lead = self._session.get(t.MemberRole, (member_id, Role.AGENCY_LEAD.value))
        leads = self._lead_sets(member_id) if lead is not None else {}
        # One statement: of racing clicks, only the first finds the member as they were.
        changed = self._session.execute(
            update(t.Member)
            .where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.id) == member_id,
                col(t.Member.active) == (not active),
            )
            .values(active=active)
        )
        if atomic.rowcount(changed) != 1:
            return False
        self._session.expire_all()
        self._leads_changed(leads)
        return True

    def holdings(self, partnership_id: int, member_id: int) -> list[Holding]:
        """What this member still holds that someone must pick up, on reviews still open
        (neither closed nor cancelled): reviews they chair or deputy-chair, returns they write
        (not yet submitted), returns waiting on them as a safeguarding lead where their agency
        has no other lead who can sign off, open action items."""
        open_review = (
            col(t.Review.partnership_id) == partnership_id,
            col(t.Review.stage).in_([s.value for s in OPEN_STAGES]),
        )
        deputy = aliased(t.Member)
        chaired = self._session.execute(
            sa_select(
                col(t.Review.reference),
                col(t.Review.chair_member_id),
                col(deputy.display_name),
                col(t.Review.stage),
                col(t.Review.id),
            )
            .outerjoin(deputy, col(deputy.id) == t.Review.deputy_chair_member_id)
            .where(
                *open_review,
                or_(
                    col(t.Review.chair_member_id) == member_id,
                    col(t.Review.deputy_chair_member_id) == member_id,
                ),
            )
            .order_by(t.Review.reference)
        ).all()
        # A return held: its review, agency, status, review id and own id (its button opens it).
        held_returns = (
            sa_select(
                col(t.Review.reference),
                col(t.Agency.name),
                col(t.PreAnalysisReturn.status),
                col(t.Review.id),
                col(t.PreAnalysisReturn.id),
            )
            .select_from(t.PreAnalysisReturn)
            .join(t.Review, col(t.Review.id) == t.PreAnalysisReturn.review_id)
            .join(t.Agency, col(t.Agency.id) == t.PreAnalysisReturn.agency_id)
            .where(*open_review)
            .order_by(t.Review.reference, t.Agency.name)
        )
        writing = self._session.execute(
            held_returns.join(
                t.ReturnAssignee, col(t.ReturnAssignee.return_id) == t.PreAnalysisReturn.id
            ).where(
                col(t.ReturnAssignee.member_id) == member_id,
                col(t.PreAnalysisReturn.status).in_([x.value for x in WRITER_STATUSES]),
            )
        ).all()
        lead = self._session.get(t.MemberRole, (member_id, Role.AGENCY_LEAD.value))
        returns = SqlReturns(self._session)
        # An agency with another active lead has its sign-offs in hand: only those left with
        # nobody else to sign off are this member's to hand on.
        led = sorted(
            a
            for a in self._lead_agencies((member_id,))
            if not set(returns.agency_lead_ids(a)) - {member_id}
        )
        waiting = (
            self._session.execute(
                held_returns.where(
                    col(t.PreAnalysisReturn.agency_id).in_(led),
                    col(t.PreAnalysisReturn.status).in_([x.value for x in LEAD_WAIT_STATUSES]),
                )
            ).all()
            if lead is not None and led
            else []
        )
        items = self._session.execute(
            sa_select(
                col(t.ActionItem.reference),
                col(t.ActionItem.description),
                col(t.ActionItem.status),
                col(t.ActionItem.review_id),
                col(t.ActionItem.id),
            )
            .join(t.Review, col(t.Review.id) == t.ActionItem.review_id)
            .where(
                *open_review,
                col(t.ActionItem.owner_member_id) == member_id,
                col(t.ActionItem.status).in_([s.value for s in OWNER_STATUSES]),
            )
            .order_by(t.ActionItem.reference)
        ).all()
        return [
            *(
                Holding(
                    HoldingKind.CHAIRS if chair == member_id else HoldingKind.DEPUTY,
                    ref,
                    # Who has the chair's controls meanwhile: the deputy, if there is one.
                    (other or "") if chair == member_id else "",
                    stage,
                    review or 0,
                )
                for ref, chair, other, stage, review in chaired
            ),
            *(
                Holding(HoldingKind.WRITES, ref, agency, status, review or 0, item or 0)
                for ref, agency, status, review, item in writing
            ),
            *(
                Holding(HoldingKind.SIGNS_OFF, ref, agency, status, review or 0, item or 0)
                for ref, agency, status, review, item in waiting
            ),
            *(
                Holding(HoldingKind.OWNS, ref, text, status, review, item or 0)
                for ref, text, status, review, item in items
            ),
        ]

    def grant(self, member_id: int, role: Role) -> bool:
        leads = self._lead_sets(member_id) if role is Role.AGENCY_LEAD else {}
        granted = grant_role(self._session, member_id, role)
        if granted:
            self._leads_changed(leads)
        return granted

    def revoke(self, member_id: int, role: Role) -> bool:
        row = self._session.get(t.MemberRole, (member_id, role.value))
        if row is None:
            return False
        leads = self._lead_sets(member_id) if role is Role.AGENCY_LEAD else {}
        self._session.delete(row)
        self._session.flush()
        self._leads_changed(leads)
        return True

    def hold_changes(
        self,
        members: Collection[int],
        leads: Collection[int] = (),
        joining: Collection[int] = (),
        moving_in: Collection[int] = (),
    ) -> None:
        """domain/repositories.py `DirectoryRepository.hold_changes`. The agency rows first,
        as a member's foreign key holds them (FOR KEY SHARE): the agency card holds its agency
        (FOR UPDATE), then its lead's row, then the returns, and taking the agency after the
        members (as the foreign key would, at the write) closed a cycle with it. The member
        rows are held as an UPDATE holds them (FOR NO KEY UPDATE), so a row written elsewhere
        that only names the member (an answer's writer) doesn't wait for them; the member
        card's check takes this same order through here (bot/freshness.py: the agency chosen
        on the card, then its member), so agency rows come before member rows and member rows
        before returns everywhere. The returns, in the one statement, hold
        no review (domain/holds.py)."""
        self._session.flush()
        into = sorted((set(joining) | set(moving_in)) - self._held_agency_rows)
        self._hold_rows(t.Agency, into, read=True)
        self._held_agency_rows.update(into)
        to_hold = sorted((set(members) | set(leads)) - self._held_members)
        self._hold_rows(t.Member, to_hold, read=False)
        self._held_members.update(to_hold)
        agencies = (self._lead_agencies(leads) | set(joining)) - self._held_agencies
        SqlReturns(self._session).hold_open_to_leads(agencies)
        self._held_agencies |= agencies
        if to_hold:
            self._session.expire_all()  # as atomic.lock: ORM rows read before it are stale

    def _hold_rows(self, table: type[t.Agency | t.Member], ids: list[int], *, read: bool) -> None:
        """These rows, in id order: FOR KEY SHARE (`read`) or FOR NO KEY UPDATE."""
        for chunk in _chunks(ids, 500):
            self._session.execute(
                select(table.id)
                .where(col(table.id).in_(chunk))
                .order_by(col(table.id))
                .with_for_update(read=read, key_share=True)
            ).all()

    def _lead_agencies(self, member_ids: Collection[int]) -> set[int]:
        """The agencies these members' change of leads touches: each one's own and any they
        cover."""
        if not member_ids:
            return set()
        ids = sorted(set(member_ids))
        own = self._session.scalars(select(t.Member.agency_id).where(col(t.Member.id).in_(ids)))
        covered = self._session.scalars(
            select(t.AgencyLeadCover.agency_id).where(col(t.AgencyLeadCover.member_id).in_(ids))
        )
        return {int(a) for a in [*own, *covered] if a is not None}

    def _lead_sets(self, member_id: int, joining: int | None = None) -> dict[int, frozenset[int]]:
        """The leads, before a change, of every agency a lead's change could touch: the
        member's agency, any they cover, and `joining`, the one they are moving to. The
        member, then their returns still open to a lead, are held first (`hold_changes`,
        nothing more if a change of many members held them all already): a save or sign-off
        racing the change either went first, its writer a lead then, or waits and reads the
        leads as changed."""
        if self._session.get(t.Member, member_id) is None:
            return {}
        joined = () if joining is None else (joining,)
        self.hold_changes((member_id,), (member_id,), joined)
        returns = SqlReturns(self._session)
        touched = sorted(self._lead_agencies((member_id,)) | set(joined))
        return {a: frozenset(returns.agency_lead_ids(a)) for a in touched}

    def _leads_changed(self, before: Mapping[int, frozenset[int]]) -> None:
        """An agency whose set of leads changed (`before`, from `_lead_sets`, against now):
        its returns waiting for a lead start the lead's own chase count again
        (domain/chasers.py `LEADS_CHANGED`), so a new lead isn't told the chasers that went
        to the one before them as theirs. An agency whose leads are the same (a co-lead's
        move, a cover of an agency they already lead, another partnership's agency by a stray
        cover row) keeps its count: its leads were chased that often. Every way a lead comes
        or goes (the member and agency cards, the CSV import) passes through here."""
        returns = SqlReturns(self._session)
        changed = [
            a for a, leads in before.items() if frozenset(returns.agency_lead_ids(a)) != leads
        ]
        if not changed:
            return
        ids = sorted(
            int(i)
            for i in self._session.scalars(
                select(t.PreAnalysisReturn.id).where(
                    col(t.PreAnalysisReturn.agency_id).in_(changed),
                    col(t.PreAnalysisReturn.status).in_([s.value for s in LEAD_WAIT_STATUSES]),
                )
            )
        )
        # Held already, with every return of these agencies open to a lead, in id order (the
        # chasers' order, chase_engine.in_lock_order), by `_lead_sets` before the change.
        if ids:
            self._session.execute(
                update(t.PreAnalysisReturn)
                .where(
                    col(t.PreAnalysisReturn.id).in_(ids),
                    # Still waiting once held: a sign-off that got in first keeps its counts.
                    col(t.PreAnalysisReturn.status).in_([s.value for s in LEAD_WAIT_STATUSES]),
                )
                .values(**LEADS_CHANGED)
            )
            self._session.expire_all()

    def count_with_role(self, partnership_id: int, role: Role) -> int:
        query = (
            select(func.count())
            .select_from(t.MemberRole)
            .join(t.Member, col(t.Member.id) == t.MemberRole.member_id)
            .where(
                col(t.Member.partnership_id) == partnership_id,
                col(t.Member.active),
                col(t.MemberRole.role) == role.value,
            )
        )
        return int(self._session.scalar(query) or 0)

    def _agencies(self, where: ColumnElement[bool]) -> list[AgencyView]:
        leads = (
            select(t.Member.agency_id, t.Member.display_name)
            .join(t.MemberRole, col(t.MemberRole.member_id) == t.Member.id)
            .where(col(t.MemberRole.role) == Role.AGENCY_LEAD.value, col(t.Member.active))
            .subquery()
        )
        query = (
            select(t.Agency.id, t.Agency.name, t.Agency.sector, leads.c.display_name)
            .outerjoin(leads, leads.c.agency_id == t.Agency.id)
            .where(where)
            .order_by(func.lower(t.Agency.name), col(t.Agency.id), leads.c.display_name)
        )
        grouped: dict[int, tuple[str, str, list[str]]] = {}
        for agency_id, name, sector, lead in self._session.execute(query):
            _, _, lead_names = grouped.setdefault(agency_id, (name, sector, []))
            if lead is not None:
                lead_names.append(lead)
        return [
            AgencyView(agency_id, name, sector, tuple(lead_names))
            for agency_id, (name, sector, lead_names) in grouped.items()
        ]

    def _members(self, where: ColumnElement[bool]) -> list[DirectoryMember]:
        query = (
            select(t.Member, t.Agency.name, t.MemberRole.role)
            .outerjoin(t.Agency, col(t.Agency.id) == t.Member.agency_id)
            .outerjoin(t.MemberRole, col(t.MemberRole.member_id) == t.Member.id)
            .where(where)
            .order_by(func.lower(t.Member.display_name), col(t.Member.id))
        )
        rows: dict[int | None, tuple[t.Member, str | None, set[Role]]] = {}
        for member, agency_name, role in self._session.execute(query):
            _, _, roles = rows.setdefault(member.id, (member, agency_name, set()))
            if role in _ROLE_VALUES:
                roles.add(Role(role))
        return [_member_view(*row) for row in rows.values()]

    def _agency_row(self, partnership_id: int, agency_id: int) -> t.Agency:
        return self._session.scalars(
            select(t.Agency).where(
                col(t.Agency.partnership_id) == partnership_id, col(t.Agency.id) == agency_id
            )
        ).one()

    def _member_row(self, partnership_id: int, member_id: int) -> t.Member:
        return self._session.scalars(
            select(t.Member).where(
                col(t.Member.partnership_id) == partnership_id, col(t.Member.id) == member_id
            )
        ).one()


def grant_role(session: Session, member_id: int, role: Role) -> bool:
    """Grant a role; False if the member held it already (or a racing request just granted it)."""
    return atomic.insert_new(session, t.MemberRole(member_id=member_id, role=role.value))


def _member_view(row: t.Member, agency_name: str | None, roles: set[Role]) -> DirectoryMember:
    assert row.id is not None
    return DirectoryMember(
        id=row.id,
        aad_object_id=row.aad_object_id,
        display_name=row.display_name,
        email=row.email,
        agency_id=row.agency_id,
        agency_name=agency_name,
        roles=frozenset(roles),
        seen=row.teams_user_id is not None,
        active=row.active,
    )


def _chunks(items: Sequence[_T], size: int) -> Iterable[list[_T]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
