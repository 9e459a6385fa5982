"""Personal data (GDPR): the record of processing, the policy, a person's export and erasure,
the access log and the retention reports."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from infra.exports import as_csv, as_xlsx
from infra.links import signed_download
from schools import audit
from schools.access import get_for
from schools.actions import save_for_tenant
from schools.forms import PrivacyPolicyForm, edit_from
from schools.models import Person, PersonalDataAccess, PurgeReport
from schools.privacy import data
from schools.privacy.access import record_access
from schools.privacy.erasure import erase_person
from schools.privacy.policy import policy_for, retention_days
from schools.privacy.registry import parts
from schools.roles import PersonRole
from schools.views.decorators import query_string, tenant_view


@tenant_view("view_privacy")
def record(request):
    """The processor's record for this municipality: what, why, for how long, who receives it."""
    policy = policy_for(request.tenant.municipality)
    roles = dict(PersonRole.choices)
    subjects = [
        {"label": roles.get(row["role"], row["role"]), "count": row["n"]}
        for row in Person.objects.filter(erased_at__isnull=True)
        .values("role")
        .annotate(n=Count("id"))
        .order_by("role")
    ]
    return render(
        request,
        "schools/privacy_record.html",
        {
            "policy": policy,
            "days": retention_days(policy),
            "subjects": subjects,
            "connections": [who for part in parts() for who in part.recipients()],
            "credential_ceiling": settings.CREDENTIAL_RETENTION_DAYS,
        },
    )


@tenant_view("manage_privacy")
def policy_edit(request):
    policy = policy_for(request.tenant.municipality)
    form = PrivacyPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        save_for_tenant(audit.context_from(request), edit_from(form), audit_action="privacy_policy")
        messages.success(request, _("The personal data policy was saved."))
        return redirect("schools:privacy", municipality_slug=request.tenant.municipality.slug)
    return render(request, "schools/privacy_policy_form.html", {"form": form})


@tenant_view("export_person")
@signed_download
def person_export(request, person_id, fmt):
    person = get_for(request, Person.objects.select_related("municipality", "user"), pk=person_id)
    content = data.person_data(person)
    ctx = audit.context_from(request)
    audit.record(ctx, "person.export", person, {"format": fmt})
    record_access(ctx, PersonalDataAccess.Kind.PERSON_EXPORT, person=person, detail=fmt)
    if fmt == "csv":
        response = HttpResponse(data.as_csv(content), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(data.as_json(content), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="person-{person.pk}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@tenant_view("erase_person")
def person_erase(request, person_id):
    """GET: what erasure will do; POST (with the confirmation ticked): do it."""
    person = get_for(request, Person.objects.select_related("user"), pk=person_id)
    slug = request.tenant.municipality.slug
    if person.is_erased:
        messages.info(request, _("This person's data was already erased."))
        return redirect("schools:people", municipality_slug=slug)
    policy = policy_for(request.tenant.municipality)
    prints = data.footprint(person)
    context = {"person": person, "policy": policy, "addresses": prints.addresses, "failures": []}
    for part in parts():  # what each part will do: the providers with accounts, the enrolments…
        context.update(part.preview(person, prints))
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            context["confirm_missing"] = True
            return render(request, "schools/person_erase.html", context, status=400)
        result = erase_person(audit.context_from(request), person)
        if not result.erased:
            context["failures"] = result.failures
            context["done"] = [(label, _outcome(what)) for label, what in result.cloud]
            return render(request, "schools/person_erase.html", context, status=409)
        messages.success(request, _("The person's data was erased; the roster keeps a pseudonym."))
        for label, what in result.cloud:
            messages.info(request, _("%(provider)s: %(what)s.") % {"provider": label, "what": _outcome(what)})
        for label in result.unreachable:
            messages.warning(
                request,
                _(
                    "The person may still have an account at %(provider)s, which the portal is no "
                    "longer connected to: close it there by hand."
                )
                % {"provider": label},
            )
        return redirect("schools:people", municipality_slug=slug)
    return render(request, "schools/person_erase.html", context)


def _outcome(what: str) -> str:
    return {
        "suspended": _("the account was suspended"),
        "deleted": _("the account was deleted"),
        "no account": _("no account was found"),
    }.get(what, what)


def _accesses(request):
    rows = PersonalDataAccess.objects.select_related("person")
    kind = request.GET.get("kind", "")
    who = request.GET.get("who", "").strip()
    if kind in PersonalDataAccess.Kind.values:
        rows = rows.filter(kind=kind)
    if who:
        rows = rows.filter(user_label__icontains=who)
    return rows, kind, who


@tenant_view("manage_privacy")
def access_log(request):
    rows, kind, who = _accesses(request)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/privacy_access_log.html",
        {
            "page": page,
            "kind": kind,
            "who": who,
            "kinds": PersonalDataAccess.Kind.choices,
            "query_string": query_string(request),
        },
    )


@tenant_view("manage_privacy")
def access_log_export(request, fmt):
    rows, kind, _who = _accesses(request)
    kinds = dict(PersonalDataAccess.Kind.choices)
    table = [[_("When"), _("Who"), _("What"), _("Detail"), _("Person"), _("People"), _("IP address")]]
    count = 0
    for row in rows.iterator(chunk_size=2000):
        table.append(
            [
                timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"),
                row.user_label,
                str(kinds.get(row.kind, row.kind)),
                row.detail,
                row.person_id or "",
                row.count,
                row.ip or "",
            ]
        )
        count += 1
    record_access(audit.context_from(request), PersonalDataAccess.Kind.ACCESS_LOG, count=count, detail=fmt)
    if fmt == "xlsx":
        response = HttpResponse(
            as_xlsx(table, _("Access log")),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(as_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-log.{fmt}"'
    return response


@tenant_view("manage_privacy")
def purge_reports(request):
    page = Paginator(PurgeReport.objects.all(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/privacy_purges.html",
        {"page": page, "days": retention_days(policy_for(request.tenant.municipality))},
    )
