"""`seed_demo` creates the reference customers and is safe to run twice."""

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from schools.models import Membership, Municipality, Person, Region, User

pytestmark = pytest.mark.django_db


def test_seed_demo_twice():
    call_command("seed_demo", "--quiet-logins")
    with scopes_disabled():
        counts = (Municipality.objects.count(), Person.objects.count(), User.objects.count())
        call_command("seed_demo", "--quiet-logins")
        assert (Municipality.objects.count(), Person.objects.count(), User.objects.count()) == counts
        assert {"haskovo", "plovdiv", "pruszkow"} <= set(Municipality.objects.values_list("slug", flat=True))
        altai = Region.objects.get(slug="altai")
        assert altai.municipalities.count() >= 2
        assert Person.objects.filter(role="teacher").count() >= 300
        haskovo_teacher = Person.objects.filter(municipality__slug="haskovo").first()
        assert any("\u0400" <= ch <= "\u04ff" for ch in haskovo_teacher.last_name)  # Cyrillic
        polish = "".join(
            Person.objects.filter(municipality__slug="pruszkow").values_list("last_name", flat=True)
        )
        assert set(polish) & set("ąćęłńóśźż")
        for slug in ("haskovo", "plovdiv", "pruszkow"):
            roles = set(Membership.objects.filter(municipality__slug=slug).values_list("role", flat=True))
            assert roles == {"officer", "it_admin", "director", "trainer", "teacher"}
