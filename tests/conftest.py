"""Database fixtures: every database test runs on SQLite, and on PostgreSQL too when PORTAL_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from therapy_portal import db as dbmod
from therapy_portal import migrations
from therapy_portal.settings import get_settings

POSTGRES_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def _with_search_path(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{dbmod.normalize_url(url)}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A migrated, empty database for the whole run; PostgreSQL gets a schema of its own."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
        migrations.upgrade(url)
        yield url
        return
    schema = f"tp_test_{uuid.uuid4().hex[:8]}"
    admin = dbmod.make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _with_search_path(POSTGRES_URL, schema)
    try:
        migrations.upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_all_tables(url: str) -> None:
    import therapy_portal.models  # noqa: F401

    engine = dbmod.get_engine()
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture
def db_url(database_url, monkeypatch):
    """Point the app's settings and engine at the test database, emptied for this test."""
    monkeypatch.setenv("REFLEX_DB_URL", database_url)
    get_settings.cache_clear()
    dbmod.reset_engine()
    _empty_all_tables(database_url)
    yield database_url
    dbmod.reset_engine()
    get_settings.cache_clear()


@pytest.fixture
def db(db_url):
    with Session(dbmod.get_engine(), expire_on_commit=False) as session:
        yield session
