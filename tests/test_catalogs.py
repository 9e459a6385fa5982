"""Four languages: every visible string is in the en, bg, pl and ru catalogs, translated and compiled."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
LANGUAGES = ["bg", "pl", "ru"]
SOURCE_DIRS = [
    "config",
    "infra",
    "schools",
    "rollout",
    "surveys",
    "trainings",
    "integrations",
    "reporting",
    "templates",
]


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_catalog_is_fully_translated(language):
    po = catalog(language)
    untranslated = [entry.msgid for entry in po.untranslated_entries() if not entry.obsolete]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries() if not entry.obsolete]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    import re

    pattern = re.compile(r"%\(\w+\)[sd]|%[sd]")
    for entry in catalog(language).translated_entries():
        expected = sorted(pattern.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            found = sorted(pattern.findall(text))
            # a singular form may leave the count out ("one day"), but never invent a placeholder
            assert set(found) <= set(expected + pattern.findall(entry.msgid_plural or "")), (
                entry.msgid,
                text,
            )


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
def test_compiled_catalog_matches_the_source(language):
    po = catalog(language)
    mo = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in mo if not entry.msgid_plural}
    for entry in po.translated_entries():
        if entry.msgid_plural or entry.obsolete:
            continue
        assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, (
            f"run `make messages` ({entry.msgid!r})"
        )


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_string_in_the_source_is_in_the_catalogs(tmp_path):
    """Extract the strings afresh (in a copy) and compare with the committed English catalog."""
    for name in [*SOURCE_DIRS, "manage.py"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    (tmp_path / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**__import__("os").environ, "VAR_DIR": str(tmp_path / "var")},
    )
    assert result.returncode == 0, result.stderr
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "locale/en/LC_MESSAGES/django.po"))}
    for language in ["en", *LANGUAGES]:
        committed = {(e.msgctxt, e.msgid) for e in catalog(language) if not e.obsolete}
        missing = sorted(msgid for _ctx, msgid in fresh - committed)
        assert missing == [], f"{language}: run `make messages` and translate: {missing[:10]}"


def test_pages_load_nothing_from_other_sites():
    import re

    external = re.compile(r"""(?:src|href)\s*=\s*["']\s*(?:https?:)?//""", re.IGNORECASE)
    css_external = re.compile(r"""@import\s+url\(\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""")
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "/email/" in str(path):
            continue  # e-mails link to our own SITE_URL
        if external.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path))
    for path in (ROOT / "static").rglob("*.css"):
        if css_external.search(path.read_text(encoding="utf-8")):
            offenders.append(str(path))
    assert offenders == []
