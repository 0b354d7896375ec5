#!/usr/bin/env python3
"""Fill a .po catalogue from a translations table (a Python file defining ``T = {msgid: msgstr}``).

Usage: scripts/po_fill.py zhilian/core/locale/zh_Hans/LC_MESSAGES/django.po scripts/i18n/core_zh.py
Entries already translated are kept; fuzzy flags are cleared for filled entries. Prints the
msgids still missing so a maintainer can add them to the table.
"""

import runpy
import sys

import polib


def main(po_path, table_path):
    table = runpy.run_path(table_path)["T"]
    po = polib.pofile(po_path)
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        value = table.get(entry.msgid)
        if entry.msgid_plural:
            if value is not None and (not entry.msgstr_plural.get(0) or "fuzzy" in entry.flags):
                entry.msgstr_plural = {0: value}
            if not entry.msgstr_plural.get(0):
                missing.append(entry.msgid)
        else:
            if value is not None and (not entry.msgstr or "fuzzy" in entry.flags):
                entry.msgstr = value
            if not entry.msgstr:
                missing.append(entry.msgid)
        if value is not None and "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.save(po_path)
    for msgid in missing:
        print("MISSING:", repr(msgid))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
