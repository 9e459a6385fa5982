#!/usr/bin/env python
"""English is the source language: its catalog carries each message as its own translation,
so the en catalog is complete like the others (plural forms: singular and plural msgids)."""

import sys
from pathlib import Path

import polib

path = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
catalog = polib.pofile(str(path))
for entry in catalog:
    if entry.obsolete:
        continue
    if entry.msgid_plural:
        entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
    else:
        entry.msgstr = entry.msgid
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
catalog.metadata_is_fuzzy = False
catalog.metadata["Language"] = "en"
catalog.metadata["Plural-Forms"] = "nplurals=2; plural=(n != 1);"
catalog.metadata["Content-Type"] = "text/plain; charset=UTF-8"
catalog.save(str(path))
print(f"{path}: {len(catalog)} messages", file=sys.stderr)
