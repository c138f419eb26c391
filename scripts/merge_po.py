"""Resolve a git merge conflict in the Chinese catalog: union of both sides' translations,
then re-extract from the merged code (scripts/update_translations.sh) and fill every msgid
from that union. Run from the repository root during a conflicted merge:

    python scripts/merge_po.py && git add translations/
"""
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = "translations/zh/LC_MESSAGES/messages.po"


def _side(stage):
    data = subprocess.run(["git", "show", f":{stage}:{PO}"], capture_output=True).stdout
    return read_po(BytesIO(data), locale="zh") if data else None


def main():
    union = {}
    for stage in (3, 2):  # theirs first, so ours wins where both translated differently
        catalog = _side(stage)
        for message in catalog or ():
            if message.id and message.string:
                union[message.id] = message.string
    if not union:  # no conflict in progress: take the working copy
        union = {m.id: m.string for m in read_po(open(PO, "rb"), locale="zh")
                 if m.id and m.string}
    subprocess.run(["git", "checkout", "--ours", PO], check=False)
    subprocess.run(["git", "checkout", "--ours", "translations/messages.pot"], check=False)
    subprocess.run(["bash", "scripts/update_translations.sh"], check=True,
                   stdout=subprocess.DEVNULL)
    catalog = read_po(open(PO, "rb"), locale="zh")
    missing = []
    for message in catalog:
        if message.id and not message.string:
            if message.id in union:
                message.string = union[message.id]
                message.flags.discard("fuzzy")
            else:
                missing.append(message.id)
    with open(PO, "wb") as handle:
        write_po(handle, catalog, width=100)
    print("untranslated:", missing or "none")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
