"""Check that the models import nothing above them: no module in app/models imports
app.security, app.labels, app.services, app.web, app.views or app.api, nor flask's request or
g (at the top or inside a function), and importing app.models loads none of them.

    python scripts/check_model_imports.py      # exits 1 and names the offenders

(A quick check; the import-layer test in tests/ is the formal one.)
"""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("app.security", "app.labels", "app.services", "app.web", "app.views", "app.api")
FLASK_REQUEST = {"request", "g", "session"}


def _absolute(node, module_path):
    """The absolute module an ImportFrom names (relative imports resolved within app.models)."""
    if not node.level:
        return node.module or ""
    package = module_path.split(".")[:-node.level]
    return ".".join(package + ([node.module] if node.module else []))


def static_offences():
    found = []
    for path in sorted((ROOT / "app" / "models").glob("*.py")):
        module_path = "app.models." + path.stem
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                target = _absolute(node, module_path)
                # `from app import labels` names the module in the alias
                names = [f"{target}.{a.name}" for a in node.names] if target == "app" \
                    else [target]
                if target == "flask" and FLASK_REQUEST & {a.name for a in node.names}:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: flask request/g")
            for name in names:
                if name.startswith(FORBIDDEN):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    return sorted(set(found))


def runtime_offences():
    code = ("import sys, app.models; print('\\n'.join(m for m in sys.modules "
            f"if m.startswith({FORBIDDEN!r})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return [f"importing app.models loads {m}" for m in out.split()]


def main():
    offences = static_offences() + runtime_offences()
    for line in offences:
        print(line)
    print("app/models imports nothing above it" if not offences else
          f"{len(offences)} upward import(s) in app/models")
    return 1 if offences else 0


if __name__ == "__main__":
    sys.exit(main())
