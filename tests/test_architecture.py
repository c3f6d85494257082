"""The layout holds: the kernel every app may import depends on nothing above it, no module grows past
450 lines, and every module says what it holds. (The layers themselves are import-linter's contract in
pyproject.toml, run by `make test`.)"""

import ast
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("applications", "reviews", "certification", "notifications", "accounts")
PACKAGES = (*APPS, "config")
CONTRACT = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
KERNEL = sorted(rule.split(" -> ")[1] for rule in CONTRACT["ignore_imports"])
MAX_LINES = 450


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def test_the_contract_layers_the_apps_in_lifecycle_order():
    assert CONTRACT["type"] == "layers"
    assert tuple(CONTRACT["layers"]) == APPS


@pytest.mark.parametrize("module", KERNEL)
def test_a_kernel_module_imports_only_the_kernel_the_bottom_layer_and_config(graph, module):
    # Otherwise "anyone may import the kernel" would let an import against the lifecycle hide behind it.
    allowed = set(KERNEL)
    for imported in graph.find_upstream_modules(module):
        if imported.split(".")[0] in ("accounts", "config") or imported in allowed:
            continue
        pytest.fail(f"kernel module {module} depends on {imported}")


def project_modules() -> list[Path]:
    return sorted(
        path
        for package in (*PACKAGES, "tests", "bench")
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_no_module_is_over_450_lines():
    long = {
        str(p.relative_to(ROOT)): n for p in project_modules() if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_every_module_of_the_apps_says_what_it_holds():
    missing = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and path.read_text().strip() and path.name != "__init__.py"
        if ast.get_docstring(ast.parse(path.read_text())) is None
    ]
    assert missing == []
