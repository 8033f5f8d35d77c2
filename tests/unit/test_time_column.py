"""Instants go in and come out as UTC, on every backend, and naive datetimes are refused."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import StatementError

from tests import factories
from therapy_portal.models import Practice


def test_aware_times_round_trip_as_utc(db):
    chicago = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/Chicago"))  # the second 1:30, CST
    p = factories.practice(db)
    p.created_at = chicago
    db.add(p)
    db.commit()
    db.expire_all()
    got = db.get(Practice, p.id).created_at
    assert got.tzinfo is not None and got.utcoffset().total_seconds() == 0
    assert got == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


def test_naive_times_are_refused(db):
    p = factories.practice(db)
    p.created_at = datetime(2026, 1, 1, 12, 0)
    db.add(p)
    with pytest.raises(StatementError, match="naive"):
        db.commit()
    db.rollback()
