"""Every PDF of the portal goes through here: WeasyPrint, our vendored fonts, and a URL fetcher that
serves our own static files and nothing else (no network, no other file on the machine), so text
that users typed (a school's name, a comment) cannot make the renderer fetch anything.

Fonts: DejaVu Sans (one file per weight, full Cyrillic and Latin Extended) for the short documents;
``noto_font_css()`` for the reports, Noto Sans in its four subsets. WeasyPrint 70 mixes up the
glyphs of faces that share one family name and differ only by ``unicode-range`` (the web CSS in
``vendor/fonts/noto-sans.css``), so each subset gets a family name of its own here and the stack
lists them in turn, with DejaVu last for anything the subsets lack.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import HTML
from weasyprint.urls import URLFetcher

NOTO_SUBSETS = ("latin", "latin-ext", "cyrillic", "cyrillic-ext")


def static_only_fetcher():
    """WeasyPrint may load our vendored fonts and CSS, and nothing else (no network, no other file)."""

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                allowed = [Path(d).resolve() for d in settings.STATICFILES_DIRS]
                if any(path.is_relative_to(root) for root in allowed):
                    return super().fetch(url, headers)
            raise ValueError(f"blocked resource: {url}")

    return StaticOnly(allowed_protocols=["file"], allow_redirects=False)


def _font_dir(name: str) -> Path:
    return Path(finders.find(name)).parent


def dejavu_fonts() -> dict:
    """``font_regular`` and ``font_bold`` for a template's own ``@font-face`` rules."""
    font_dir = _font_dir("vendor/fonts/ttf/DejaVuSans.ttf")
    return {
        "font_regular": (font_dir / "DejaVuSans.ttf").as_uri(),
        "font_bold": (font_dir / "DejaVuSans-Bold.ttf").as_uri(),
    }


def noto_font_css(italic: bool = False) -> tuple[str, str]:
    """(``@font-face`` rules, the ``font-family`` value) for Noto Sans 400/700 (and italics when
    asked: WeasyPrint unpacks every declared WOFF2 face on each render, so only what is used)."""
    files = _font_dir("vendor/fonts/files/noto-sans-latin-400-normal.woff2")
    dejavu = dejavu_fonts()
    rules = []
    families = []
    for subset in NOTO_SUBSETS:
        family = f"PDF Noto {subset}"
        families.append(f'"{family}"')
        for weight in (400, 700):
            for style in ("normal", "italic") if italic else ("normal",):
                uri = (files / f"noto-sans-{subset}-{weight}-{style}.woff2").as_uri()
                rules.append(
                    f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
                    f'font-style: {style}; src: url("{uri}"); }}'
                )
    rules.append(f'@font-face {{ font-family: "PDF DejaVu"; src: url("{dejavu["font_regular"]}"); }}')
    rules.append(
        f'@font-face {{ font-family: "PDF DejaVu"; font-weight: 700; src: url("{dejavu["font_bold"]}"); }}'
    )
    return "\n".join(rules), ", ".join([*families, '"PDF DejaVu"', "sans-serif"])


def document(html: str):
    """The laid-out WeasyPrint document (``.pages`` for the count, ``.write_pdf()`` for bytes)."""
    return HTML(
        string=html, base_url=str(settings.BASE_DIR / "static"), url_fetcher=static_only_fetcher()
    ).render()


def write_pdf(html: str) -> bytes:
    return document(html).write_pdf()
