"""A name without spaces (a 300-letter "word") stays inside every PDF's page: each renderer wraps
or breaks long words instead of running them off the page and over the page counter."""

import pytest
import weasyprint
from weasyprint.formatting_structure import boxes

from tests.security.test_pdf_fetch import RENDERERS

pytestmark = pytest.mark.django_db
LONG_WORD = "Лонгнеймович" * 16  # 192 letters, no space, no hyphen


@pytest.fixture
def documents(monkeypatch):
    """Every document WeasyPrint lays out during the test."""
    laid_out = []
    original_render = weasyprint.HTML.render

    def render(self, *args, **kwargs):
        document = original_render(self, *args, **kwargs)
        laid_out.append(document)
        return document

    monkeypatch.setattr(weasyprint.HTML, "render", render)
    return laid_out


def overflowing_text(document) -> list[str]:
    """Text boxes whose right edge lies beyond their page (0.5 pt of rounding allowed)."""
    found = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if isinstance(box, boxes.TextBox) and box.position_x + box.width > page.width + 0.5:
                found.append(f"{box.text[:30]}… ends at {box.position_x + box.width:.0f} of {page.width:.0f}")
    return found


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_a_long_word_never_leaves_the_page(world, documents, renderer):
    pdf = RENDERERS[renderer](world, LONG_WORD)
    assert pdf.startswith(b"%PDF")
    assert documents, "the renderer laid out a document"
    for document in documents:
        assert overflowing_text(document) == []
