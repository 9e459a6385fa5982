"""Form-level isolation, generically: every form of every tenant page, every relational field.

For each tenant page (the URL walk of tests/isolation.py) opened by municipality A's all-roles
member, each form in the page's context is inspected. For every ``ModelChoiceField`` /
``ModelMultipleChoiceField``:

1. the choices it offers hold no row of municipality B (nor any other row it may not offer);
2. the page's HTML form is submitted as a browser would (its own default values), with that
   field set to a row it does not offer, preferably municipality B's; the answer must be a 404
   or the form again with an error on that field, and no row of the database may change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from django import forms
from django.apps import apps
from django_scopes import scopes_disabled

from tests.isolation import OBJECT_KWARGS, _values, build_path, classify, iter_routes
from tests.links import signed_if_needed

OUR_APPS = ("schools", "rollout", "surveys", "trainings", "integrations")
NOT_COMPARED = {"schools.auditevent"}  # a refused attempt may be audited


@dataclass
class HtmlForm:
    action: str
    method: str
    values: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)


class _FormParser(HTMLParser):
    """The <form>s of a page with the values a browser would submit by default."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self._form: HtmlForm | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, all options, selected
        self._option: tuple[str | None, bool, list[str]] | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = HtmlForm(a.get("action") or "", (a.get("method") or "get").lower())
            self.forms.append(self._form)
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            self._form.names.add(name)
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form.values.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "reset", "image"):
                self._form.values.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self._form.names.add(name)
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), "selected" in a, [])
        elif tag == "textarea" and name:
            self._form.names.add(name)
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._option is not None:
            self._option[2].append(data)
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            value = value if value is not None else "".join(text).strip()
            self._select[1].append(value)
            if selected:
                self._select[2].append(value)
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            for value in selected or options[:1]:
                self._form.values.append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.values.append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "form":
            self._form = None


def html_forms(content: str) -> list[HtmlForm]:
    parser = _FormParser()
    parser.feed(content)
    return parser.forms


def context_forms(response) -> list[forms.BaseForm]:
    found, seen = [], set()
    for context in response.context or []:
        for value in context.flatten().values() if hasattr(context, "flatten") else context.values():
            if isinstance(value, forms.BaseForm) and id(value) not in seen:
                seen.add(id(value))
                found.append(value)
    return found


def database_snapshot() -> dict[str, list]:
    snapshot = {}
    with scopes_disabled():
        for model in apps.get_models():
            label = model._meta.label_lower
            if model._meta.app_label in OUR_APPS and label not in NOT_COMPARED:
                snapshot[label] = sorted(map(repr, model._base_manager.values_list()))
    return snapshot


def _all_rows(model):
    manager = getattr(model.objects, "with_scopes_disabled", None)
    return manager() if manager else model._base_manager.all()


def foreign_row(field_: forms.ModelChoiceField, other_municipality_id: int):
    """A row the field does not offer, of the other municipality when the model says whose it is."""
    with scopes_disabled():
        offered = set(field_.queryset.values_list("pk", flat=True))
        rows = _all_rows(field_.queryset.model).exclude(pk__in=offered)
        names = {f.attname for f in field_.queryset.model._meta.fields}
        if "municipality_id" in names:
            theirs = rows.filter(municipality_id=other_municipality_id).order_by("pk").first()
            if theirs is not None:
                return theirs, offered
        return rows.order_by("pk").first(), offered


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def prepare(world) -> None:
    """Make every lazily created object of both municipalities before the walk."""
    for tenant in (world.a, world.b):
        for make in OBJECT_KWARGS.values():
            make(tenant)


def check_forms(world, client) -> Report:
    report = Report()
    for route in iter_routes():
        if classify(route) != "tenant":
            continue
        values = _values(route, world.a, world.a)
        if values is None:
            continue
        path = build_path(route, values)
        response = client.get(signed_if_needed(client, path, world.a.municipality))
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        page_forms = html_forms(response.content.decode())
        for form in context_forms(response):
            for name, form_field in form.fields.items():
                if isinstance(form_field, forms.ModelChoiceField):
                    _check_field(report, world, client, route, path, form, name, form_field, page_forms)
    return report


def _check_field(report, world, client, route, path, form, name, form_field, page_forms):
    label = f"{route.name} {type(form).__name__}.{name}"
    row, offered = foreign_row(form_field, world.b.municipality.pk)
    with scopes_disabled():
        theirs = (
            set(
                _all_rows(form_field.queryset.model)
                .filter(pk__in=offered)
                .values_list("municipality_id", flat=True)
                .distinct()
            )
            if "municipality_id" in {f.attname for f in form_field.queryset.model._meta.fields}
            else set()
        )
    if theirs - {world.a.municipality.pk}:
        report.failures.append(f"{label}: offers rows of municipalities {sorted(theirs)}")
    if row is None:
        report.skipped.append(f"{label}: no row outside its choices to try")
        return
    html_name = form.add_prefix(name)
    html_form = next((f for f in page_forms if html_name in f.names and f.method == "post"), None)
    if html_form is None:
        report.skipped.append(f"{label}: not in a POST form on the page")
        return
    data: dict[str, list[str]] = {}
    for key, value in html_form.values:
        data.setdefault(key, []).append(value)
    data[html_name] = [str(row.pk)]
    target = html_form.action or path
    before = database_snapshot()
    response = client.post(signed_if_needed(client, target, world.a.municipality), data)
    changed = [k for k, v in database_snapshot().items() if before.get(k) != v]
    report.checked.append(label)
    if changed:
        report.failures.append(f"{label}: POST {target} with foreign id {row.pk} changed {changed}")
        return
    if response.status_code == 404:
        return
    errors = {}
    for bound in context_forms(response):
        errors.update(bound.errors)
    if response.status_code == 200 and name not in errors and html_name not in errors:
        report.failures.append(f"{label}: POST {target} with foreign id {row.pk} shows no error on the field")
