"""The domains depend on each other one way only (DESIGN.md section 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAINS = {"tenants", "scheduling", "answering", "billing"}
ALLOWED = {
    "tenants": set(),
    "scheduling": {"tenants"},
    "answering": {"scheduling", "tenants"},
    "billing": {"tenants"},
}


def imported_domains(package: str, root: Path = ROOT) -> dict[str, set[str]]:
    """For each module of the package, the other domains it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((root / package).rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        others = (names & DOMAINS) - {package}
        if others:
            found[str(path.relative_to(root))] = others
    return found


@pytest.mark.parametrize("package", sorted(DOMAINS))
def test_domain_imports_only_what_it_may(package: str) -> None:
    forbidden = {
        module: sorted(others - ALLOWED[package])
        for module, others in imported_domains(package).items()
        if others - ALLOWED[package]
    }
    assert forbidden == {}, f"{package} may import only {sorted(ALLOWED[package])}"


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    package = tmp_path / "tenants"
    package.mkdir()
    (package / "bad.py").write_text("import answering\nfrom billing.services import price\n")
    assert imported_domains("tenants", root=tmp_path) == {
        "tenants/bad.py": {"answering", "billing"}
    }
