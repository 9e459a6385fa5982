"""Logins from native-script names, checked against the examples each standard publishes."""

import pytest

from integrations.logins import make_login, transliterate, unique_login

# Examples from the Bulgarian Transliteration Act (2009), arts. 3-4.
BULGARIAN = [
    ("София", "Sofia"),
    ("Стамболийски", "Stamboliyski"),
    ("Търговище", "Targovishte"),
    ("Щерьо", "Shteryo"),
    ("Жечев", "Zhechev"),
    ("Цветанка", "Tsvetanka"),
    ("Юлиян", "Yuliyan"),
    ("Ячо", "Yacho"),
    ("Хасково", "Haskovo"),
    ("Пловдив", "Plovdiv"),
]

# ICAO Doc 9303 Part 3 (as in Russian passports since 2014).
RUSSIAN = [
    ("Юлия", "Iuliia"),
    ("Щукин", "Shchukin"),
    ("Ёлкин", "Elkin"),
    ("Хабаров", "Khabarov"),
    ("Подъячев", "Podieiachev"),
    ("Васильевич", "Vasilevich"),
    ("Малыгин", "Malygin"),
    ("Эдуард", "Eduard"),
    ("Андрей", "Andrei"),
    ("Барнаул", "Barnaul"),
]

# Examples from Resolution No. 55 of the Cabinet of Ministers of Ukraine (2010).
UKRAINIAN = [
    ("Згорани", "Zghorany"),
    ("Розгон", "Rozghon"),
    ("Єнакієве", "Yenakiieve"),
    ("Гаєвич", "Haievych"),
    ("Їжакевич", "Yizhakevych"),
    ("Кадиївка", "Kadyivka"),
    ("Йосипівка", "Yosypivka"),
    ("Стрий", "Stryi"),
    ("Олексій", "Oleksii"),
    ("Юрій", "Yurii"),
    ("Корюківка", "Koriukivka"),
    ("Яготин", "Yahotyn"),
    ("Знам'янка", "Znamianka"),
    ("Ґалаґан", "Galagan"),
    ("Щербухи", "Shcherbukhy"),
]


@pytest.mark.parametrize(("native", "latin"), BULGARIAN)
def test_bulgarian(native, latin):
    assert transliterate(native, "bg") == latin


@pytest.mark.parametrize(("native", "latin"), RUSSIAN)
def test_russian_icao(native, latin):
    assert transliterate(native, "ru") == latin


@pytest.mark.parametrize(("native", "latin"), UKRAINIAN)
def test_ukrainian(native, latin):
    assert transliterate(native, "uk") == latin


def test_polish_and_other_latin_letters_fold_without_losing_any():
    assert transliterate("Łukasz Żółć Gęśla Ńąź", "pl") == "Lukasz Zolc Gesla Naz"
    assert transliterate("Straße Øster Æbeltoft", "pl") == "Strasse Oster AEbeltoft"


def test_all_caps_input():
    assert transliterate("ЖИВКОВ", "bg") == "ZHIVKOV"
    assert transliterate("ЩУКИН", "ru") == "SHCHUKIN"
    assert make_login("ЮЛИЯ", "ЩУКИНА", language="ru") == "iuliia.shchukina"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("first.last", "ivan.petrov"),
        ("f.last", "i.petrov"),
        ("firstlast", "ivanpetrov"),
        ("first.l", "ivan.p"),
        ("last.first", "petrov.ivan"),
        ("flast", "ipetrov"),
    ],
)
def test_patterns(pattern, expected):
    assert make_login("Иван", "Петров", pattern=pattern, language="bg") == expected


def test_compound_names():
    assert make_login("Łukasz", "Wójcik-Żak", language="pl") == "lukasz.wojcik-zak"
    assert (
        make_login("Мария Магдалена", "Иванова", language="bg") == "maria.ivanova"
    )  # -ия at the end of a word is "ia"
    assert make_login("Sean", "O'Brien", language="en") == "sean.obrien"


