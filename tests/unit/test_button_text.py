"""Button text carries no 【】 (issue 14, point 16): the manual writes 【受理】 to mark a button,
the brackets are not part of its text. No Chinese translation and no template text holds
them; the one use left is the signature an SMS starts with (【保安监管】, the operators'
convention for text messages, which is not a button)."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
SMS_SIGNATURE = "【保安监管】"
BRACKETS = re.compile("[【】]")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)
JS_COMMENT = re.compile(r"/\*.*?\*/|^\s*//.*$", re.S | re.M)


def test_no_translation_puts_brackets_around_a_label():
    with PO_PATH.open("rb") as handle:
        catalog = read_po(handle)
    bracketed = []
    for message in catalog:
        text = message.string if isinstance(message.string, str) else " ".join(
            message.string or ())
        if not message.id or not text:
            continue
        if text.startswith(SMS_SIGNATURE):
            text = text[len(SMS_SIGNATURE):]
        if BRACKETS.search(text):
            bracketed.append((message.id, message.string))
    assert bracketed == []


def test_no_template_or_script_shows_brackets():
    found = []
    for path in sorted((ROOT / "app" / "templates").rglob("*.html")):
        text = JINJA_COMMENT.sub("", path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(ROOT)}: {line.strip()}" for line in text.splitlines()
                  if BRACKETS.search(line)]
    for path in sorted((ROOT / "app" / "static" / "js").rglob("*.js")):
        text = JS_COMMENT.sub("", path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(ROOT)}: {line.strip()}" for line in text.splitlines()
                  if BRACKETS.search(line)]
    assert found == []


def test_the_check_sees_a_bracketed_button():
    assert BRACKETS.search("【受理】") and not BRACKETS.search(JINJA_COMMENT.sub(
        "", "{# 【新增】 #}<a>新增</a>"))
