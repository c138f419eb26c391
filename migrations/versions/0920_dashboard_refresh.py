"""统计分析: stat_refresh, the lock row that lets only one dashboard snapshot be taken at a
time (docs/dashboard.md)

Revision ID: 0920_dashboard_refresh
Revises: 0890_dashboard
Create Date: 2026-12-07 02:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0920_dashboard_refresh'
down_revision = '0890_dashboard'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('stat_refresh',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.bulk_insert(table, [{'name': 'dashboard', 'claimed_at': None}])


def downgrade():
    op.drop_table('stat_refresh')
