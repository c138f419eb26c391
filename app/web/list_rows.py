"""A list page's rows, rendered in Python from column tuples with each column's formatter
looked up once per page (docs/speed.md).

FAB's list widget rendered every cell through Jinja: a block call, a dict lookup of the
formatter and an escape per cell, a macro call per row for its buttons. For a page of 20–25
rows that was the largest part of a list's time over the framework floor (cProfile at 300,000
people). The markup is FAB's (`appbuilder/general/widgets/list.html`) and our row buttons'
(`scoped/widgets/list.html`); a widget changes a row's buttons or a cell through the hooks of
`ListRows`, in Python, not by overriding Jinja blocks per cell.
"""
from flask import current_app
from markupsafe import Markup, escape

# A placeholder id in an address made once per page; each row puts its own id in its place
# (the routes take integer ids, so the placeholder never collides with a real one).
PK_PLACEHOLDER = "999999999"


def page_url(endpoint: str, **values) -> str | None:
    """FAB's `safe_url_for` filter: the address, or None where the view has no such route."""
    return current_app.jinja_env.filters["safe_url_for"](endpoint, **values)


def link_filters(filters) -> str:
    """FAB's `set_link_filters` filter on an empty address: the related-view filters a row
    button carries, so a record's tab keeps its record when a row is opened from it."""
    return current_app.jinja_env.filters["set_link_filters"]("", filters)


class RowButtons:
    """【查看】【编辑】【删除】 of a row: addresses and titles made once per page."""

    def __init__(self, modelview_name, filters, can_show, can_edit, can_delete, nonce,
                 titles):
        self.show = can_show and page_url(modelview_name + ".show", pk=PK_PLACEHOLDER)
        self.edit = can_edit and page_url(modelview_name + ".edit", pk=PK_PLACEHOLDER)
        self.delete = can_delete and page_url(modelview_name + ".delete", pk=PK_PLACEHOLDER)
        self.args = link_filters(filters)
        self.nonce = escape(nonce or "")
        # (title, screen-reader text) of show, edit and delete, and the delete question
        self.titles = [escape(t) for t in titles]

    def html(self, pk, show=True, edit=True, delete=True) -> str:
        pk = str(pk)
        t = self.titles
        parts = ['<div class="btn-group btn-group-xs" style="display: flex;">']
        if show and self.show:
            parts.append(
                f'<a href="{escape(self.show.replace(PK_PLACEHOLDER, pk))}{escape(self.args)}" '
                f'class="btn btn-sm btn-default" data-toggle="tooltip" rel="tooltip" '
                f'title="{t[0]}"><span class="sr-only">{t[1]}</span>'
                f'<i class="fa fa-search"></i></a>')
        if edit and self.edit:
            parts.append(
                f'<a href="{escape(self.edit.replace(PK_PLACEHOLDER, pk))}{escape(self.args)}" '
                f'class="btn btn-sm btn-default" data-toggle="tooltip" rel="tooltip" '
                f'title="{t[2]}"><span class="sr-only">{t[3]}</span>'
                f'<i class="fa fa-edit"></i></a>')
        if delete and self.delete:
            href = escape(self.delete.replace(PK_PLACEHOLDER, pk))
            parts.append(
                f'<a id="btn-delete-{href}" href="#" class="btn btn-sm btn-default confirm" '
                f'rel="tooltip" title="{t[4]}"><span class="sr-only">{t[5]}</span>'
                f'<i class="fa fa-trash"></i></a>\n<script nonce="{self.nonce}">'
                f'document.getElementById("btn-delete-{href}").addEventListener("click", '
                f'function () {{ return new AdminActions().execute_single_delete(\'{href}\', '
                f'\'{t[6]}\'); }})</script>')
        parts.append("</div>")
        return "".join(parts)


class ListRows:
    """The `<tr>` rows of a list page. `values` are FAB's row values (one mapping per row,
    read once into a tuple in `columns` order); `formatters` the view's formatters (every
    scoped view has one per column: app.web.display)."""

    def __init__(self, values, pks, columns, formatters, writable, buttons,
                 checkboxes=False, crud=True, context=None):
        self.pks = pks
        self.columns = list(columns)
        self.rows = [tuple(item[c] for c in self.columns) for item in values]
        self.formatters = [formatters.get(c) for c in self.columns]
        self.writable = writable
        self.buttons = buttons
        self.checkboxes = checkboxes
        self.crud = crud
        self.context = context or {}   # the widget's template arguments, for the hooks

    # ------------------------------------------------------------ hooks

    def actions_cell(self, pk, writable: bool) -> str:
        return f"<td><center>{self.buttons.html(pk, True, writable, writable)}</center></td>"

    def cell_extra(self, pk, column) -> str:
        """Markup after a cell's value (e.g. a tag beside a name)."""
        return ""

    # ------------------------------------------------------------ rendering

    def __html__(self) -> str:
        out = []
        checkbox = ('<td><input id="{0}" class="action_check" name="rowid" value="{0}" '
                    'type="checkbox"></td>')
        extra = type(self).cell_extra is not ListRows.cell_extra
        cells = list(zip(self.columns, self.formatters))
        for pk, row in zip(self.pks, self.rows):
            writable = pk in self.writable
            out.append("<tr>")
            if self.checkboxes:
                out.append(checkbox.format(escape(pk)) if writable else "<td></td>")
            if self.crud:
                out.append(self.actions_cell(pk, writable))
            for value, (column, formatter) in zip(row, cells):
                if formatter is not None:
                    value = formatter(value)
                out.append(f"<td>{escape(value)}"
                           f"{self.cell_extra(pk, column) if extra else ''}</td>")
            out.append("</tr>\n")
        return "".join(out)

    def __str__(self):
        return Markup(self.__html__())
