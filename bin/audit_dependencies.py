#!/usr/bin/env python3
"""Known vulnerabilities of the pinned dependencies (`make test` runs this).

Reads every ``name==version`` of requirements.lock and requirements-dev.lock and asks PyPI's
JSON API (``https://pypi.org/pypi/<name>/<version>/json``, whose ``vulnerabilities`` come from
the OSV database) about each. Prints what it found.

- exit 1: a pinned version has a known vulnerability that a newer release fixes (upgrade it,
  or, if it does not concern us, list its id in AUDIT_IGNORE with a reason in the commit);
- exit 0 with a warning naming the packages it could not check, when the registry cannot be
  reached or does not answer for them (offline machines, mirrors): the audit never blocks a
  build for want of a network, but says so.

Only the standard library, so it runs before (and without) the virtual environment.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK_FILES = ("requirements.lock", "requirements-dev.lock")
REGISTRY = os.environ.get("AUDIT_REGISTRY_URL", "https://pypi.org/pypi")
# Vulnerability ids that do not concern this project, each with its reason in the commit.
IGNORED = {v.strip() for v in os.environ.get("AUDIT_IGNORE", "").split(",") if v.strip()}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


@dataclass
class Finding:
    package: str
    version: str
    id: str
    fixed_in: list[str]
    summary: str = ""


@dataclass
class Report:
    checked: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def failing(self) -> list[Finding]:
        return [f for f in self.findings if f.fixed_in and f.id not in IGNORED]


def pinned(paths) -> dict[str, str]:
    """{normalised name: version} of every pin in the lock files."""
    pins = {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            match = PIN.match(line.strip())
            if match:
                pins[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(2)
    return pins


def fetch(name: str, version: str, registry: str = REGISTRY, timeout: float = 10.0) -> dict | None:
    """PyPI's JSON for one release; None when the registry cannot answer."""
    data = _get(f"{registry}/{name}/{version}/json", timeout)
    if data is None:
        # Some mirrors serve only the project's page; its vulnerabilities are the latest release's.
        latest = _get(f"{registry}/{name}/json", timeout)
        if latest is not None and (latest.get("info") or {}).get("version") == version:
            return latest
    return data


def _get(url: str, timeout: float) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https URL)
            return json.load(response)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError):
        return None


def vulnerabilities(name: str, version: str, data: dict) -> list[Finding]:
    found = []
    for vuln in data.get("vulnerabilities") or []:
        if vuln.get("withdrawn"):
            continue
        found.append(
            Finding(
                package=name,
                version=version,
                id=vuln.get("id") or ",".join(vuln.get("aliases") or []) or "?",
                fixed_in=list(vuln.get("fixed_in") or []),
                summary=(vuln.get("summary") or vuln.get("details") or "").strip().splitlines()[0][:120]
                if (vuln.get("summary") or vuln.get("details"))
                else "",
            )
        )
    return found


def audit(pins: dict[str, str], fetcher=fetch, workers: int = 8) -> Report:
    report = Report()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        answers = pool.map(lambda item: (item, fetcher(*item)), sorted(pins.items()))
        for (name, version), data in answers:
            if data is None:
                report.unreachable.append(f"{name}=={version}")
                continue
            report.checked.append(f"{name}=={version}")
            report.findings += vulnerabilities(name, version, data)
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock_files", nargs="*", default=[ROOT / name for name in LOCK_FILES])
    args = parser.parse_args(argv)
    pins = pinned(args.lock_files)
    report = audit(pins)
    for finding in report.findings:
        state = (
            "ignored"
            if finding.id in IGNORED
            else ("fixed in " + ", ".join(finding.fixed_in) if finding.fixed_in else "no fix yet")
        )
        print(f"{finding.package}=={finding.version}: {finding.id} ({state}) {finding.summary}")
    if report.unreachable:
        print(
            f"WARNING: dependency audit incomplete: {REGISTRY} did not answer for "
            f"{len(report.unreachable)} of {len(pins)} packages: {', '.join(report.unreachable)}",
            file=sys.stderr,
        )
    print(
        f"dependency audit: {len(report.checked)} of {len(pins)} pinned packages checked, "
        f"{len(report.findings)} known vulnerabilities, {len(report.failing)} with a fix we do not use"
    )
    return 1 if report.failing else 0


if __name__ == "__main__":
    sys.exit(main())
