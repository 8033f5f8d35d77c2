"""No double booking, enforced by the database.

PostgreSQL: an exclusion constraint over counselor and time range for appointments that hold time.
SQLite: triggers that refuse an overlapping insert or update (the app also checks and writes inside
BEGIN IMMEDIATE, so two writers cannot both pass the check).

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
            "ALTER TABLE appointment ADD CONSTRAINT appointment_no_overlap EXCLUDE USING gist "
            "(counselor_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
            f"WHERE (status IN {ACTIVE})"
        )
        return
    overlap = (
        "SELECT RAISE(ABORT, 'appointment_overlap') WHERE EXISTS (SELECT 1 FROM appointment a "
        f"WHERE a.counselor_id = NEW.counselor_id AND a.status IN {ACTIVE} "
        "AND a.start_at < NEW.end_at AND a.end_at > NEW.start_at AND a.id IS NOT NEW.id);"
    )
    op.execute(
        f"CREATE TRIGGER appointment_no_overlap_insert BEFORE INSERT ON appointment "
        f"WHEN NEW.status IN {ACTIVE} BEGIN {overlap} END"
    )
    op.execute(
        f"CREATE TRIGGER appointment_no_overlap_update BEFORE UPDATE OF start_at, end_at, status, counselor_id "
        f"ON appointment WHEN NEW.status IN {ACTIVE} BEGIN {overlap} END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE appointment DROP CONSTRAINT appointment_no_overlap")
        return
    op.execute("DROP TRIGGER appointment_no_overlap_insert")
    op.execute("DROP TRIGGER appointment_no_overlap_update")
