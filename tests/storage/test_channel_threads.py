"""Channels are stored without the thread they were registered in, on both databases: a row
registered before the fix is mended by migration 0008, and the domain strips new ones."""

from __future__ import annotations

from alembic import command
from sqlmodel import Session, create_engine, select

from domain.model import channel_conversation
from storage import tables as t
from storage.migrate import alembic_config, upgrade

CHANNEL = "19:abc123@thread.tacv2"


def test_the_migration_strips_the_thread_from_registered_channels(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    with Session(engine) as session:
        partnership = t.Partnership(tenant_id="tenant-x", name="Demo Partnership")
        session.add(partnership)
        session.flush()
        assert partnership.id is not None
        for purpose, conversation in (
            ("lic", f"{CHANNEL};messageid=1700000000000"),
            ("partnership", "19:other@thread.tacv2"),
        ):
            session.add(
                t.TeamChannel(
                    partnership_id=partnership.id, purpose=purpose, conversation_id=conversation
                )
            )
        session.commit()
    command.downgrade(alembic_config(database_url), "0007")
    upgrade(database_url)
    with Session(engine) as session:
        stored = {c.purpose: c.conversation_id for c in session.exec(select(t.TeamChannel))}
    engine.dispose()
    assert stored == {"lic": CHANNEL, "partnership": "19:other@thread.tacv2"}


def test_a_channel_id_loses_only_its_thread() -> None:
    assert channel_conversation(f"{CHANNEL};messageid=1700000000000") == CHANNEL
    assert channel_conversation(CHANNEL) == CHANNEL
    assert channel_conversation("a:1") == "a:1"
