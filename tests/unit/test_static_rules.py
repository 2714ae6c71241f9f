"""Rules checked by reading the source (checklist 11, 19, 23, 29)."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
TEMPLATES = APP / "templates"
ACCESS_DECORATORS = {"public", "signed_in", "training_officer", "administrator"}

# Where |safe or Markup( may appear (once each), and why. Everything else is escaped by Jinja.
SAFE_ALLOWLIST: dict[str, str] = {
    "app/catalogue/markdown.py": "lesson HTML, cleaned by nh3 to an allowlist on the line before",
    "app/reports/charts.py": "SVG elements whose every name, attribute and text is escaped",
}


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def test_every_route_function_declares_an_access_rule():
    missing = []
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            names = [_decorator_name(d) for d in node.decorator_list]
            is_route = any(n in {"route", "get", "post"} for n in names)
            if is_route and not ACCESS_DECORATORS & set(names):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert missing == []


def test_access_decorator_sits_directly_under_the_route():
    # Order matters: the access check must wrap the view before the route registers it.
    wrong = []
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [_decorator_name(d) for d in node.decorator_list]
                is_route = bool(names) and names[0] in {"route", "get", "post"}
                if is_route and (len(names) < 2 or names[1] not in ACCESS_DECORATORS):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert wrong == []


def test_templates_are_html_files():
    others = [p for p in TEMPLATES.rglob("*") if p.is_file() and p.suffix != ".html"]
    assert others == []


def test_no_unreviewed_safe_or_markup():
    found = []
    for path in [*TEMPLATES.rglob("*.html"), *APP.rglob("*.py")]:
        text = path.read_text()
        name = str(path.relative_to(ROOT))
        hits = []
        for pattern in (r"\|\s*safe\b", r"\bMarkup\(", r"render_template_string"):
            for match in re.finditer(pattern, text):
                hits.append(f"{name}:{text[: match.start()].count(chr(10)) + 1}")
        if name in SAFE_ALLOWLIST and len(hits) <= 1:
            continue
        found += hits
    assert found == []


def test_jinja_attribute_values_are_quoted():
    unquoted = []
    for path in TEMPLATES.rglob("*.html"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\s[\w-]+=\{\{", line):
                unquoted.append(f"{path.relative_to(ROOT)}:{number}")
    assert unquoted == []


def test_no_sql_text_built_from_strings():
    offenders = []
    for path in APP.rglob("*.py"):
        text = path.read_text()
        for match in re.finditer(r"text\(\s*(f[\"']|[\"'][^\"']*[\"']\s*(%|\+|\.format))", text):
            offenders.append(f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}")
    assert offenders == []


SECRET_PATTERNS = [
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    r"AKIA[0-9A-Z]{16}",
    r"(?i)(secret_key|password|api_key|token)\s*=\s*[\"'][A-Za-z0-9+/=_-]{32,}[\"']",
    r"xox[baprs]-[0-9A-Za-z-]{10,}",
    r"gh[pousr]_[0-9A-Za-z]{30,}",
]


def test_no_secrets_in_the_repository():
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    hits = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or (path.suffix in {".json"} and "lock" in name):
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for pattern in SECRET_PATTERNS:
            for match in re.finditer(pattern, text):
                # Public placeholders (the development and test keys) say what they are.
                if not re.search(r"development|test", match.group(0)):
                    hits.append(f"{name}: {match.group(0)[:20]}…")
    assert hits == []
