"""Migration 0011 on both databases: a guide published before approval existed becomes its
version 1, kept, and its working copy is marked published."""

from __future__ import annotations

from alembic import command
from sqlmodel import Session, create_engine, select

from storage import tables as t
from storage.migrate import alembic_config, upgrade
from tests.support.partnership import TENANT, _seed


def test_a_guide_published_before_approval_becomes_version_1(database_url: str) -> None:
    upgrade(database_url)
    engine = create_engine(database_url)
    with Session(engine) as session:
        _seed(session, TENANT)
        session.commit()
    command.downgrade(alembic_config(database_url), "0010")
    upgrade(database_url)
    with Session(engine) as session:
        guides = list(session.exec(select(t.SevenMinuteGuide)))
        versions = list(session.exec(select(t.GuideVersion)))
    engine.dispose()
    published = [g for g in guides if g.published]
    assert published
    assert all(g.state == "published" for g in published)
    assert all(g.state == "draft" for g in guides if not g.published)
    assert sorted((v.guide_id, v.version) for v in versions) == sorted((g.id, 1) for g in published)
    assert all(v.approved_by is None and "chair" in v.approver for v in versions)
