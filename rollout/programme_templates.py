# ruff: noqa: E501 (data: long texts in four languages)
"""The four reference programmes, shipped as templates in their own language and in English
(shared/DOMAIN.md; seeds 000-003). Officers' own templates are ``ProgrammeTemplate`` rows with
the same shape.

Shape: ``unit`` ("month", "week" or "day") counts the offsets from the programme's start;
``start``/``end`` are inclusive offsets. Texts are {language: text}; a missing language falls
back to English. ``role`` is an ``Activity.Responsible`` value; ``fact`` a kind of
``rollout.facts`` (dropped when the app that provides it is not installed).
"""

from __future__ import annotations

# fmt: off
HASKOVO = {
    "key": "haskovo-school-in-the-cloud",
    "languages": ["bg", "en"],
    "unit": "month",
    "name": {"bg": "Училище в облака", "en": "School in the Cloud"},
    "description": {
        "bg": "Програма на община Хасково с програма SPACE CAMP: анкета за готовност (безплатно, за всички "
              "училища) → активиране на услугата (еднократно и завинаги) → обучение на учителите по три учебни "
              "програми → готови процедури и документи от други училища в България.",
        "en": "Haskovo municipality with the SPACE CAMP programme: readiness survey (free, all schools) → "
              "activation of the service (once, forever) → teacher training in three curricula → ready-made "
              "procedures and documents from other Bulgarian schools.",
    },
    "stages": [
        {
            "name": {"bg": "Етап 1: електронно общуване и основни административни процеси в облака",
                     "en": "Stage 1: e-communication and basic administrative processes in the cloud"},
            "expected": {"bg": "Ясен и бърз канал за общуване по електронен път за всички учители в Общината. "
                               "Достъп за безплатни ресурси за училищата. Оптимизирано съхранение на данни.",
                         "en": "A clear, fast e-mail channel to every teacher of the municipality. Free resources "
                               "for the schools. Optimised data storage."},
            "start": 0, "end": 5,
            "activities": [
                {"title": {"bg": "Анкета за готовност за внедряване", "en": "Readiness survey"},
                 "per_school": True, "role": "director", "start": 0, "end": 0, "fact": "survey_submitted"},
                {"title": {"bg": "Презентация и дискусия с директорите на училища и екип на Община Хасково",
                           "en": "Presentation and discussion with the school directors and the municipal team"},
                 "role": "officer", "start": 0, "end": 0},
                {"title": {"bg": "Активация и настройка на Google Workspace за образованието на пилотна група "
                                 "или всички училища в Общината",
                           "en": "Activation and set-up of Google Workspace for Education for the pilot group "
                                 "or all schools"},
                 "role": "it_admin", "start": 1, "end": 1, "fact": "domain_verified"},
                {"title": {"bg": "Обучение на тема „Училище в облака: въведение“",
                           "en": "Training \"School in the Cloud: introduction\""},
                 "per_school": True, "role": "trainer", "start": 2, "end": 3,
                 "fact": "teachers_trained", "params": {"n": 5}},
                {"title": {"bg": "Обучение на администратори", "en": "Training of administrators"},
                 "role": "trainer", "start": 2, "end": 2},
                {"title": {"bg": "Създаване на електронни профили на всички учители и Google групи",
                           "en": "Creating accounts for all teachers and Google groups"},
                 "per_school": True, "role": "it_admin", "start": 2, "end": 4, "fact": "teacher_accounts"},
            ],
        },
        {
            "name": {"bg": "Етап 2: Училище в облака", "en": "Stage 2: School in the Cloud"},
            "expected": {"bg": "50 сертифицирани учители и 3 Google сертифицирани обучители сред учителите от Хасково.",
                         "en": "50 certified teachers and 3 Google Certified Trainers among Haskovo's teachers."},
            "start": 6, "end": 17,
            "activities": [
                {"title": {"bg": "Обучение „Училище в облака: общуване и организация“",
                           "en": "Training \"School in the Cloud: communication and organisation\""},
                 "per_school": True, "role": "trainer", "start": 6, "end": 8,
                 "fact": "teachers_trained", "params": {"n": 5}},
                {"title": {"bg": "Подпомагане на училищата да въведат нови правилници за електронно общуване",
                           "en": "Helping schools adopt new rules for e-communication"},
                 "per_school": True, "role": "director", "start": 7, "end": 10},
                {"title": {"bg": "Интегриране на съществуващи електронни услуги с G Suite профилите "
                                 "(дневник, ползване на приложения, Google класна стая)",
                           "en": "Integrating existing e-services with the accounts (e-diary, apps, "
                                 "Google Classroom)"},
                 "per_school": True, "role": "it_admin", "start": 8, "end": 11},
                {"title": {"bg": "Сертифициране на 50 учители по международни програми",
                           "en": "Certifying 50 teachers in international programmes"},
                 "role": "officer", "start": 9, "end": 17},
                {"title": {"bg": "3 Google сертифицирани обучители сред учителите от Хасково",
                           "en": "3 Google Certified Trainers among Haskovo's teachers"},
                 "role": "officer", "start": 12, "end": 17},
            ],
        },
    ],
}

