"""Forms of the trainings app. Every relational choice is limited to the current tenant."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from infra.numbers import NumberError, parse_decimal
from schools.forms import TenantModelForm, style_fields
from schools.models import Person, School
from schools.roles import PersonRole, Role
from trainings.models import (
    Curriculum,
    EventKindChoices,
    ExternalCertification,
    NetworkEvent,
    QuotaRule,
    QuotaSet,
    TrainingSession,
)

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_FORMAT, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def parse_modules(text: str) -> list[tuple[str, Decimal]]:
    """One module a line: ``hours | title`` (e.g. ``2 | Gmail and Calendar``)."""
    modules = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        hours, sep, title = line.partition("|")
        try:
            value = parse_decimal(hours, max_digits=3, max_places=2)
        except NumberError:
            value = None
        if not sep or not title.strip() or value is None or not 0 < value < 1000:
            raise forms.ValidationError(
                _("Line %(number)s: write the hours, a bar and the title, e.g. “2 | Gmail and Calendar”."),
                params={"number": number},
            )
        modules.append((title.strip()[:200], value))
    return modules


class CurriculumForm(TenantModelForm):
    target_roles = forms.MultipleChoiceField(
        label=_("For"), choices=PersonRole.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    modules_text = forms.CharField(
        label=_("Modules"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One module a line: hours, a bar, the title — e.g. “2 | Gmail and Calendar”."),
    )
    questions_text = forms.CharField(
        label=_("Feedback questions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One question a line; each is answered on a scale from 1 to 5."),
    )

    class Meta(TenantModelForm.Meta):
        model = Curriculum
        fields = [
            "title",
            "description",
            "language",
            "target_roles",
            "min_attendance_percent",
            "feedback_required",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields({"target_roles": self.fields["target_roles"]})
        if self.instance.pk and not self.is_bound:
            self.initial["modules_text"] = "\n".join(
                f"{m.hours.normalize():f} | {m.title}" for m in self.instance.modules.all()
            )
            self.initial["questions_text"] = "\n".join(q.text for q in self.instance.questions.all())

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if Curriculum.objects.filter(title=title).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another curriculum already has this title."))
        return title

    def clean_modules_text(self):
        modules = parse_modules(self.cleaned_data["modules_text"])
        if not modules:
            raise forms.ValidationError(_("Add at least one module."))
        return modules

    def clean_questions_text(self):
        questions = []
        for line in self.cleaned_data["questions_text"].splitlines():
            line = line.strip()[:300]
            if line and line not in questions:
                questions.append(line)
        if not questions:
            raise forms.ValidationError(_("Add at least one question."))
        return questions


def trainers_of(municipality):
    """Users who may run a session here: the municipality's trainers and officers."""
    return (
        get_user_model()
        .objects.filter(
            memberships__municipality=municipality, memberships__role__in=[Role.TRAINER, Role.OFFICER]
        )
        .distinct()
        .order_by("full_name", "email")
    )


class SessionForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = TrainingSession
        fields = [
            "curriculum",
            "mode",
            "place",
            "meeting_link",
            "capacity",
            "trainer",
            "starts_at",
            "ends_at",
            "meetings",
            "self_enrolment",
        ]
        widgets = {"starts_at": DateTimeLocalInput(), "ends_at": DateTimeLocalInput()}

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Users are not tenant-owned rows: offer only this municipality's trainers and officers.
        self.fields["trainer"].queryset = trainers_of(municipality)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must come after the start."))
        mode = data.get("mode")
        if mode == TrainingSession.Mode.IN_PERSON and not data.get("place"):
            self.add_error("place", _("Where does the group meet?"))
        if mode == TrainingSession.Mode.ONLINE and not data.get("meeting_link"):
            self.add_error("meeting_link", _("An online session needs a meeting link."))
        return data


