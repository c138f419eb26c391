#!/usr/bin/env bash
# Regenerate the project catalog: extract → update → compile.
#
#   scripts/update_translations.sh
#
# 1. pybabel extracts every gettext msgid of app/ (Python + Jinja, see babel.cfg) into
#    translations/messages.pot;
# 2. the msgids we translate on behalf of the libraries are appended to that template, so
#    that `pybabel update` keeps them instead of marking them obsolete (#~):
#      - Flask-AppBuilder's own msgids (templates + Python of the installed package; FAB's
#        bundled zh catalog is old and incomplete, and ours wins at run time),
#      - Flask-WTF's CSRF messages (raised untranslated; app code may gettext them),
#      - gettext calls inside f-strings in app/, which pybabel does not see on Python 3.11;
# 3. pybabel updates (or creates) translations/zh/LC_MESSAGES/messages.po;
# 4. pybabel compiles the .mo (optional: app/i18n.py also compiles at start-up).
#
# Then translate the new empty msgstr entries in messages.po and run
#   pytest tests/unit/test_i18n.py
set -euo pipefail

cd "$(dirname "$0")/.."
if [ -x .venv/bin/pybabel ]; then
    PATH="$PWD/.venv/bin:$PATH"
fi

# The catalog lives in translations/zh/, not zh_CN/: Babel parses the "zh_CN" locale as
# zh_Hans_CN, and gettext then looks only in zh_Hans_CN/ and zh/ (FAB's own is zh/ too).
POT=translations/messages.pot
PO=translations/zh/LC_MESSAGES/messages.po
KEYWORDS=(-k _l -k lazy_gettext -k _)

pybabel extract -F babel.cfg "${KEYWORDS[@]}" --project="保安服务监管信息系统" \
    --sort-by-file -o "$POT" app

python - "$POT" <<'PYEOF'
"""Append the library and f-string msgids to the freshly extracted template."""
import sys
from pathlib import Path

import flask_appbuilder
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from app.i18n import fstring_gettext_calls

pot_path = Path(sys.argv[1])
with pot_path.open("rb") as f:
    catalog = read_po(f)


def add(msgid, location, comment):
    if msgid and msgid not in catalog:
        catalog.add(msgid, locations=[location], auto_comments=[comment])
    elif msgid and location not in catalog[msgid].locations:
        catalog[msgid].locations.append(location)


# gettext calls inside f-strings (ast sees them, pybabel on Python 3.11 does not).
for msgid, path, line in fstring_gettext_calls(Path("app")):
    add(msgid, (path.as_posix(), line), "gettext call inside an f-string")

# Flask-AppBuilder (templates and Python of the installed package).
fab_dir = Path(flask_appbuilder.__file__).parent
method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
options = {"**/templates/**.html": {"extensions": "jinja2.ext.do"}}
for filename, lineno, message, comments, context in extract_from_dir(
        str(fab_dir), method_map, options_map=options,
        keywords={"_": None, "__": None, "gettext": None, "lazy_gettext": None,
                  "_l": None, "lazy_formatter_gettext": (1,)}):
    if isinstance(message, tuple):  # plural forms: FAB has none in the UI
        continue
    add(message, ("flask_appbuilder/" + filename, None), "Flask-AppBuilder")

# Flask-WTF raises these untranslated (flask_wtf/csrf.py); app code may gettext them.
for msgid in ("The CSRF token is missing.", "The CSRF session token is missing.",
              "The CSRF token has expired.", "The CSRF token is invalid.",
              "The CSRF tokens do not match.", "The referrer header is missing.",
              "The referrer does not match the host."):
    add(msgid, ("flask_wtf/csrf.py", None), "Flask-WTF")

with pot_path.open("wb") as f:
    write_po(f, catalog, sort_by_file=True)
PYEOF

if [ -f "$PO" ]; then
    pybabel update -i "$POT" -d translations -l zh --no-fuzzy-matching
else
    pybabel init -i "$POT" -d translations -l zh
fi

pybabel compile -d translations --statistics