PLOVDIV = {
    "key": "plovdiv-digitalisation",
    "languages": ["bg", "en"],
    "unit": "month",
    "name": {"bg": "Дигитализация на образователния процес",
             "en": "Digitalisation of the educational process"},
    "description": {
        "bg": "Община Пловдив съфинансира и организира обучението на училищни екипи за G Suite и Office 365. "
              "Общинска образователна програма 2017–2019: 30 000 лв. годишно за три години.",
        "en": "Plovdiv co-finances and organises the training of school teams on both G Suite and Office 365. "
              "Municipal Educational Programme 2017–2019: BGN 30,000 a year for three years.",
    },
    "stages": [
        {
            "name": {"bg": "Подготовка", "en": "Preparation"},
            "expected": {"bg": "Училищни екипи и технически решения за всяко училище.",
                         "en": "A school team and a technical solution for every school."},
            "start": 0, "end": 2,
            "activities": [
                {"title": {"bg": "Информационни срещи", "en": "Information meetings"},
                 "role": "officer", "start": 0, "end": 0},
                {"title": {"bg": "Анкети сред учители и директори", "en": "Polls of teachers and directors"},
                 "per_school": True, "role": "director", "start": 0, "end": 1, "fact": "survey_submitted"},
                {"title": {"bg": "Определяне на училищни екипи", "en": "Identifying the school teams"},
                 "per_school": True, "role": "director", "start": 1, "end": 1},
                {"title": {"bg": "Определяне на необходимите технически решения",
                           "en": "Identifying the technical solutions"},
                 "role": "it_admin", "start": 1, "end": 2},
            ],
        },
        {
            "name": {"bg": "Въвеждане и обучение", "en": "Set-up and training"},
            "expected": {"bg": "Домейни и профили за всички училища; обучени екипи.",
                         "en": "Domains and accounts for every school; trained school teams."},
            "start": 3, "end": 11,
            "activities": [
                {"title": {"bg": "Регистриране и настройка на домейни", "en": "Registering and setting up domains"},
                 "role": "it_admin", "start": 3, "end": 4, "fact": "domain_verified"},
                {"title": {"bg": "Създаване на профили на учителите", "en": "Creating the teachers' accounts"},
                 "per_school": True, "role": "it_admin", "start": 4, "end": 5, "fact": "teacher_accounts"},
                {"title": {"bg": "Теоретични и практически обучения", "en": "Theory and practice trainings"},
                 "per_school": True, "role": "trainer", "start": 5, "end": 11,
                 "fact": "teachers_trained", "params": {"n": 10}},
            ],
        },
        {
            "name": {"bg": "Използване и сертифициране", "en": "Use and certification"},
            "expected": {"bg": "Платформите се използват в обучението и администрацията; сертифицирани учители.",
                         "en": "The platforms are used in teaching and administration; certified teachers."},
            "start": 12, "end": 35,
            "activities": [
                {"title": {"bg": "Въвеждане в образователния процес и в административната дейност",
                           "en": "Use in teaching and in administration"},
                 "per_school": True, "role": "director", "start": 12, "end": 23},
                {"title": {"bg": "Сертифициране на учители по новия образователен стандарт",
                           "en": "Certification of teachers by the new educational standard"},
                 "role": "officer", "start": 18, "end": 35},
            ],
        },
    ],
}

