"""通知公告: the province or a city (or district) police publishes a notice to the units in
its jurisdiction — all of them, or one kind, in the whole jurisdiction or one city or district
of it — with attachments kept by the storage service; units read it (their home page lists
what they have not read yet); the publisher sees who read it and when. Whom a user may
address and read is the one scope mechanism's ("audience", app.security.scope)."""
from flask_babel import gettext as _
from sqlalchemy import exists, select

from app.models import Announcement, AnnouncementAttachment, AnnouncementRead
from app.models.notice import AUDIENCE_KINDS
from app.security.scope import Scope, in_scope, scope_clause

from . import regions, storage
from .errors import RuleViolation, RuleViolations

PROVINCE_REGION = "33"


def region_choices(scope: Scope) -> list[tuple[str, str]]:
    """The regions a publisher may address: the own jurisdiction and each city or district
    in it (the province: itself and the 11 cities)."""
    if scope.write_all:
        top = PROVINCE_REGION
    elif scope.region_prefix:
        top = scope.region_prefix
    else:
        return []
    choices = [(top, region_name(top))]
    if len(top) == 2:      # the province: its cities (33xx00)
        children = sorted(info.code[:4] for info in regions.all_regions()
                          if not info.abolished and info.code.startswith(top)
                          and info.code.endswith("00") and info.code[2:4] != "00")
    elif len(top) == 4:    # a city: its districts and counties
        children = sorted(info.code for info in regions.all_regions()
                          if not info.abolished and info.code.startswith(top)
                          and not info.code.endswith("00"))
    else:
        children = []
    return choices + [(code, region_name(code)) for code in children]


def region_name(code: str) -> str:
    if code == PROVINCE_REGION:
        return _("Whole province")
    return regions.full_name(code.ljust(6, "0")) or code


def publish(session, scope: Scope, publisher, title, body, target_region, target_kind,
            files=()) -> Announcement:
    """Publish a notice; files are (name, bytes). RuleViolations at the fields; a region
    outside the publisher's jurisdiction is refused there (the write scope decides)."""
    errors = {}
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        errors["title"] = _("Enter the title.")
    if not body:
        errors["body"] = _("Enter the text.")
    if target_kind not in AUDIENCE_KINDS:
        errors["target_kind"] = _("Choose whom the notice addresses.")
    item = Announcement(title=title[:200], body=body, target_region=(target_region or "")[:6],
                        target_kind=target_kind, publisher_id=publisher.id,
                        publisher_name=f"{publisher.get_full_name()}（{publisher.username}）"[:150])
    if target_region not in dict(region_choices(scope)) or \
            not in_scope(session, item, write=True, scope=scope):
        errors["target_region"] = _("You can address only units in your jurisdiction.")
    if errors:
        raise RuleViolations(errors)
    for name, data in files:
        key, content_type = storage.store_upload(data, "attachments")
        item.attachments.append(AnnouncementAttachment(
            file_key=key, file_name=(name or "file")[:200], content_type=content_type,
            file_size=len(data)))
    session.add(item)
    session.flush()
    return item


def _unread_clause(user_id):
    return ~exists().where(AnnouncementRead.announcement_id == Announcement.id,
                           AnnouncementRead.user_id == user_id)


def unread(session, scope: Scope, user_id, limit=10) -> list[Announcement]:
    """The notices addressed to the user's unit that they have not opened, newest first."""
    if not scope.is_unit_user:
        return []
    return session.execute(select(Announcement).where(
        scope_clause(Announcement, scope), _unread_clause(user_id))
        .order_by(Announcement.published_at.desc()).limit(limit)).scalars().all()


def mark_read(session, announcement, user) -> None:
    """The user opened the notice (once; the first time counts)."""
    done = session.execute(select(AnnouncementRead.id).where(
        AnnouncementRead.announcement_id == announcement.id,
        AnnouncementRead.user_id == user.id)).first()
    if done is None:
        session.add(AnnouncementRead(announcement_id=announcement.id, user_id=user.id,
                                     unit_id=getattr(user, "unit_id", None)))
        session.flush()


def readers(session, announcement) -> list[AnnouncementRead]:
    """Who read the notice and when, first readers first."""
    return session.execute(select(AnnouncementRead).where(
        AnnouncementRead.announcement_id == announcement.id)
        .order_by(AnnouncementRead.read_at)).scalars().all()
