"""The layout of docs/decisions/0016, checked on the source: imports run one way, no circle.

Every import counts, also those inside functions (a lazy import hides a circle, it does not
remove it); only `if TYPE_CHECKING:` blocks are left out. No database, no Django setup.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "qualiopi_portal",
    "indicators",
    "evidence",
    "audits",
    "training_offers",
    "financing",
    "assessments",
    "improvement",
    "reports",
    "dashboard",
    "learners",
    "session_documents",
    "surveys",
)
# Bottom first. A module may import from its own layer or a lower one, never a higher one.
LAYERS = (
    (
        "shell",
        (
            "qualiopi_portal.core",
            "qualiopi_portal.accounts",
            "qualiopi_portal.tenancy",
            "qualiopi_portal.formats",
            "qualiopi_portal.settings",
            "qualiopi_portal.middleware",
            "qualiopi_portal.celery",
            "qualiopi_portal.wsgi",
            "qualiopi_portal",
        ),
    ),
    ("referential", ("indicators.referential", "indicators.readiness")),
    (
        "domains",
        (
            "evidence",
            "training_offers",
            "audits",
            "financing",
            "assessments",
            "improvement",
            "learners",
            "session_documents",
            "surveys",
        ),
    ),
    ("readiness", ("indicators",)),
    (
        "pages",
        ("reports", "dashboard", "qualiopi_portal.portfolio", "qualiopi_portal.operations"),
    ),
    ("wiring", ("qualiopi_portal.urls_public", "qualiopi_portal.urls_tenants")),
)


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue  # history: they name the models where they were when written
            name = ".".join(relative.parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name | ast.Attribute) and "TYPE_CHECKING" in ast.unparse(
        node.test
    )


def _imported(module: str, path: Path) -> set[str]:
    """The project modules `module` imports (the longest known prefix of each name)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names: list[str] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import):
                names.extend(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    prefix = ".".join([*base, *([child.module] if child.module else [])])
                else:
                    prefix = child.module or ""
                names.append(prefix)
                names.extend(f"{prefix}.{alias.name}" for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found = set()
    for name in names:
        parts = name.split(".")
        while parts and ".".join(parts) not in MODULES:
            parts.pop()
        if parts and ".".join(parts) != module:
            found.add(".".join(parts))
    return found


GRAPH = {module: _imported(module, path) for module, path in MODULES.items()}


def _layer(module: str) -> tuple[int, str]:
    best = (-1, "", "")
    for index, (layer, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best[2]):
                best = (index, layer, prefix)
    assert best[0] >= 0, f"{module} belongs to no layer of docs/decisions/0016"
    return best[0], best[1]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_walker_sees_a_circle_when_there_is_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_walker_reads_imports_inside_functions_and_relative_ones():
    assert "indicators.services" in GRAPH["indicators.tasks"]
    # reports.tasks imports its services at the top; the services queue the task by name.
    assert "reports.services" in GRAPH["reports.tasks"]
    assert "reports.tasks" not in GRAPH["reports.services"]


def test_no_import_circle_between_the_project_modules():
    assert _cycles(GRAPH) == []


def _upward(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{module} ({_layer(module)[1]}) imports {target} ({_layer(target)[1]})"
        for module, targets in graph.items()
        for target in targets
        if _layer(target)[0] > _layer(module)[0]
    )


def test_every_module_has_its_layer():
    assert {
        module: _layer(module)[1]
        for module in (
            "qualiopi_portal.tenancy.models",
            "indicators.referential.selectors",
            "indicators.readiness",
            "evidence.services",
            "improvement.services",
            "indicators.services",
            "reports.services",
            "qualiopi_portal.portfolio.cockpit",
            "qualiopi_portal.urls_tenants",
        )
    } == {
        "qualiopi_portal.tenancy.models": "shell",
        "indicators.referential.selectors": "referential",
        "indicators.readiness": "referential",
        "evidence.services": "domains",
        "improvement.services": "domains",
        "indicators.services": "readiness",
        "reports.services": "pages",
        "qualiopi_portal.portfolio.cockpit": "pages",
        "qualiopi_portal.urls_tenants": "wiring",
    }
    assert _upward({"evidence.services": {"indicators.services"}}) == [
        "evidence.services (domains) imports indicators.services (readiness)"
    ]


def test_imports_run_from_the_pages_down_to_the_shell():
    assert _upward(GRAPH) == []


def test_the_domains_depend_on_each_other_without_a_circle():
    domains = LAYERS[2][1]

    def app(module: str) -> str:
        return module.split(".")[0]

    apps = {
        domain: {
            app(target)
            for module, targets in GRAPH.items()
            if app(module) == domain
            for target in targets
            if app(target) in domains and app(target) != domain
        }
        for domain in domains
    }
    assert _cycles(apps) == []
