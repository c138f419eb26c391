"""authority: who wrote each record (police / unit / system, and the user)

Revision ID: 0800
Revises: 0700
Create Date: 2026-12-01 20:50:00

Rows older than these columns keep NULL: their author is the natural one of their kind
(app/models/authority.py, docs/authority.md).
"""
from alembic import op
import sqlalchemy as sa


revision = '0800'
down_revision = '0700'
branch_labels = None
depends_on = None

TABLES = ("conduct_record", "certificate", "unit_document", "investor", "incident",
          "inspection", "unit_asset", "temporary_event", "annual_report", "unit_change",
          "exam_result", "social_relation", "equipment_issue", "police_assistance",
          "training_record", "work_experience")
AUTHOR_CHECK = "author_kind IN ('police', 'unit', 'system')"


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('author_kind', sa.String(length=10),
                                          sa.CheckConstraint(AUTHOR_CHECK, name=f'ck_{table}_author_kind'),
                                          nullable=True))
            batch_op.add_column(sa.Column('author_name', sa.String(length=64), nullable=True))
            batch_op.add_column(sa.Column('author_user_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(f'fk_{table}_author_user', 'ab_user',
                                        ['author_user_id'], ['id'], ondelete='SET NULL')


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f'fk_{table}_author_user', type_='foreignkey')
            batch_op.drop_column('author_user_id')
            batch_op.drop_column('author_name')
            batch_op.drop_constraint(f'ck_{table}_author_kind', type_='check')
            batch_op.drop_column('author_kind')
