"""`my actions` reads what waits for a chair's decision from `chaired_open`, on both databases:
blocked and escalated items, and live ones with a date asked for and not yet decided (nor closed
by a decision of the chair's); nothing of a cancelled review (every move on its items is refused,
domain/actions.py `settled_by_review`), and no other live item (filtered in the query, not
loaded with its progress and thrown away)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from storage import tables as t
from storage.database import Database
from storage.repositories import SqlUnitOfWork

AT = datetime(2027, 3, 1, 10, tzinfo=UTC)


def test_the_chair_reads_only_what_waits_for_their_decision(migrated: Database) -> None:
    def work(uow: SqlUnitOfWork) -> None:
        partnership = t.Partnership(tenant_id="tenant-a", name="Demo Partnership A")
        uow.session.add(partnership)
        uow.session.flush()
        assert partnership.id is not None
        chair = t.Member(partnership_id=partnership.id, aad_object_id="aad-c", display_name="C")
        uow.session.add(chair)
        uow.session.flush()
        assert chair.id is not None
        items: dict[str, int] = {}
        for sequence, stage in ((1, "actions_open"), (2, "cancelled")):
            review = t.Review(
                partnership_id=partnership.id,
                reference=f"LOS-2026-00{sequence}",
                year=2026,
                sequence=sequence,
                pseudonym="Child K",
                reason="Neglect concerns.",
                stage=stage,
                opened_on=date(2026, 1, 5),
                chair_member_id=chair.id,
            )
            uow.session.add(review)
            uow.session.flush()
            assert review.id is not None
            kinds: dict[str, tuple[str, tuple[str, ...]]] = {
                "blocked": ("blocked", ()),
                "escalated": ("escalated", ()),
                "plain": ("open", ()),
                "asked": ("in_progress", ("date_requested",)),
                "approved": ("in_progress", ("date_requested", "date_approved")),
                "asked_again": ("open", ("date_requested", "date_declined", "date_requested")),
                # Closed by a decision of the chair's (`action_controls.date_request_closed`).
                "closed": ("in_progress", ("date_requested", "date_closed")),
                "completed": ("completed", ("date_requested",)),
            }
            for number, (name, (status, entries)) in enumerate(kinds.items(), 1):
                item = t.ActionItem(
                    review_id=review.id,
                    number=number,
                    reference=f"{review.reference}/A{number}",
                    description="Share the plan.",
                    status=status,
                    due_on=date(2027, 3, 31),
                )
                uow.session.add(item)
                uow.session.flush()
                assert item.id is not None
                items[f"{stage}:{name}"] = item.id
                for entry in entries:  # all at one moment: the id orders them
                    uow.session.add(
                        t.ProgressEntry(
                            action_item_id=item.id,
                            at=AT,
                            kind=entry,
                            proposed_due_on=date(2027, 4, 30),
                        )
                    )
                    uow.session.flush()
        found = {d.id: d for d in uow.actions.chaired_open(chair.id)}
        expected = {"blocked", "escalated", "asked", "asked_again"}
        assert set(found) == {items[f"actions_open:{name}"] for name in expected}
        assert found[items["actions_open:asked"]].pending_date is not None
        assert found[items["actions_open:asked_again"]].pending_date is not None
        # The item's own reading honours the closing entry as the chair's list does.
        closed = uow.actions.get(items["actions_open:closed"])
        assert closed is not None
        assert (closed.pending_date, closed.pending_request_id) == (None, None)

    migrated.transaction(work)
