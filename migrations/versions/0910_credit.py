"""信用评价: credit_grade (a unit's score and grade per year with its terms) and the default
weights and bands as parameters (docs/credit.md)

Revision ID: 0910_credit
Revises: 0880_background
Create Date: 2026-12-06 23:10:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0910_credit'
down_revision = '0900_import'
branch_labels = None
depends_on = None

# The defaults app/services/settings.py declares (keep the two in step).
SETTINGS = {
    "credit.window_years": "3",
    "credit.band_a": "90", "credit.band_b": "75", "credit.band_c": "60",
    "credit.violation_severe": "30", "credit.violation_serious": "15",
    "credit.violation_minor": "10",
    "credit.violation_severe_words": "吊销,停业,停止,拘留",
    "credit.violation_serious_words": "罚款,没收",
    "credit.complaint": "5", "credit.incident": "3",
    "credit.inspection_failed": "10", "credit.inspection_partial": "3",
    "credit.review_failed": "20", "credit.review_partial": "5",
    "credit.licence_rate": "20", "credit.unlicensed_dispatch": "5",
    "credit.open_alert": "3", "credit.late_filing": "5",
    "credit.annual_report_due": "03-31", "credit.branch_filing_days": "15",
    "credit.commendation": "5", "credit.commendation_cap": "10",
}


def upgrade():
    op.create_table(
        'credit_grade',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('grade', sa.String(length=1), nullable=False),
        sa.Column('terms', sa.JSON(), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=True),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.Column('updated_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'),
                  nullable=False),
        sa.CheckConstraint("grade IN ('A', 'B', 'C', 'D')", name='ck_credit_grade_grade'),
        sa.CheckConstraint('score >= 0 AND score <= 100', name='ck_credit_grade_score'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit_id', 'year', name='uq_credit_grade_unit_year'))
    op.create_index('ix_credit_grade_year_score', 'credit_grade', ['year', 'score'],
                    unique=False)
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    setting = sa.table('sys_setting', sa.column('key'), sa.column('value'),
                       sa.column('updated_at'))
    op.bulk_insert(setting, [dict(key=k, value=v, updated_at=now) for k, v in SETTINGS.items()])
    op.execute("UPDATE sys_settings_version SET version = version + 1")


def downgrade():
    op.execute("DELETE FROM sys_setting WHERE key LIKE 'credit.%'")
    op.execute("UPDATE sys_settings_version SET version = version + 1")
    op.drop_index('ix_credit_grade_year_score', table_name='credit_grade')
    op.drop_table('credit_grade')
