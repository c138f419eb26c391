"""background work: 我的任务 jobs (job), 待办 (todo, todo_read) and the SMS outbox's
attempts

Revision ID: 0880_background
Revises: 0870_public_register
Create Date: 2026-12-06 23:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0880_background'
down_revision = '0870_public_register'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=10), server_default='queued', nullable=False),
    sa.Column('done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('result_path', sa.String(length=500), nullable=True),
    sa.Column('result_name', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('task_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name='ck_job_state'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_job_user', 'job', ['user_id', 'created_at'], unique=False)
    op.create_index('ix_job_state', 'job', ['state', 'finished_at'], unique=False)
    _todo_upgrade()
    with op.batch_alter_table('sms_message') as batch:
        batch.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('last_error', sa.String(length=300), nullable=True))
        batch.add_column(sa.Column('sent_at', sa.DateTime(), nullable=True))
    op.create_index('ix_sms_message_status', 'sms_message', ['status', 'created_at'],
                    unique=False)


def downgrade():
    _todo_downgrade()
    op.drop_index('ix_sms_message_status', table_name='sms_message')
    with op.batch_alter_table('sms_message') as batch:
        batch.drop_column('sent_at')
        batch.drop_column('last_error')
        batch.drop_column('attempts')
    op.drop_index('ix_job_state', table_name='job')
    op.drop_index('ix_job_user', table_name='job')
    op.drop_table('job')


def _todo_upgrade():
    op.create_table('todo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("audience IN ('user', 'unit', 'police')", name='ck_todo_audience'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index('ix_todo_user', 'todo', ['user_id', 'id'], unique=False)
    op.create_index('ix_todo_unit', 'todo', ['audience', 'unit_id', 'id'], unique=False)
    op.create_index('ix_todo_region', 'todo', ['audience', 'region_code', 'id'], unique=False)
    op.create_table('todo_read',
    sa.Column('todo_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['todo_id'], ['todo.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('todo_id', 'user_id')
    )
    op.create_index('ix_todo_read_user', 'todo_read', ['user_id', 'todo_id'], unique=False)


def _todo_downgrade():
    op.drop_index('ix_todo_read_user', table_name='todo_read')
    op.drop_table('todo_read')
    op.drop_index('ix_todo_region', table_name='todo')
    op.drop_index('ix_todo_unit', table_name='todo')
    op.drop_index('ix_todo_user', table_name='todo')
    op.drop_table('todo')