_PL_WEEK = "Tydzień {n}"
_EN_WEEK = "Week {n}"


def _week(n: int, pl: str, en: str, activities: list[dict]) -> dict:
    return {
        "name": {"pl": f"{_PL_WEEK.format(n=n)}: {pl}", "en": f"{_EN_WEEK.format(n=n)}: {en}"},
        "expected": {},
        "start": n - 1,
        "end": n - 1,
        "activities": [{**a, "start": n - 1, "end": n - 1} for a in activities],
    }


PRUSZKOW = {
    "key": "pruszkow-edu-kompas",
    "languages": ["pl", "en"],
    "unit": "week",
    "name": {"pl": "Edu Kompas — zdalna szkoła", "en": "Edu Kompas — remote school"},
    "description": {
        "pl": "9-tygodniowy program dla wszystkich nauczycieli i dyrektorów miasta: standaryzacja, certyfikacja "
              "i wzmocnienie kompetencji cyfrowych w nauce zdalnej i hybrydowej, oparty na wynikach badań "
              "diagnostycznych; buduje lokalną sieć współpracy nauczycieli i wyłania lokalnych liderów oświaty.",
        "en": "A 9-week programme for all teachers and directors of the town: standardisation, certification and "
              "stronger digital competences for remote and hybrid teaching, built on diagnostic survey results; "
              "builds a local network of teachers and finds local education leaders.",
    },
    "stages": [
        _week(1, "diagnoza", "diagnosis", [
            {"title": {"pl": "Spotkanie otwierające z dyrektorami szkół",
                       "en": "Opening meeting with the school directors"}, "role": "officer"},
            {"title": {"pl": "Badanie diagnostyczne kompetencji cyfrowych",
                       "en": "Diagnostic survey of digital competences"},
             "per_school": True, "role": "director", "fact": "survey_submitted"},
        ]),
        _week(2, "standard pracy zdalnej", "the remote-work standard", [
            {"title": {"pl": "Omówienie wyników diagnozy i ustalenie standardu pracy zdalnej w mieście",
                       "en": "Discussing the diagnosis and agreeing the town's standard for remote work"},
             "role": "officer"},
            {"title": {"pl": "Konta dla wszystkich nauczycieli", "en": "Accounts for every teacher"},
             "per_school": True, "role": "it_admin", "fact": "teacher_accounts"},
        ]),
        _week(3, "kadra kierownicza", "school leaders", [
            {"title": {"pl": "Szkolenie dyrektorów: zarządzanie szkołą hybrydową",
                       "en": "Training of directors: leading a hybrid school"}, "role": "trainer"},
        ]),
        _week(4, "narzędzia", "tools", [
            {"title": {"pl": "Szkolenie nauczycieli: platforma i narzędzia do lekcji zdalnych",
                       "en": "Teacher training: the platform and tools for remote lessons"},
             "per_school": True, "role": "trainer", "fact": "teachers_trained", "params": {"n": 5}},
        ]),
        _week(5, "lekcja online", "the online lesson", [
            {"title": {"pl": "Szkolenie nauczycieli: prowadzenie lekcji online",
                       "en": "Teacher training: teaching an online lesson"}, "per_school": True, "role": "trainer"},
        ]),
        _week(6, "ocenianie", "assessment", [
            {"title": {"pl": "Szkolenie nauczycieli: ocenianie i informacja zwrotna na odległość",
                       "en": "Teacher training: assessment and feedback at a distance"},
             "per_school": True, "role": "trainer"},
        ]),
        _week(7, "praktyka w szkołach", "practice in schools", [
            {"title": {"pl": "Lekcje otwarte i wymiana praktyk w zespołach szkolnych",
                       "en": "Open lessons and sharing practice in school teams"},
             "per_school": True, "role": "director"},
        ]),
        _week(8, "certyfikacja", "certification", [
            {"title": {"pl": "Certyfikacja kompetencji cyfrowych nauczycieli",
                       "en": "Certification of the teachers' digital competences"},
             "per_school": True, "role": "trainer"},
        ]),
        _week(9, "podsumowanie i sieć", "summary and network", [
            {"title": {"pl": "Podsumowanie, lokalna sieć współpracy nauczycieli i wyłonienie liderów oświaty",
                       "en": "Summary, the local network of teachers and naming local education leaders"},
             "role": "officer"},
            {"title": {"pl": "Raport dla organu prowadzącego", "en": "Report to the town"}, "role": "officer"},
        ]),
    ],
}

