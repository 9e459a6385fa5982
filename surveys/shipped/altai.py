# ruff: noqa: E501  (texts in four languages are data; they are not wrapped)
"""Altai krai: the criteria for selecting pilot schools of the inter-school distance-learning model
(shared/DOMAIN.md, seed 003). Technical: Internet ≥ 1 Mbit/s, a local network in the
library-information centre. Staff: ICT skills, basic level ≥ 80% and advanced ≥ 25% of teachers
and managers; teachers who took distance refresher courses; results in network projects; teachers
active in online communities. Organisational: high activity in the e-diary ("Network City.
Education"); a person responsible for ICT; an updated school website."""

from surveys.shipped.text import T

TEACHERS = T("teachers", "учители", "nauczycieli", "учителей")

DEFINITION = {
    "title": T(
        "Pilot-school selection criteria (Altai model)",
        "Критерии за избор на пилотни училища (модел Алтай)",
        "Kryteria wyboru szkół pilotażowych (model ałtajski)",
        "Критерии отбора пилотных школ (алтайская модель)",
    ),
    "description": T(
        "Criteria of the inter-school model of distance learning technologies. The staff figures come "
        "from the teachers' anonymous self-assessments once five or more have answered.",
        "Критерии на междуучилищния модел за дистанционно обучение. Данните за персонала идват от "
        "анонимните самооценки на учителите, щом отговорят поне петима.",
        "Kryteria międzyszkolnego modelu technologii nauczania zdalnego. Dane o kadrze pochodzą z "
        "anonimowych samoocen nauczycieli, gdy odpowie co najmniej pięć osób.",
        "Критерии межшкольной модели использования дистанционных образовательных технологий. "
        "Показатели по кадрам берутся из анонимной самооценки учителей, когда ответят не менее пяти.",
    ),
    "teacher_survey": "digcompedu",
    "sections": [
        {
            "key": "technical",
            "title": T(
                "Technical readiness", "Техническа готовност", "Gotowość techniczna", "Техническая готовность"
            ),
            "questions": [
                {
                    "key": "internet_mbps",
                    "type": "number",
                    "required": True,
                    "unit": T("Mbit/s", "Мбит/с", "Mbit/s", "Мбит/с"),
                    "text": T(
                        "Speed of the school's Internet connection",
                        "Скорост на интернет връзката на училището",
                        "Prędkość łącza internetowego szkoły",
                        "Скорость подключения школы к сети Интернет",
                    ),
                    "help": T(
                        "Incoming speed as measured at the school.",
                        "Входяща скорост, измерена в училището.",
                        "Prędkość pobierania zmierzona w szkole.",
                        "Входящая скорость, измеренная в школе.",
                    ),
                },
                {
                    "key": "library_lan",
                    "type": "yes_no",
                    "required": True,
                    "text": T(
                        "The library-information centre has a local network",
                        "В библиотечно-информационния център има локална мрежа",
                        "Centrum biblioteczno-informacyjne ma sieć lokalną",
                        "В информационно-библиотечном центре есть локальная сеть",
                    ),
                },
                {
                    "key": "library_lan_evidence",
                    "type": "file",
                    "show_if": {"question": "library_lan", "equals": True},
                    "text": T(
                        "A plan or photo of the network (optional)",
                        "Схема или снимка на мрежата (по желание)",
                        "Schemat lub zdjęcie sieci (opcjonalnie)",
                        "Схема или фото сети (необязательно)",
                    ),
                },
            ],
        },
        {
            "key": "staff",
            "title": T("Staff", "Персонал", "Kadra", "Кадры"),
            "questions": [
                {
                    "key": "ict_basic_pct",
                    "type": "percent",
                    "text": T(
                        "Share of teachers and managers with at least basic ICT skills",
                        "Дял на учителите и ръководителите с поне базови ИКТ умения",
                        "Odsetek nauczycieli i kadry kierowniczej z co najmniej podstawowymi umiejętnościami TIK",
                        "Доля учителей и руководителей, владеющих ИКТ не ниже базового уровня",
                    ),
                    "help": T(
                        "Used only while fewer than five teachers have answered the self-assessment "
                        "(basic = DigCompEdu A2 or above).",
                        "Използва се само докато по-малко от петима учители са попълнили самооценката "
                        "(базово = DigCompEdu A2 или по-високо).",
                        "Używane tylko, dopóki samoocenę wypełniło mniej niż pięciu nauczycieli "
                        "(podstawowy = DigCompEdu A2 lub wyżej).",
                        "Используется, только пока самооценку заполнили менее пяти учителей "
                        "(базовый = DigCompEdu A2 и выше).",
                    ),
                },
                {
                    "key": "ict_advanced_pct",
                    "type": "percent",
                    "text": T(
                        "Share of teachers and managers with advanced ICT skills",
                        "Дял на учителите и ръководителите с напреднали ИКТ умения",
                        "Odsetek nauczycieli i kadry kierowniczej z zaawansowanymi umiejętnościami TIK",
                        "Доля учителей и руководителей, владеющих ИКТ на продвинутом уровне",
                    ),
                    "help": T(
                        "Used only while fewer than five teachers have answered the self-assessment "
                        "(advanced = DigCompEdu B2 or above).",
                        "Използва се само докато по-малко от петима учители са попълнили самооценката "
                        "(напреднало = DigCompEdu B2 или по-високо).",
                        "Używane tylko, dopóki samoocenę wypełniło mniej niż pięciu nauczycieli "
                        "(zaawansowany = DigCompEdu B2 lub wyżej).",
                        "Используется, только пока самооценку заполнили менее пяти учителей "
                        "(продвинутый = DigCompEdu B2 и выше).",
                    ),
                },
                {
                    "key": "distance_courses",
                    "type": "number",
                    "required": True,
                    "unit": TEACHERS,
                    "text": T(
                        "Teachers who took distance refresher courses",
                        "Учители, преминали дистанционни курсове за квалификация",
                        "Nauczyciele, którzy ukończyli zdalne kursy doskonalące",
                        "Учителя, прошедшие дистанционные курсы повышения квалификации",
                    ),
                },
                {
                    "key": "network_projects",
                    "type": "yes_no",
                    "required": True,
                    "text": T(
                        "The school has results in network projects",
                        "Училището има резултати в мрежови проекти",
                        "Szkoła ma wyniki w projektach sieciowych",
                        "У школы есть результаты участия в сетевых проектах",
                    ),
                },
                {
                    "key": "network_projects_list",
                    "type": "text",
                    "required": True,
                    "show_if": {"question": "network_projects", "equals": True},
                    "text": T(
                        "Which projects, and what results?",
                        "Кои проекти и какви резултати?",
                        "Jakie projekty i jakie wyniki?",
                        "Какие проекты и какие результаты?",
                    ),
                },
                {
                    "key": "online_communities",
                    "type": "number",
                    "required": True,
                    "unit": TEACHERS,
                    "text": T(
                        "Teachers active in online professional communities",
                        "Учители, активни в онлайн професионални общности",
                        "Nauczyciele aktywni w internetowych społecznościach zawodowych",
                        "Учителя, активные в сетевых профессиональных сообществах",
                    ),
                },
            ],
        },
        {
            "key": "organisational",
            "title": T("Organisation", "Организация", "Organizacja", "Организационные условия"),
            "questions": [
                {
                    "key": "ediary_activity",
                    "type": "single",
                    "required": True,
                    "text": T(
                        "Activity of all participants in the e-diary system (“Network City. Education”)",
                        "Активност на всички участници в електронния дневник („Сетевой город. Образование“)",
                        "Aktywność wszystkich uczestników w e-dzienniku („Sieciowe Miasto. Edukacja”)",
                        "Активность всех участников в системе электронного дневника («Сетевой город. Образование»)",
                    ),
                    "choices": [
                        {"value": "high", "text": T("high", "висока", "wysoka", "высокая")},
                        {"value": "medium", "text": T("medium", "средна", "średnia", "средняя")},
                        {"value": "low", "text": T("low", "ниска", "niska", "низкая")},
                        {
                            "value": "none",
                            "text": T("not used", "не се използва", "nieużywany", "не используется"),
                        },
                    ],
                },
                {
                    "key": "ict_responsible",
                    "type": "yes_no",
                    "required": True,
                    "text": T(
                        "A person responsible for ICT is appointed",
                        "Има определено отговорно лице за ИКТ",
                        "Wyznaczono osobę odpowiedzialną za TIK",
                        "Назначен ответственный за ИКТ",
                    ),
                },
                {
                    "key": "ict_responsible_name",
                    "type": "text",
                    "required": True,
                    "show_if": {"question": "ict_responsible", "equals": True},
                    "text": T(
                        "Name and position of the person responsible for ICT",
                        "Име и длъжност на отговорното лице за ИКТ",
                        "Imię, nazwisko i stanowisko osoby odpowiedzialnej za TIK",
                        "ФИО и должность ответственного за ИКТ",
                    ),
                },
                {
                    "key": "website_updated",
                    "type": "yes_no",
                    "required": True,
                    "text": T(
                        "The school website is kept up to date",
                        "Сайтът на училището се обновява редовно",
                        "Strona internetowa szkoły jest aktualizowana",
                        "Сайт школы регулярно обновляется",
                    ),
                },
                {
                    "key": "website_url",
                    "type": "text",
                    "show_if": {"question": "website_updated", "equals": True},
                    "text": T("Website address", "Адрес на сайта", "Adres strony", "Адрес сайта"),
                },
            ],
        },
    ],
    "criteria": [
        {
            "key": "internet",
            "group": "technical",
            "weight": 15,
            "text": T(
                "Internet ≥ 1 Mbit/s", "Интернет ≥ 1 Мбит/с", "Internet ≥ 1 Mbit/s", "Интернет ≥ 1 Мбит/с"
            ),
            "rule": {"question": "internet_mbps", "op": ">=", "value": 1},
        },
        {
            "key": "library_lan",
            "group": "technical",
            "weight": 10,
            "text": T(
                "Local network in the library-information centre",
                "Локална мрежа в библиотечно-информационния център",
                "Sieć lokalna w centrum biblioteczno-informacyjnym",
                "Локальная сеть в информационно-библиотечном центре",
            ),
            "rule": {"question": "library_lan", "op": "==", "value": True},
        },
        {
            "key": "ict_basic",
            "group": "staff",
            "weight": 15,
            "text": T(
                "Basic ICT skills: ≥ 80% of teachers and managers",
                "Базови ИКТ умения: ≥ 80% от учителите и ръководителите",
                "Podstawowe umiejętności TIK: ≥ 80% nauczycieli i kadry kierowniczej",
                "Базовый уровень ИКТ-компетентности: ≥ 80% учителей и руководителей",
            ),
            "rule": {"teacher_share": "A2", "op": ">=", "value": 80, "fallback": "ict_basic_pct"},
        },
        {
            "key": "ict_advanced",
            "group": "staff",
            "weight": 10,
            "text": T(
                "Advanced ICT skills: ≥ 25% of teachers and managers",
                "Напреднали ИКТ умения: ≥ 25% от учителите и ръководителите",
                "Zaawansowane umiejętności TIK: ≥ 25% nauczycieli i kadry kierowniczej",
                "Продвинутый уровень ИКТ-компетентности: ≥ 25% учителей и руководителей",
            ),
            "rule": {"teacher_share": "B2", "op": ">=", "value": 25, "fallback": "ict_advanced_pct"},
        },
        {
            "key": "distance_courses",
            "group": "staff",
            "weight": 10,
            "text": T(
                "Teachers who took distance refresher courses",
                "Учители с дистанционни курсове за квалификация",
                "Nauczyciele po zdalnych kursach doskonalących",
                "Учителя, прошедшие дистанционные курсы повышения квалификации",
            ),
            "rule": {"question": "distance_courses", "op": ">=", "value": 1},
        },
        {
            "key": "network_projects",
            "group": "staff",
            "weight": 10,
            "text": T(
                "Results in network projects",
                "Резултати в мрежови проекти",
                "Wyniki w projektach sieciowych",
                "Результаты участия в сетевых проектах",
            ),
            "rule": {"question": "network_projects", "op": "==", "value": True},
        },
        {
            "key": "online_communities",
            "group": "staff",
            "weight": 5,
            "text": T(
                "Teachers active in online communities",
                "Учители, активни в онлайн общности",
                "Nauczyciele aktywni w społecznościach internetowych",
                "Учителя, активные в сетевых сообществах",
            ),
            "rule": {"question": "online_communities", "op": ">=", "value": 1},
        },
        {
            "key": "ediary",
            "group": "organisational",
            "weight": 10,
            "text": T(
                "High activity in the e-diary (“Network City. Education”)",
                "Висока активност в електронния дневник",
                "Wysoka aktywność w e-dzienniku",
                "Высокая активность в системе «Сетевой город. Образование»",
            ),
            "rule": {"question": "ediary_activity", "op": "in", "value": ["high"]},
        },
        {
            "key": "ict_responsible",
            "group": "organisational",
            "weight": 10,
            "text": T(
                "A person responsible for ICT",
                "Отговорно лице за ИКТ",
                "Osoba odpowiedzialna za TIK",
                "Ответственный за ИКТ",
            ),
            "rule": {"question": "ict_responsible", "op": "==", "value": True},
        },
        {
            "key": "website",
            "group": "organisational",
            "weight": 5,
            "text": T(
                "An updated school website",
                "Обновяван сайт на училището",
                "Aktualizowana strona szkoły",
                "Обновляемый сайт школы",
            ),
            "rule": {"question": "website_updated", "op": "==", "value": True},
        },
    ],
    "levels": [[80, "ready"], [50, "partly"], [0, "not_ready"]],
}
