"""Property-based and fuzz tests (Hypothesis): every roster reader, every form that takes
numbers, dates or names, and every PDF renderer, fed generated hostile values. The properties:
no exception escapes (a user gets a message, never a 500), nothing is half-written, and what is
stored is within its bounds.

Deterministic: the profile (tests/conftest.py) derandomises Hypothesis, so a run is the same
every time; the examples are many and varied all the same.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.numbers import MAX_DIGITS, NumberError, int_param, parse_decimal
from infra.text import REFUSED_CATEGORIES, normalise_name
from integrations.models import JobItem
from integrations.roster.readers import RosterFileError, read_roster
from schools.models import Person
from surveys.models import Campaign
from surveys.scoring import parse_answer
from tests.security.test_pdf_fetch import RENDERERS
from tests.surveys.test_campaigns import latest_campaign, launch, response_of

# Text as attackers and careless hands type it: every Unicode category, with the dangerous ones
# (format and bidi controls, combining marks, surrogates are excluded by Python) made frequent.
HOSTILE_CHARS = st.sampled_from(
    list("\u200d\u200b\u202e\u2066\u00ad\ufeff\u0301\u3164\x00\x1b\t\n\r;,\"'=+-@|") + ["e", "E", "9", " "]
)
hostile_text = st.text(st.one_of(st.characters(), HOSTILE_CHARS), max_size=300)
number_like = st.one_of(
    hostile_text,
    st.from_regex(r"[+-]?[0-9 ]{0,40}([.,][0-9]{0,40})?([eE][+-]?[0-9]{1,9})?", fullmatch=True),
    st.builds(str, st.integers()),
    st.builds(str, st.floats(allow_nan=True, allow_infinity=True)),
)
WEB = settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@given(number_like)
def test_a_typed_number_is_a_bounded_decimal_or_a_plain_refusal(text):
    try:
        number = parse_decimal(text)
    except NumberError as error:
        assert str(error)  # a message for the person
    else:
        assert number.is_finite() and abs(number) < 10**MAX_DIGITS


@given(number_like)
def test_a_query_parameter_is_a_small_whole_number_or_nothing(text):
    value = int_param(text)
    assert value is None or 0 <= value < 2**31


@given(st.sampled_from(["number", "percent", "scale", "yes_no", "text"]), number_like)
def test_a_survey_answer_is_parsed_or_refused_with_a_message(kind, raw):
    question = {"key": "q", "type": kind, "min": 0, "max": 1000}
    try:
        value = parse_answer(question, raw)
    except ValueError as error:
        assert str(error)
    else:
        if kind in ("number", "percent") and value is not None:
            assert 0 <= value <= (100 if kind == "percent" else 1000)


@given(hostile_text)
def test_a_name_is_stored_composed_and_visible_or_refused(text):
    try:
        name = normalise_name(text)
    except ValidationError as error:
        assert error.messages
    else:
        assert name == unicodedata.normalize("NFC", name)
        assert not any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in name)


csv_cells = st.text(st.one_of(st.characters(), HOSTILE_CHARS), max_size=60)
csv_rows = st.lists(st.lists(csv_cells, min_size=1, max_size=8), min_size=0, max_size=30)


def _csv_bytes(rows, delimiter, encoding) -> bytes:
    text = "\n".join(delimiter.join(f'"{c}"' if '"' not in c else c for c in row) for row in rows)
    return text.encode(encoding, errors="replace")


@settings(max_examples=150)
@given(
    st.one_of(
        st.binary(max_size=4000),
        st.builds(
            _csv_bytes,
            csv_rows,
            st.sampled_from([",", ";", "\t"]),
            st.sampled_from(["utf-8", "cp1251", "utf-16"]),
        ),
    ),
    st.sampled_from(["roster.csv", "roster.xlsx", "roster.zip", "roster.xls"]),
)
def test_any_bytes_as_a_roster_file_are_read_or_refused_plainly(data, filename):
    try:
        table = read_roster(data, filename)
    except RosterFileError as error:
        assert str(error)
    else:
        assert all(len(row) == len(table.headers) for row in table.rows)


def _zip_with(members: dict[str, bytes], damage: int | None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    data = bytearray(buffer.getvalue())
    if damage is not None and data:
        data[damage % len(data)] ^= 0xFF  # one flipped byte: a wrong CRC, a broken header, …
    return bytes(data)


@settings(max_examples=80)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "users.csv",
                "orgs.csv",
                "roles.csv",
                "Teacher.csv",
                "School.csv",
                "[Content_Types].xml",
                "xl/workbook.xml",
            ]
        ),
        st.binary(max_size=300),
        max_size=4,
    ),
    st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)),
)
def test_any_damaged_zip_roster_is_refused_plainly(members, damage):
    try:
        read_roster(_zip_with(members, damage), "roster.zip")
    except RosterFileError as error:
        assert str(error)


def _form_data(client, url) -> dict:
    form = client.get(url).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif isinstance(value, date):
            data[name] = value.isoformat()
        elif value is not None:
            data[name] = value
    return data


@pytest.mark.django_db
@WEB
@given(first=hostile_text, last=hostile_text, left_on=st.one_of(hostile_text, st.dates().map(date.isoformat)))
def test_the_person_form_answers_every_value_and_stores_only_sound_ones(
    world, client_for, first, last, left_on
):
    tenant = world.a
    it_admin = client_for(tenant.users["it_admin"])
    with scopes_disabled():
        person = Person.objects.filter(municipality=tenant.municipality).first()
    url = f"/m/{tenant.municipality.slug}/people/{person.pk}/edit/"
    data = {**_form_data(it_admin, url), "first_name": first, "last_name": last, "left_on": left_on}
    response = it_admin.post(url, data)
    assert response.status_code in (200, 302)
    with scopes_disabled():
        person.refresh_from_db()
    for name in (person.first_name, person.last_name):
        assert name == unicodedata.normalize("NFC", name)
        assert not any(unicodedata.category(ch) in REFUSED_CATEGORIES for ch in name)
    assert person.left_on is None or 1990 <= person.left_on.year <= 2099


@pytest.mark.django_db
@WEB
@given(answer=number_like)
def test_a_survey_page_answers_every_number_and_stores_only_bounded_ones(world, client_for, answer):
    tenant = world.a
    with scopes_disabled():
        launched = Campaign.objects.filter(municipality=tenant.municipality).exists()
    if not launched:  # the first example launches; the others answer the same survey
        launch(client_for(tenant.users["officer"]), tenant)
    campaign = latest_campaign(tenant)
    response = response_of(campaign, tenant.school)
    url = f"/m/{tenant.municipality.slug}/surveys/responses/{response.pk}/"
    director = client_for(tenant.users["director"])
    assert director.post(url + "autosave/", {"internet_mbps": answer}).status_code == 200
    assert director.post(url, {"internet_mbps": answer}).status_code in (200, 302)  # refused / saved
    response.refresh_from_db()
    stored = response.answers.get("internet_mbps")
    assert stored is None or (isinstance(stored, int | float) and abs(stored) < 10**MAX_DIGITS)


@pytest.mark.django_db
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(st.one_of(st.characters(), HOSTILE_CHARS), min_size=1, max_size=180))
@pytest.mark.parametrize("renderer", ["slips", "certificate", "survey report"])
def test_every_pdf_renderer_takes_any_text(world, renderer, text):
    text = text.replace("\x00", "")  # PostgreSQL text holds no NUL; every form refuses it first
    with scopes_disabled():
        JobItem.objects.filter(job=world.a.job).delete()  # the slips renderer adds one each time
    assert RENDERERS[renderer](world, text or "x").startswith(b"%PDF")
