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


def test_upgrading_from_the_previous_release_keeps_clients_and_fills_their_search_key(tmp_path):
    """A database at revision 0002 with clients in it: the upgrade adds the search key and loses nothing."""
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'old.db'}"
    migrations.upgrade(url, "0002")
    engine = dbmod.make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO practice (id, name, time_zone, address, phone, created_at) VALUES (1, 'P', 'America/Chicago', '', '', '2026-01-01 00:00:00.000000')"
                )
            )
            for i, (first, last) in enumerate(
                [("Thảo", "Nguyễn"), ("Siobhan", "O'Brien"), ("Zoë", "Smith-Jones")], start=1
            ):
                conn.execute(
                    text(
                        "INSERT INTO client (id, practice_id, first_name, last_name, last_name_key, date_of_birth, email, mobile_e164, "
                        "address, pin_hash, active, created_at, updated_at) VALUES (:id, 1, :f, :l, :k, '1990-01-01', '', '', '', '', 1, "
                        "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')"
                    ),
                    {"id": i, "f": first, "l": last, "k": last.lower()},
                )
        migrations.upgrade(url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT first_name, last_name, name_key FROM client ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            ("Thảo", "Nguyễn", "thao nguyen"),
            ("Siobhan", "O'Brien", "siobhan o'brien"),
            ("Zoë", "Smith-Jones", "zoe smith-jones"),
        ]
    finally:
        engine.dispose()
