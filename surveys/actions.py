"""Every write of the surveys app: atomic, audited, e-mails enqueued on commit."""

from __future__ import annotations

import secrets

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from schools.audit import log_action
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
def launch_campaign(request, *, template: SurveyTemplate, name: str, deadline, schools) -> Campaign:
    """Send a template version to schools: one response row per school, invitations on commit."""
    municipality = request.tenant.municipality
    teacher_template = latest_template(template.companion_slug) if template.companion_slug else None
    campaign = Campaign.objects.create(
        municipality=municipality,
        template=template,
        teacher_template=teacher_template,
        name=name,
        deadline=deadline,
        created_by=request.user,
    )
    Response.objects.bulk_create(
        [Response(municipality=municipality, campaign=campaign, school=school) for school in schools]
    )
    log_action(
        "survey_campaign.launch",
        obj=campaign,
        changes={
            "template": f"{template.slug} v{template.version}",
            "deadline": deadline.isoformat(),
            "schools": sorted(s.pk for s in schools),
        },
        request=request,
    )
    from surveys.tasks import send_invitations  # cycle: surveys.tasks imports teacher_link_token

    send_invitations.delay_on_commit(campaign.pk, municipality.pk)
    return campaign


def _merge(response: Response, answers: dict) -> dict:
    definition = response.campaign.template.definition
    merged = {**response.answers, **answers}  # an answer cleared in the form is None: dropped below
    return {k: v for k, v in scoring.keep_visible(definition, merged).items() if v not in (None, "", [])}


@transaction.atomic
def save_draft(request, response: Response, answers: dict) -> Response:
    """Autosave: keep what was typed (valid answers only), nothing checked for completeness."""
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.status == Response.Status.SUBMITTED or response.campaign.status != Campaign.Status.OPEN:
        raise NotAllowed
    locked.answers = _merge(locked, answers)
    locked.status = Response.Status.DRAFT
    locked.updated_at = timezone.now()
    locked.updated_by = request.user
    locked.save(update_fields=["answers", "status", "updated_at", "updated_by"])
    response.answers, response.status, response.updated_at = locked.answers, locked.status, locked.updated_at
    return response


@transaction.atomic
def submit_response(request, response: Response, answers: dict) -> Response:
    locked = Response.objects.select_for_update().get(pk=response.pk)
    if locked.status == Response.Status.SUBMITTED or response.campaign.status != Campaign.Status.OPEN:
        raise NotAllowed
    locked.answers = _merge(locked, answers)
    if scoring.missing_required(locked.campaign.template.definition, locked.answers):
        raise NotAllowed
    now = timezone.now()
    locked.status = Response.Status.SUBMITTED
    locked.updated_at = locked.submitted_at = now
    locked.updated_by = locked.submitted_by = request.user
    locked.save(
        update_fields=["answers", "status", "updated_at", "updated_by", "submitted_at", "submitted_by"]
    )
    log_action("survey_response.submit", obj=locked, request=request)
    return locked


@transaction.atomic
def reopen_response(request, response: Response) -> None:
    """The officer gives a submitted response back to the school; its answers stay as a draft."""
    Response.objects.filter(pk=response.pk, status=Response.Status.SUBMITTED).update(
        status=Response.Status.DRAFT, submitted_at=None, reminded_overdue_at=None
    )
    log_action("survey_response.reopen", obj=response, request=request)


@transaction.atomic
def add_evidence(request, response: Response, question_key: str, upload) -> Evidence:
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
    log_action("survey_evidence.add", obj=evidence, changes={"question": question_key}, request=request)
    return evidence


@transaction.atomic
def set_campaign_status(request, campaign: Campaign, status: str) -> None:
    """Close a campaign (no more answers, no more reminders) or open it again."""
    if campaign.status == status:
        return
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    log_action(
        "survey_campaign.status", obj=campaign, changes={"status": [campaign.status, status]}, request=request
    )
    campaign.status = status


@transaction.atomic
def create_pilot_group(request, *, name: str, campaign: Campaign | None, schools) -> PilotGroup:
    group = PilotGroup.objects.create(
        municipality=request.tenant.municipality, name=name, campaign=campaign, created_by=request.user
    )
    group.schools.set(schools)
    log_action(
        "pilot_group.create",
        obj=group,
        changes={"campaign": campaign.pk if campaign else None, "schools": sorted(s.pk for s in schools)},
        request=request,
    )
    return group


# --- Teachers' personal links ------------------------------------------------------------------
TEACHING_ROLES = (PersonRole.TEACHER, PersonRole.DIRECTOR, PersonRole.STAFF)


@transaction.atomic
def create_teacher_links(request, campaign: Campaign, school) -> int:
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
    log_action(
        "survey_teacher_links.create",
        obj=campaign,
        changes={"school": school.pk, "links": len(links)},
        request=request,
    )
    from surveys.tasks import send_teacher_links  # cycle: surveys.tasks imports teacher_link_token

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
