"""Read-side: results, rankings, pilot groups. Every function runs inside a municipality's scope,
and the number of queries does not grow with the number of schools."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import CharField, Count
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys import scoring
from surveys.models import Campaign, PilotGroup, Response, TeacherResponse
from surveys.scoring import Evaluation, TeacherStats

# --- The contract with rollout programmes ------------------------------------------------------


def pilot_groups(municipality):
    """The municipality's pilot groups, newest first, with their schools."""
    return (
        PilotGroup.objects.filter(municipality=municipality)
        .select_related("campaign")
        .prefetch_related("schools")
        .order_by("-created_at", "-id")
    )


def survey_submitted(school, template_slug: str | None = None) -> bool:
    """Whether the school has submitted a response in a campaign (optionally of a shipped template)."""
    responses = Response.objects.filter(school=school, status=Response.Status.SUBMITTED)
    if template_slug:
        responses = responses.filter(campaign__template__slug=template_slug)
    return responses.exists()


def schools_with_submitted_survey(schools, template_slug: str | None = None) -> set[int]:
    """``survey_submitted`` for many schools in one query: the ids of those that submitted."""
    responses = Response.objects.filter(school__in=[s.pk for s in schools], status=Response.Status.SUBMITTED)
    if template_slug:
        responses = responses.filter(campaign__template__slug=template_slug)
    return set(responses.values_list("school_id", flat=True).distinct())


# --- Teachers' self-assessments ----------------------------------------------------------------


def teacher_stats(campaign: Campaign) -> dict[int, TeacherStats]:
    """school id -> counts by level; one query for the whole campaign."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        TeacherResponse.objects.filter(campaign=campaign)
        .values("school_id", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        counts[row["school_id"]][row["level"]] = row["n"]
    return {school_id: TeacherStats(sum(levels.values()), levels) for school_id, levels in counts.items()}


def teacher_means(campaign: Campaign) -> dict[int, dict[str, tuple[float | None, int]]]:
    """school id -> {question key: (mean of the 1–5 answers, count)} of the teachers' scale answers;
    the mean is None below the anonymity threshold."""
    if campaign.teacher_template is None:
        return {}
    keys = [q["key"] for q in scoring.questions(campaign.teacher_template.definition) if q["type"] == "scale"]
    sums: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    counts: dict[int, int] = defaultdict(int)
    for school_id, answers in TeacherResponse.objects.filter(campaign=campaign).values_list(
        "school_id", "answers"
    ):
        counts[school_id] += 1
        for key in keys:
            value = answers.get(key)
            if isinstance(value, int):
                sums[school_id][key].append(value)
    result = {}
    for school_id, n in counts.items():
        enough = n >= scoring.MIN_TEACHER_RESPONSES
        result[school_id] = {
            key: ((round(sum(v) / len(v), 1) if enough and v else None), n)
            for key, v in sums[school_id].items()
        }
    return result


# --- Results -----------------------------------------------------------------------------------


@dataclass
class SchoolResult:
    response: Response
    evaluation: Evaluation | None  # None until the school has submitted
    teachers: TeacherStats
    previous_score: int | None = None
    rank: int | None = None
    reason: str = ""

    @property
    def school(self):
        return self.response.school

    @property
    def change(self) -> int | None:
        if self.evaluation is None or self.previous_score is None:
            return None
        return self.evaluation.score - self.previous_score


def campaign_results(campaign: Campaign) -> list[SchoolResult]:
    """Every school of the campaign with its evaluation (submitted ones), ranked, with last year's score."""
    definition = campaign.template.definition
    stats = teacher_stats(campaign)
    previous = previous_scores(campaign)
    results = []
    for response in campaign.responses.select_related("school").order_by("school__name"):
        teachers = stats.get(response.school_id, TeacherStats())
        evaluation = None
        if response.status == Response.Status.SUBMITTED and campaign.template.has_criteria:
            evaluation = scoring.evaluate(definition, response.answers, teachers)
        results.append(SchoolResult(response, evaluation, teachers, previous.get(response.school_id)))
    rank(results)
    # The matrix lists ranked schools first, in their order, then the others by name.
    results.sort(key=lambda r: (r.rank is None, r.rank or 0))
    return results


