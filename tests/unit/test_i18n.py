"""The Chinese catalog covers every UI string (pure Babel: no app, no database).

Fails when a gettext msgid of app/ (Python or Jinja) or of Flask-AppBuilder has no zh
translation, when a translation breaks a %(placeholder)s, or when the catalog does not
compile. To fix: run scripts/update_translations.sh, translate the empty msgstr entries in
translations/zh/LC_MESSAGES/messages.po, run this test again (translations/README.md).
"""
import io
import re
from pathlib import Path

import flask_appbuilder
import pytest
from babel import Locale
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir

from app.i18n import fstring_gettext_calls
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "app"
TRANSLATIONS = ROOT / "translations"
# translations/zh/, not zh_CN/: Babel parses the "zh_CN" locale as zh_Hans_CN, and gettext
# then only looks in zh_Hans_CN/ and zh/ (see test_catalog_is_found_for_zh_cn).
PO_PATH = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
FAB_DIR = Path(flask_appbuilder.__file__).resolve().parent
FAB_ZH_PO = FAB_DIR / "translations" / "zh" / "LC_MESSAGES" / "messages.po"

# The same keywords as scripts/update_translations.sh (pybabel's defaults plus -k _l
# -k lazy_gettext -k _); FAB also uses __ (gettext) and lazy_formatter_gettext.
APP_KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
FAB_KEYWORDS = {**APP_KEYWORDS, "__": None, "lazy_formatter_gettext": (1,)}

# printf-style conversions as Python's % operator reads them: %(name)s, %s, %d, %.2f …
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?"
                         r"[diouxXeEfFgGcrsa%]")


def _extract(directory: Path, method_map, options_map, keywords, prefix):
    """{msgid: [location, …]} of singular messages (no plurals in this UI)."""
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(directory), method_map, options_map, keywords=keywords):
        if isinstance(message, tuple):
            message = message[0]
        if message:
            found.setdefault(message, []).append(f"{prefix}/{filename}:{lineno}")
    return found


def _fstring_gettext_calls(directory: Path):
    """gettext calls inside f-strings: pybabel misses them on Python < 3.12."""
    found = {}
    for msgid, path, line in fstring_gettext_calls(directory):
        found.setdefault(msgid, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def _read_catalog(path: Path, locale="zh"):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _translation(catalog, msgid):
    """The msgstr of msgid, or None when missing, empty, fuzzy or obsolete."""
    message = catalog.get(msgid)
    if message is None or message.fuzzy:
        return None
    string = message.string
    if isinstance(string, (tuple, list)):
        string = string[0] if string else ""
    return string or None


def _missing_report(title, msgids):
    lines = [f"{title} ({len(msgids)}), add them to {PO_PATH.relative_to(ROOT)} "
             "(scripts/update_translations.sh, then translate):"]
    for msgid, where in sorted(msgids.items()):
        lines.append(f"  {msgid!r}  [{', '.join(where[:3])}]")
    return "\n".join(lines)


def _placeholders(text):
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text) if m.group(0) != "%%")


@pytest.fixture(scope="module")
def catalog():
    return _read_catalog(PO_PATH)


@pytest.fixture(scope="module")
def app_messages():
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    messages = _extract(APP_DIR, method_map, options_map, APP_KEYWORDS, "app")
    for msgid, where in _fstring_gettext_calls(APP_DIR).items():
        messages.setdefault(msgid, []).extend(where)
    assert len(messages) > 100, "extraction from app/ found suspiciously few messages"
    return messages


@pytest.fixture(scope="module")
def fab_messages():
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    options_map = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
    messages = _extract(FAB_DIR, method_map, options_map, FAB_KEYWORDS,
                        "flask_appbuilder")
    assert len(messages) > 100, "extraction from flask_appbuilder found too few messages"
    return messages


def test_every_app_msgid_has_a_chinese_translation(catalog, app_messages):
    missing = {msgid: where for msgid, where in app_messages.items()
               if _translation(catalog, msgid) is None}
    assert not missing, _missing_report("UI strings of app/ without a zh translation",
                                        missing)


def test_every_fab_msgid_has_a_chinese_translation(catalog, fab_messages):
    fab_zh = _read_catalog(FAB_ZH_PO)
    missing = {msgid: where for msgid, where in fab_messages.items()
               if _translation(catalog, msgid) is None and _translation(fab_zh, msgid) is None}
    assert not missing, _missing_report(
        "Flask-AppBuilder strings without a zh translation (ours or FAB's zh catalog)",
        missing)


def test_no_untranslated_or_fuzzy_entries_in_catalog(catalog):
    untranslated = [m.id for m in catalog if m.id and _translation(catalog, m.id) is None]
    assert not untranslated, f"empty or fuzzy msgstr in {PO_PATH.name}: {untranslated}"


def test_placeholders_match(catalog):
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = _placeholders(ids[0])
        for string in strings:
            if _placeholders(string) != expected:
                wrong.append(f"{ids[0]!r} -> {string!r}")
            # A lone % would break Jinja's new-style gettext ("rv % variables").
            elif re.sub(PLACEHOLDER, "", string).count("%") != \
                    re.sub(PLACEHOLDER, "", ids[0]).count("%"):
                wrong.append(f"{ids[0]!r} -> {string!r} (stray %)")
    assert not wrong, "placeholders differ between msgid and msgstr:\n  " + "\n  ".join(wrong)


def test_catalog_compiles(catalog):
    errors = [f"{message.id!r}: {error}" for message, errs in catalog.check() for error in errs]
    assert not errors, "catalog check failed:\n  " + "\n  ".join(errors)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    assert buffer.getvalue()


def test_catalog_is_found_for_zh_cn(catalog, tmp_path):
    """The app's locale "zh_CN" must reach this catalog (Flask-Babel loads it like this)."""
    mo_dir = tmp_path / PO_PATH.parent.relative_to(TRANSLATIONS)
    mo_dir.mkdir(parents=True)
    with (mo_dir / "messages.mo").open("wb") as f:
        write_mo(f, catalog, use_fuzzy=False)
    translations = Translations.load(str(tmp_path), [Locale.parse("zh_CN")], "messages")
    assert translations.gettext("Security Service Supervision Information System") == \
        "保安服务监管信息系统"
