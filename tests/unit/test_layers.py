"""The layering the folder names promise (docs/architecture.md), checked on the source:
every import in app/ (also those inside functions) may only point down the layers, pages and
REST never import each other, and no modules import each other in a circle."""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

# Lowest first. A module may import its own layer and the layers before it.
LAYERS = [
    ("base", {"app.extensions", "app.i18n", "app.jstext"}),
    ("models", {"app.models"}),
    ("security", {"app.security"}),
    ("services", {"app.services"}),
    ("web", {"app.web"}),
    ("views", {"app.views"}),
    ("api", {"app.api"}),
    ("top", {"app", "app.wiring", "app.cli", "app.startup", "app.tasks"}),
]
# Side by side, never importing each other.
SIBLINGS = {("views", "api"), ("api", "views")}
# Request handling the lower layers must not touch: the web layer binds them to requests.
NO_REQUEST = {"models", "security"}
REQUEST_NAMES = {"request", "g", "session", "abort", "has_request_context", "current_app"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str):
    best = None
    for index, (name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[2]:
                    best = (index, name, len(prefix))
    return best[:2] if best else None


def _imports(path: Path, module: str):
    """(imported module, names, line) of every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            names = tuple(a.name for a in node.names)
            yield base, names, node.lineno
            for name in names:  # `from app.services import rules` imports app.services.rules
                yield f"{base}.{name}", (), node.lineno


def _graph():
    modules = {_module_name(p): p for p in APP.rglob("*.py")}
    edges = {}
    for module, path in modules.items():
        for target, names, line in _imports(path, module):
            edges.setdefault(module, []).append((target, names, line))
    return modules, edges


def test_imports_point_down_the_layers():
    modules, edges = _graph()
    wrong = []
    for module, targets in edges.items():
        own = _layer(module)
        assert own is not None, f"{module} belongs to no layer; add it to LAYERS"
        for target, names, line in targets:
            if target.startswith("flask") and own[1] in NO_REQUEST and target == "flask" \
                    and set(names) & REQUEST_NAMES:
                wrong.append(f"{module}:{line} uses Flask request handling ({names})")
            if not (target == "app" or target.startswith("app.")) or target not in modules \
                    and not any(m.startswith(target + ".") for m in modules):
                continue
            theirs = _layer(target)
            if theirs is None or theirs[0] <= own[0] and (own[1], theirs[1]) not in SIBLINGS:
                if (own[1], theirs[1] if theirs else None) in SIBLINGS:
                    wrong.append(f"{module}:{line} imports its sibling {target}")
                continue
            if (own[1], theirs[1]) in SIBLINGS or theirs[0] > own[0]:
                wrong.append(f"{module}:{line} ({own[1]}) imports {target} ({theirs[1]})")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_no_import_cycles():
    """Modules that import each other (directly or around a circle), counting imports inside
    functions too: those are cycles held together by the order of execution."""
    modules, edges = _graph()
    graph = {m: {t for t, _n, _l in edges.get(m, ()) if t in modules and t != m
                 and not m.startswith(t + ".")}  # a package's own __init__ is no cycle
             for m in modules}
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(node):  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)
