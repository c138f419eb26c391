"""public register: the query log of /verify/ (public_query), and the revocation or
cancellation of a certificate (status 'cancelled', its date and reason)

Revision ID: 0870_public_register
Revises: 0840
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0870_public_register'
down_revision = '0860'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('valid', 'expired', 'revoked')"
NEW_STATUSES = "status IN ('valid', 'expired', 'revoked', 'cancelled')"


def upgrade():
    op.create_table('public_query',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('asked', sa.String(length=200), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_public_query_at', 'public_query', ['at'], unique=False)
    op.create_index('ix_public_query_address', 'public_query', ['address', 'at'], unique=False)
    with op.batch_alter_table('certificate') as batch:
        batch.add_column(sa.Column('status_changed_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('status_reason', sa.String(length=200), nullable=True))
        batch.drop_constraint('ck_certificate_status', type_='check')
        batch.create_check_constraint('ck_certificate_status', NEW_STATUSES)


def downgrade():
    with op.batch_alter_table('certificate') as batch:
        batch.drop_constraint('ck_certificate_status', type_='check')
        batch.create_check_constraint('ck_certificate_status', OLD_STATUSES)
        batch.drop_column('status_reason')
        batch.drop_column('status_changed_on')
    op.drop_index('ix_public_query_address', table_name='public_query')
    op.drop_index('ix_public_query_at', table_name='public_query')
    op.drop_table('public_query')
