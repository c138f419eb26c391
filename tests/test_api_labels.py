"""REST answers in the pages' words (issue 14, point 17): `label_columns` of lists and records
and the labels of `_info` are Chinese (the pages' vocabulary, app/models/vocabulary.py), and
no empty label or description is translated into the catalog header."""
import re

import pytest

from app.api.base import ScopedModelRestApi

CJK = re.compile(r"[\u4e00-\u9fff]")


def _resources(app):
    return sorted((api for api in app.appbuilder.baseviews
                   if isinstance(api, ScopedModelRestApi)), key=lambda api: api.resource_name)


def test_every_resource_labels_its_columns_in_chinese(app, api):
    caller = api("admin")
    english = {}
    for resource in _resources(app):
        url = f"/api/v1/{resource.resource_name}/"
        listing = caller.get(url, query_string={"q": "(page_size:1)"})
        assert listing.status_code == 200, (url, listing.status_code)
        labels = dict(listing.json["label_columns"])
        info = caller.get(f"{url}_info")
        assert info.status_code == 200, url
        for key in ("add_columns", "edit_columns"):
            for field in info.json.get(key, []):
                labels[f"_info.{field['name']}"] = field["label"]
                assert "Project-Id-Version" not in field["description"], (url, field)
                assert "Project-Id-Version" not in field["label"], (url, field)
        for column, text in labels.items():
            if not CJK.search(text or ""):
                english.setdefault(resource.resource_name, []).append(f"{column}={text!r}")
    assert english == {}


def test_person_labels_read_as_on_the_page(api):
    labels = api("admin").get("/api/v1/person/", query_string={
        "q": "(page_size:1)"}).json["label_columns"]
    assert labels["birth_date"] == "出生日期" and labels["id_number"] == "身份证号码"
    assert "Birth Date" not in labels.values() and "Id Number" not in labels.values()


def test_empty_descriptions_stay_empty(app, api):
    with app.test_request_context():
        from flask_babel import gettext
        assert "Project-Id-Version" in gettext("")  # why an empty string is never translated
    fields = api("admin").get("/api/v1/person/_info").json["add_columns"]
    assert fields and all(field["description"] == "" or "Project-Id-Version" not in
                          field["description"] for field in fields)
    assert {field["description"] for field in fields} == {""}
