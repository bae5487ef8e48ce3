"""The one error contract, /health, offline /docs, and a database removed under the server."""

from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes_documents import UploadPolicy
from tests.conftest import copy_workspace
from tests.test_api import ERROR_KEYS


@pytest.fixture(scope="module")
def client(bundled_workspace) -> TestClient:
    return TestClient(create_app(bundled_workspace.path), raise_server_exceptions=False)


def _error(r, status: int, *words: str) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == ERROR_KEYS and body["ok"] is False and body["status"] == status
    assert isinstance(body["title"], str) and body["title"]
    assert all(w in body["error"] for w in words), body["error"]
    return body


def test_unknown_route_has_a_title(client: TestClient) -> None:
    body = _error(client.get("/no-such-route"), 404, "/no-such-route")
    assert body["title"] == "Not Found"


def test_wrong_method_is_405_with_allow(client: TestClient) -> None:
    r = client.delete("/commitments")
    _error(r, 405, "DELETE")
    assert "GET" in r.headers["allow"]
    r = client.get("/documents")
    _error(r, 405)
    assert r.headers["allow"] == "POST"


@pytest.mark.parametrize(("url", "field"), [
    ("/commitments?year=100000000000000000000", "year"),
    ("/commitments?year=-5", "year"),
    ("/commitments?year=abc", "year"),
    ("/search?q=养老&top_k=100000000000000000000", "top_k"),
    ("/search?q=养老&top_k=0", "top_k"),
    ("/search?q=", "q"),
    ("/search?q=养老&mode=bogus", "mode"),
    ("/commitments?jurisdiction=" + "区" * 1000, "jurisdiction"),
    ("/documents?year=100000000000000000000", "year"),
])
def test_out_of_range_values_are_422(client: TestClient, url: str, field: str) -> None:
    method = client.post if url.startswith("/documents") else client.get
    body = _error(method(url), 422, field)
    assert body["title"] == "InvalidParameter"


def test_unexpected_failure_is_a_json_500_without_traceback(bundled_workspace, monkeypatch) -> None:
    from kg.store.db import Store

    c = TestClient(create_app(bundled_workspace.path), raise_server_exceptions=False)

    def boom(self):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Store, "counts", boom)
    r = c.get("/health")
    body = _error(r, 500)
    assert "secret" not in r.text and "Traceback" not in r.text and body["title"] == "InternalError"


def test_unknown_filters_are_the_same_404_everywhere(client: TestClient) -> None:
    messages = {_error(client.get(route, params={"jurisdiction": "火星区"}), 404, "火星区")["error"]
                for route in ("/commitments", "/departments", "/officials")}
    assert len(messages) == 1
    _error(client.get("/commitments", params={"department": "区宇宙开发局"}), 404, "区宇宙开发局")
    # A short name resolves everywhere: 章丘 is 济南市章丘区.
    assert len(client.get("/commitments", params={"jurisdiction": "章丘"}).json()) == 20
    assert client.get("/departments", params={"jurisdiction": "章丘"}).json()
    assert client.get("/officials", params={"jurisdiction": "市中"}).json()


def test_health_has_the_counts(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["ok"] is True and body["counts"]["commitments"] == 44 and body["counts"]["documents"] == 2


def test_openapi_lists_the_error_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "ErrorBody" in spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert {"400", "404", "422", "500"} <= set(op["responses"]), path
    assert {"401", "403", "413"} <= set(spec["paths"]["/documents"]["post"]["responses"])
    assert "/ingest" not in spec["paths"]


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def test_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    parser = _Refs()
    parser.feed(page.text)
    assert parser.refs, "no assets referenced"
    assert not re.search(r"https?://", page.text), "the docs page names an external URL"
    for ref in parser.refs:
        assert ref.startswith("/"), ref
        asset = client.get(ref)
        assert asset.status_code == 200 and len(asset.content) > 100, ref
    assert "swagger-ui-bundle.js" in " ".join(parser.refs)


def test_removed_database_is_503_not_stale_data(tmp_path, bundled_workspace) -> None:
    ws = copy_workspace(bundled_workspace, tmp_path / "ws")
    c = TestClient(create_app(ws.path, policy=UploadPolicy(api_key="k")), raise_server_exceptions=False)
    assert c.get("/health").status_code == 200
    backup = tmp_path / "backup.db"
    shutil.copy2(ws.db_path, backup)
    os.unlink(ws.db_path)
    for url in ("/health", "/commitments", "/commitments/370103-2024-06", "/departments"):
        _error(c.get(url), 503, "removed", "restart")
    r = c.post("/documents", files={"file": ("a.txt", b"1. x")}, headers={"Authorization": "Bearer k"})
    _error(r, 503, "removed")
    # Put back as a different file (new inode): still refused, the open connection is to the old one.
    shutil.copy2(backup, ws.db_path)
    _error(c.get("/commitments"), 503, "replaced")
    # A fresh server on the restored file answers.
    assert TestClient(create_app(ws.path)).get("/health").json()["counts"]["documents"] == 2


@pytest.mark.slow
def test_docs_render_in_a_browser_without_network(bundled_workspace, tmp_path) -> None:
    # Real Chromium, every host but loopback unresolvable: Swagger UI must still draw the operations.
    from tests.server_helpers import serve, stop
    from tests.test_kg_export_browser import _require_browser, _run

    browser = _require_browser()
    server, thread, base = serve(create_app(bundled_workspace.path))
    try:
        done = _run(browser, tmp_path, "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                    "--dump-dom", f"{base}/docs")
        assert done.returncode == 0, done.stderr[-2000:]
        dom = done.stdout
        assert "swagger-ui" in dom and "opblock" in dom, dom[:2000]
        assert "/commitments" in dom and "/documents" in dom
    finally:
        stop(server, thread)
