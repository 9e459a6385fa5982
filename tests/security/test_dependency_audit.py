"""The dependency audit of `make test` (bin/audit_dependencies.py), against a registry served
here over real HTTP: it fails on a vulnerability with a fix we do not use and only warns when
the registry cannot be reached."""

import functools
import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bin" / "audit_dependencies.py"


def run(lock: Path, registry: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(lock)],
        env={"AUDIT_REGISTRY_URL": registry, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def registry(tmp_path):
    """A folder served over HTTP the way PyPI serves /<name>/<version>/json."""
    root = tmp_path / "registry"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def publish(name, version, vulnerabilities):
        folder = root / name / version
        folder.mkdir(parents=True)
        (folder / "json").write_text(
            json.dumps({"info": {"version": version}, "vulnerabilities": vulnerabilities})
        )

    yield f"http://127.0.0.1:{server.server_address[1]}", publish
    server.shutdown()
    server.server_close()


@pytest.fixture
def lock(tmp_path):
    path = tmp_path / "requirements.lock"
    path.write_text("django==5.2.1 \\\n    --hash=sha256:abc\n    # via x\nsome_lib==1.0\n")
    return path


def test_a_vulnerability_with_a_fix_fails_the_build(registry, lock):
    url, publish = registry
    publish("django", "5.2.1", [{"id": "PYSEC-2099-1", "fixed_in": ["5.2.2"], "summary": "SQL injection"}])
    publish("some-lib", "1.0", [])
    result = run(lock, url)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "django==5.2.1: PYSEC-2099-1 (fixed in 5.2.2) SQL injection" in result.stdout
    assert "2 of 2 pinned packages checked" in result.stdout


def test_a_clean_lock_passes_and_withdrawn_or_unfixed_entries_only_print(registry, lock):
    url, publish = registry
    publish("django", "5.2.1", [{"id": "OLD-1", "fixed_in": ["5.2.2"], "withdrawn": "2025-01-01"}])
    publish("some-lib", "1.0", [{"id": "GHSA-open", "fixed_in": []}])
    result = run(lock, url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "GHSA-open (no fix yet)" in result.stdout and "OLD-1" not in result.stdout


def test_an_unreachable_registry_warns_with_the_list(lock):
    result = run(lock, "http://127.0.0.1:9")  # nothing listens on the discard port
    assert result.returncode == 0
    assert "WARNING: dependency audit incomplete" in result.stderr
    assert "django==5.2.1" in result.stderr and "some-lib==1.0" in result.stderr


def test_make_test_runs_the_audit_over_both_lock_files():
    makefile = (ROOT / "Makefile").read_text()
    target = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "bin/audit_dependencies.py" in target
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import audit_dependencies
    finally:
        sys.path.remove(str(SCRIPT.parent))
    pins = audit_dependencies.pinned([ROOT / name for name in audit_dependencies.LOCK_FILES])
    assert "django" in pins and "pytest" in pins and len(pins) > 50
