"""Texts of shipped templates: every one in English, Bulgarian, Polish and Russian."""


def T(en: str, bg: str, pl: str, ru: str) -> dict[str, str]:  # noqa: N802 (reads like a literal)
    return {"en": en, "bg": bg, "pl": pl, "ru": ru}
