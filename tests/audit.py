"""`make audit`, part of `make test`: bandit over the packages, then pip-audit over the installed
dependencies against PyPI's advisory database.

A known vulnerability fails the run unless `[tool.answering.audit] ignore` in pyproject.toml names
it with a reason. When the advisory database cannot be reached (or cannot tell about a
dependency), the run fails under CI=true and warns otherwise; `AUDIT_OFFLINE=allow` turns that
failure into the warning where the network is known to be closed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PACKAGES = ["tenants", "answering", "scheduling", "billing", "wsgi.py"]


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def bandit() -> int:
    return subprocess.call(  # noqa: S603 - our own tool, fixed arguments
        [str(BIN / "bandit"), "-q", "-c", "pyproject.toml", "-r", *PACKAGES], cwd=ROOT
    )


def ignored() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    found = config.get("tool", {}).get("answering", {}).get("audit", {}).get("ignore", {})
    return {str(k): str(v) for k, v in found.items()}


def pip_audit() -> int:
    reasons = ignored()
    done = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [
            str(BIN / "pip-audit"),
            "--skip-editable",
            "--format",
            "json",
            "--progress-spinner",
            "off",
            *(arg for vuln in reasons for arg in ("--ignore-vuln", vuln)),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        return _unreachable(done.stderr.strip().splitlines()[-1:] or ["no answer"])
    found, unaudited = [], []
    for dependency in report.get("dependencies", []):
        name = f"{dependency['name']} {dependency.get('version', '')}".strip()
        if dependency.get("skip_reason"):
            unaudited.append(name)
        for vuln in dependency.get("vulns", []):
            found.append(
                f"{name}: {vuln['id']} (fixed in {', '.join(vuln.get('fix_versions', [])) or 'no release yet'})"
            )
    for line in found:
        print(f"pip-audit: {line}", file=sys.stderr)
    if found:
        return 1
    for vuln, reason in reasons.items():
        print(f"pip-audit: ignoring {vuln}: {reason}")
    if unaudited:
        return _unreachable(
            [f"{len(unaudited)} dependencies could not be audited, e.g. {unaudited[0]}"]
        )
    print(
        f"pip-audit: no known vulnerabilities in {len(report.get('dependencies', []))} dependencies"
    )
    return 0


def _unreachable(why: list[str]) -> int:
    message = (
        "pip-audit could not consult PyPI's advisory database (" + "; ".join(why) + "): "
        "the dependencies were NOT audited."
    )
    if _ci() and os.environ.get("AUDIT_OFFLINE") != "allow":
        print(
            "=" * 78 + f"\n{message}\nFailing: CI=true requires the audit.\n" + "=" * 78,
            file=sys.stderr,
        )
        return 1
    print("=" * 78 + f"\nWARNING: {message}\n" + "=" * 78, file=sys.stderr)
    return 0


def main() -> int:
    code = bandit()
    if code:
        print("bandit found problems (above)", file=sys.stderr)
    return code or pip_audit()


if __name__ == "__main__":
    sys.exit(main())
