"""Every form rejects another municipality's ids (tests/security/forms_walk.py)."""

import pytest

from tests.security.forms_walk import check_forms, html_forms, prepare

pytestmark = pytest.mark.django_db


def test_every_relational_form_field_keeps_to_the_municipality(world, client_for):
    prepare(world)
    report = check_forms(world, client_for(world.a.users["all"]))
    assert report.failures == []
    # The walk reaches the forms (a walker that finds nothing must not pass).
    assert len(report.checked) >= 10, (report.checked, report.skipped)


def test_the_form_parser_submits_what_a_browser_would():
    page = """<form method="post" action="/x/"><input type="hidden" name="a" value="1">
    <input type="checkbox" name="b" value="2" checked><input type="checkbox" name="b" value="3">
    <select name="c"><option value="">-</option><option value="9" selected>nine</option></select>
    <textarea name="d">text</textarea><input type="submit" name="go" value="Go"></form>"""
    (form,) = html_forms(page)
    assert (form.action, form.method) == ("/x/", "post")
    assert form.values == [("a", "1"), ("b", "2"), ("c", "9"), ("d", "text")]
