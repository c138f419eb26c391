"""registry_lookup: who looked which ID number up in the population registry, and when

Revision ID: 0830
Revises: 0810
Create Date: 2026-12-02 00:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0830'
down_revision = '0820'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registry_lookup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('found', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_registry_lookup_at', 'registry_lookup', ['at'], unique=False)
    op.create_index('ix_registry_lookup_user', 'registry_lookup', ['user_id', 'at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_registry_lookup_user', table_name='registry_lookup')
    op.drop_index('ix_registry_lookup_at', table_name='registry_lookup')
    op.drop_table('registry_lookup')
