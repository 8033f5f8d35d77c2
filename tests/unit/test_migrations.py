"""The migrations build exactly the models' schema, and upgrading keeps what is stored."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, func, select

import therapy_portal.models  # noqa: F401
from therapy_portal import db as dbmod
from therapy_portal import migrations
from therapy_portal.models import Appointment, Client
from therapy_portal.services import demo


def _differences(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, SQLModel.metadata)


def test_empty_database_upgraded_to_head_matches_the_models(database_url):
    engine = dbmod.make_engine(database_url)
    try:
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_upgrading_again_keeps_every_row(db, db_url):
    demo.seed(db)
    db.commit()
    before = (
        db.exec(select(func.count()).select_from(Client)).one(),
        db.exec(select(func.count()).select_from(Appointment)).one(),
    )
    migrations.upgrade(db_url)
    db.expire_all()
    after = (
        db.exec(select(func.count()).select_from(Client)).one(),
        db.exec(select(func.count()).select_from(Appointment)).one(),
    )
    assert before == after and before[0] == 40
