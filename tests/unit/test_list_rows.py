"""The list rows rendered in Python (app/web/list_rows.py): escaped cells, the formatter of
each column, checkboxes and edit/delete buttons only on writable rows, the hooks."""
from markupsafe import Markup

from app.web.list_rows import PK_PLACEHOLDER, ListRows


class _Buttons:
    def html(self, pk, show, edit, delete):
        return f"[{pk}:{'s' if show else ''}{'e' if edit else ''}{'d' if delete else ''}]"


def _rows(cls=ListRows, **kwargs):
    values = [{"name": "<b>王</b>", "n": 1}, {"name": "李", "n": None}]
    options = dict(checkboxes=True, crud=True)
    options.update(kwargs)
    return cls(values, [7, 8], ["name", "n"], {"n": lambda v: "" if v is None else v * 10},
               {8}, _Buttons(), **options)


def test_cells_are_escaped_and_formatted():
    html = Markup(_rows()).__html__()
    assert "&lt;b&gt;王&lt;/b&gt;" in html and "<b>" not in html
    assert "<td>10</td>" in html and "<td></td></tr>" in html
    assert html.count("<tr>") == 2


def test_checkbox_and_change_buttons_only_on_writable_rows():
    html = _rows().__html__()
    assert 'value="8" type="checkbox"' in html and 'value="7"' not in html
    assert "[7:s]" in html and "[8:sed]" in html
    plain = _rows(checkboxes=False, crud=False).__html__()
    assert "checkbox" not in plain and "[8" not in plain


def test_hooks_change_a_rows_buttons_and_cells():
    class Tagged(ListRows):
        def actions_cell(self, pk, writable):
            return f"<td>act{pk}</td>"

        def cell_extra(self, pk, column):
            return " <span>tag</span>" if column == "name" and pk == 7 else ""
    html = _rows(Tagged).__html__()
    assert "<td>act7</td>" in html and "&lt;b&gt;王&lt;/b&gt; <span>tag</span></td>" in html
    assert html.count("tag") == 1


def test_placeholder_is_not_a_plausible_id():
    assert PK_PLACEHOLDER.isdigit() and int(PK_PLACEHOLDER) > 2**29