def rank(results: list[SchoolResult]) -> list[SchoolResult]:
    """Submitted schools by score (ties: fewer failed criteria, then name); each with the reason."""
    ranked = sorted(
        (r for r in results if r.evaluation is not None),
        key=lambda r: (-r.evaluation.score, len(r.evaluation.failed), r.school.name),
    )
    for place, result in enumerate(ranked, start=1):
        result.rank = place
        result.reason = ranking_reason(result.evaluation)
    return ranked


def ranking_reason(evaluation: Evaluation) -> str:
    total = len(evaluation.criteria)
    met = len(evaluation.passed)
    head = ngettext(
        "Meets %(met)s of %(total)s criterion",
        "Meets %(met)s of %(total)s criteria",
        total,
    ) % {"met": met, "total": total}
    if not evaluation.failed:
        return head + "."
    failed = "; ".join(
        _("%(criterion)s: %(actual)s, required %(required)s")
        % {"criterion": c.text, "actual": c.actual, "required": c.required}
        for c in evaluation.failed
    )
    return _("%(head)s; not met: %(failed)s.") % {"head": head, "failed": failed}


def previous_campaign(campaign: Campaign) -> Campaign | None:
    """The latest earlier campaign of the same survey (any version): last year's round."""
    return (
        Campaign.objects.filter(template__slug=campaign.template.slug, created_at__lt=campaign.created_at)
        .exclude(pk=campaign.pk)
        .select_related("template")
        .order_by("-created_at")
        .first()
    )


def previous_scores(campaign: Campaign) -> dict[int, int]:
    earlier = previous_campaign(campaign)
    if earlier is None:
        return {}
    stats = teacher_stats(earlier)
    return {
        response.school_id: scoring.evaluate(
            earlier.template.definition, response.answers, stats.get(response.school_id, TeacherStats())
        ).score
        for response in earlier.responses.filter(status=Response.Status.SUBMITTED)
    }


def filter_results(results: list[SchoolResult], *, status="", fails="", min_score=None) -> list[SchoolResult]:
    """The matrix filters: response status, a criterion the school fails (or passes), a minimum score."""
    rows = results
    if status:
        rows = [r for r in rows if r.response.status == status]
    if fails:
        key, _sep, wanted = fails.partition(":")
        passed = wanted == "pass"
        rows = [
            r
            for r in rows
            if r.evaluation and r.evaluation.by_key().get(key) and r.evaluation.by_key()[key].passed == passed
        ]
    if min_score is not None:
        rows = [r for r in rows if r.evaluation and r.evaluation.score >= min_score]
    return rows


def criteria_columns(campaign: Campaign, group: str = "") -> list[dict]:
    columns = [
        {
            "key": c["key"],
            "group": c["group"],
            "text": scoring.localized(c["text"]),
            "weight": c.get("weight", 1),
        }
        for c in campaign.template.definition.get("criteria", [])
    ]
    return [c for c in columns if not group or c["group"] == group]


def side_by_side(campaign: Campaign, response: Response, means=None) -> list[dict]:
    """Per area (a 1–5 statement both leaders and teachers answer): the leaders' answer, the teachers'
    mean (from five answers up) and whether they agree (within one point)."""
    if campaign.teacher_template is None:
        return []
    teacher_keys = {
        q["key"] for q in scoring.questions(campaign.teacher_template.definition) if q["type"] == "scale"
    }
    means = means if means is not None else teacher_means(campaign)
    school_means = means.get(response.school_id, {})
    rows = []
    for section in campaign.template.definition.get("sections", []):
        for question in section.get("questions", []):
            if question["key"] not in teacher_keys:
                continue
            leaders = (
                response.answers.get(question["key"])
                if response.status == Response.Status.SUBMITTED
                else None
            )
            teachers, n = school_means.get(question["key"], (None, 0))
            agree = None
            if isinstance(leaders, int) and teachers is not None:
                agree = abs(leaders - teachers) <= 1
            rows.append(
                {
                    "area": scoring.localized(section.get("title")),
                    "text": scoring.localized(question["text"]),
                    "leaders": leaders,
                    "teachers": teachers,
                    "n": n,
                    "agree": agree,
                }
            )
    return rows


