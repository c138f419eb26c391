"""通知公告 (app.services.notices): the police publish (province, city, district: a police
action, so on the FAB pages, not only in the console) and see who read each notice; unit users
read what addresses their unit — the home page lists the unread ones (`unread_notices`, a
template global the home page's include calls). Every notice is reached through the one scope
mechanism: outside the scope it answers 404."""
import io

from flask import g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.extensions import db
from app.models import Announcement, AnnouncementAttachment
from app.models.notice import AUDIENCE_KINDS
from app.security.scope import OutOfScope, current_scope, get_scoped, scope_clause
from app.services import notices, storage
from app.services.errors import RuleViolation
from app.web.display import format_time
from app.web.transaction import atomic
from app.web.uploads import uploaded_files

PAGE_SIZE = 20


def unread_notices():
    """The signed-in unit user's unread notices (the home page's include)."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return notices.unread(db.session, current_scope(), user.id)


class AnnouncementView(BaseView):
    route_base = "/notices"
    default_view = "list"
    class_permission_name = "Announcement"
    base_permissions = ["can_read", "can_add"]
    method_permission_name = {"list": "read", "show": "read", "attachment": "read",
                              "publish": "add"}

    @expose("/")
    @has_access
    def list(self):
        scope = current_scope()
        query = select(Announcement).where(scope_clause(Announcement, scope))
        words = (request.args.get("q") or "").strip()[:100]
        if words:
            query = query.where(or_(Announcement.title.contains(words),
                                    Announcement.publisher_name.contains(words)))
        total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
        page = max(0, request.args.get("page", 0, type=int) or 0)
        rows = db.session.execute(query.order_by(Announcement.published_at.desc(),
                                                 Announcement.id.desc())
                                  .offset(page * PAGE_SIZE).limit(PAGE_SIZE)).scalars().all()
        return self.render_template(
            "notices/list.html", rows=rows, total=total, page=page, words=words,
            pages=(total + PAGE_SIZE - 1) // PAGE_SIZE, format_time=format_time,
            kinds=AUDIENCE_KINDS, region_name=notices.region_name,
            can_publish=self.appbuilder.sm.has_access("can_add", self.class_permission_name)
            and scope.is_police)

    @expose("/publish/", methods=["GET", "POST"])
    @has_access
    def publish(self):
        scope = current_scope()
        choices = notices.region_choices(scope)
        errors, form = {}, request.form
        if request.method == "POST":
            files = [(f.filename, f.read()) for f in uploaded_files("attachments")]
            try:
                with atomic(db.session):
                    item = notices.publish(db.session, scope, g.user, form.get("title"),
                                           form.get("body"), form.get("target_region"),
                                           form.get("target_kind"), files)
                return redirect(url_for(".show", pk=item.id))
            except RuleViolation as exc:
                errors = getattr(exc, "errors", None) or {exc.field: exc.message}
        return self.render_template("notices/publish.html", choices=choices, errors=errors,
                                    form=form, kinds=AUDIENCE_KINDS)

    def _notice(self, pk):
        return get_scoped(db.session, Announcement, pk, scope=current_scope())

    @expose("/<int:pk>")
    @has_access
    def show(self, pk):
        scope = current_scope()
        item = self._notice(pk)
        if scope.is_unit_user:
            with atomic(db.session):
                notices.mark_read(db.session, item, g.user)
        readers = notices.readers(db.session, item) if not scope.is_unit_user else []
        return self.render_template("notices/show.html", item=item, readers=readers,
                                    format_time=format_time, kinds=AUDIENCE_KINDS,
                                    region_name=notices.region_name,
                                    show_readers=not scope.is_unit_user)

    @expose("/<int:pk>/attachment/<int:attachment_id>")
    @has_access
    def attachment(self, pk, attachment_id):
        item = self._notice(pk)
        found = next((a for a in item.attachments if a.id == attachment_id), None)
        if found is None:
            raise OutOfScope()
        return send_file(io.BytesIO(storage.stored_file(found.file_key)),
                         download_name=found.file_name, as_attachment=True,
                         mimetype=found.content_type)


# (view, menu name = permission name, label, icon, category, category label)
MENU = [
    (AnnouncementView, "Announcement", _l("Notice list"), "fa-bullhorn", "Notices",
     _l("Notices")),
]
