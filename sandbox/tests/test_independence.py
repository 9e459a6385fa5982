"""The sandbox stands alone: no module under sandbox/ (its tests included) imports Django, a
Django library or any package of the portal. Read from the source, so an import inside a function
or behind a condition counts too."""

import ast
from pathlib import Path

SANDBOX = Path(__file__).resolve().parents[1]
ROOT = SANDBOX.parent
# Every package of the repository but the sandbox (config, schools, integrations, tests, …), the
# scripts beside them, and Django with its libraries.
PORTAL = {path.parent.name for path in ROOT.glob("*/__init__.py")} - {SANDBOX.name}
PORTAL |= {path.stem for path in ROOT.glob("*.py")} | {"bench", "bin"}
DJANGO = {"django", "allauth", "celery", "kombu"}


def _imported(tree: ast.AST):
    """(line, top-level module) of every absolute import in the tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            yield node.lineno, str(node.args[0].value).split(".")[0]


def _forbidden(module: str) -> bool:
    return module in PORTAL or module in DJANGO or module.startswith("django_")


def test_the_portal_packages_are_known():
    assert {"config", "schools", "integrations", "tests"} <= PORTAL  # the walk found the portal


def test_no_sandbox_module_imports_django_or_the_portal():
    files = sorted(SANDBOX.rglob("*.py"))
    assert len(files) > 30
    found = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in files
        for line, module in _imported(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if _forbidden(module)
    ]
    assert not found, "\n".join(found)


def test_the_check_sees_every_kind_of_import():
    source = (
        "import django.conf\n"
        "def f():\n    from schools.models import Person\n"
        "if True:\n    import importlib; importlib.import_module('integrations.engine')\n"
        "from . import http\nfrom sandbox.store import Store\nimport json\n"
    )
    modules = [module for _line, module in _imported(ast.parse(source)) if _forbidden(module)]
    assert sorted(modules) == ["django", "integrations", "schools"]