class EnrolForm(forms.Form):
    """A director (or officer) enrols someone of the roster."""

    person = SafeModelChoiceField(queryset=Person.objects.none(), label=_("Person"))

    def __init__(self, *args, school_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.exclude(role=PersonRole.STUDENT).order_by("last_name", "first_name")
        if school_ids is not None:
            people = people.filter(schools__pk__in=list(school_ids)).distinct()
        self.fields["person"].queryset = people
        style_fields(self.fields)


class FeedbackForm(forms.Form):
    SCALE = [(str(i), str(i)) for i in range(1, 6)]

    comment = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, questions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        fields = {}
        for question in self.questions:
            fields[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text, choices=self.SCALE, coerce=int, widget=forms.RadioSelect
            )
        comment = self.fields.pop("comment")
        self.fields.update(fields)
        self.fields["comment"] = comment
        style_fields(self.fields)

    def scores(self) -> dict[int, int]:
        return {q.pk: self.cleaned_data[f"q{q.pk}"] for q in self.questions}


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)


class CertificationForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = ExternalCertification
        fields = ["person", "kind", "custom_name", "obtained_on", "expires_on", "evidence_url"]
        widgets = {"obtained_on": DateInput(), "expires_on": DateInput()}

    def __init__(self, *args, school_ids=None, own_person=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = Person.objects.exclude(role=PersonRole.STUDENT).order_by("last_name", "first_name")
        if own_person is not None:
            people = people.filter(pk=own_person.pk)
            self.fields["person"].initial = own_person.pk
        elif school_ids is not None:
            people = people.filter(schools__pk__in=list(school_ids)).distinct()
        self.fields["person"].queryset = people

    def clean(self):
        data = super().clean()
        if (
            data.get("kind") == ExternalCertification.Kind.CUSTOM
            and not (data.get("custom_name") or "").strip()
        ):
            self.add_error("custom_name", _("Name the certification."))
        obtained, expires = data.get("obtained_on"), data.get("expires_on")
        if obtained and expires and expires < obtained:
            self.add_error("expires_on", _("The expiry date comes before the date obtained."))
        return data


class TargetsForm(forms.Form):
    teachers = forms.IntegerField(label=_("Certified teachers"), min_value=1, required=False)
    teachers_deadline = forms.DateField(label=_("By"), required=False, widget=DateInput())
    trainers = forms.IntegerField(label=_("Certified trainers"), min_value=1, required=False)
    trainers_deadline = forms.DateField(label=_("By"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "teachers": (data.get("teachers"), data.get("teachers_deadline")),
            "trainers": (data.get("trainers"), data.get("trainers_deadline")),
        }


class EventForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = NetworkEvent
        fields = [
            "kind",
            "title",
            "school",
            "audience",
            "reach",
            "starts_at",
            "ends_at",
            "link",
            "materials_url",
            "participants",
            "description",
        ]
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, school_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        if school_ids is not None:
            self.fields["school"].queryset = School.objects.filter(pk__in=list(school_ids))
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M"]

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end < start:
            self.add_error("ends_at", _("The end must come after the start."))
        return data


class QuotaSetForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = QuotaSet
        fields = ["name", "is_default"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if QuotaSet.objects.filter(name=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another quota set already has this name."))
        return name


class QuotaRuleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Event kind"), choices=[("", "—"), *EventKindChoices.choices], required=False
    )
    minimum = forms.IntegerField(label=_("At least"), min_value=1, initial=1, required=False)
    period = forms.ChoiceField(label=_("Period"), choices=QuotaRule.Period.choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)


QuotaRuleFormSet = forms.formset_factory(QuotaRuleForm, extra=0, max_num=10)


def rules_from(formset) -> list[tuple[str, int, str]]:
    rules = []
    seen = set()
    for form in formset:
        data = form.cleaned_data
        if data.get("kind") and (data["kind"], data.get("period")) not in seen:
            seen.add((data["kind"], data.get("period")))
            rules.append((data["kind"], data.get("minimum") or 1, data.get("period") or "year"))
    return rules
