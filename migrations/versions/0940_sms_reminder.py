"""参数 sms.reminder: the SMS version of a unit's new 待办 (app.services.reminders.text_units),
a template of the console like the other SMS texts; seeded with the text the code had.

Revision ID: 0940_sms_reminder
Revises: 0930_queue_badges
Create Date: 2026-12-07 05:45:00

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op


revision = '0940_sms_reminder'
down_revision = '0930_queue_badges'
branch_labels = None
depends_on = None

TEXT = "【保安监管】您单位有{n}条新待办，请登录系统查看。"


def upgrade():
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    op.get_bind().execute(sa.text(
        "INSERT INTO sys_setting (key, value, updated_at) SELECT 'sms.reminder', :value, :now "
        "WHERE NOT EXISTS (SELECT 1 FROM sys_setting WHERE key = 'sms.reminder')"),
        {"value": TEXT, "now": now})
    op.execute("UPDATE sys_settings_version SET version = version + 1")


def downgrade():
    op.execute("DELETE FROM sys_setting WHERE key = 'sms.reminder'")
    op.execute("UPDATE sys_settings_version SET version = version + 1")