def test_collisions_get_a_number():
    taken = {"ivan.petrov", "ivan.petrov2"}
    assert unique_login("ivan.petrov", taken) == "ivan.petrov3"
    assert unique_login("maria.ivanova", taken) == "maria.ivanova"


def test_unknown_pattern_is_refused():
    with pytest.raises(ValueError):
        make_login("A", "B", pattern="nonsense")


@pytest.mark.django_db
def test_logins_page_by_each_countrys_standard(world, client_for):
    from django_scopes import scopes_disabled

    from integrations.models import Layout
    from schools.models import Person

    with scopes_disabled():
        Layout.objects.create(municipality=world.a.municipality, domain="alpha.example", name_language="bg")
        person = Person.objects.create(
            municipality=world.a.municipality, first_name="Щерьо", last_name="Стойчев"
        )
        namesake = Person.objects.create(
            municipality=world.a.municipality, first_name="Щерьо", last_name="Стойчев"
        )
        kept = Person.objects.create(
            municipality=world.a.municipality,
            first_name="Мария",
            last_name="Иванова",
            account_email="m.ivanova@alpha.example",
        )
    page = client_for(world.a.users["it_admin"]).get(f"/m/{world.a.municipality.slug}/logins/")
    assert page.status_code == 200
    addresses = {a.person.pk: a.address for a in page.context["page"]}
    assert addresses[person.pk] == "shteryo.stoychev@alpha.example"
    assert addresses[namesake.pk] == "shteryo.stoychev2@alpha.example"
    assert addresses[kept.pk] == "m.ivanova@alpha.example"  # an existing account is never renamed


@pytest.mark.django_db
def test_changing_the_rule_keeps_existing_addresses(world, client_for):
    from django_scopes import scopes_disabled

    from schools.models import Person

    with scopes_disabled():
        kept = Person.objects.create(
            municipality=world.a.municipality,
            first_name="Юлия",
            last_name="Щукина",
            account_email="yulia@alpha.example",
        )
        new = Person.objects.create(municipality=world.a.municipality, first_name="Юлия", last_name="Щукина")
    client = client_for(world.a.users["it_admin"])
    response = client.post(
        f"/m/{world.a.municipality.slug}/layout/",
        {
            "domain": "Alpha.Example",
            "login_pattern": "f.last",
            "name_language": "ru",
            "cyrillic_language": "ru",
            "ou_root": "Schools/",
            "teachers_group": "teachers",
            "microsoft_group_type": "security",
        },
    )
    assert response.status_code == 302
    addresses = {
        a.person.pk: a.address for a in client.get(f"/m/{world.a.municipality.slug}/logins/").context["page"]
    }
    assert addresses[kept.pk] == "yulia@alpha.example"
    assert addresses[new.pk] == "i.shchukina@alpha.example"


def test_manual_logins_win_and_conflicts_are_shown():
    from types import SimpleNamespace

    from integrations.logins import assign_addresses

    people = [
        SimpleNamespace(pk=1, first_name="Anna", last_name="Nowak", account_email="", login_override=""),
        SimpleNamespace(
            pk=2, first_name="Jan", last_name="Lis", account_email="", login_override="anna.nowak"
        ),
        SimpleNamespace(
            pk=3, first_name="Ola", last_name="Lis", account_email="ola@x.example", login_override="ola"
        ),
    ]
    result = {
        a.person.pk: a
        for a in assign_addresses(people, domain="x.example", pattern="first.last", language="pl")
    }
    assert result[2].address == "anna.nowak@x.example" and result[2].source == "manual"
    assert result[1].address == "anna.nowak2@x.example" and result[1].numbered
    assert result[3].address == "ola@x.example" and result[3].source == "existing"


