"""待办 / 消息中心 (app.services.todos): the bell in the navbar with the unread count
(`unread_todos`, a template global), the list of the user's items with links to their
records, mark read / all read. Which items a user sees is the one scope mechanism plus the
audience (app.services.todos.visible_clause); another's item answers 404."""
from flask import abort, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.security.scope import current_scope
from app.services import todos
from app.web.display import format_time
from app.web.transaction import atomic

PAGE_SIZE = 20


def unread_todos() -> int:
    """The navbar bell's count (0 when nobody is signed in)."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    cached = g.get("unread_todos")
    if cached is None:
        cached = g.unread_todos = todos.unread_count(db.session, current_scope(), user.id)
    return cached


class TodoView(BaseView):
    route_base = "/todos"
    default_view = "list"
    class_permission_name = "Todo"
    base_permissions = ["can_read"]
    method_permission_name = {"list": "read", "open": "read", "read": "read"}

    @expose("/")
    @has_access
    def list(self):
        page = max(0, request.args.get("page", 0, type=int) or 0)
        unread_only = request.args.get("unread") == "1"
        rows, total = todos.page(db.session, current_scope(), g.user.id, page, PAGE_SIZE,
                                 unread_only)
        return self.render_template("todos/list.html", rows=rows, total=total, page=page,
                                    pages=(total + PAGE_SIZE - 1) // PAGE_SIZE,
                                    unread_only=unread_only, format_time=format_time)

    @expose("/<pk>/open")
    @has_access
    def open(self, pk):
        """Mark the item read and go to its record."""
        todo = todos.get_visible(db.session, current_scope(), g.user.id, pk)
        if todo is None:
            abort(404)
        with atomic(db.session):
            todos.mark_read(db.session, current_scope(), g.user.id, [todo.id])
        link = todo.link or ""
        if not link.startswith("/") or link.startswith("//"):
            link = url_for("TodoView.list")
        return redirect(link)

    @expose("/read", methods=["POST"])
    @has_access
    def read(self):
        """【标为已读】 for the ticked items, 【全部已读】 for all."""
        ids = None
        if request.form.get("all") != "1":
            ids = [int(v) for v in request.form.getlist("id") if v.isdigit()]
        with atomic(db.session):
            todos.mark_read(db.session, current_scope(), g.user.id, ids)
        return redirect(url_for("TodoView.list"))


MENU = [(TodoView, "Todo", _l("To-do"), "fa-bell", "System", _l("System"))]
