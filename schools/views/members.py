"""Memberships, invitations and the audit log of a municipality."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schools import actions
from schools.access import get_for
from schools.audit import context_from
from schools.forms import DirectorSchoolsForm, InvitationForm
from schools.models import AuditEvent, Invitation, Membership
from schools.permissions import invitable_roles
from schools.roles import Role
from schools.views.decorators import query_string, tenant_view


def _back(request):
    return redirect("schools:members", municipality_slug=request.tenant.municipality.slug)


@tenant_view("view_members")
def member_list(request):
    memberships = (
        Membership.objects.select_related("user").prefetch_related("schools").order_by("user__email", "role")
    )
    invitations = Invitation.objects.select_related("invited_by").prefetch_related("schools")[:200]
    return render(
        request,
        "schools/member_list.html",
        {
            "memberships": memberships,
            "invitations": invitations,
            "invitable": invitable_roles(request.tenant),
        },
    )


@tenant_view("manage_members")
def invitation_create(request):
    form = InvitationForm(request.POST or None, tenant=request.tenant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actions.invite(
            context_from(request),
            email=data["email"],
            role=data["role"],
            schools=list(data["schools"]),
            language=data["language"],
        )
        messages.success(request, _("The invitation to %(email)s is on its way.") % {"email": data["email"]})
        return _back(request)
    return render(
        request, "schools/invitation_form.html", {"form": form, "invitation_days": settings.INVITATION_DAYS}
    )


def _own_invitation(request, invitation_id):
    invitation = get_for(request, Invitation.objects.all(), "manage_members", pk=invitation_id)
    if invitation.role not in invitable_roles(request.tenant):
        return None
    return invitation


@require_POST
@tenant_view("manage_members")
def invitation_resend(request, invitation_id):
    invitation = _own_invitation(request, invitation_id)
    if invitation is None or invitation.accepted_at or invitation.revoked_at:
        messages.error(request, _("This invitation can no longer be sent."))
    else:
        actions.resend_invitation(context_from(request), invitation)
        messages.success(request, _("The invitation was sent again with a new link."))
    return _back(request)


@require_POST
@tenant_view("manage_members")
def invitation_revoke(request, invitation_id):
    invitation = _own_invitation(request, invitation_id)
    if invitation is not None:
        actions.revoke_invitation(context_from(request), invitation)
        messages.success(request, _("The invitation was revoked; its link no longer works."))
    return _back(request)


@require_POST
@tenant_view("manage_members")
def membership_remove(request, membership_id):
    membership = get_for(request, Membership.objects.select_related("user"), pk=membership_id)
    if membership.role not in invitable_roles(request.tenant):
        messages.error(request, _("You may not remove this role."))
    elif membership.user_id == request.user.pk and membership.role == Role.OFFICER:
        messages.error(request, _("You cannot remove your own officer role."))
    else:
        actions.remove_membership(context_from(request), membership)
        messages.success(request, _("The role was removed."))
    return _back(request)


@tenant_view("manage_members")
def membership_schools(request, membership_id):
    membership = get_for(
        request, Membership.objects.select_related("user"), pk=membership_id, role=Role.DIRECTOR
    )
    form = DirectorSchoolsForm(request.POST or None, initial={"schools": list(membership.schools.all())})
    if request.method == "POST" and form.is_valid():
        actions.update_director_schools(context_from(request), membership, list(form.cleaned_data["schools"]))
        messages.success(request, _("The director's schools were saved."))
        return _back(request)
    return render(request, "schools/membership_schools.html", {"form": form, "membership": membership})


@tenant_view("view_audit")
def audit_log(request):
    events = AuditEvent.objects.select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/audit_log.html",
        {"page": page, "action": action, "query_string": query_string(request)},
    )
