"""Forms: launching a campaign, answering a survey (built from the template version), a pilot group."""

from __future__ import annotations

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelMultipleChoiceField

from schools.forms import _limit_to_tenant, style_fields
from schools.models import School
from surveys import scoring
from surveys.models import SurveyTemplate, localized


class LaunchForm(forms.Form):
    template = forms.ModelChoiceField(
        queryset=SurveyTemplate.objects.none(), label=_("Survey"), empty_label=None
    )
    name = forms.CharField(label=_("Name of the campaign"), max_length=200)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    all_schools = forms.BooleanField(
        label=_("All schools and kindergartens"),
        required=False,
        initial=True,
        help_text=_("Untick it to send the survey only to the schools chosen below."),
    )
    schools = SafeModelMultipleChoiceField(
        queryset=School.objects.none(),
        label=_("Or only these"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_to_tenant(self.fields)
        # The newest version of each survey schools answer.
        latest = {}
        for template in SurveyTemplate.objects.filter(audience=SurveyTemplate.Audience.SCHOOL).order_by(
            "slug", "-version"
        ):
            latest.setdefault(template.slug, template.pk)
        self.fields["template"].queryset = SurveyTemplate.objects.filter(pk__in=latest.values()).order_by(
            "slug"
        )
        self.fields["template"].label_from_instance = lambda t: t.title

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline cannot be in the past."))
        return deadline

    def clean(self):
        data = super().clean()
        if data.get("all_schools"):
            data["schools"] = list(School.objects.all())
        elif not data.get("schools"):
            self.add_error("schools", _("Choose the schools, or send it to all of them."))
        else:
            data["schools"] = list(data["schools"])
        return data


class PilotGroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the pilot group"), max_length=200)
    schools = SafeModelMultipleChoiceField(
        queryset=School.objects.none(), label=_("Schools"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, campaign=None, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_to_tenant(self.fields)
        if campaign is not None:
            self.fields["schools"].queryset = School.objects.filter(survey_responses__campaign=campaign)


def _field_for(question: dict) -> forms.Field:
    kind = question["type"]
    label = localized(question["text"])
    unit = localized(question.get("unit")) or ("%" if kind == "percent" else "")
    if unit:
        label = f"{label} ({unit})"
    if question.get("required"):
        label = f"{label} *"
    common = {"label": label, "required": False, "help_text": localized(question.get("help"))}
    if kind == "yes_no":
        return forms.ChoiceField(
            choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **common
        )
    if kind in ("number", "percent"):
        attrs = {"inputmode": "decimal", "autocomplete": "off"}
        return forms.CharField(widget=forms.TextInput(attrs=attrs), **common)
    if kind == "single":
        choices = [(c["value"], localized(c["text"])) for c in question["choices"]]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "multi":
        choices = [(c["value"], localized(c["text"])) for c in question["choices"]]
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    if kind == "scale":
        choices = [(str(i), str(i)) for i in range(1, 6)]
        if question.get("allow_na", True):
            choices.append((scoring.SCALE_NA, _("not applicable")))
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == "text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=5000, **common)
    return forms.FileField(**common)


def _initial(question: dict, value):
    if value is None:
        return None
    if question["type"] == "yes_no":
        return "yes" if value else "no"
    if question["type"] in ("number", "percent"):
        return scoring.fmt(value)
    if question["type"] == "scale":
        return str(value)
    return value


class SurveyForm(forms.Form):
    """One field per question of the template version; every field optional at field level, because
    what is required depends on what is shown (checked in ``clean`` when submitting)."""

    def __init__(self, definition: dict, *args, answers=None, submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        self.submitting = submitting
        self.by_key = {q["key"]: q for q in scoring.questions(definition)}
        answers = answers or {}
        for key, question in self.by_key.items():
            field = _field_for(question)
            field.initial = _initial(question, answers.get(key))
            self.fields[key] = field
        style_fields(self.fields)
        current = {**answers, **(self.parsed() if self.is_bound else {})}
        self.visible = set(scoring.visible_keys(definition, current))

    def parsed(self) -> dict:
        """The answers present in the data that fit their question (for autosave: no errors raised)."""
        answers = {}
        for key, question in self.by_key.items():
            if question["type"] == "file" or (key not in self.data and question["type"] != "multi"):
                continue
            raw = self.data.getlist(key) if question["type"] == "multi" else self.data.get(key)
            try:
                answers[key] = scoring.parse_answer(question, raw)
            except ValueError:
                continue
        return answers

    def clean(self):
        data = super().clean()
        answers = {}
        for key, question in self.by_key.items():
            if question["type"] == "file":
                upload = self.files.get(key)
                if upload is not None:
                    answers[key] = upload.name
                continue
            raw = self.data.getlist(key) if question["type"] == "multi" else self.data.get(key)
            try:
                answers[key] = scoring.parse_answer(question, raw)
            except ValueError as error:
                self.add_error(key, str(error))
        self.answers = answers
        return data

    def check_complete(self, stored: dict) -> bool:
        """When submitting: every shown required question has an answer (here or saved before)."""
        merged = {**stored, **self.answers}  # the whole form is posted: an absent radio is "no answer"
        for question in scoring.missing_required(self.definition, merged):
            if question["key"] in self.fields and not self.has_error(question["key"]):
                self.add_error(question["key"], _("This question needs an answer."))
        return not self.errors

    def sections(self):
        """Sections with their questions' bound fields and the condition each question shows under."""
        for section in self.definition.get("sections", []):
            yield {
                "title": localized(section.get("title")),
                "questions": [
                    {
                        "question": question,
                        "field": self[question["key"]],
                        "hidden": question["key"] not in self.visible,
                        "show_if": json.dumps(question["show_if"]) if question.get("show_if") else "",
                    }
                    for question in section.get("questions", [])
                ],
            }


class TeacherForm(SurveyForm):
    """The teacher's self-assessment: everything shown must be answered."""
