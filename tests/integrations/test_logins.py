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
