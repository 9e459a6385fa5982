"""Every write of the surveys app: atomic, audited, e-mails enqueued on commit."""

from __future__ import annotations

import secrets

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from schools.audit import ActionContext, record
from schools.models import Person
from schools.roles import PersonRole
from surveys import scoring
from surveys.models import (
    Campaign,
    Evidence,
    PilotGroup,
    Response,
    SurveyTemplate,
    TeacherLink,
    TeacherResponse,
)

_TEACHER_LINK_SALT = "surveys.teacher-link"
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


class NotAllowed(Exception):
    """A write the response's state does not allow (e.g. editing a submitted response)."""


def latest_template(slug: str) -> SurveyTemplate | None:
    return SurveyTemplate.objects.filter(slug=slug).order_by("-version").first()


@transaction.atomic
def launch_campaign(
    ctx: ActionContext, *, template: SurveyTemplate, name: str, deadline, schools
) -> Campaign:
    """Send a template version to schools: one response row per school, invitations on commit."""
    municipality = ctx.municipality
    teacher_template = latest_template(template.companion_slug) if template.companion_slug else None
    campaign = Campaign.objects.create(
        municipality=municipality,
        template=template,
        teacher_template=teacher_template,
        name=name,
        deadline=deadline,
        created_by=ctx.actor,
    )
    Response.objects.bulk_create(
        [Response(municipality=municipality, campaign=campaign, school=school) for school in schools]
    )
    record(
        ctx,
        "survey_campaign.launch",
        campaign,
        {
            "template": f"{template.slug} v{template.version}",
            "deadline": deadline.isoformat(),
            "schools": sorted(s.pk for s in schools),
        },
    )
    from surveys.tasks import send_invitations  # cycle: surveys.tasks uses teacher_link_token from here

    send_invitations.delay_on_commit(campaign.pk, municipality.pk)
    return campaign


def _merge(response: Response, answers: dict) -> dict:
    definition = response.campaign.template.definition
    merged = {**response.answers, **answers}  # an answer cleared in the form is None: dropped below
    return {k: v for k, v in scoring.keep_visible(definition, merged).items() if v not in (None, "", [])}


@transaction.atomic
def save_draft(ctx: ActionContext, response: Response, answers: dict) -> Response:
    """Autosave: keep what was typed (valid answers only), nothing checked for completeness."""
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.status == Response.Status.SUBMITTED or response.campaign.status != Campaign.Status.OPEN:
        raise NotAllowed
    locked.answers = _merge(locked, answers)
    locked.status = Response.Status.DRAFT
    locked.updated_at = timezone.now()
    locked.updated_by = ctx.actor
    locked.save(update_fields=["answers", "status", "updated_at", "updated_by"])
    response.answers, response.status, response.updated_at = locked.answers, locked.status, locked.updated_at
    return response


@transaction.atomic
def submit_response(ctx: ActionContext, response: Response, answers: dict) -> Response:
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.status == Response.Status.SUBMITTED or response.campaign.status != Campaign.Status.OPEN:
        raise NotAllowed
    locked.answers = _merge(locked, answers)
    if scoring.missing_required(locked.campaign.template.definition, locked.answers):
        raise NotAllowed
    now = timezone.now()
    locked.status = Response.Status.SUBMITTED
    locked.updated_at = locked.submitted_at = now
    locked.updated_by = locked.submitted_by = ctx.actor
    locked.save(
        update_fields=["answers", "status", "updated_at", "updated_by", "submitted_at", "submitted_by"]
    )
    record(ctx, "survey_response.submit", locked)
    return locked


@transaction.atomic
def reopen_response(ctx: ActionContext, response: Response) -> None:
    """The officer gives a submitted response back to the school; its answers stay as a draft."""
    Response.objects.filter(pk=response.pk, status=Response.Status.SUBMITTED).update(
        status=Response.Status.DRAFT, submitted_at=None, reminded_overdue_at=None
    )
    record(ctx, "survey_response.reopen", response)


