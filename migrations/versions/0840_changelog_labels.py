"""change log: what a row names, written with it (the record's name, the names of related
records a value points to, the actor's real name and role), so pages read it without a
lookup per row

Revision ID: 0840
Revises: 0830
Create Date: 2026-12-02 00:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0840'
down_revision = '0830'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('change_log') as batch:
        batch.add_column(sa.Column('actor_name', sa.String(length=150), nullable=True))
        batch.add_column(sa.Column('record_name', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('old_label', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('new_label', sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table('change_log') as batch:
        batch.drop_column('new_label')
        batch.drop_column('old_label')
        batch.drop_column('record_name')
        batch.drop_column('actor_name')
