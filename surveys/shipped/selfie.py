# ruff: noqa: E501  (texts in four languages are data; they are not wrapped)
"""A SELFIE-style school self-reflection: the eight areas of the EU's SELFIE tool, statements on a
1–5 scale with "not applicable". School leaders answer it as the school's response; teachers
answer the same statements anonymously by personal link; the results page puts both side by side
per area and says where they agree."""

from surveys.shipped.text import T

AREAS = [
    (
        "leadership",
        T("A. Leadership", "A. Лидерство", "A. Przywództwo", "A. Руководство"),
        T(
            "The school has a digital strategy that we know and follow.",
            "Училището има дигитална стратегия, която познаваме и следваме.",
            "Szkoła ma strategię cyfrową, którą znamy i realizujemy.",
            "У школы есть цифровая стратегия, которую мы знаем и выполняем.",
        ),
    ),
    (
        "collaboration",
        T(
            "B. Collaboration and networking",
            "B. Сътрудничество и мрежи",
            "B. Współpraca i sieci",
            "B. Сотрудничество и сетевое взаимодействие",
        ),
        T(
            "We share experience of digital teaching within and beyond the school.",
            "Споделяме опит с дигиталното преподаване в и извън училището.",
            "Dzielimy się doświadczeniem nauczania cyfrowego w szkole i poza nią.",
            "Мы делимся опытом цифрового обучения в школе и за её пределами.",
        ),
    ),
    (
        "infrastructure",
        T(
            "C. Infrastructure and equipment",
            "C. Инфраструктура и оборудване",
            "C. Infrastruktura i sprzęt",
            "C. Инфраструктура и оборудование",
        ),
        T(
            "The Internet and the devices at school are enough for teaching and learning.",
            "Интернетът и устройствата в училище са достатъчни за преподаване и учене.",
            "Internet i urządzenia w szkole wystarczają do nauczania i uczenia się.",
            "Интернета и устройств в школе достаточно для преподавания и обучения.",
        ),
    ),
    (
        "development",
        T(
            "D. Continuing professional development",
            "D. Продължаваща професионална квалификация",
            "D. Ciągły rozwój zawodowy",
            "D. Непрерывное профессиональное развитие",
        ),
        T(
            "Teachers have opportunities to learn to teach with digital technologies.",
            "Учителите имат възможност да се учат да преподават с дигитални технологии.",
            "Nauczyciele mają możliwość nauki nauczania z technologiami cyfrowymi.",
            "У учителей есть возможность учиться преподавать с цифровыми технологиями.",
        ),
    ),
    (
        "resources",
        T(
            "E. Pedagogy: supports and resources",
            "E. Педагогика: подкрепа и ресурси",
            "E. Pedagogika: wsparcie i zasoby",
            "E. Педагогика: поддержка и ресурсы",
        ),
        T(
            "Teachers find and create digital educational resources.",
            "Учителите намират и създават дигитални образователни ресурси.",
            "Nauczyciele wyszukują i tworzą cyfrowe zasoby edukacyjne.",
            "Учителя находят и создают цифровые образовательные ресурсы.",
        ),
    ),
    (
        "classroom",
        T(
            "F. Pedagogy: implementation in the classroom",
            "F. Педагогика: прилагане в класната стая",
            "F. Pedagogika: wdrożenie w klasie",
            "F. Педагогика: применение на уроках",
        ),
        T(
            "Digital technologies are used to make pupils more engaged in lessons.",
            "Дигиталните технологии се използват, за да са учениците по-ангажирани в часовете.",
            "Technologie cyfrowe służą większemu zaangażowaniu uczniów na lekcjach.",
            "Цифровые технологии используются, чтобы ученики активнее участвовали в уроках.",
        ),
    ),
    (
        "assessment",
        T(
            "G. Assessment practices",
            "G. Практики за оценяване",
            "G. Praktyki oceniania",
            "G. Практики оценивания",
        ),
        T(
            "Digital tools are used to assess pupils and give them timely feedback.",
            "Дигитални инструменти се използват за оценяване и навременна обратна връзка.",
            "Narzędzia cyfrowe służą ocenianiu uczniów i szybkiej informacji zwrotnej.",
            "Цифровые инструменты используются для оценивания и своевременной обратной связи.",
        ),
    ),
    (
        "pupils",
        T(
            "H. Student digital competence",
            "H. Дигитални компетентности на учениците",
            "H. Kompetencje cyfrowe uczniów",
            "H. Цифровая компетентность учащихся",
        ),
        T(
            "Pupils learn to behave safely and responsibly online.",
            "Учениците се учат да се държат безопасно и отговорно онлайн.",
            "Uczniowie uczą się bezpiecznego i odpowiedzialnego zachowania w sieci.",
            "Ученики учатся безопасному и ответственному поведению в сети.",
        ),
    ),
]

SECTIONS = [
    {
        "key": key,
        "title": title,
        "questions": [{"key": key, "type": "scale", "required": True, "allow_na": True, "text": text}],
    }
    for key, title, text in AREAS
]

DEFINITION = {
    "title": T(
        "School self-reflection (SELFIE-style): school leaders",
        "Самооценка на училището (по модела SELFIE): ръководство",
        "Autorefleksja szkoły (w stylu SELFIE): kadra kierownicza",
        "Самоанализ школы (в стиле SELFIE): руководители",
    ),
    "description": T(
        "Eight areas, each statement from 1 (strongly disagree) to 5 (strongly agree). Teachers answer "
        "the same statements anonymously; the results show both side by side.",
        "Осем области, всяко твърдение от 1 (категорично не) до 5 (напълно да). Учителите отговарят "
        "анонимно на същите твърдения; резултатите показват двете гледни точки една до друга.",
        "Osiem obszarów, każde stwierdzenie od 1 (zdecydowanie nie) do 5 (zdecydowanie tak). Nauczyciele "
        "odpowiadają anonimowo na te same stwierdzenia; wyniki pokazują obie perspektywy obok siebie.",
        "Восемь областей, каждое утверждение от 1 (совершенно не согласен) до 5 (полностью согласен). "
        "Учителя анонимно отвечают на те же утверждения; результаты показывают оба взгляда рядом.",
    ),
    "teacher_survey": "selfie-teachers",
    "sections": SECTIONS,
    "criteria": [],
}

TEACHER_DEFINITION = {
    "title": T(
        "School self-reflection (SELFIE-style): teachers",
        "Самооценка на училището (по модела SELFIE): учители",
        "Autorefleksja szkoły (w stylu SELFIE): nauczyciele",
        "Самоанализ школы (в стиле SELFIE): учителя",
    ),
    "description": DEFINITION["description"],
    "sections": SECTIONS,
    "criteria": [],
}