@transaction.atomic
def add_evidence(ctx: ActionContext, response: Response, question_key: str, upload) -> Evidence:
    if response.status == Response.Status.SUBMITTED:
        raise NotAllowed
    evidence = Evidence.objects.create(
        municipality=response.municipality,
        response=response,
        question=question_key,
        file=upload,
        name=upload.name[:255],
        size=upload.size,
    )
    record(ctx, "survey_evidence.add", evidence, {"question": question_key})
    return evidence


@transaction.atomic
def set_campaign_status(ctx: ActionContext, campaign: Campaign, status: str) -> None:
    """Close a campaign (no more answers, no more reminders) or open it again."""
    if campaign.status == status:
        return
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    record(ctx, "survey_campaign.status", campaign, {"status": [campaign.status, status]})
    campaign.status = status


@transaction.atomic
def create_pilot_group(ctx: ActionContext, *, name: str, campaign: Campaign | None, schools) -> PilotGroup:
    group = PilotGroup.objects.create(
        municipality=ctx.municipality, name=name, campaign=campaign, created_by=ctx.actor
    )
    group.schools.set(schools)
    record(
        ctx,
        "pilot_group.create",
        group,
        {"campaign": campaign.pk if campaign else None, "schools": sorted(s.pk for s in schools)},
    )
    return group


# --- Teachers' personal links ------------------------------------------------------------------
TEACHING_ROLES = (PersonRole.TEACHER, PersonRole.DIRECTOR, PersonRole.STAFF)


@transaction.atomic
def create_teacher_links(ctx: ActionContext, campaign: Campaign, school) -> int:
    """One personal link for each teacher and manager of the school on the roster (once per
    person); those with an e-mail address get it by e-mail. Returns how many links are new."""
    people = Person.objects.filter(schools=school, role__in=TEACHING_ROLES).exclude(
        pk__in=TeacherLink.objects.filter(campaign=campaign).values("person_id")
    )
    links = [
        TeacherLink(
            municipality=campaign.municipality,
            campaign=campaign,
            school=school,
            person=person,
            nonce=secrets.token_urlsafe(16),
        )
        for person in people
    ]
    TeacherLink.objects.bulk_create(links)
    record(ctx, "survey_teacher_links.create", campaign, {"school": school.pk, "links": len(links)})
    from surveys.tasks import send_teacher_links  # cycle: surveys.tasks uses teacher_link_token from here

    send_teacher_links.delay_on_commit(campaign.pk, school.pk, campaign.municipality_id)
    return len(links)


def teacher_link_token(link: TeacherLink) -> str:
    return signing.dumps({"l": link.pk, "n": link.nonce}, salt=_TEACHER_LINK_SALT, compress=True)


def teacher_link_from_token(token: str) -> TeacherLink | None:
    try:
        data = signing.loads(token, salt=_TEACHER_LINK_SALT)
    except signing.BadSignature:
        return None
    # ESCAPE HATCH: the signed token names its tenant; a teacher answering is signed in to none.
    with scopes_disabled():
        return (
            TeacherLink.objects.select_related(
                "campaign", "campaign__teacher_template", "school", "municipality"
            )
            .filter(pk=data.get("l"), nonce=data.get("n"))
            .first()
        )


@transaction.atomic
def submit_teacher_response(link: TeacherLink, answers: dict) -> bool:
    """Store an anonymous self-assessment once per link. The answer row has no link to the person
    or the link; the link only remembers that it was used. False if the link was already used."""
    with scopes_disabled():  # ESCAPE HATCH: the link (from a signed token) fixes the tenant
        # Only the day is kept, so the order of links used cannot be matched to the order of answers.
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        claimed = TeacherLink.objects.filter(pk=link.pk, used_at=None).update(used_at=today)
        if not claimed:
            return False
        definition = link.campaign.teacher_template.definition
        answers = scoring.keep_visible(definition, answers)
        TeacherResponse.objects.create(
            municipality_id=link.municipality_id,
            campaign_id=link.campaign_id,
            school_id=link.school_id,
            answers=answers,
            level=scoring.teacher_level(definition, answers),
            submitted_on=timezone.localdate(),
        )
    return True
