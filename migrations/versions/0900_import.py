"""staff import log (导入记录): who imported which file into which unit, rows read / added /
refused; the uploaded file is kept for the confirmation and the report

Revision ID: 0900_import
Revises: 0880_background
Create Date: 2026-12-06 23:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0900_import'
down_revision = '0880_background'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=True),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('rows_ok', sa.Integer(), nullable=False),
    sa.Column('rows_added', sa.Integer(), nullable=False),
    sa.Column('rows_updated', sa.Integer(), nullable=False),
    sa.Column('rows_refused', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('preview', sa.Text(), nullable=True),
    sa.Column('message', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_staff_import_user', 'staff_import', ['user_id', 'created_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_staff_import_user', table_name='staff_import')
    op.drop_table('staff_import')
