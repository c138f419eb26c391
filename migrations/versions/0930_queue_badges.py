"""身份核验待办: ix_identity_check_state_unit, so that the queue's tab badges (open cases by
state in a jurisdiction) are counted from the index alone (docs/speed.md)

Revision ID: 0930_queue_badges
Revises: 0920_dashboard_refresh
Create Date: 2026-12-07 03:20:00

"""
from alembic import op


revision = '0930_queue_badges'
down_revision = '0920_dashboard_refresh'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_identity_check_state_unit', 'identity_check', ['state', 'unit_id'])


def downgrade():
    op.drop_index('ix_identity_check_state_unit', table_name='identity_check')