_MURATOV = {"ru": "Муратов А.Ю.", "en": "A. Yu. Muratov"}
_MURATOV_ALL = {"ru": "Муратов А.Ю.; учителя ОУ, сотрудники МОУО, администрация ОУ",
                "en": "A. Yu. Muratov; school teachers, municipal education staff, school management"}

# Months from March (0) to December (9); "ongoing" and "during the year" span all of them.
ALTAI = {
    "key": "altai-inter-school-model",
    "languages": ["ru", "en"],
    "unit": "month",
    "name": {"ru": "Программа развития межшкольной модели внедрения и применения ДОТ",
             "en": "Inter-school model of distance learning technologies"},
    "description": {
        "ru": "Каждая школа пишет свою программу (мероприятия, ответственные, планируемые результаты, критерии и "
              "показатели). Педагоги каждой школы: не менее одного мастер-класса от школы в год, не менее одного "
              "дистанционного мероприятия в полугодие, не менее одного вебинара в квартал.",
        "en": "Every school writes its own plan (events, responsible persons, planned results, criteria and "
              "indicators). Each school's teachers: at least one master class per school per year, at least one "
              "distance event per half-year, at least one webinar per quarter.",
    },
    "stages": [
        {
            "name": {"ru": "План развития межшкольной модели", "en": "Plan of the inter-school model"},
            "expected": {"ru": "Пилотные школы отобраны и работают по межшкольной модели; мониторинг раз в квартал.",
                         "en": "Pilot schools selected and working by the inter-school model; quarterly monitoring."},
            "start": 0, "end": 9,
            "activities": [
                {"title": {"ru": "Формирование критериев для отбора пилотных школ",
                           "en": "Criteria for selecting the pilot schools"},
                 "role": "coordinator", "label": _MURATOV, "start": 0, "end": 0},
                {"title": {"ru": "Консультирование ответственных лиц из пилотных школ",
                           "en": "Consulting the responsible persons of the pilot schools"},
                 "role": "coordinator", "label": _MURATOV, "start": 0, "end": 9,
                 "when": {"ru": "постоянно", "en": "ongoing"}},
                {"title": {"ru": "Привлечение педагогов к выступлениям на конференции по обмену опытом",
                           "en": "Speakers for the experience-sharing conference"},
                 "role": "coordinator", "label": _MURATOV, "start": 0, "end": 0},
                {"title": {"ru": "Анализ заявок и отбор пилотных школ",
                           "en": "Analysing the applications and selecting the pilot schools"},
                 "role": "coordinator", "label": _MURATOV, "start": 0, "end": 1},
                {"title": {"ru": "Корректировка существующих и издание новых нормативных документов",
                           "en": "Revising existing and issuing new regulations"},
                 "per_school": True, "role": "director",
                 "label": {"ru": "Руководители МОУО и ОУ",
                           "en": "Heads of the municipal education bodies and of the schools"},
                 "start": 1, "end": 1},
                {"title": {"ru": "Развитие площадки для размещения дистанционных курсов, сетевого взаимодействия "
                                 "на базе системы «Мудл»",
                           "en": "Developing the Moodle platform for distance courses and networking"},
                 "role": "coordinator", "label": _MURATOV, "start": 1, "end": 1},
                {"title": {"ru": "Развитие площадки для проведения вебинаров",
                           "en": "Developing the webinar platform"},
                 "role": "coordinator", "label": _MURATOV, "start": 1, "end": 2},
                {"title": {"ru": "Краевой семинар-конференция для ответственных сотрудников пилотных школ и МОУО",
                           "en": "Regional seminar-conference for the responsible staff of pilot schools and "
                                 "municipal education bodies"},
                 "role": "coordinator", "label": _MURATOV, "start": 1, "end": 2},
                {"title": {"ru": "Привлечение педагогов к выступлениям на секции «Дистанционные образовательные "
                                 "технологии» в НПК «Российская школа и Интернет»",
                           "en": "Speakers for the section \"Distance learning technologies\" of the conference "
                                 "\"Russian school and the Internet\""},
                 "role": "coordinator", "label": _MURATOV, "start": 1, "end": 1},
                {"title": {"ru": "Подготовка учебно-методических материалов к курсам повышения квалификации "
                                 "для учителей пилотных школ по межшкольной модели",
                           "en": "Course materials for the refresher courses of pilot-school teachers"},
                 "role": "other", "label": {"ru": "Кулакова Т.Г., Зайцева Ю.В.",
                                            "en": "T. G. Kulakova, Yu. V. Zaitseva"},
                 "start": 2, "end": 3},
                {"title": {"ru": "Мониторинг деятельности пилотных МОУО и ОУ",
                           "en": "Monitoring the pilot municipalities and schools"},
                 "role": "coordinator", "label": _MURATOV, "start": 0, "end": 9,
                 "when": {"ru": "1 раз в квартал", "en": "once a quarter"}},
                {"title": {"ru": "Участие в краевом совещании с методистами МОУО по теме: «Проблемы и "
                                 "перспективы внедрения дистанционного обучения школьников на базе "
                                 "библиотечно-информационных центров»",
                           "en": "Regional meeting with the municipal methodologists: problems and prospects of "
                                 "distance learning in library-information centres"},
                 "role": "coordinator", "label": _MURATOV_ALL, "start": 5, "end": 5},
                {"title": {"ru": "Посещение библиотечно-информационных центров пилотных школ",
                           "en": "Visits to the library-information centres of the pilot schools"},
                 "per_school": True, "role": "coordinator", "label": _MURATOV, "start": 0, "end": 9,
                 "when": {"ru": "в течение года", "en": "during the year"}},
                {"title": {"ru": "Участие в краевом семинаре для руководителей общеобразовательных учреждений "
                                 "«Перспективы внедрения дистанционного обучения школьников на базе "
                                 "библиотечно-информационных центров»",
                           "en": "Regional seminar for school heads: prospects of distance learning in "
                                 "library-information centres"},
                 "role": "coordinator", "label": _MURATOV_ALL, "start": 9, "end": 9},
                {"title": {"ru": "Привлечение педагогов к краевому конкурсу «Лучший дистанционный учитель года»",
                           "en": "Contest \"Best distance teacher of the year\""},
                 "role": "coordinator", "label": _MURATOV, "start": 9, "end": 9},
            ],
        },
    ],
}
# fmt: on

SHIPPED = {t["key"]: t for t in (HASKOVO, PLOVDIV, PRUSZKOW, ALTAI)}


def text(value, language: str) -> str:
    """A text in the language asked for, else English, else any."""
    if isinstance(value, str):
        return value
    if not value:
        return ""
    return value.get(language) or value.get("en") or next(iter(value.values()))


def count_activities(template: dict) -> int:
    return sum(len(stage["activities"]) for stage in template["stages"]) + len(template.get("activities", []))
