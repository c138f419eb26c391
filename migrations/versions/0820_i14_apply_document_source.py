"""办事材料 filed by an approval: the application they came from

Revision ID: 0820
Revises: 0810
Create Date: 2026-12-02 00:40:00

An approval that concerns or creates a unit attaches the application's documents to the
unit's 办事材料 (author_kind 'system'); unit_document.application_id names the application.
"""
from alembic import op
import sqlalchemy as sa


revision = '0820'
down_revision = '0810'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('unit_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('application_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_unit_document_application', 'application',
                                    ['application_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('unit_document', schema=None) as batch_op:
        batch_op.drop_constraint('fk_unit_document_application', type_='foreignkey')
        batch_op.drop_column('application_id')
