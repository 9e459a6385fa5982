"""Page templates hold nothing the Content-Security-Policy blocks (it has no 'unsafe-inline').

The browser test (tests/e2e/test_csp_journey.py) proves it on the rendered pages; this check
names the template and line at once, without a browser.
"""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Rendered to PDF by WeasyPrint (``*_pdf.html``, ``pdf/`` folders, these) or sent as e-mail
# (``email/`` folders): never served to a browser under our policy.
NOT_BROWSER_PAGES = {
    "integrations/slips.html",
    # The council and regional reports: laid out by WeasyPrint, never served to a browser.
    "reporting/reports/_pdf_base.html",
    "reporting/reports/council.html",
    "reporting/reports/regional.html",
    "reporting/reports/_cell.html",
}


def _not_a_page(name: str) -> bool:
    parts = name.split("/")
    return (
        name in NOT_BROWSER_PAGES
        or name.endswith("_pdf.html")
        or "email" in parts[:-1]
        or "pdf" in parts[:-1]
    )


FORBIDDEN = {
    "style attribute": re.compile(r"""\sstyle\s*=\s*["']""", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "inline <script>": re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I),
    "event handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I),
    "hx-on handler": re.compile(r"\shx-on", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def page_templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if _not_a_page(name):
            continue
        yield name, path


def inline_code(text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for what, pattern in FORBIDDEN.items():
            if pattern.search(line):
                found.append(f"line {number}: {what}")
    return found


def test_page_templates_have_no_inline_code_or_styles():
    problems = [
        f"{name} {problem}" for name, path in page_templates() for problem in inline_code(path.read_text())
    ]
    assert problems == []


def test_the_check_finds_each_kind_of_inline_code():
    samples = [
        '<div style="width: 3%">',
        "<style>p{}</style>",
        "<script>alert(1)</script>",
        '<form onsubmit="return confirm()">',
        '<button hx-on:click="x()">',
        '<a href="javascript:void(0)">',
    ]
    assert [len(inline_code(sample)) for sample in samples] == [1] * len(samples)
    assert inline_code('<script src="/static/js/portal.js" defer></script>') == []
    assert inline_code('<svg><rect x="1" width="2" fill="#000"/></svg>') == []


def test_the_walk_sees_the_templates():
    assert len(list(page_templates())) > 50
