"""系统管理 console: parameters and dictionaries as data (seeded with the values the code had),
the application item catalogue, the working-day calendar, the hash-chained login and
operation logs (export log and registry look-ups join the chain), 通知公告

Revision ID: 0860
Revises: 0840
Create Date: 2026-12-05 09:00:00

"""
import datetime as dt
import hashlib
import json

from alembic import op
import sqlalchemy as sa


revision = '0860'
down_revision = '0840'
branch_labels = None
depends_on = None

# The values the code had before they became data (app/services/settings.py declares them).
SETTINGS = {
    "password.min_length": "8", "password.min_classes": "3",
    "lockout.max_failures": "5", "lockout.window_minutes": "15",
    "lockout.duration_minutes": "15",
    "upload.max_file_kb": "10240", "upload.draft_max_age_minutes": "120",
    "upload.drafts_max_mb": "1024",
    "chrome.installer_path": "", "chrome.installer_url": "", "chrome.contact": "",
    "sms.return": "【保安监管】您的申请{number}需要补正：{note} 请凭申请编号和本手机号查询。",
    "sms.approved": "【保安监管】您的申请{number}（{item}）已批准。{extra}",
    "sms.rejected": "【保安监管】您的申请{number}（{item}）未予批准：{reason}",
    "sms.account": "【保安监管】{unit}已登记。用户名：{username}，一次性密码：{password}，"
                   "首次登录须修改密码。",
    "logs.retention_days": "180",
}
DICT_ITEMS = [
    ("target_tier", "1", "一级", "red"), ("target_tier", "2", "二级", "yellow"),
    ("target_tier", "3", "三级", "green"),
    ("watch_list", "criminal_record", "违法犯罪人员库", "local"),
    ("watch_list", "drug_control", "涉毒人员库", "local"),
    ("watch_list", "wanted_persons", "在逃人员库", "local"),
    ("watch_list", "revoked_certificates", "吊销保安员证库", "local"),
    ("watch_list", "public_order", "治安处罚库", "local"),
]
_COMPANY_DOCS = ("application_form 申请书\ncapital_proof 注册资本证明\n"
                 "legal_rep_id 法定代表人身份证明及无犯罪记录证明\n"
                 "managers 主要管理人员履历及无犯罪记录证明\npremises 经营场所证明\n"
                 "charter 公司章程")
_TRAINING_DOCS = ("application_form 申请书\ncapital_proof 注册资本证明\n"
                  "instructors 教员资格证明\npremises 培训场所证明")
ITEMS = [
    ("company", "普通保安服务公司设立许可", "province", 30, _COMPANY_DOCS),
    ("company_foreign", "外资保安服务公司设立许可", "province", 30,
     _COMPANY_DOCS + "\ncommerce_approval 商务主管部门批准文件"),
    ("training", "设立保安培训单位审批（一般程序）", "province", 30, _TRAINING_DOCS),
    ("training_promise", "设立保安培训单位审批（告知承诺）", "province", 5,
     "application_form 申请书\ncommitment 签署的告知承诺书"),
    ("guard_certificate", "保安员证核发", "city", 15,
     "photo 照片\nexam_result 考试成绩单\nhealth 健康状况声明"),
    ("self_hire", "自行招用保安员的单位从事保安服务备案和撤销备案", "city", 15,
     "filing_form 备案表\nlicence 营业执照"),
    ("client", "客户单位备案", "city", 15, "filing_form 备案表\ncontract 保安服务合同"),
    ("branch", "保安服务公司设立分公司备案", "city", 15,
     "filing_form 备案表\nbranch_licence 分公司营业执照"),
    ("cross_province", "保安服务公司跨省、自治区、直辖市提供保安服务备案", "city", 15,
     "filing_form 备案表\ncontract 保安服务合同"),
    ("commendation", "对有突出贡献的保安从业单位和保安员的表彰奖励", "city", 20,
     "recommendation 推荐函"),
    ("legal_rep_change", "保安服务公司的法定代表人变更审核", "province", 15,
     "change_form 变更申请表\nlegal_rep_id 法定代表人身份证明及无犯罪记录证明\n"
     "resolution 股东会决议"),
]
# 国务院办公厅关于2026年部分节假日安排的通知.
HOLIDAYS_2026 = {
    "2026-01-01": "元旦", "2026-01-02": "元旦", "2026-02-16": "春节", "2026-02-17": "春节",
    "2026-02-18": "春节", "2026-02-19": "春节", "2026-02-20": "春节", "2026-02-23": "春节",
    "2026-04-06": "清明节", "2026-05-01": "劳动节", "2026-05-04": "劳动节",
    "2026-05-05": "劳动节", "2026-06-19": "端午节", "2026-09-25": "中秋节",
    "2026-10-01": "国庆节", "2026-10-02": "国庆节", "2026-10-05": "国庆节",
    "2026-10-06": "国庆节", "2026-10-07": "国庆节",
}
WORKDAYS_2026 = {
    "2026-01-04": "元旦调休", "2026-02-14": "春节调休", "2026-02-28": "春节调休",
    "2026-05-09": "劳动节调休", "2026-09-20": "国庆节调休", "2026-10-10": "国庆节调休",
}
# Chains and the columns each row's hash covers (a frozen copy of the models'
# __chain_fields__ and of app.services.oplog.digest, so that this migration never changes).
CHAINS = {
    "login_log": None, "operation_log": None,
    "export_log": ("at", "user_id", "username", "resource", "filters", "rows"),
    "registry_lookup": ("at", "user_id", "username", "id_number", "found"),
}