def answered_sections(definition: dict, answers: dict) -> list[dict]:
    """The visible questions with their answers, section by section (scorecard and PDF)."""
    visible = set(scoring.visible_keys(definition, answers))
    sections = []
    for section in definition.get("sections", []):
        rows = [
            {"text": scoring.localized(q["text"]), "answer": scoring.display_answer(q, answers.get(q["key"]))}
            for q in section.get("questions", [])
            if q["key"] in visible
        ]
        if rows:
            sections.append({"title": scoring.localized(section.get("title")), "rows": rows})
    return sections


def director_responses(school_ids):
    """What a director has to answer: the responses of their schools, open campaigns first."""
    return (
        Response.objects.filter(school_id__in=school_ids)
        .select_related("campaign", "campaign__template", "school")
        .order_by("-campaign__status", "-campaign__created_at", "school__name")  # "open" after "closed"
    )


# --- For the dashboards (reporting/indicators/) --------------------------------------------------


def latest_campaigns(municipality_ids) -> dict[int, Campaign]:
    """Each municipality's latest campaign with criteria (one query)."""
    latest: dict[int, Campaign] = {}
    for campaign in (
        Campaign.objects.filter(municipality_id__in=list(municipality_ids))
        .select_related("template")
        .order_by("-created_at", "-id")
    ):
        if campaign.template.has_criteria:
            latest.setdefault(campaign.municipality_id, campaign)
    return latest


def readiness_by_school(municipality_ids, school_ids=None) -> dict:
    """Each submitted school's (score, level) in its municipality's latest campaign, for one
    municipality or a region's: {"campaigns": {municipality id: campaign}, "schools": {school id:
    (score, level)}}. Three queries whatever the number of schools or municipalities, and a
    fourth for the answers of responses that changed since they were last scored."""
    campaigns = latest_campaigns(municipality_ids)
    by_id = {c.pk: c for c in campaigns.values()}
    stats: dict[tuple, dict] = defaultdict(dict)
    teachers = TeacherResponse.objects.filter(campaign_id__in=list(by_id))
    responses = Response.objects.filter(campaign_id__in=list(by_id), status=Response.Status.SUBMITTED)
    if school_ids is not None:
        teachers = teachers.filter(school_id__in=list(school_ids))
        responses = responses.filter(school_id__in=list(school_ids))
    for row in teachers.values("campaign_id", "school_id", "level").annotate(n=Count("id")).order_by():
        stats[(row["campaign_id"], row["school_id"])][row["level"]] = row["n"]
    schools = {}
    # The row's version as text: the key needs no datetime objects.
    rows = responses.annotate(
        version=Cast("updated_at", CharField()), submitted=Cast("submitted_at", CharField())
    ).values_list("pk", "campaign_id", "school_id", "version", "submitted")
    missing = []
    for pk, campaign_id, school_id, updated_at, submitted_at in rows:
        levels = stats.get((campaign_id, school_id), {})
        key = (campaign_id, pk, updated_at, submitted_at, tuple(sorted(levels.items())))
        found = _SCORES.get(key)
        if found is None:
            missing.append((pk, school_id, key))
        else:
            schools[school_id] = found
    if missing:  # one more query, for the answers of the responses not scored yet in this version
        answers = dict(
            Response.objects.filter(pk__in=[pk for pk, *_rest in missing]).values_list("pk", "answers")
        )
        for pk, school_id, key in missing:
            campaign_id, levels = key[0], key[4]
            result = scoring.score_only(
                by_id[campaign_id].template.definition,
                answers.get(pk) or {},
                TeacherStats(sum(n for _level, n in levels), dict(levels)),
            )
            _remember(key, result)
            schools[school_id] = result
    return {"campaigns": campaigns, "schools": schools}


# A response's score depends only on its answers (which change only with ``updated_at`` or
# ``submitted_at``), its campaign's template and the teachers' self-assessment counts: each
# version is scored once per process. Bounded: the oldest entries go first.
_SCORES: dict[tuple, tuple[int, str]] = {}
_SCORES_MAX = 50_000


def _remember(key: tuple, result: tuple[int, str]) -> None:
    if len(_SCORES) >= _SCORES_MAX:
        for old in list(_SCORES)[: _SCORES_MAX // 10]:
            _SCORES.pop(old, None)
    _SCORES[key] = result
