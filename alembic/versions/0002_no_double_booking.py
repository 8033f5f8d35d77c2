"""No double booking, enforced by the database.

PostgreSQL: an exclusion constraint over counselor and time range for appointments that hold time,
and a check that an appointment ends after it starts and lasts at most 8 hours.
SQLite: triggers that refuse the same (the app also checks and writes inside BEGIN IMMEDIATE, so two
writers cannot both pass the check). The 8-hour limit is what lets overlap queries bound their search
from below (see services/booking.busy_times), so the database holds it too.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ACTIVE = "('requested', 'scheduled', 'confirmed', 'checked_in', 'completed', 'no_show')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE appointment ADD CONSTRAINT appointment_sane_length "
            "CHECK (end_at > start_at AND end_at - start_at <= interval '8 hours')"
        )
        op.execute(
            "ALTER TABLE appointment ADD CONSTRAINT appointment_no_overlap EXCLUDE USING gist "
            "(counselor_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
            f"WHERE (status IN {ACTIVE})"
        )
        return
    guard = (
        "SELECT RAISE(ABORT, 'appointment_length') "
        "WHERE NOT (NEW.end_at > NEW.start_at AND julianday(NEW.end_at) - julianday(NEW.start_at) <= 8.0 / 24 + 1e-9); "
        "SELECT RAISE(ABORT, 'appointment_overlap') WHERE NEW.status IN " + ACTIVE + " AND EXISTS ("
        "SELECT 1 FROM appointment a "
        f"WHERE a.counselor_id = NEW.counselor_id AND a.status IN {ACTIVE} "
        "AND a.start_at < NEW.end_at AND a.start_at > datetime(NEW.start_at, '-8 hours') "
        "AND a.end_at > NEW.start_at AND a.id IS NOT NEW.id);"
    )
    op.execute(f"CREATE TRIGGER appointment_guard_insert BEFORE INSERT ON appointment BEGIN {guard} END")
    op.execute(
        "CREATE TRIGGER appointment_guard_update BEFORE UPDATE OF start_at, end_at, status, counselor_id "
        f"ON appointment BEGIN {guard} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE appointment DROP CONSTRAINT appointment_no_overlap")
        op.execute("ALTER TABLE appointment DROP CONSTRAINT appointment_sane_length")
        return
    op.execute("DROP TRIGGER appointment_guard_insert")
    op.execute("DROP TRIGGER appointment_guard_update")
