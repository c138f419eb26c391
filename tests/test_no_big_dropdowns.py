"""No form or filter lists a big table in a dropdown (docs/stack-notes.md): every relation a page's add,
edit or search form offers is either reference data (shared, small) or a searchable lookup
(AJAX, scoped) — checked over every scoped view the app registers, so new views are covered."""
import re

from app.views.base import ScopedModelView


def _views(app):
    return [v for v in app.appbuilder.baseviews if isinstance(v, ScopedModelView)]


def _shared(model):
    return (getattr(model, "__scope__", None) or ("",))[0] == "shared"


def _renders_fab_form(view, verb):
    """Whether the view's 【新增】/【编辑】 is FAB's generated form (not a page of our own, and
    the view grants the verb)."""
    own = getattr(type(view), verb) is not getattr(ScopedModelView, verb)
    return f"can_{verb}" in (view.base_permissions or []) and not own


def test_form_relations_are_lookups_or_reference_data(app):
    offenders = []
    for view in _views(app):
        for verb, columns, extra in (("add", view.add_columns, view.add_form_extra_fields),
                                     ("edit", view.edit_columns, view.edit_form_extra_fields)):
            if not _renders_fab_form(view, verb):
                continue
            for column in columns or []:
                if not view.datamodel.is_relation(column) or column in (extra or {}):
                    continue
                if not _shared(view.datamodel.get_related_model(column)):
                    offenders.append(f"{type(view).__name__}.{verb}.{column}")
    assert offenders == []


def test_search_forms_offer_no_big_relation(app):
    for view in _views(app):
        for column in view.search_columns:
            if view.datamodel.is_relation(column) and not _shared(
                    view.datamodel.get_related_model(column)):
                assert column in view.hidden_search_columns, (type(view).__name__, column)


def test_list_pages_render_no_long_select(client_for):
    """On the demo data: no select on any list page of the province admin holds more options
    than a choice list has (units, people, targets … come through lookups)."""
    client = client_for("admin")
    for view in _views(client.application):
        if not hasattr(view, "list"):
            continue
        html = client.get(f"{view.route_base}/list/").get_data(as_text=True)
        for select in re.findall(r"<select[^>]*>(.*?)</select>", html.replace("\\\"", '"'),
                                 flags=re.S):
            assert select.count("<option") <= 40, type(view).__name__
