"""Forms. Every relational choice is limited to the current tenant (``TenantModelForm``)."""

from __future__ import annotations

import re
from itertools import chain

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from infra.dates import validate_date_window
from infra.text import normalise_name, same_text_key, validate_visible_text
from schools.actions import Edit
from schools.audit import form_changes
from schools.models import Person, PrivacyPolicy, School, User
from schools.permissions import invitable_roles
from schools.roles import Role


def _tenant_formfield(db_field, **kwargs):
    """Build relational fields with an empty queryset; the form fills in the tenant's rows."""
    if db_field.many_to_many:
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
    elif db_field.many_to_one:
        kwargs.setdefault("form_class", SafeModelChoiceField)
    elif isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def style_fields(fields) -> None:
    """Bootstrap classes on every widget (the field template adds label, help and errors), and
    the window of sane dates on every date field (``infra.dates``), and no invisible or
    direction-changing characters in any single-line text (``infra.text``)."""
    for field in fields.values():
        widget = field.widget
        single_line = not isinstance(widget, forms.Textarea | forms.PasswordInput)
        if isinstance(field, forms.CharField) and single_line:
            if validate_visible_text not in field.validators:
                field.validators.append(validate_visible_text)
        if isinstance(field, forms.DateField | forms.DateTimeField):
            if validate_date_window not in field.validators:
                field.validators.append(validate_date_window)
        if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _limit_to_tenant(fields) -> None:
    """Inside the request's scope ``Model.objects.all()`` holds this municipality's rows only."""
    for field in fields.values():
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = field.queryset.model.objects.all()
    style_fields(fields)


def edit_from(form: forms.ModelForm) -> Edit:
    """What a validated model form hands an action: the instance with the form's values (its own
    ``save(commit=False)`` run, nothing written), the many-to-many values it would save, and the
    changed fields for the audit trail."""
    instance = form.save(commit=False)
    opts, meta = instance._meta, form._meta
    m2m = {
        f.name: form.cleaned_data[f.name]
        for f in chain(opts.many_to_many, opts.private_fields)
        if hasattr(f, "save_form_data")
        and not (meta.fields and f.name not in meta.fields)
        and not (meta.exclude and f.name in meta.exclude)
        and f.name in form.cleaned_data
    }
    return Edit(instance=instance, m2m=m2m, changes=form_changes(form))


class TenantModelForm(forms.ModelForm):
    """A model form whose choice fields offer, and accept, only the current tenant's objects."""

    class Meta:
        formfield_callback = _tenant_formfield

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_to_tenant(self.fields)


class SchoolForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = School
        fields = ["name", "kind", "code", "address", "phone", "email", "website", "subdomain"]

    def clean_name(self):
        name = normalise_name(self.cleaned_data["name"])
        key = same_text_key(name)
        others = School.objects.exclude(pk=self.instance.pk).values_list("name", flat=True)
        if any(same_text_key(other) == key for other in others):
            raise forms.ValidationError(_("Another school of this municipality already has this name."))
        return name

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if code and School.objects.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another school of this municipality already has this code."))
        return code


class PrivacyPolicyForm(forms.ModelForm):
    class Meta:
        model = PrivacyPolicy
        fields = [
            "cloud_on_erasure",
            "leavers_days",
            "imports_days",
            "credentials_days",
            "audit_days",
            "contact",
        ]
        widgets = {"cloud_on_erasure": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Temporary passwords are never kept longer than the platform allows.
        ceiling = settings.CREDENTIAL_RETENTION_DAYS
        self.fields["credentials_days"].max_value = ceiling
        self.fields["credentials_days"].widget.attrs["max"] = ceiling
        self.fields["credentials_days"].validators.append(MaxValueValidator(ceiling))
        style_fields(self.fields)


class PersonForm(TenantModelForm):
    class Meta(TenantModelForm.Meta):
        model = Person
        fields = [
            "first_name",
            "middle_name",
            "last_name",
            "role",
            "schools",
            "personal_email",
            "login_override",
            "left_on",
        ]
        widgets = {
            "schools": forms.CheckboxSelectMultiple,
            "left_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean_first_name(self):
        return normalise_name(self.cleaned_data["first_name"])

    def clean_middle_name(self):
        return normalise_name(self.cleaned_data["middle_name"])

    def clean_last_name(self):
        return normalise_name(self.cleaned_data["last_name"])

    def clean_login_override(self):
        value = self.cleaned_data["login_override"].strip().lower()
        if value and not re.fullmatch(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?", value):
            raise forms.ValidationError(_("Use Latin letters, digits, dots, hyphens and underscores."))
        return value

    def __init__(self, *args, allowed_school_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_school_ids = allowed_school_ids
        if allowed_school_ids is not None:
            # A director manages people of their own schools only.
            self.fields["schools"].queryset = School.objects.filter(pk__in=allowed_school_ids)
            self.fields["schools"].required = True

    def clean_schools(self):
        """A director's choice replaces only her own schools' links: a person who also works in
        another school keeps that school, which she neither sees nor may take away."""
        chosen = self.cleaned_data["schools"]
        if self.allowed_school_ids is None or self.instance.pk is None:
            return chosen
        kept = self.instance.schools.exclude(pk__in=self.allowed_school_ids)
        return School.objects.filter(
            pk__in=[*chosen.values_list("pk", flat=True), *kept.values_list("pk", flat=True)]
        )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role"))
    schools = SafeModelMultipleChoiceField(
        queryset=School.objects.none(),
        label=_("Schools"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Required for school directors: the schools they lead."),
    )
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)

    def __init__(self, *args, tenant=None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(value, labels[value]) for value in invitable_roles(tenant)]
        _limit_to_tenant(self.fields)
        if tenant is not None and not self.is_bound:
            self.fields["language"].initial = tenant.municipality.language

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.DIRECTOR and not data.get("schools"):
            self.add_error("schools", _("Choose at least one school for a director."))
        if data.get("role") != Role.DIRECTOR:
            data["schools"] = []
        return data


class DirectorSchoolsForm(forms.Form):
    schools = SafeModelMultipleChoiceField(
        queryset=School.objects.none(), label=_("Schools"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_to_tenant(self.fields)


class AcceptInvitationForm(forms.Form):
    """For an invitee without an account: name and password; the e-mail comes from the invitation."""

    full_name = forms.CharField(label=_("Your full name"), max_length=200)
    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email
        style_fields(self.fields)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords differ."))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self._email, full_name=data.get("full_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)
