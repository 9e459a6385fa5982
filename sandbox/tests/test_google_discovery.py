"""The discovery document: served at both of Google's addresses, rooted wherever the client
reached the sandbox, and equal to Google's published document for every method served."""

import json
from pathlib import Path

import googleapiclient


def test_discovery_document_matches_the_published_one(fresh_sandbox):
    base = fresh_sandbox.base_url
    with fresh_sandbox.session() as session:
        short = session.get(f"{base}/$discovery/rest?version=directory_v1", timeout=30).json()
        long = session.get(f"{base}/discovery/v1/apis/admin/directory_v1/rest", timeout=30).json()
        as_google = session.get(
            f"{base}/discovery/v1/apis/admin/directory_v1/rest",
            headers={"Host": "admin.googleapis.com"},
            timeout=30,
        ).json()
        missing = session.get(f"{base}/discovery/v1/apis/drive/v3/rest", timeout=30)
    assert short == long and missing.status_code == 404
    assert (short["kind"], short["name"], short["version"]) == (
        "discovery#restDescription",
        "admin",
        "directory_v1",
    )
    assert (short["rootUrl"], short["servicePath"], short["batchPath"]) == (base + "/", "", "batch")
    assert as_google["rootUrl"] == "https://admin.googleapis.com/"
    assert {"alt", "fields", "key", "oauth_token", "prettyPrint", "quotaUser"} <= set(short["parameters"])

    # The library ships Google's own copy of this document: every method we serve must match it.
    shipped = Path(googleapiclient.__file__).parent / "discovery_cache/documents/admin.directory_v1.json"
    real = json.loads(shipped.read_text())
    served = 0
    for resource, body in short["resources"].items():
        for name, method in body["methods"].items():
            published = real["resources"][resource]["methods"][name]
            for key in ("id", "httpMethod", "path", "flatPath", "parameterOrder", "request", "response"):
                assert method.get(key) == published.get(key), (resource, name, key)
            assert set(method["scopes"]) <= set(published["scopes"]), (resource, name)
            for parameter, spec in method["parameters"].items():
                assert spec["location"] == published["parameters"][parameter]["location"], (name, parameter)
            served += 1
    assert served == 28
    for schema, spec in short["schemas"].items():
        assert set(spec["properties"]) <= set(real["schemas"][schema]["properties"]), schema
