from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from integrations.roster.checks import FIELDS
from integrations.roster.readers import MAX_BYTES, MAX_ROWS
from schools.forms import style_fields

FIELD_LABELS = {
    "first_name": _("First name"),
    "middle_name": _("Middle name"),
    "last_name": _("Last name"),
    "role": _("Role"),
    "school": _("School"),
    "personal_email": _("E-mail"),
    "external_id": _("Identifier in the file"),
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_(
            "CSV (UTF-8, Windows-1251, Windows-1250 or ISO-8859-2; comma, semicolon or tab), XLSX, "
            "a OneRoster 1.1 zip or a School Data Sync export. One person a row; "
            "up to %(rows)s rows and %(mb)s MB."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = self.fields["file"].help_text % {
            "rows": number_format(MAX_ROWS, force_grouping=True),
            "mb": MAX_BYTES // 2**20,
        }
        style_fields(self.fields)


class MappingForm(forms.Form):
    """Which column holds which field; the preview below it is checked with this mapping."""

    only_valid = forms.BooleanField(
        label=_("Import only the rows without errors (the others are left out)"), required=False
    )
    mark_leaving = forms.BooleanField(
        label=_("Mark the people missing from the file as leaving"),
        help_text=_(
            "Only people in the file's schools and in no other school: a file of one school never "
            "touches the others. Ticked when the file covers every school with people on the roster."
        ),
        required=False,
    )

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —"))] + [
            (str(i), header or f"#{i + 1}") for i, header in enumerate(headers)
        ]
        for name in FIELDS:
            self.fields[name] = forms.ChoiceField(label=FIELD_LABELS[name], choices=choices, required=False)
        self.order_fields([*FIELDS, "only_valid", "mark_leaving"])
        style_fields(self.fields)

    def mapping(self) -> dict[str, int | None]:
        data = self.cleaned_data
        return {name: int(data[name]) if data.get(name) not in (None, "") else None for name in FIELDS}
