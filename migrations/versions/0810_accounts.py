"""accounts: server-side sessions, shared security state (lockouts, revoked tokens)

Revision ID: 0810
Revises: 0800
Create Date: 2026-12-01 20:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0810'
down_revision = '0800'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_user_session_user_open', 'user_session', ['user_id', 'ended_at'],
                    unique=False)
    op.create_table('security_state',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index(op.f('ix_security_state_expires_at'), 'security_state', ['expires_at'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_security_state_expires_at'), table_name='security_state')
    op.drop_table('security_state')
    op.drop_index('ix_user_session_user_open', table_name='user_session')
    op.drop_table('user_session')
