"""The project catalog (translations/) is compiled at start-up when the .po is newer than
the .mo, so a fresh clone needs no separate compile step."""
import ast
import os
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    compiled = []
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        # Written aside and renamed: workers booting together never read a half-written .mo.
        tmp_path = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        os.replace(tmp_path, mo_path)
        compiled.append(mo_path)
    return compiled


GETTEXT_NAMES = ("_", "_l", "gettext", "lazy_gettext")


def fstring_gettext_calls(directory: Path):
    """(msgid, path, line) of gettext calls inside f-strings, which pybabel misses on
    Python < 3.12 (used by scripts/update_translations.sh and the catalog test)."""
    for path in sorted(Path(directory).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            for call in ast.walk(node):
                if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                        and call.func.id in GETTEXT_NAMES and call.args
                        and isinstance(call.args[0], ast.Constant)
                        and isinstance(call.args[0].value, str)):
                    yield call.args[0].value, path, call.lineno
