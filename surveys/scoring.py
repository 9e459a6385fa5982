"""The survey engine without the database: which questions are shown, what an answer means,
and how criteria turn answers (and teachers' self-assessments) into a readiness score.

A definition is the JSON of a template version::

    {"title": {...}, "sections": [{"key", "title", "questions": [question, ...]}],
     "criteria": [{"key", "group", "weight", "text", "rule"}], "levels": [[min_score, level], ...]}

A question: ``{"key", "type", "text", "help"?, "required"?, "unit"?, "choices"?, "show_if"?}``
with ``type`` one of QUESTION_TYPES. ``show_if`` is ``{"question": key, "equals": v}``,
``{"question": key, "in": [v, ...]}`` or ``{"question": key, "min": n}``; it may only name an
earlier question, and a question hidden by its condition has no answer (and is never required).

A rule: ``{"question": key, "op": ">=" | "<=" | "==" | "in" | "contains", "value": v}``, or over
teachers' self-assessments ``{"teacher_share": "A2", "op": ">=", "value": 80, "fallback": key}``:
the share of a school's self-assessments at level A2 or above, counted only from
MIN_TEACHER_RESPONSES answers up (below that the director's figure in ``fallback`` is used).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from infra.numbers import parse_decimal
from surveys.models import localized

QUESTION_TYPES = ("yes_no", "number", "percent", "single", "multi", "scale", "text", "file")
SCALE_NA = "na"
MIN_TEACHER_RESPONSES = 5
# DigCompEdu proficiency levels, lowest first.
LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")

CRITERION_GROUPS = {
    "technical": pgettext_lazy("criteria group", "Technical"),
    "staff": pgettext_lazy("criteria group", "Staff"),
    "organisational": pgettext_lazy("criteria group", "Organisational"),
}
READINESS_LEVELS = {
    "ready": gettext_lazy("Ready"),
    "partly": gettext_lazy("Partly ready"),
    "not_ready": gettext_lazy("Not ready"),
}
DEFAULT_LEVELS = [[80, "ready"], [50, "partly"], [0, "not_ready"]]


class DefinitionError(ValueError):
    """A template definition that the engine cannot run (a bad type, a condition on a later question…)."""


# --- The definition ----------------------------------------------------------------------------
def questions(definition: dict) -> list[dict]:
    return [q for section in definition.get("sections", []) for q in section.get("questions", [])]


def check_definition(definition: dict) -> None:
    """Raise DefinitionError unless every question, condition and rule can be evaluated."""
    seen: dict[str, dict] = {}
    for question in questions(definition):
        key = question.get("key")
        if not key or key in seen:
            raise DefinitionError(f"question key {key!r} is missing or repeated")
        if question.get("type") not in QUESTION_TYPES:
            raise DefinitionError(f"question {key}: unknown type {question.get('type')!r}")
        if question["type"] in ("single", "multi") and not question.get("choices"):
            raise DefinitionError(f"question {key}: a choice question needs choices")
        condition = question.get("show_if")
        if condition and condition.get("question") not in seen:
            raise DefinitionError(f"question {key}: its condition must name an earlier question")
        seen[key] = question
    for criterion in definition.get("criteria", []):
        rule = criterion.get("rule", {})
        if criterion.get("group") not in CRITERION_GROUPS:
            raise DefinitionError(f"criterion {criterion.get('key')}: unknown group")
        named = (
            [rule.get("question"), rule.get("fallback")]
            if "teacher_share" not in rule
            else [rule.get("fallback")]
        )
        for name in filter(None, named):
            if name not in seen:
                raise DefinitionError(f"criterion {criterion.get('key')}: no question {name!r}")
        if "teacher_share" in rule and rule["teacher_share"] not in LEVELS:
            raise DefinitionError(f"criterion {criterion.get('key')}: unknown level")
        if "teacher_share" not in rule and not rule.get("question"):
            raise DefinitionError(f"criterion {criterion.get('key')}: a rule needs a question")


# --- Conditional logic -------------------------------------------------------------------------
def condition_met(condition: dict | None, answers: dict) -> bool:
    if not condition:
        return True
    value = answers.get(condition["question"])
    if value is None or value == "" or value == []:
        return False
    if "equals" in condition:
        return value == condition["equals"]
    if "in" in condition:
        if isinstance(value, list):
            return any(v in condition["in"] for v in value)
        return value in condition["in"]
    if "min" in condition:
        return isinstance(value, int | float) and not isinstance(value, bool) and value >= condition["min"]
    return True


def visible_keys(definition: dict, answers: dict) -> list[str]:
    """The questions shown for these answers, in order (a question under a hidden one is hidden too)."""
    shown: dict[str, object] = {}
    keys = []
    for question in questions(definition):
        if condition_met(question.get("show_if"), shown):
            keys.append(question["key"])
            shown[question["key"]] = answers.get(question["key"])
    return keys


def keep_visible(definition: dict, answers: dict) -> dict:
    """The answers without those to hidden questions (an answer left behind by a changed choice)."""
    visible = set(visible_keys(definition, answers))
    return {key: value for key, value in answers.items() if key in visible}


def missing_required(definition: dict, answers: dict) -> list[dict]:
    visible = set(visible_keys(definition, answers))
    return [
        q
        for q in questions(definition)
        if q["key"] in visible and q.get("required") and _is_empty(answers.get(q["key"]))
    ]


def _is_empty(value) -> bool:
    return value is None or value == "" or value == []


# --- Answers -----------------------------------------------------------------------------------
def parse_answer(question: dict, raw):
    """A submitted value (a form string or list) as stored JSON, or None when empty.
    Raises ValueError with a message a user understands when the value does not fit the question."""
    kind = question["type"]
    if isinstance(raw, list) and kind != "multi":
        raw = raw[-1] if raw else None
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return [] if kind == "multi" else None
    if kind == "yes_no":
        if raw in (True, "yes", "true", "1", "on"):
            return True
        if raw in (False, "no", "false", "0"):
            return False
        raise ValueError(_("Choose yes or no."))
    if kind in ("number", "percent"):
        number = parse_decimal(raw)  # NumberError (a ValueError) says what is wrong
        low = question.get("min", 0)
        high = 100 if kind == "percent" else question.get("max")
        if number < low or (high is not None and number > high):
            if high is None:
                raise ValueError(_("Enter a number of at least %(low)s.") % {"low": low})
            raise ValueError(_("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high})
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == "single":
        allowed = [c["value"] for c in question["choices"]]
        if raw not in allowed:
            raise ValueError(_("Choose one of the options."))
        return raw
    if kind == "multi":
        values = raw if isinstance(raw, list) else [raw]
        allowed = [c["value"] for c in question["choices"]]
        if any(v not in allowed for v in values):
            raise ValueError(_("Choose among the options."))
        return [v for v in allowed if v in values]  # in the template's order, no repeats
    if kind == "scale":
        if raw == SCALE_NA and question.get("allow_na", True):
            return SCALE_NA
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValueError(_("Choose a value from 1 to 5.")) from None
        if not 1 <= value <= 5:
            raise ValueError(_("Choose a value from 1 to 5."))
        return value
    if kind == "text":
        return str(raw).strip()[:5000]
    if kind == "file":
        return str(raw)[:255]  # the file's name; the file itself is an Evidence row
    raise DefinitionError(kind)


def display_answer(question: dict, value, language: str | None = None) -> str:
    if _is_empty(value):
        return "—"
    kind = question["type"]
    if kind == "yes_no":
        return _("yes") if value else _("no")
    if kind == "number":
        unit = localized(question.get("unit"), language)
        return f"{fmt(value)} {unit}".strip()
    if kind == "percent":
        return f"{fmt(value)} %"
    if kind in ("single", "multi"):
        texts = {c["value"]: localized(c["text"], language) for c in question["choices"]}
        values = value if isinstance(value, list) else [value]
        return ", ".join(texts.get(v, str(v)) for v in values)
    if kind == "scale":
        return _("not applicable") if value == SCALE_NA else f"{value} / 5"
    return str(value)


def fmt(number) -> str:
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if isinstance(number, float):
        return f"{number:.1f}".rstrip("0").rstrip(".")
    return str(number)


# --- Teachers' self-assessment -----------------------------------------------------------------
# The DigCompEdu Check-In's cut-offs on its 0–88 points scale; a shorter questionnaire is scaled to it.
_CHECK_IN_CUTOFFS = ((81, "C2"), (66, "C1"), (50, "B2"), (34, "B1"), (20, "A2"), (0, "A1"))


def teacher_level(definition: dict, answers: dict) -> str:
    """The DigCompEdu level of one self-assessment: the points of its choices scaled to 0–88."""
    points = 0
    maximum = 0
    for question in questions(definition):
        scores = [c.get("points") for c in question.get("choices", []) if c.get("points") is not None]
        if not scores:
            continue
        maximum += max(scores)
        chosen = next((c for c in question["choices"] if c["value"] == answers.get(question["key"])), None)
        points += chosen.get("points", 0) if chosen else 0
    if not maximum:
        return ""
    scaled = points * 88 / maximum
    return next(level for cutoff, level in _CHECK_IN_CUTOFFS if scaled >= cutoff)


@dataclass(frozen=True)
class TeacherStats:
    """How many self-assessments a school has, by level."""

    count: int = 0
    by_level: dict = field(default_factory=dict)

    @property
    def enough(self) -> bool:
        return self.count >= MIN_TEACHER_RESPONSES

    def share_at_least(self, level: str) -> float | None:
        """Percent at ``level`` or above; None below the anonymity threshold (nothing is shown)."""
        if not self.enough:
            return None
        index = LEVELS.index(level)
        above = sum(n for lvl, n in self.by_level.items() if lvl in LEVELS[index:])
        return round(100 * above / self.count, 1)

    def distribution(self) -> list[tuple[str, float]] | None:
        """Percent at each level; None below the threshold or when the answers carry no level."""
        if not self.enough or not any(self.by_level.get(level) for level in LEVELS):
            return None
        return [(lvl, round(100 * self.by_level.get(lvl, 0) / self.count, 1)) for lvl in LEVELS]


# --- Criteria and the score --------------------------------------------------------------------
@dataclass
class CriterionResult:
    key: str
    group: str
    text: str
    weight: int
    passed: bool
    actual: str
    required: str
    explanation: str
    source: str = ""

    @property
    def group_label(self) -> str:
        return str(CRITERION_GROUPS[self.group])


@dataclass
class Evaluation:
    score: int
    level: str
    criteria: list[CriterionResult]

    @property
    def level_label(self) -> str:
        return str(READINESS_LEVELS.get(self.level, self.level))

    @property
    def passed(self) -> list[CriterionResult]:
        return [c for c in self.criteria if c.passed]

    @property
    def failed(self) -> list[CriterionResult]:
        return [c for c in self.criteria if not c.passed]

    def by_key(self) -> dict[str, CriterionResult]:
        return {c.key: c for c in self.criteria}


_OP_TEXT = {">=": "≥", "<=": "≤", "==": "="}


def score_only(definition: dict, answers: dict, teachers: TeacherStats | None = None) -> tuple[int, str]:
    """``evaluate``'s (score, level) without the explanations: the dashboards score every school
    of a region on each request. The same rules as ``_answer_rule`` and ``_teacher_share``
    (tests/rollout/test_dashboard.py checks both give the same score)."""
    answers = keep_visible(definition, answers)
    teachers = teachers or TeacherStats()
    total = passed = 0
    for criterion in definition.get("criteria", []):
        rule = criterion["rule"]
        weight = int(criterion.get("weight", 1))
        total += weight
        if "teacher_share" in rule:
            value = teachers.share_at_least(rule["teacher_share"])
            if value is None:
                fallback = rule.get("fallback")
                value = answers.get(fallback) if fallback else None
            ok = not _is_empty(value) and _compare(rule.get("op", ">="), value, rule["value"])
        else:
            value = answers.get(rule["question"])
            ok = not (_is_empty(value) or value == SCALE_NA) and _compare(
                rule.get("op", "=="), value, rule.get("value", True)
            )
        if ok:
            passed += weight
    score = round(100 * passed / total) if total else 0
    levels = definition.get("levels") or DEFAULT_LEVELS
    level = next((name for minimum, name in sorted(levels, reverse=True) if score >= minimum), "not_ready")
    return score, level


def evaluate(
    definition: dict, answers: dict, teachers: TeacherStats | None = None, language=None
) -> Evaluation:
    """Every criterion pass/fail with why; the score is the passed weight over all weight, 0–100."""
    answers = keep_visible(definition, answers)
    by_key = {q["key"]: q for q in questions(definition)}
    results = []
    for criterion in definition.get("criteria", []):
        rule = criterion["rule"]
        text = localized(criterion["text"], language)
        if "teacher_share" in rule:
            result = _teacher_share(rule, answers, by_key, teachers or TeacherStats(), language)
        else:
            result = _answer_rule(rule, answers, by_key[rule["question"]], language)
        passed, actual, required, explanation, source = result
        results.append(
            CriterionResult(
                key=criterion["key"],
                group=criterion["group"],
                text=text,
                weight=int(criterion.get("weight", 1)),
                passed=passed,
                actual=actual,
                required=required,
                explanation=explanation,
                source=source,
            )
        )
    total = sum(r.weight for r in results)
    score = round(100 * sum(r.weight for r in results if r.passed) / total) if total else 0
    levels = definition.get("levels") or DEFAULT_LEVELS
    level = next((name for minimum, name in sorted(levels, reverse=True) if score >= minimum), "not_ready")
    return Evaluation(score=score, level=level, criteria=results)


def _compare(op: str, actual, expected) -> bool:
    if op == ">=":
        return actual >= expected
    if op == "<=":
        return actual <= expected
    if op == "==":
        return actual == expected
    if op == "in":
        return actual in expected
    if op == "contains":
        return expected in actual
    raise DefinitionError(op)


def _required_text(question: dict, op: str, expected, language) -> str:
    if question["type"] == "yes_no":
        return display_answer(question, expected, language)
    if op in ("in", "contains"):
        values = expected if isinstance(expected, list) else [expected]
        return display_answer({**question, "type": "multi"}, values, language)
    return f"{_OP_TEXT[op]} {display_answer(question, expected, language)}"


def _answer_rule(rule: dict, answers: dict, question: dict, language):
    op, expected = rule.get("op", "=="), rule.get("value", True)
    value = answers.get(question["key"])
    required = _required_text(question, op, expected, language)
    if _is_empty(value) or value == SCALE_NA:
        return (
            False,
            "—",
            required,
            _("No answer to “%(q)s”.") % {"q": localized(question["text"], language)},
            "",
        )
    actual = display_answer(question, value, language)
    passed = _compare(op, value, expected)
    if passed:
        explanation = _("Met: %(actual)s (required %(required)s).") % {"actual": actual, "required": required}
    elif op in (">=", "<=") and isinstance(value, int | float):
        gap = abs(expected - value)
        shown = display_answer(question, gap, language) if question["type"] != "scale" else fmt(gap)
        explanation = _("%(actual)s; required %(required)s: short by %(gap)s.") % {
            "actual": actual,
            "required": required,
            "gap": shown,
        }
    else:
        explanation = _("Answered “%(actual)s”; required %(required)s.") % {
            "actual": actual,
            "required": required,
        }
    return passed, actual, required, explanation, ""


def _teacher_share(rule: dict, answers: dict, by_key: dict, teachers: TeacherStats, language):
    level, op, expected = rule["teacher_share"], rule.get("op", ">="), rule["value"]
    required = f"{_OP_TEXT[op]} {fmt(expected)} %"
    share = teachers.share_at_least(level)
    if share is not None:
        source = _("self-assessments of %(n)s teachers and managers") % {"n": teachers.count}
    else:
        fallback = rule.get("fallback")
        share = answers.get(fallback) if fallback else None
        if _is_empty(share):
            explanation = _(
                "Fewer than %(min)s self-assessments (%(n)s so far) and no figure from the school."
            ) % {"min": MIN_TEACHER_RESPONSES, "n": teachers.count}
            return False, "—", required, explanation, ""
        source = _("the school's own figure (fewer than %(min)s self-assessments)") % {
            "min": MIN_TEACHER_RESPONSES
        }
    actual = f"{fmt(share)} %"
    if _compare(op, share, expected):
        explanation = _("Met: %(actual)s (required %(required)s), from %(source)s.") % {
            "actual": actual,
            "required": required,
            "source": source,
        }
        return True, actual, required, explanation, source
    explanation = _(
        "%(actual)s; required %(required)s: short by %(gap)s percentage points, from %(source)s."
    ) % {
        "actual": actual,
        "required": required,
        "gap": fmt(round(abs(expected - share), 1)),
        "source": source,
    }
    return False, actual, required, explanation, source