@pytest.mark.django_db
def test_per_school_subdomains(world, client_for):
    from django_scopes import scopes_disabled

    from integrations.models import Layout
    from schools.models import Person, School

    with scopes_disabled():
        Layout.objects.create(
            municipality=world.a.municipality,
            domain="alpha.example",
            name_language="bg",
            per_school_subdomains=True,
        )
        botev = School.objects.create(
            municipality=world.a.municipality, name="ОУ „Христо Ботев“", subdomain="botev"
        )
        plain = School.objects.create(municipality=world.a.municipality, name="ДГ „Зорница“")
        at_botev = Person.objects.create(
            municipality=world.a.municipality, first_name="Иван", last_name="Петров"
        )
        at_botev.schools.add(botev)
        elsewhere = Person.objects.create(
            municipality=world.a.municipality, first_name="Иван", last_name="Петров"
        )
        elsewhere.schools.add(plain)
    page = client_for(world.a.users["it_admin"]).get(f"/m/{world.a.municipality.slug}/logins/")
    addresses = {a.person.pk: a.address for a in page.context["page"]}
    assert addresses[at_botev.pk] == "ivan.petrov@botev.alpha.example"
    assert addresses[elsewhere.pk] == "ivan.petrov@alpha.example"  # unique per domain: no number needed


@pytest.mark.parametrize(
    ("first", "last", "language", "cyrillic", "expected"),
    [
        ("Олена", "Коваленко", "pl", "uk", "olena.kovalenko"),  # the IT admin's choice for Cyrillic
        ("Иван", "Петров", "pl", "ru", "ivan.petrov"),
        ("Иван", "Петров", "en", "bg", "ivan.petrov"),
        ("Андрій", "Шевченко", "pl", "ru", "andrii.shevchenko"),  # і: Ukrainian, whatever the choice
        ("Дмитрий", "Эртель", "en", "uk", "dmitrii.ertel"),  # э: Russian; the whole name decides
        ("Ірина", "Бойко", "bg", "bg", "iryna.boiko"),  # a Ukrainian name in a Bulgarian municipality
        ("Jan", "Kowalski", "pl", "uk", "jan.kowalski"),
    ],
)
def test_a_cyrillic_name_is_romanised_by_the_table_its_letters_call_for(
    first, last, language, cyrillic, expected
):
    assert make_login(first, last, language=language, cyrillic=cyrillic) == expected


def test_a_name_no_table_romanises_gets_no_address_and_says_why():
    from types import SimpleNamespace

    from integrations.logins import assign_addresses

    people = [
        SimpleNamespace(
            pk=1, first_name="Γιώργος", last_name="Παπαδόπουλος", account_email="", login_override=""
        ),
        SimpleNamespace(pk=2, first_name="ნინო", last_name="ბერიძე", account_email="", login_override=""),
        SimpleNamespace(pk=3, first_name="Anna", last_name="Nowak", account_email="", login_override=""),
    ]
    result = {
        a.person.pk: a
        for a in assign_addresses(people, domain="x.example", pattern="first.last", language="pl")
    }
    for pk in (1, 2):  # never "@x.example", "2@x.example", …
        assert result[pk].address == "" and result[pk].problem and not result[pk].numbered
    assert "Γ" in result[1].problem or "γ" in result[1].problem.lower()
    assert result[3].address == "anna.nowak@x.example" and not result[3].problem


@pytest.mark.django_db
def test_the_logins_page_flags_names_that_cannot_be_romanised(world, client_for):
    from django_scopes import scopes_disabled

    from integrations.models import Layout
    from schools.models import Person

    with scopes_disabled():
        Layout.objects.create(municipality=world.a.municipality, domain="alpha.example", name_language="pl")
        greek = Person.objects.create(
            municipality=world.a.municipality, first_name="Γιώργος", last_name="Νίκου"
        )
        for user in world.a.users.values():
            user.language = "en"
            user.save(update_fields=["language"])
    page = client_for(world.a.users["it_admin"]).get(f"/m/{world.a.municipality.slug}/logins/")
    html = page.content.decode()
    assert "1 name cannot be romanised: set the login by hand" in html
    flagged = next(a for a in page.context["page"] if a.person.pk == greek.pk)
    assert flagged.address == "" and "cannot be romanised" in html
