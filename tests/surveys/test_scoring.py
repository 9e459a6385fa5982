"""The engine on hand-computed cases: conditional logic, answer parsing, criteria and the score."""

import pytest
from django.utils import translation

from surveys import scoring
from surveys.scoring import DefinitionError, TeacherStats, evaluate, teacher_level
from surveys.shipped import SHIPPED, altai, digcompedu

# A school that meets every Altai criterion by its own answers.
ALTAI_ALL_MET = {
    "internet_mbps": 2,
    "library_lan": True,
    "ict_basic_pct": 85,
    "ict_advanced_pct": 30,
    "distance_courses": 4,
    "network_projects": True,
    "network_projects_list": "Сетевой марафон",
    "online_communities": 3,
    "ediary_activity": "high",
    "ict_responsible": True,
    "ict_responsible_name": "Иванов И. И., учитель информатики",
    "website_updated": True,
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_every_shipped_definition_is_valid_and_speaks_four_languages():
    for _slug, (_version, _audience, definition) in SHIPPED.items():
        scoring.check_definition(definition)
        texts = [definition["title"]] + [q["text"] for q in scoring.questions(definition)]
        texts += [c["text"] for c in definition["criteria"]]
        for text in texts:
            assert set(text) == {"en", "bg", "pl", "ru"} and all(text.values()), text


def test_altai_criteria_are_the_ones_of_the_domain():
    criteria = altai.DEFINITION["criteria"]
    assert sum(c["weight"] for c in criteria) == 100
    groups = {}
    for c in criteria:
        groups.setdefault(c["group"], []).append(c["key"])
    assert groups == {
        "technical": ["internet", "library_lan"],
        "staff": ["ict_basic", "ict_advanced", "distance_courses", "network_projects", "online_communities"],
        "organisational": ["ediary", "ict_responsible", "website"],
    }
    rules = {c["key"]: c["rule"] for c in criteria}
    assert rules["internet"]["op"] == ">=" and rules["internet"]["value"] == 1
    assert rules["ict_basic"]["value"] == 80 and rules["ict_advanced"]["value"] == 25


def test_all_met_scores_100_and_ready():
    result = evaluate(altai.DEFINITION, ALTAI_ALL_MET)
    assert (result.score, result.level) == (100, "ready")
    assert result.failed == []


def test_hand_computed_partial_score_with_explanations():
    answers = {
        **ALTAI_ALL_MET,
        "internet_mbps": 0.5,  # fails internet (15): short by 0.5 Mbit/s
        "ict_advanced_pct": 20,  # fails advanced (10): short by 5 points
        "ediary_activity": "medium",  # fails e-diary (10)
    }
    result = evaluate(altai.DEFINITION, answers)
    # 100 - 15 - 10 - 10 = 65 → "partly ready" (50–79)
    assert (result.score, result.level) == (65, "partly")
    failed = {c.key: c for c in result.failed}
    assert set(failed) == {"internet", "ict_advanced", "ediary"}
    assert failed["internet"].explanation == "0.5 Mbit/s; required ≥ 1 Mbit/s: short by 0.5 Mbit/s."
    assert "short by 5 percentage points" in failed["ict_advanced"].explanation
    assert "the school's own figure" in failed["ict_advanced"].explanation
    assert failed["ediary"].explanation == "Answered “medium”; required high."


def test_unanswered_and_hidden_answers_fail_and_a_low_score_is_not_ready():
    # Only the internet answered; the name of an ICT person without "yes" is a left-over, ignored.
    result = evaluate(altai.DEFINITION, {"internet_mbps": 5, "ict_responsible_name": "Петров"})
    assert result.score == 15 and result.level == "not_ready"
    ict = result.by_key()["ict_responsible"]
    assert not ict.passed and ict.explanation.startswith("No answer to")


def test_teacher_self_assessments_feed_the_staff_criteria_from_five_responses():
    answers = {**ALTAI_ALL_MET, "ict_basic_pct": 100, "ict_advanced_pct": 100}
    # 4 answers: below the threshold, so the director's own figure is used.
    four = TeacherStats(count=4, by_level={"A1": 4})
    assert four.share_at_least("A2") is None and four.distribution() is None
    assert evaluate(altai.DEFINITION, answers, four).by_key()["ict_basic"].passed
    # 5 answers: 3 of 5 at A2 or above = 60% < 80%; 1 of 5 at B2 or above = 20% < 25%.
    five = TeacherStats(count=5, by_level={"A1": 2, "A2": 1, "B1": 1, "C1": 1})
    result = evaluate(altai.DEFINITION, answers, five)
    basic, advanced = result.by_key()["ict_basic"], result.by_key()["ict_advanced"]
    assert (basic.passed, basic.actual) == (False, "60 %")
    assert "short by 20 percentage points" in basic.explanation
    assert "self-assessments of 5 teachers" in basic.explanation
    assert (advanced.passed, advanced.actual) == (False, "20 %")
    assert result.score == 75  # 100 - 15 - 10


def test_no_self_assessments_and_no_figure_explains_itself():
    answers = {k: v for k, v in ALTAI_ALL_MET.items() if not k.startswith("ict_basic")}
    basic = evaluate(altai.DEFINITION, answers, TeacherStats(count=2, by_level={"B1": 2})).by_key()[
        "ict_basic"
    ]
    assert not basic.passed
    assert basic.explanation == "Fewer than 5 self-assessments (2 so far) and no figure from the school."


def test_conditional_questions_show_only_when_the_earlier_answer_matches():
    d = altai.DEFINITION
    assert "ict_responsible_name" not in scoring.visible_keys(d, {})
    assert "ict_responsible_name" not in scoring.visible_keys(d, {"ict_responsible": False})
    assert "ict_responsible_name" in scoring.visible_keys(d, {"ict_responsible": True})
    # Required only while shown.
    missing = {q["key"] for q in scoring.missing_required(d, {**ALTAI_ALL_MET, "ict_responsible_name": ""})}
    assert missing == {"ict_responsible_name"}
    assert (
        scoring.missing_required(d, {**ALTAI_ALL_MET, "ict_responsible": False, "ict_responsible_name": ""})
        == []
    )
    # An answer left behind after the choice changed is dropped.
    kept = scoring.keep_visible(d, {"ict_responsible": False, "ict_responsible_name": "Петров"})
    assert kept == {"ict_responsible": False}


def test_conditions_chain_and_match_lists_and_minimums():
    d = {
        "sections": [
            {
                "key": "s",
                "questions": [
                    {"key": "a", "type": "multi", "text": "a", "choices": [{"value": "x"}, {"value": "y"}]},
                    {"key": "b", "type": "number", "text": "b", "show_if": {"question": "a", "in": ["y"]}},
                    {"key": "c", "type": "text", "text": "c", "show_if": {"question": "b", "min": 3}},
                ],
            }
        ]
    }
    assert scoring.visible_keys(d, {"a": ["x"], "b": 5}) == ["a"]  # b hidden, so c hidden too
    assert scoring.visible_keys(d, {"a": ["x", "y"], "b": 2}) == ["a", "b"]
    assert scoring.visible_keys(d, {"a": ["y"], "b": 3}) == ["a", "b", "c"]


def test_a_condition_on_a_later_question_is_refused():
    bad = {
        "sections": [
            {
                "key": "s",
                "questions": [
                    {"key": "a", "type": "text", "text": "a", "show_if": {"question": "b", "equals": True}},
                    {"key": "b", "type": "yes_no", "text": "b"},
                ],
            }
        ]
    }
    with pytest.raises(DefinitionError):
        scoring.check_definition(bad)


@pytest.mark.parametrize(
    ("question", "raw", "expected"),
    [
        ({"type": "yes_no"}, "yes", True),
        ({"type": "yes_no"}, "no", False),
        ({"type": "number"}, "1,5", 1.5),
        ({"type": "number"}, "12", 12),
        ({"type": "percent"}, "80", 80),
        ({"type": "scale"}, "na", "na"),
        ({"type": "scale"}, "4", 4),
        ({"type": "multi", "choices": [{"value": "a"}, {"value": "b"}]}, ["b", "a", "b"], ["a", "b"]),
        ({"type": "single", "choices": [{"value": "a"}]}, "a", "a"),
        ({"type": "text"}, "  hi ", "hi"),
        ({"type": "number"}, "", None),
    ],
)
def test_answers_are_parsed(question, raw, expected):
    assert scoring.parse_answer(question, raw) == expected


@pytest.mark.parametrize(
    ("question", "raw"),
    [
        ({"type": "percent"}, "101"),
        ({"type": "number"}, "-1"),
        ({"type": "number"}, "lots"),
        ({"type": "number"}, "NaN"),
        ({"type": "scale"}, "6"),
        ({"type": "single", "choices": [{"value": "a"}]}, "z"),
    ],
)
def test_bad_answers_are_refused_with_a_message(question, raw):
    with pytest.raises(ValueError, match=r"\w"):
        scoring.parse_answer(question, raw)


def test_digcompedu_levels_from_points():
    d = digcompedu.DEFINITION
    areas = [q["key"] for q in scoring.questions(d) if q["key"] != "role"]
    assert len(areas) == 6

    def level(points):
        return teacher_level(d, {"role": "teacher", **dict(zip(areas, map(str, points), strict=True))})

    # 6 statements × 4 points = 24 → scaled to the Check-In's 88.
    assert level([0] * 6) == "A1"  # 0
    assert level([1, 1, 1, 1, 1, 1]) == "A2"  # 6/24×88 = 22
    assert level([2, 2, 2, 2, 1, 1]) == "B1"  # 10/24×88 = 36.7
    assert level([3, 3, 2, 2, 2, 2]) == "B2"  # 14/24×88 = 51.3
    assert level([3, 3, 3, 3, 3, 3]) == "C1"  # 18/24×88 = 66
    assert level([4] * 6) == "C2"  # 88


def test_explanations_follow_the_language():
    with translation.override("ru"):
        result = evaluate(altai.DEFINITION, {**ALTAI_ALL_MET, "internet_mbps": 0.5})
    internet = result.by_key()["internet"]
    assert internet.text == "Интернет ≥ 1 Мбит/с"
    assert "Мбит/с" in internet.actual


def test_haskovo_readiness_hand_computed():
    from surveys.shipped import haskovo

    answers = {
        "internet_mbps": 8,  # fails (20): needs ≥ 10
        "wifi": True,  # 15
        "teacher_devices_pct": 80,  # 15 (exactly the threshold)
        "admin_person": True,  # 20
        "digital_skills": "na",  # fails (10): "not applicable" is no answer to a criterion
        "gdpr": False,  # fails (10)
        "pilot_volunteer": True,  # 10
    }
    result = evaluate(haskovo.DEFINITION, answers)
    assert result.score == 60 and result.level == "partly"
    assert {c.key for c in result.failed} == {"internet", "skills", "gdpr"}
    assert result.by_key()["internet"].explanation == "8 Mbit/s; required ≥ 10 Mbit/s: short by 2 Mbit/s."
