# ruff: noqa: E501
# fmt: off
"""Shipped example curricula in each reference language (en, bg, pl, ru) and demo figures."""

# (title, description, target roles, [(hours, module)], [feedback questions])
CURRICULA = {
    "en": [
        (
            "School in the Cloud: introduction",
            "Accounts, Gmail, Calendar, Drive and Classroom for every teacher: the first steps in the cloud.",
            ["teacher", "director"],
            [(2, "Your account, Gmail and Calendar"), (2, "Drive, Docs and sharing"), (2, "Classroom basics")],
            ["The training was useful for my work.", "The trainer explained clearly.", "I will use it next week."],
        ),
        (
            "School in the Cloud: communication and organisation",
            "New rules for e-communication at school, shared calendars, groups, forms and e-services.",
            ["teacher", "director", "staff"],
            [(2, "Groups and e-mail rules"), (2, "Shared calendars and meetings"), (2, "Forms and e-services")],
            ["The training was useful for my work.", "The trainer explained clearly.", "I will use it next week."],
        ),
        (
            "Training of administrators",
            "The admin console: organisational units, accounts, groups, security and support.",
            ["staff", "director"],
            [(3, "Organisational units and accounts"), (2, "Groups and sharing policies"), (3, "Security and support")],
            ["The training was useful for my work.", "The trainer explained clearly.", "I can do it on my own now."],
        ),
    ],
    "bg": [
        (
            "Училище в облака: въведение",
            "Акаунт, Gmail, Календар, Drive и Classroom за всеки учител: първите стъпки в облака.",
            ["teacher", "director"],
            [(2, "Акаунт, Gmail и Календар"), (2, "Drive, документи и споделяне"), (2, "Основи на Classroom")],
            ["Обучението беше полезно за работата ми.", "Обучителят обясняваше ясно.", "Ще го използвам още следващата седмица."],
        ),
        (
            "Училище в облака: комуникация и организация",
            "Нови правила за е-комуникация в училище, общи календари, групи, формуляри и е-услуги.",
            ["teacher", "director", "staff"],
            [(2, "Групи и правила за е-поща"), (2, "Общи календари и срещи"), (2, "Формуляри и е-услуги")],
            ["Обучението беше полезно за работата ми.", "Обучителят обясняваше ясно.", "Ще го използвам още следващата седмица."],
        ),
        (
            "Обучение на администратори",
            "Административната конзола: организационни единици, акаунти, групи, сигурност и поддръжка.",
            ["staff", "director"],
            [(3, "Организационни единици и акаунти"), (2, "Групи и правила за споделяне"), (3, "Сигурност и поддръжка")],
            ["Обучението беше полезно за работата ми.", "Обучителят обясняваше ясно.", "Вече мога да го правя сам(а)."],
        ),
    ],
    "pl": [
        (
            "Edu Kompas — szkoła zdalna",
            "Dziewięciotygodniowy program standaryzacji i certyfikacji kompetencji cyfrowych do nauczania zdalnego i hybrydowego.",
            ["teacher", "director"],
            [
                (4, "Diagnoza i plan rozwoju"),
                (6, "Narzędzia pracy zdalnej: Classroom i Teams"),
                (6, "Ocenianie i informacja zwrotna online"),
                (4, "Lider lokalnej sieci nauczycieli"),
            ],
            ["Szkolenie było przydatne w mojej pracy.", "Trener tłumaczył jasno.", "Wykorzystam to w przyszłym tygodniu."],
        ),
    ],
    "ru": [
        (
            "Дистанционные образовательные технологии: межшкольная модель",
            "Курс для педагогов пилотных школ Алтайского края: Moodle, вебинары, дистанционные мероприятия.",
            ["teacher", "director"],
            [
                (4, "Платформа Moodle: курс и задания"),
                (3, "Вебинарная площадка: проведение вебинара"),
                (3, "Дистанционные мероприятия: марафоны и конкурсы портфолио"),
            ],
            ["Обучение было полезным для моей работы.", "Тренер объяснял понятно.", "Применю это уже на следующей неделе."],
        ),
    ],
}

# Which examples each reference municipality starts with (the other languages stay shipped examples).
MUNICIPALITY_LANGUAGE = {"haskovo": "bg", "plovdiv": "bg", "pruszkow": "pl", "barnaul": "ru"}

PLACES = {
    "bg": "СУ „Иван Вазов“, компютърен кабинет 2",
    "pl": "Szkoła Podstawowa nr 1, sala 14",
    "ru": "МБОУ «Гимназия № 22», актовый зал",
}

QUOTA_SET = {
    "name": "Межшкольная модель: обязательства школ",
    "rules": [("webinar", 1, "quarter"), ("distance_event", 1, "half_year"), ("master_class", 1, "year")],
}

EVENT_TITLES = {
    "webinar": ["Вебинар: облачные сервисы на уроке", "Вебинар: электронный дневник", "Вебинар: Moodle для начинающих"],
    "distance_event": ["Предметный марафон по математике", "Конкурс портфолио учащихся"],
    "master_class": ["Мастер-класс: смешанное обучение", "Мастер-класс: проектная деятельность онлайн"],
}

# (days from today, kind, title): open lessons and a conference of the Haskovo programme.
HASKOVO_EVENTS = [
    (-34, "open_lesson", "Открит урок: Classroom в 5. клас"),
    (-12, "webinar", "Уебинар: правила за е-комуникация в училище"),
    (6, "open_lesson", "Открит урок: проект с Google Документи"),
    (27, "conference", "Конференция „Училище в облака“ — добри практики"),
]
