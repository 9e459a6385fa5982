"""Forms of the rollout app. Relational choices are limited to the tenant (``TenantModelForm``)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelMultipleChoiceField

from infra.uploads import validate_upload_size
from rollout import facts
from rollout.models import (
    Activity,
    Agreement,
    AgreementParty,
    AgreementPlanItem,
    BudgetLine,
    Evidence,
    LibraryDocument,
    Programme,
    ProgrammeTemplate,
    Stage,
    Task,
)
from rollout.programme_templates import SHIPPED, text
from rollout.queries import pilot_groups
from schools.forms import TenantModelForm, style_fields
from schools.models import Membership, School

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def template_choices(language: str) -> list[tuple[str, str]]:
    shipped = [(key, text(t["name"], language)) for key, t in SHIPPED.items()]
    own = [(f"own-{t.pk}", t.name) for t in ProgrammeTemplate.objects.order_by("name")]
    return shipped + own


def resolve_template(key: str) -> dict | None:
    if key in SHIPPED:
        return SHIPPED[key]
    if key.startswith("own-") and key[4:].isdigit():
        own = ProgrammeTemplate.objects.filter(pk=int(key[4:])).first()
        return own.data if own else None
    return None


def _coverage_choices(municipality):
    choices = list(Programme.Coverage.choices)
    if not pilot_groups(municipality):
        choices = [c for c in choices if c[0] != Programme.Coverage.PILOT]
    return choices


class _CoverageMixin:
    def _setup_coverage(self, municipality):
        self.fields["coverage"].choices = _coverage_choices(municipality)
        groups = pilot_groups(municipality)
        if groups:
            self.fields["pilot_group_id"] = forms.TypedChoiceField(
                label=_("Pilot group"),
                choices=[("", "—"), *[(g.pk, g.name) for g in groups]],
                coerce=int,
                required=False,
                empty_value=None,
            )
        else:
            self.fields.pop("pilot_group_id", None)

    def _clean_coverage(self, data):
        coverage = data.get("coverage")
        if coverage == Programme.Coverage.CHOSEN and not data.get("schools"):
            self.add_error("schools", _("Choose at least one school."))
        if coverage == Programme.Coverage.PILOT and not data.get("pilot_group_id"):
            self.add_error("coverage", _("Choose the pilot group."))
        return data


class ProgrammeFromTemplateForm(_CoverageMixin, forms.Form):
    template = forms.ChoiceField(label=_("Template"))
    language = forms.ChoiceField(label=_("Language of the programme"), choices=settings.LANGUAGES)
    name = forms.CharField(
        label=_("Name"), max_length=200, required=False, help_text=_("Empty: the template's name.")
    )
    starts_on = forms.DateField(label=_("Starts"), widget=DATE)
    coverage = forms.ChoiceField(label=_("Schools covered"), widget=forms.RadioSelect)
    schools = SafeModelMultipleChoiceField(
        queryset=School.objects.none(),
        label=_("Schools"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, municipality=None, language="en", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices(language)
        self.fields["schools"].queryset = School.objects.order_by("name")
        self._setup_coverage(municipality)
        style_fields(self.fields)

    def clean(self):
        data = self._clean_coverage(super().clean())
        template = resolve_template(data.get("template", ""))
        if template is None:
            self.add_error("template", _("Choose a template."))
        data["template_data"] = template
        return data


class ProgrammeForm(_CoverageMixin, TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = Programme
        fields = [
            "name",
            "description",
            "language",
            "starts_on",
            "ends_on",
            "coverage",
            "schools",
            "snapshot_months",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "coverage": forms.RadioSelect,
            "schools": forms.CheckboxSelectMultiple,
        }

    pilot_group_id = forms.IntegerField(required=False)

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = School.objects.order_by("name")
        self.fields["snapshot_months"].widget = forms.Select(
            choices=[(1, "1"), (3, "3"), (6, "6"), (12, "12")]
        )
        self._setup_coverage(municipality)
        if "pilot_group_id" in self.fields:
            self.fields["pilot_group_id"].initial = self.instance.pilot_group_id
        style_fields(self.fields)

    def clean(self):
        return self._clean_coverage(super().clean())

    def save(self, commit=True):
        self.instance.pilot_group_id = self.cleaned_data.get("pilot_group_id")
        return super().save(commit)


class SaveTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name of the template"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)


class StageForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = Stage
        fields = ["name", "order", "starts_on", "ends_on", "expected_result"]
        widgets = {"starts_on": DATE, "ends_on": DATE, "expected_result": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The end is before the start."))
        return data


class ActivityForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = Activity
        fields = [
            "title",
            "stage",
            "description",
            "per_school",
            "responsible_role",
            "responsible_label",
            "responsible_users",
            "starts_on",
            "due_on",
            "fact_kind",
        ]
        widgets = {
            "starts_on": DATE,
            "due_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "responsible_users": forms.CheckboxSelectMultiple,
        }

    fact_n = forms.IntegerField(
        label=_("N (teachers trained)"),
        min_value=1,
        required=False,
        help_text=_("For “at least N teachers”."),
    )

    def __init__(self, *args, programme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(programme=programme).order_by("order")
        members = Membership.objects.values_list("user_id", flat=True)
        # Only people with a role in this municipality can be named.
        users = get_user_model().objects.filter(pk__in=list(members)).order_by("full_name", "email")
        self.fields["responsible_users"] = SafeModelMultipleChoiceField(
            queryset=users, label=_("Responsible people"), required=False, widget=forms.CheckboxSelectMultiple
        )
        self.fields["responsible_users"].queryset = users
        self.fields["fact_kind"] = forms.ChoiceField(
            label=_("Ticks itself when"), choices=facts.choices(), required=False
        )
        self.fields["fact_n"].initial = (self.instance.fact_params or {}).get("n")
        style_fields(self.fields)

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("due_on") and data["due_on"] < data["starts_on"]:
            self.add_error("due_on", _("The deadline is before the start."))
        return data

    def save(self, commit=True):
        params = dict(self.instance.fact_params or {})
        if self.cleaned_data.get("fact_n"):
            params["n"] = self.cleaned_data["fact_n"]
        self.instance.fact_params = params
        return super().save(commit)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Task.STORED_STATUSES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Evidence.Kind.choices, widget=forms.RadioSelect)
    file = forms.FileField(label=_("File"), required=False, validators=[validate_upload_size])
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        needed = {"file": "file", "link": "url", "note": "note"}.get(kind)
        if needed and not data.get(needed):
            self.add_error(needed, _("This is needed for this kind of evidence."))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)


class BudgetLineForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = BudgetLine
        fields = ["programme", "year", "line", "planned", "actual", "note", "document"]


class LibraryDocumentForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = LibraryDocument
        fields = ["title", "category", "language", "description", "file", "url", "shared_with_all"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("url"):
            self.add_error("file", _("Upload a file or give a link."))
        return data


class AgreementForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = Agreement
        fields = ["title", "subject", "programme", "starts_on", "ends_on", "signed_document"]
        widgets = {"starts_on": DATE, "ends_on": DATE, "subject": forms.Textarea(attrs={"rows": 3})}


class PartyForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = AgreementParty
        fields = ["kind", "school", "name", "resources", "responsibilities"]
        widgets = {
            "resources": forms.Textarea(attrs={"rows": 2}),
            "responsibilities": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        data = super().clean()
        if not data.get("school") and not data.get("name"):
            self.add_error("name", _("Choose a school or name the organisation."))
        return data


class PlanItemForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = AgreementPlanItem
        fields = ["year", "kind", "title", "when", "done"]


class ReviewForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    text = forms.CharField(label=_("Year-end review"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)
