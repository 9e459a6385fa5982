# ruff: noqa: E501  (texts in four languages are data; they are not wrapped)
"""A teacher's digital-competence self-assessment on the DigCompEdu framework: one statement per
area of the framework, five answers worth 0–4 points each; the total is scaled to the Check-In's
0–88 points and gives a level from A1 (Newcomer) to C2 (Pioneer). Answered anonymously through a
personal link; a school's shares by level feed the staff criteria of the Altai template."""

from surveys.shipped.text import T

FREQUENCY = [
    {"value": "0", "points": 0, "text": T("Not yet", "Още не", "Jeszcze nie", "Пока нет")},
    {"value": "1", "points": 1, "text": T("Occasionally", "Понякога", "Czasami", "Иногда")},
    {"value": "2", "points": 2, "text": T("In some ways", "Частично", "W pewnym zakresie", "Частично")},
    {
        "value": "3",
        "points": 3,
        "text": T("Systematically", "Систематично", "Systematycznie", "Систематически"),
    },
    {
        "value": "4",
        "points": 4,
        "text": T(
            "Systematically, and I help colleagues do it",
            "Систематично и помагам на колеги",
            "Systematycznie i pomagam w tym innym",
            "Систематически и помогаю коллегам",
        ),
    },
]

AREAS = [
    (
        "engagement",
        T(
            "Professional engagement",
            "Професионална ангажираност",
            "Zaangażowanie zawodowe",
            "Профессиональное взаимодействие",
        ),
        T(
            "I use digital channels to communicate with colleagues, pupils and parents.",
            "Използвам дигитални канали за общуване с колеги, ученици и родители.",
            "Korzystam z kanałów cyfrowych w komunikacji z nauczycielami, uczniami i rodzicami.",
            "Я использую цифровые каналы для общения с коллегами, учениками и родителями.",
        ),
    ),
    (
        "resources",
        T("Digital resources", "Дигитални ресурси", "Zasoby cyfrowe", "Цифровые ресурсы"),
        T(
            "I find, adapt and create digital learning resources and respect their licences.",
            "Намирам, адаптирам и създавам дигитални учебни ресурси и спазвам лицензите им.",
            "Wyszukuję, dostosowuję i tworzę cyfrowe materiały, szanując ich licencje.",
            "Я нахожу, адаптирую и создаю цифровые учебные материалы и соблюдаю их лицензии.",
        ),
    ),
    (
        "teaching",
        T(
            "Teaching and learning",
            "Преподаване и учене",
            "Nauczanie i uczenie się",
            "Преподавание и обучение",
        ),
        T(
            "I plan lessons in which digital tools make learning better.",
            "Планирам уроци, в които дигиталните инструменти подобряват ученето.",
            "Planuję lekcje, w których narzędzia cyfrowe usprawniają uczenie się.",
            "Я планирую уроки, в которых цифровые инструменты улучшают обучение.",
        ),
    ),
    (
        "assessment",
        T("Assessment", "Оценяване", "Ocenianie", "Оценивание"),
        T(
            "I use digital tools to assess pupils and to give them feedback.",
            "Използвам дигитални инструменти за оценяване и обратна връзка.",
            "Używam narzędzi cyfrowych do oceniania uczniów i przekazywania informacji zwrotnej.",
            "Я использую цифровые инструменты для оценивания и обратной связи.",
        ),
    ),
    (
        "empowering",
        T(
            "Empowering learners",
            "Овластяване на учениците",
            "Wspieranie uczniów",
            "Расширение возможностей учащихся",
        ),
        T(
            "I use digital tools so that every pupil, including those with special needs, can take part.",
            "Използвам дигитални инструменти, за да участва всеки ученик, включително със специални потребности.",
            "Wykorzystuję narzędzia cyfrowe, aby każdy uczeń, także ze specjalnymi potrzebami, mógł uczestniczyć.",
            "Я использую цифровые инструменты, чтобы участвовать мог каждый ученик, в том числе с особыми потребностями.",
        ),
    ),
    (
        "facilitating",
        T(
            "Facilitating learners' digital competence",
            "Развиване на дигиталните компетентности на учениците",
            "Rozwijanie kompetencji cyfrowych uczniów",
            "Развитие цифровой компетентности учащихся",
        ),
        T(
            "I teach pupils to search, create and communicate safely and responsibly online.",
            "Уча учениците да търсят, създават и общуват безопасно и отговорно онлайн.",
            "Uczę uczniów bezpiecznego i odpowiedzialnego wyszukiwania, tworzenia i komunikowania się w sieci.",
            "Я учу учеников безопасно и ответственно искать информацию, создавать и общаться в сети.",
        ),
    ),
]

DEFINITION = {
    "title": T(
        "Teacher digital competence self-assessment (DigCompEdu)",
        "Самооценка на дигиталните компетентности на учителя (DigCompEdu)",
        "Samoocena kompetencji cyfrowych nauczyciela (DigCompEdu)",
        "Самооценка цифровой компетентности учителя (DigCompEdu)",
    ),
    "description": T(
        "Anonymous: your answers are stored without your name, and the school sees figures only "
        "when five or more colleagues have answered.",
        "Анонимно: отговорите се пазят без името ви, а училището вижда данни само когато са "
        "отговорили поне петима колеги.",
        "Anonimowo: odpowiedzi są zapisywane bez nazwiska, a szkoła widzi wyniki dopiero, gdy "
        "odpowie co najmniej pięć osób.",
        "Анонимно: ответы хранятся без вашего имени, а школа видит показатели, только когда "
        "ответят не менее пяти коллег.",
    ),
    "sections": [
        {
            "key": "role",
            "title": T("About you", "За вас", "O Tobie", "О вас"),
            "questions": [
                {
                    "key": "role",
                    "type": "single",
                    "required": True,
                    "text": T("Your role", "Вашата роля", "Twoja rola", "Ваша роль"),
                    "choices": [
                        {"value": "teacher", "text": T("Teacher", "Учител", "Nauczyciel", "Учитель")},
                        {
                            "value": "manager",
                            "text": T("Manager", "Ръководител", "Kadra kierownicza", "Руководитель"),
                        },
                    ],
                }
            ],
        },
        *[
            {
                "key": key,
                "title": title,
                "questions": [
                    {"key": key, "type": "single", "required": True, "text": text, "choices": FREQUENCY}
                ],
            }
            for key, title, text in AREAS
        ],
    ],
    "criteria": [],
}