def _canonical(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, int):
        return value
    return str(value)


def _digest(prev_hash, fields, row):
    payload = json.dumps([prev_hash or "", [_canonical(row[f]) for f in fields]],
                         ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _chained(batch):
    batch.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
    batch.add_column(sa.Column('hash', sa.String(length=64), nullable=True))


def upgrade():
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    setting = op.create_table(
        'sys_setting',
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('key'))
    version = op.create_table(
        'sys_settings_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    dict_item = op.create_table(
        'sys_dict_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dict_type', sa.String(length=30), nullable=False),
        sa.Column('code', sa.String(length=50), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.CheckConstraint("dict_type IN ('target_tier', 'watch_list')",
                           name='ck_sys_dict_item_type'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dict_type', 'code', name='uq_sys_dict_item'))
    item = op.create_table(
        'application_item',
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('decider', sa.String(length=10), nullable=False),
        sa.Column('time_limit', sa.Integer(), nullable=False),
        sa.Column('documents', sa.Text(), nullable=False),
        sa.Column('sort_order', sa.Integer(), nullable=False),
        sa.CheckConstraint("decider IN ('city', 'province')",
                           name='ck_application_item_decider'),
        sa.CheckConstraint('time_limit > 0', name='ck_application_item_limit'),
        sa.PrimaryKeyConstraint('code'))
    calendar = op.create_table(
        'calendar_day',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('note', sa.String(length=100), nullable=True),
        sa.CheckConstraint("kind IN ('holiday', 'workday')", name='ck_calendar_day_kind'),
        sa.PrimaryKeyConstraint('day'))
    chain = op.create_table(
        'log_chain',
        sa.Column('name', sa.String(length=30), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('last_hash', sa.String(length=64), nullable=False),
        sa.Column('base_hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('name'))
    op.create_table(
        'login_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('event', sa.String(length=10), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('username', sa.String(length=150), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('success', sa.Boolean(), nullable=False),
        sa.Column('reason', sa.String(length=30), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('user_agent', sa.String(length=300), nullable=True),
        sa.Column('prev_hash', sa.String(length=64), nullable=True),
        sa.Column('hash', sa.String(length=64), nullable=True),
        sa.CheckConstraint("event IN ('login', 'logout')", name='ck_login_log_event'),
        sa.CheckConstraint("channel IN ('form', 'api')", name='ck_login_log_channel'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_login_log_at', 'login_log', ['at'])
    op.create_index('ix_login_log_user', 'login_log', ['username', 'at'])
    op.create_table(
        'operation_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=150), nullable=True),
        sa.Column('role', sa.String(length=30), nullable=True),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('path', sa.String(length=300), nullable=False),
        sa.Column('endpoint', sa.String(length=150), nullable=True),
        sa.Column('resource', sa.String(length=100), nullable=True),
        sa.Column('record', sa.String(length=100), nullable=True),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('result', sa.String(length=10), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=True),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('duration_ms', sa.Integer(), nullable=False),
        sa.Column('ip', sa.String(length=45), nullable=True),
        sa.Column('prev_hash', sa.String(length=64), nullable=True),
        sa.Column('hash', sa.String(length=64), nullable=True),
        sa.CheckConstraint("result IN ('ok', 'refused', 'error')",
                           name='ck_operation_log_result'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_operation_log_at', 'operation_log', ['at'])
    op.create_index('ix_operation_log_user', 'operation_log', ['username', 'at'])
    op.create_table(
        'announcement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('target_region', sa.String(length=6), nullable=False),
        sa.Column('target_kind', sa.String(length=16), nullable=False),
        sa.Column('publisher_id', sa.Integer(), nullable=True),
        sa.Column('publisher_name', sa.String(length=150), nullable=False),
        sa.Column('published_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("target_kind IN ('all', 'company', 'branch', 'self_hire', "
                           "'client', 'training')", name='ck_announcement_target_kind'),
        sa.ForeignKeyConstraint(['publisher_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_announcement_target', 'announcement',
                    ['target_region', 'published_at'])
    op.create_table(
        'announcement_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('announcement_id', sa.Integer(), nullable=False),
        sa.Column('file_key', sa.String(length=100), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('file_size', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_announcement_attachment_announcement_id', 'announcement_attachment',
                    ['announcement_id'])
    op.create_table(
        'announcement_read',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('announcement_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=True),
        sa.Column('read_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['announcement_id'], ['announcement.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('announcement_id', 'user_id', name='uq_announcement_read'))
    op.create_index('ix_announcement_read_user', 'announcement_read', ['user_id'])

    with op.batch_alter_table('user_session') as batch:
        batch.add_column(sa.Column('channel', sa.String(length=10), nullable=False,
                                   server_default='form'))
    with op.batch_alter_table('export_log') as batch:
        _chained(batch)
    with op.batch_alter_table('registry_lookup') as batch:
        _chained(batch)

    op.bulk_insert(setting, [dict(key=k, value=v, updated_at=now) for k, v in SETTINGS.items()])
    op.bulk_insert(version, [dict(id=1, version=1)])
    op.bulk_insert(dict_item, [dict(dict_type=t, code=c, label=lbl, value=v, active=True,
                                    sort_order=i) for i, (t, c, lbl, v) in enumerate(DICT_ITEMS)])
    op.bulk_insert(item, [dict(code=c, title=t, decider=d, time_limit=n, documents=docs,
                               sort_order=i) for i, (c, t, d, n, docs) in enumerate(ITEMS)])
    op.bulk_insert(calendar, [dict(day=dt.date.fromisoformat(d), kind="holiday", note=n)
                              for d, n in HOLIDAYS_2026.items()]
                   + [dict(day=dt.date.fromisoformat(d), kind="workday", note=n)
                      for d, n in WORKDAYS_2026.items()])
    # The rows already logged start their chains.
    bind = op.get_bind()
    heads = []
    for name, fields in CHAINS.items():
        last = ""
        if fields:
            table = sa.table(name, sa.column("id", sa.Integer), sa.column("at", sa.DateTime),
                             sa.column("user_id", sa.Integer), sa.column("username"),
                             *(sa.column(f) for f in fields if f not in (
                                 "at", "user_id", "username", "found", "rows")),
                             *([sa.column("found", sa.Boolean)] if "found" in fields else []),
                             *([sa.column("rows", sa.Integer)] if "rows" in fields else []),
                             sa.column("prev_hash"), sa.column("hash"))
            rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
            for row in rows:
                value = _digest(last, fields, row)
                bind.execute(table.update().where(table.c.id == row["id"])
                             .values(prev_hash=last, hash=value))
                last = value
        heads.append(dict(name=name, seq=0, last_hash=last, base_hash=""))
    op.bulk_insert(chain, heads)


def downgrade():
    with op.batch_alter_table('user_session') as batch:
        batch.drop_column('channel')
    with op.batch_alter_table('registry_lookup') as batch:
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
    with op.batch_alter_table('export_log') as batch:
        batch.drop_column('hash')
        batch.drop_column('prev_hash')
    op.drop_index('ix_announcement_read_user', table_name='announcement_read')
    op.drop_table('announcement_read')
    op.drop_index('ix_announcement_attachment_announcement_id',
                  table_name='announcement_attachment')
    op.drop_table('announcement_attachment')
    op.drop_index('ix_announcement_target', table_name='announcement')
    op.drop_table('announcement')
    op.drop_index('ix_operation_log_user', table_name='operation_log')
    op.drop_index('ix_operation_log_at', table_name='operation_log')
    op.drop_table('operation_log')
    op.drop_index('ix_login_log_user', table_name='login_log')
    op.drop_index('ix_login_log_at', table_name='login_log')
    op.drop_table('login_log')
    op.drop_table('log_chain')
    op.drop_table('calendar_day')
    op.drop_table('application_item')
    op.drop_table('sys_dict_item')
    op.drop_table('sys_settings_version')
    op.drop_table('sys_setting')
