# ruff: noqa: E501  (texts in four languages are data; they are not wrapped)
"""Haskovo: the free readiness survey for "School in the Cloud" that every school answers before
the service is activated (shared/DOMAIN.md, seed 000)."""

from surveys.shipped.text import T

DEFINITION = {
    "title": T(
        "Readiness for “School in the Cloud”",
        "Готовност за внедряване на „Училище в облака“",
        "Gotowość do wdrożenia „Szkoły w chmurze”",
        "Готовность к внедрению «Школы в облаке»",
    ),
    "description": T(
        "Free for every school. The answers decide the pilot group and what each school needs first.",
        "Безплатно за всички училища. Отговорите определят пилотната група и от какво има нужда всяко училище.",
        "Bezpłatnie dla każdej szkoły. Odpowiedzi wyznaczają grupę pilotażową i potrzeby każdej szkoły.",
        "Бесплатно для всех школ. Ответы определяют пилотную группу и первые потребности каждой школы.",
    ),
    "sections": [
        {
            "key": "infrastructure",
            "title": T("Infrastructure", "Инфраструктура", "Infrastruktura", "Инфраструктура"),
            "questions": [
                {
                    "key": "internet_mbps",
                    "type": "number",
                    "required": True,
                    "unit": T("Mbit/s", "Мбит/с", "Mbit/s", "Мбит/с"),
                    "text": T(
                        "Internet speed", "Скорост на интернета", "Prędkość internetu", "Скорость Интернета"
                    ),
                },
                {
                    "key": "wifi",
                    "type": "yes_no",
                    "required": True,
                    "text": T(
                        "Wi-Fi reaches the classrooms",
                        "Безжичната мрежа покрива класните стаи",
                        "Wi-Fi obejmuje sale lekcyjne",
                        "Wi-Fi доступен в классах",
                    ),
                },
                {
                    "key": "teacher_devices_pct",
                    "type": "percent",
                    "required": True,
                    "text": T(
                        "Share of teachers with a computer or laptop for work",
                        "Дял на учителите с компютър или лаптоп за работа",
                        "Odsetek nauczycieli z komputerem lub laptopem do pracy",
                        "Доля учителей с компьютером или ноутбуком для работы",
                    ),
                },
            ],
        },
        {
            "key": "people",
            "title": T("People", "Хора", "Ludzie", "Люди"),
            "questions": [
                {
                    "key": "admin_person",
                    "type": "yes_no",
                    "required": True,
                    "text": T(
                        "Someone at the school can administer accounts and groups",
                        "В училището има човек, който може да администрира профили и групи",
                        "W szkole jest osoba, która może administrować kontami i grupami",
                        "В школе есть человек, способный администрировать учётные записи и группы",
                    ),
                },
                {
                    "key": "digital_skills",
                    "type": "scale",
                    "required": True,
                    "text": T(
                        "How confident are the teachers with online tools? (1 = not at all, 5 = fully)",
                        "Колко уверени са учителите с онлайн инструментите? (1 = никак, 5 = напълно)",
                        "Jak pewnie nauczyciele korzystają z narzędzi online? (1 = wcale, 5 = w pełni)",
                        "Насколько уверенно учителя пользуются онлайн-инструментами? (1 = совсем нет, 5 = полностью)",
                    ),
                },
                {
                    "key": "trainings",
                    "type": "multi",
                    "text": T(
                        "Trainings the school wants",
                        "Обучения, които училището желае",
                        "Szkolenia, których szkoła potrzebuje",
                        "Обучения, которые нужны школе",
                    ),
                    "choices": [
                        {
                            "value": "intro",
                            "text": T(
                                "School in the Cloud: introduction",
                                "Училище в облака: въведение",
                                "Szkoła w chmurze: wprowadzenie",
                                "Школа в облаке: введение",
                            ),
                        },
                        {
                            "value": "communication",
                            "text": T(
                                "Communication and organisation",
                                "Комуникация и организация",
                                "Komunikacja i organizacja",
                                "Коммуникация и организация",
                            ),
                        },
                        {
                            "value": "admins",
                            "text": T(
                                "Training of administrators",
                                "Обучение на администратори",
                                "Szkolenie administratorów",
                                "Обучение администраторов",
                            ),
                        },
                    ],
                },
            ],
        },
        {
            "key": "processes",
            "title": T("Processes", "Процеси", "Procesy", "Процессы"),
            "questions": [
                {
                    "key": "gdpr",
                    "type": "yes_no",
                    "required": True,
                    "text": T(
                        "The school has written GDPR procedures for personal data",
                        "Училището има писмени процедури по GDPR за личните данни",
                        "Szkoła ma spisane procedury RODO dotyczące danych osobowych",
                        "В школе есть письменные процедуры защиты персональных данных",
                    ),
                },
                {
                    "key": "eservices",
                    "type": "multi",
                    "text": T(
                        "E-services already in use",
                        "Вече използвани електронни услуги",
                        "Używane już e-usługi",
                        "Уже используемые электронные сервисы",
                    ),
                    "choices": [
                        {
                            "value": "ediary",
                            "text": T("E-diary", "Електронен дневник", "E-dziennik", "Электронный дневник"),
                        },
                        {"value": "classroom", "text": T("Classroom", "Classroom", "Classroom", "Classroom")},
                        {"value": "teams", "text": T("Teams", "Teams", "Teams", "Teams")},
                    ],
                },
                {
                    "key": "pilot_volunteer",
                    "type": "yes_no",
                    "required": True,
                    "text": T(
                        "The school wants to be in the pilot group",
                        "Училището желае да бъде в пилотната група",
                        "Szkoła chce należeć do grupy pilotażowej",
                        "Школа хочет войти в пилотную группу",
                    ),
                },
                {
                    "key": "pilot_reason",
                    "type": "text",
                    "show_if": {"question": "pilot_volunteer", "equals": True},
                    "text": T("Why?", "Защо?", "Dlaczego?", "Почему?"),
                },
            ],
        },
    ],
    "criteria": [
        {
            "key": "internet",
            "group": "technical",
            "weight": 20,
            "text": T(
                "Internet ≥ 10 Mbit/s", "Интернет ≥ 10 Мбит/с", "Internet ≥ 10 Mbit/s", "Интернет ≥ 10 Мбит/с"
            ),
            "rule": {"question": "internet_mbps", "op": ">=", "value": 10},
        },
        {
            "key": "wifi",
            "group": "technical",
            "weight": 15,
            "text": T("Wi-Fi in classrooms", "Wi-Fi в класните стаи", "Wi-Fi w salach", "Wi-Fi в классах"),
            "rule": {"question": "wifi", "op": "==", "value": True},
        },
        {
            "key": "devices",
            "group": "technical",
            "weight": 15,
            "text": T(
                "≥ 80% of teachers have a work computer",
                "≥ 80% от учителите имат компютър",
                "≥ 80% nauczycieli ma komputer",
                "≥ 80% учителей имеют компьютер",
            ),
            "rule": {"question": "teacher_devices_pct", "op": ">=", "value": 80},
        },
        {
            "key": "admin_person",
            "group": "staff",
            "weight": 20,
            "text": T(
                "An account administrator",
                "Администратор на профили",
                "Administrator kont",
                "Администратор учётных записей",
            ),
            "rule": {"question": "admin_person", "op": "==", "value": True},
        },
        {
            "key": "skills",
            "group": "staff",
            "weight": 10,
            "text": T(
                "Teachers' confidence ≥ 3 of 5",
                "Увереност на учителите ≥ 3 от 5",
                "Pewność nauczycieli ≥ 3 na 5",
                "Уверенность учителей ≥ 3 из 5",
            ),
            "rule": {"question": "digital_skills", "op": ">=", "value": 3},
        },
        {
            "key": "gdpr",
            "group": "organisational",
            "weight": 10,
            "text": T("GDPR procedures", "Процедури по GDPR", "Procedury RODO", "Процедуры защиты данных"),
            "rule": {"question": "gdpr", "op": "==", "value": True},
        },
        {
            "key": "volunteer",
            "group": "organisational",
            "weight": 10,
            "text": T(
                "Wants to be a pilot school",
                "Желае да е пилотно училище",
                "Chce być szkołą pilotażową",
                "Хочет быть пилотной школой",
            ),
            "rule": {"question": "pilot_volunteer", "op": "==", "value": True},
        },
    ],
}
