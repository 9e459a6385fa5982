"""The templates shipped with the portal, installed (once per version) after every ``migrate``.

To change a shipped template, edit its definition and raise its version here: campaigns already
running keep the version they were launched with; new campaigns get the new one.
"""

from __future__ import annotations

from django.apps import apps as global_apps

from surveys.scoring import check_definition
from surveys.shipped import altai, digcompedu, haskovo, selfie

# slug -> (version, audience, definition)
SHIPPED: dict[str, tuple[int, str, dict]] = {
    "altai-pilot-criteria": (1, "school", altai.DEFINITION),
    "digcompedu": (1, "teacher", digcompedu.DEFINITION),
    "haskovo-readiness": (1, "school", haskovo.DEFINITION),
    "selfie": (1, "school", selfie.DEFINITION),
    "selfie-teachers": (1, "teacher", selfie.TEACHER_DEFINITION),
}


def install_shipped_templates(*args, using: str = "default", apps=None, **kwargs) -> int:
    """Create each shipped version that the database lacks; existing versions are never changed."""
    apps = apps or global_apps
    try:
        SurveyTemplate = apps.get_model("surveys", "SurveyTemplate")
    except LookupError:  # migrated back to before this app existed
        return 0
    created = 0
    for slug, (version, audience, definition) in SHIPPED.items():
        check_definition(definition)
        _obj, made = SurveyTemplate.objects.using(using).get_or_create(
            slug=slug, version=version, defaults={"audience": audience, "definition": definition}
        )
        created += made
    return created
