"""The dependency rule of docs/ARCHITECTURE.md, checked on every import of every module."""

import ast
from pathlib import Path

LDA = Path(__file__).resolve().parents[1] / "lda"

CORE = {"core"}
FOUNDATION = {"accounts", "access", "audit", "tasks"}
SHELLS = {"portal", "administration", "api"}
# Domain apps (households, measures, housing…) go here as they arrive: core + foundation only.
DOMAIN: set[str] = {"households", "measures", "housing", "retention"}
DEMO = {"demo"}

ALLOWED = {
    **{name: CORE for name in CORE},
    **{name: CORE | FOUNDATION for name in FOUNDATION},
    **{name: CORE | FOUNDATION | DOMAIN | SHELLS for name in SHELLS},
    **{name: CORE | FOUNDATION | DOMAIN for name in DOMAIN},
    **{name: CORE | FOUNDATION | DOMAIN for name in DEMO},
}
PROJECT_MODULES = {"settings", "urls", "wsgi", "asgi", "__init__"}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_every_package_is_placed_in_a_layer():
    packages = {p.name for p in LDA.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= ALLOWED.keys(), f"Paquet sans couche : {sorted(packages - ALLOWED.keys())}"


def test_packages_import_only_what_their_layer_allows():
    breaches = []
    for path in LDA.rglob("*.py"):
        relative = path.relative_to(LDA)
        if len(relative.parts) == 1:
            continue  # settings, urls, wsgi: the project's wiring may import anything
        package = relative.parts[0]
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] != "lda" or len(parts) < 2 or parts[1] in PROJECT_MODULES:
                continue
            target = parts[1]
            if target != package and target not in ALLOWED[package]:
                breaches.append(f"{relative} importe lda.{target}")
    assert not breaches, "Règle de dépendance enfreinte :\n" + "\n".join(breaches)
