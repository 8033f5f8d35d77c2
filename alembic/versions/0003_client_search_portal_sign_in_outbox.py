"""Client search key, portal sign-in (sessions, lockout, failed attempts), and the notification outbox.

Existing clients get their search key computed here, so an upgraded database finds them at once.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import therapy_portal.models.types
from therapy_portal.services.names import fold

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clientsession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('handoff_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('handoff_expires_at', therapy_portal.models.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', therapy_portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', therapy_portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('expires_at', therapy_portal.models.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', therapy_portal.models.types.UTCDateTime(), nullable=True),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('handoff_hash')
    )
    with op.batch_alter_table('clientsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clientsession_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_clientsession_token_hash'), ['token_hash'], unique=True)

    op.create_table('loginfailure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', therapy_portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('ip', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('loginfailure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loginfailure_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_loginfailure_ip'), ['ip'], unique=False)

    op.create_table('outboxmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('secret_enc', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', therapy_portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('transport', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('claimed_at', therapy_portal.models.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', therapy_portal.models.types.UTCDateTime(), nullable=False),
    sa.Column('sent_at', therapy_portal.models.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['client.id'], ),
    sa.ForeignKeyConstraint(['practice_id'], ['practice.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_client_id'), ['client_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outboxmessage_practice_id'), ['practice_id'], unique=False)

    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sqlmodel.sql.sqltypes.AutoString(length=201), server_default='', nullable=False))
        batch_op.add_column(sa.Column('failed_pin_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', therapy_portal.models.types.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_client_name_key'), ['name_key'], unique=False)

    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, first_name, last_name FROM client")).all()
    for client_id, first, last in rows:
        conn.execute(
            sa.text("UPDATE client SET name_key = :key WHERE id = :id"), {"key": fold(f"{first} {last}"), "id": client_id}
        )



def downgrade() -> None:
    with op.batch_alter_table('client', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_client_name_key'))
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_pin_attempts')
        batch_op.drop_column('name_key')

    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outboxmessage_practice_id'))
        batch_op.drop_index(batch_op.f('ix_outboxmessage_client_id'))
        batch_op.drop_index('ix_outbox_due')

    op.drop_table('outboxmessage')
    with op.batch_alter_table('loginfailure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loginfailure_ip'))
        batch_op.drop_index(batch_op.f('ix_loginfailure_at'))

    op.drop_table('loginfailure')
    with op.batch_alter_table('clientsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clientsession_token_hash'))
        batch_op.drop_index(batch_op.f('ix_clientsession_client_id'))

    op.drop_table('clientsession')
