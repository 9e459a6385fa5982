"""The integrations forms: connections (secrets go in once and are never shown again) and the
account layout. Each hands its cleaned values (``values()``) to an action; none saves itself."""

from __future__ import annotations

import json
import re

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django import forms
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from integrations.google.auth import parse_service_account_key
from integrations.models import Connection, Layout
from schools.forms import style_fields

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_KEY_FILE = 64 * 1024
DOMAIN = r"(?i)^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"


class ValuesForm(forms.ModelForm):
    """A model form that only validates: its fields' cleaned values go to an action."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_fields(self.fields)

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class ConnectionForm(ValuesForm):
    """The secret (``cleaned_data["secret"]``) is required for a new connection only."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.replacing = self.instance.pk is not None

    def values(self) -> dict:
        values = super().values()
        if self.cleaned_data.get("service_account_email"):  # read from the key file
            values["service_account_email"] = self.cleaned_data["service_account_email"]
        return values


class GoogleConnectionForm(ConnectionForm):
    key_file = forms.FileField(
        label=_("Service-account key (JSON file)"),
        required=False,
        help_text=_(
            "From Google Cloud console → IAM → Service accounts → Keys. "
            "It is stored encrypted and never shown again."
        ),
    )
    key_text = forms.CharField(
        label=_("…or paste the key JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
    )

    class Meta:
        model = Connection
        fields = ["admin_email", "customer_id", "primary_domain"]
        help_texts = {
            "admin_email": _("A super administrator the service account acts for (domain-wide delegation)."),
            "customer_id": _("Leave my_customer unless you manage several Google customers."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admin_email"].required = True
        self.fields["primary_domain"].required = True

    @sensitive_variables()
    def clean(self):
        data = super().clean()
        upload = data.get("key_file")
        if upload is not None and upload.size > MAX_KEY_FILE:
            self.add_error("key_file", _("A key file is a few kilobytes; this file is too large."))
            return data
        text = (
            upload.read().decode("utf-8", errors="replace")
            if upload
            else (data.get("key_text") or "").strip()
        )
        if not text:
            if not self.replacing:
                self.add_error("key_file", _("Upload the service-account key file or paste its JSON."))
            return data
        try:
            info = parse_service_account_key(text)
        except ValueError as error:
            self.add_error("key_file", str(error))
            return data
        data["secret"] = text
        data["service_account_email"] = info["client_email"]
        return data


@sensitive_variables()
def parse_certificate_credential(text: str) -> dict:
    """A PEM bundle with the app's private key and its certificate → what msal signs with."""
    data = text.encode("utf-8")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise forms.ValidationError(
            _("The PEM file must hold the certificate's private key, without a password.")
        ) from None
    try:
        certificate = x509.load_pem_x509_certificate(data)
    except ValueError:
        raise forms.ValidationError(_("The PEM file must also hold the certificate itself.")) from None
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return {"kind": "certificate", "private_key": key_pem, "public_certificate": cert_pem}


class MicrosoftConnectionForm(ConnectionForm):
    certificate = forms.CharField(
        label=_("…or a certificate (PEM with the private key)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text=_(
            "Instead of a client secret: the certificate uploaded to the app registration, with its key."
        ),
    )
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "The secret's value from the app registration. It is stored encrypted and never shown again."
        ),
    )

    class Meta:
        model = Connection
        fields = ["tenant_id", "client_id", "usage_location", "teacher_sku", "staff_sku", "student_sku"]
        help_texts = {
            "usage_location": _("Two-letter country code licences need, e.g. BG, PL or RU."),
            "teacher_sku": _("SKU id or part number, e.g. STANDARDWOFFACULTY."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant_id"].required = True
        self.fields["client_id"].required = True

    def clean_tenant_id(self):
        value = self.cleaned_data["tenant_id"].strip()
        if not GUID.match(value) and not re.match(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", value, re.IGNORECASE):
            raise forms.ValidationError(_("A tenant id is a GUID (or the tenant's domain name)."))
        return value

    def clean_client_id(self):
        value = self.cleaned_data["client_id"].strip()
        if not GUID.match(value):
            raise forms.ValidationError(_("An application (client) id is a GUID like 1b2c3d4e-…"))
        return value

    def clean_usage_location(self):
        value = self.cleaned_data["usage_location"].strip().upper()
        if value and not re.match(r"^[A-Z]{2}$", value):
            raise forms.ValidationError(_("Use a two-letter country code."))
        return value

    @sensitive_variables()
    def clean(self):
        data = super().clean()
        secret = (data.get("client_secret") or "").strip()
        certificate = (data.get("certificate") or "").strip()
        if certificate:
            try:
                data["secret"] = json.dumps(parse_certificate_credential(certificate))
            except forms.ValidationError as error:
                self.add_error("certificate", error)
        elif secret:
            data["secret"] = secret
        elif not self.replacing:
            self.add_error("client_secret", _("Enter the client secret or a certificate."))
        return data


class LayoutForm(ValuesForm):
    domain = forms.RegexField(
        regex=DOMAIN,
        label=_("Domain for accounts"),
        error_messages={"invalid": _("Enter a domain like school.example.org.")},
    )

    class Meta:
        model = Layout
        fields = [
            "domain",
            "per_school_subdomains",
            "login_pattern",
            "name_language",
            "cyrillic_language",
            "ou_root",
            "teachers_group",
            "directors_group",
            "school_groups",
            "microsoft_group_type",
        ]

    def clean_domain(self):
        return self.cleaned_data["domain"].lower()

    def _group(self, name):
        value = self.cleaned_data[name].strip().lower()
        if value and not re.fullmatch(r"[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?", value):
            raise forms.ValidationError(_("Use Latin letters, digits, dots, hyphens and underscores."))
        return value

    def clean_teachers_group(self):
        return self._group("teachers_group")

    def clean_directors_group(self):
        return self._group("directors_group")

    def clean_ou_root(self):
        value = "/" + self.cleaned_data["ou_root"].strip().strip("/")
        return value if value != "/" else "/"
