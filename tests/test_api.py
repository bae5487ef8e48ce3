"""The HTTP API: routes, the one error shape, and a real uvicorn server."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes_documents import UploadPolicy
from tests.server_helpers import serve, stop

ERROR_KEYS = {"ok", "error", "status", "title"}


@pytest.fixture(scope="module")
def client(bundled_workspace) -> TestClient:
    return TestClient(create_app(bundled_workspace.path))


def test_commitment_json_shape(client: TestClient) -> None:
    body = client.get("/commitments/370103-2024-06").json()
    assert body["title"] == "新建大型综合养老机构2处"
    assert body["departments"] == [{"id": "370103:区民政局", "name": "区民政局", "function": "民政", "role": "responsible"}]
    assert {"metric": "增加床位", "value": 800.0, "unit": "张"}.items() <= body["targets"][1].items()


def test_filters_accept_aliases(client: TestClient) -> None:
    ids = [c["id"] for c in client.get("/commitments", params={"department": "区卫健局"}).json()]
    assert "370103-2024-04" in ids and "370114-2025-05" in ids


def test_error_shape_is_pinned(client: TestClient) -> None:
    # One shape for every failure (after datasette): {"ok": false, "error", "status", "title"}.
    not_found = client.get("/commitments/370103-1999-01")
    assert not_found.status_code == 404
    assert set(not_found.json()) == ERROR_KEYS and not_found.json()["ok"] is False
    bad_param = client.get("/commitments", params={"year": "abc"})
    assert bad_param.status_code == 422 and set(bad_param.json()) == ERROR_KEYS
    assert bad_param.json()["error"].startswith("year:")
    unknown_route = client.get("/no-such-route")
    assert unknown_route.status_code == 404 and set(unknown_route.json()) == ERROR_KEYS


@pytest.mark.parametrize("q", [" ", "\u3000", "\x1d", " \x1c\x1f "])
def test_a_blank_query_is_refused_by_the_schema(client: TestClient, q: str) -> None:
    """What the engine strips to nothing (str.strip: Unicode spaces and the U+001C-U+001F separators)
    is invalid by the published pattern, so a schema-valid query is never a 400 (schemathesis ST202)."""
    for route in ("/search", "/timeline"):
        r = client.get(route, params={"q": q})
        assert r.status_code == 422 and set(r.json()) == ERROR_KEYS, (route, q, r.text)


def test_bad_upload_is_4xx_and_changes_nothing(fresh_workspace) -> None:
    c = TestClient(create_app(fresh_workspace.path, policy=UploadPolicy(api_key="k")))
    key = {"Authorization": "Bearer k"}
    before = fresh_workspace.store().fingerprint()
    r = c.post("/documents", files={"file": ("list.exe", b"MZ\x00\x00binary")}, headers=key)
    assert r.status_code == 400 and set(r.json()) == ERROR_KEYS
    assert "list.exe" in r.json()["error"] and "/tmp" not in r.json()["error"]
    r = c.post("/documents", files={"file": ("empty.txt", b"")}, headers=key)
    assert r.status_code == 400 and "empty" in r.json()["error"] and "/tmp" not in r.json()["error"]
    assert fresh_workspace.store().fingerprint() == before


def test_upload_adds_a_document(fresh_workspace) -> None:
    from tests.conftest import SHIZHONG_2025

    c = TestClient(create_app(fresh_workspace.path, policy=UploadPolicy(api_key="k")))
    r = c.post("/documents", files={"file": ("shizhong_2025.txt", SHIZHONG_2025.read_bytes())},
               headers={"Authorization": "Bearer k"})
    assert r.status_code == 200, r.text
    assert r.json()["documents"][0]["id"] == "370103-2025"
    assert c.get("/commitments/370103-2025-03").json()["category"] == "养老服务"
    assert c.post("/ingest").status_code == 404  # replaced by POST /documents


@pytest.mark.slow
def test_real_http_server(bundled_workspace) -> None:
    server, thread, base = serve(create_app(bundled_workspace.path))
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            assert http.get("/healthz").text == "ok"
            assert http.get("/").json()["totals"]["commitments"] == 44
            hits = http.get("/search", params={"q": "养老床位", "top_k": 3}).json()
            assert hits["results"][0]["id"] == "370103-2024-06"
            missing = http.get("/commitments/none")
            assert missing.status_code == 404 and missing.json()["ok"] is False
    finally:
        stop(server, thread)


def test_graph_and_analysis_routes(client: TestClient) -> None:
    rows = client.get("/sparql", params={"query": "SELECT ?d WHERE { ?d a ms:Department } LIMIT 3"}).json()
    assert len(rows["results"]["bindings"]) == 3
    refused = client.get("/sparql", params={"query": "CLEAR ALL"})
    assert refused.status_code == 403 and "read-only" in refused.json()["error"]
    gexf = client.get("/export/gexf", params={"view": "departments"})
    assert gexf.status_code == 200 and b"<gexf" in gexf.content
    assert client.get("/export/pdf").status_code == 400
    shared = client.get("/overlaps", params={"kind": "shared", "year": 2024}).json()
    assert any(set(o["departments"]) == {"区发展改革局", "区妇联"} for o in shared)
    answer = client.get("/ask", params={"q": "哪些部门负责养老？"}).json()
    assert answer["kind"] == "who" and answer["answerable"]
    assert {"区民政局", "区卫生健康局"} <= {row["name"] for row in answer["items"]}
