"""统计分析: dashboard snapshots (stat_snapshot, stat_count) and the first snapshot of the
data already there

Revision ID: 0890_dashboard
Revises: 0870_public_register
Create Date: 2026-12-06 23:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0890_dashboard'
down_revision = '0910_credit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stat_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('taken_at', sa.DateTime(), nullable=False),
    sa.Column('today', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('stat_count',
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=10), nullable=False),
    sa.Column('node', sa.String(length=20), nullable=False),
    sa.Column('family', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['snapshot_id'], ['stat_snapshot.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('snapshot_id', 'level', 'node', 'family', 'value')
    )
    # Backfill: the first snapshot of an existing database (a fresh one has no units yet;
    # its first dashboard takes one).
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM unit")).scalar():
        from sqlalchemy.orm import Session

        from app.services import dashboard
        session = Session(bind=bind)
        dashboard.refresh(session)
        session.flush()


def downgrade():
    op.drop_table('stat_count')
    op.drop_table('stat_snapshot')
