"""POST /documents: key, Origin, byte/name/item/time limits, one writer, store unchanged on failure."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes_documents import UploadPolicy, check_upload_name
from kg.errors import InputError, InvalidParameterError
from tests.conftest import SHIZHONG_2025
from tests.server_helpers import serve as _serve
from tests.server_helpers import stop
from tests.test_api import ERROR_KEYS

KEY = {"Authorization": "Bearer s3cret"}


def _client(ws, **policy) -> TestClient:
    return TestClient(create_app(ws.path, policy=UploadPolicy(**{"api_key": "s3cret", **policy})))


def _upload(c: TestClient, name: str = "shizhong_2025.txt", data: bytes | None = None, headers=KEY, **params):
    data = SHIZHONG_2025.read_bytes() if data is None else data
    return c.post("/documents", files={"file": (name, data)}, headers=headers, params=params)


def _error(r: httpx.Response, status: int, *words: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == ERROR_KEYS and body["ok"] is False and body["status"] == status and body["title"]
    assert all(w in body["error"] for w in words), body["error"]
    assert "Traceback" not in r.text and "minsheng-upload-" not in body["error"]


def test_writes_are_off_without_a_key(fresh_workspace, monkeypatch) -> None:
    monkeypatch.delenv("MINSHENG_API_KEY", raising=False)
    c = TestClient(create_app(fresh_workspace.path))
    before = fresh_workspace.store().fingerprint()
    _error(_upload(c), 403, "--api-key")
    _error(_upload(c, headers={"Authorization": "Bearer anything"}), 403, "--api-key")
    assert fresh_workspace.store().fingerprint() == before
    assert c.get("/health").json()["writes"] is False


def test_key_from_environment(fresh_workspace, monkeypatch) -> None:
    monkeypatch.setenv("MINSHENG_API_KEY", "from-env")
    c = TestClient(create_app(fresh_workspace.path))
    assert _upload(c, headers={"Authorization": "Bearer from-env"}).status_code == 200


def test_wrong_or_missing_key_is_401(fresh_workspace) -> None:
    c = _client(fresh_workspace)
    before = fresh_workspace.store().fingerprint()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic s3cret"},
                    {"Authorization": "Bearer s3cret-and-more"}):
        r = _upload(c, headers=headers)
        _error(r, 401, "Authorization: Bearer")
        assert r.headers["www-authenticate"] == "Bearer"
    assert fresh_workspace.store().fingerprint() == before


def test_foreign_origin_is_refused_even_with_the_key(fresh_workspace) -> None:
    # A web page can send a multipart POST without a preflight; its Origin header gives it away.
    c = _client(fresh_workspace, allow_origins=["http://localhost:3000"])
    before = fresh_workspace.store().fingerprint()
    _error(_upload(c, headers={**KEY, "Origin": "https://evil.example"}), 403, "evil.example", "--allow-origin")
    _error(_upload(c, headers={**KEY, "Origin": "null"}), 403)
    assert fresh_workspace.store().fingerprint() == before
    assert _upload(c, headers={**KEY, "Origin": "http://localhost:3000"}).status_code == 200


def test_too_many_bytes_is_413_before_reading_everything(fresh_workspace) -> None:
    c = _client(fresh_workspace, max_bytes=1000)
    before = fresh_workspace.store().fingerprint()
    _error(_upload(c, data=b"x" * 5000), 413, "limit")
    sent = []

    def chunks():  # no Content-Length: the server must count what arrives and stop early
        for _ in range(1000):
            sent.append(1)
            yield b"-" * 1000

    r = c.post("/documents", content=chunks(), headers={**KEY, "Content-Type": "multipart/form-data; boundary=xyz"})
    _error(r, 413, "limit")
    assert fresh_workspace.store().fingerprint() == before


@pytest.mark.parametrize(("name", "status", "word"), [
    ("..", 422, "path separators"),
    ("../../etc/passwd.txt", 422, "path separators"),
    ("dir/list.txt", 422, "path separators"),
    ("a\\b.txt", 422, "path separators"),
    ("名" * 300 + ".txt", 422, "at most 255"),
    ("list.exe", 400, "unsupported file type"),
    ("noext", 400, "unsupported file type"),
    ("   ", 422, "expected an uploaded file"),
])
def test_odd_file_names(fresh_workspace, name: str, status: int, word: str) -> None:
    c = _client(fresh_workspace)
    before = fresh_workspace.store().fingerprint()
    _error(_upload(c, name=name), status, word)
    assert fresh_workspace.store().fingerprint() == before


def test_control_characters_in_a_raw_multipart_name(fresh_workspace) -> None:
    # httpx percent-encodes odd names; a raw body sends the bytes as an attacker would.
    body = (b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a\x07b.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n1. \xe6\x96\xb0\xe5\xa2\x9e\r\n--xyz--\r\n")
    r = _client(fresh_workspace).post("/documents", content=body,
                                      headers={**KEY, "Content-Type": "multipart/form-data; boundary=xyz"})
    _error(r, 422, "control characters")


def test_name_rules() -> None:
    assert check_upload_name("2025年民生实事.docx") == "2025年民生实事.docx"
    for bad in ("", ".", "..", "a/../b.txt", "x\u200b.txt", "x\x00.txt"):
        with pytest.raises(InvalidParameterError):
            check_upload_name(bad)
    with pytest.raises(InputError, match="unsupported"):
        check_upload_name("list.exe")


def test_not_multipart_is_4xx(fresh_workspace) -> None:
    c = _client(fresh_workspace)
    _error(c.post("/documents", content=b"{}", headers={**KEY, "Content-Type": "application/json"}), 400, "multipart")
    _error(c.post("/documents", data={"other": "x"}, files={"nofile": ("a.txt", b"x")}, headers=KEY), 400, "'file'")


def test_items_per_document_limit_is_413_and_changes_nothing(fresh_workspace) -> None:
    c = _client(fresh_workspace, max_items=3)
    before = fresh_workspace.store().fingerprint()
    _error(_upload(c), 413, "shizhong_2025.txt", "6 items", "limit is 3")
    assert fresh_workspace.store().fingerprint() == before


def test_parse_time_limit_is_503_and_changes_nothing(fresh_workspace) -> None:
    c = _client(fresh_workspace, parse_timeout=0.001)
    before = fresh_workspace.store().fingerprint()
    _error(_upload(c), 503, "shizhong_2025.txt", "longer than")
    assert fresh_workspace.store().fingerprint() == before
    # The stopped parse left nothing behind; the next upload works.
    c2 = _client(fresh_workspace)
    assert _upload(c2).status_code == 200


def test_parse_errors_name_the_upload(fresh_workspace) -> None:
    c = _client(fresh_workspace)
    before = fresh_workspace.store().fingerprint()
    _error(_upload(c, name="prose.txt", data="这只是一段说明文字。\n".encode()), 400, "prose.txt", "expected numbered")
    _error(_upload(c, name="broken.xlsx", data=b"\x00\x01 not a workbook"), 400, "broken.xlsx")
    assert fresh_workspace.store().fingerprint() == before


def test_upload_then_read_and_replace(fresh_workspace) -> None:
    c = _client(fresh_workspace)
    r = _upload(c)
    assert r.status_code == 200 and r.json()["documents"][0]["status"] == "added"
    assert c.get("/health").json()["counts"]["documents"] == 3
    assert _upload(c).json()["documents"][0]["status"] == "unchanged"
    listed = c.get("/commitments", params={"year": 2025, "jurisdiction": "市中"}).json()
    assert [x["id"] for x in listed][:2] == ["370103-2025-01", "370103-2025-02"]


def test_real_server_upload_does_not_block_reads(fresh_workspace) -> None:
    # A slow parse (here: a long list) runs in a child process; the event loop keeps answering.
    lines = "\n".join(f"{i}. 新建社区食堂{i}处，新增养老床位{i}张。（区民政局）" for i in range(1, 1201))
    server, thread, base = _serve(create_app(fresh_workspace.path, policy=UploadPolicy(api_key="s3cret")))
    try:
        result: dict[str, httpx.Response] = {}

        def upload() -> None:
            with httpx.Client(base_url=base, timeout=120) as http:
                result["r"] = http.post("/documents", params={"year": 2026, "jurisdiction": "市中区"},
                                        files={"file": ("long.txt", lines.encode())}, headers=KEY)

        uploader = threading.Thread(target=upload)
        started = time.perf_counter()
        uploader.start()
        worst = 0.0
        with httpx.Client(base_url=base, timeout=30) as http:
            while uploader.is_alive():
                t = time.perf_counter()
                assert http.get("/health").status_code == 200
                worst = max(worst, time.perf_counter() - t)
                time.sleep(0.02)
            uploader.join()
            took = time.perf_counter() - started
            assert result["r"].status_code == 200, result["r"].text
            assert result["r"].json()["commitments"] == 1200
            # Item 1000 is item 1000, not merged into 999.
            assert http.get("/commitments/370103-2026-1000").json()["seq"] == 1000
            assert http.get("/health").json()["counts"]["documents"] == 3
        # Not a speed goal: a parse on the event loop would hold a read for about the whole upload.
        assert worst < max(1.0, took / 3), f"a read waited {worst:.2f} s behind a {took:.2f} s upload"
    finally:
        stop(server, thread)


def test_docx_and_xlsx_uploads_parse_in_the_limited_child(fresh_workspace, tmp_path) -> None:
    # The child's memory cap must leave room for the real readers (python-docx, openpyxl, lxml).
    import docx
    from openpyxl import Workbook

    from tests.test_kg_read import HEADER, ROWS, TITLE

    document = docx.Document()
    document.add_paragraph(TITLE)
    table = document.add_table(rows=1, cols=len(HEADER))
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    for row in ROWS:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    document.save(tmp_path / "list.docx")
    wb = Workbook()
    sheet = wb.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(list(row))
    wb.save(tmp_path / "list.xlsx")
    c = _client(fresh_workspace)
    for name, year in (("list.docx", 2031), ("list.xlsx", 2032)):
        r = _upload(c, name=name, data=(tmp_path / name).read_bytes(), year=year, jurisdiction="槐荫区")
        assert r.status_code == 200, r.text
        assert r.json()["commitments"] == len(ROWS)


def test_real_server_key_origin_and_removed_database(fresh_workspace) -> None:
    import os

    server, thread, base = _serve(create_app(fresh_workspace.path, policy=UploadPolicy(api_key="s3cret")))
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            files = {"file": ("shizhong_2025.txt", SHIZHONG_2025.read_bytes())}
            _error(http.post("/documents", files=files), 401, "Bearer")
            _error(http.post("/documents", files=files, headers={**KEY, "Origin": "https://evil.example"}), 403)
            _error(http.get("/commitments", params={"year": "100000000000000000000"}), 422, "year")
            os.unlink(fresh_workspace.db_path)
            _error(http.get("/health"), 503, "removed")
            _error(http.post("/documents", files=files, headers=KEY), 503, "removed")
    finally:
        stop(server, thread)


def test_cors_only_for_allowed_origins(fresh_workspace) -> None:
    # A page on an allowed origin must pass the browser's preflight (Authorization is not a simple header).
    c = _client(fresh_workspace, allow_origins=["http://localhost:3000"])
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    ok = c.options("/documents", headers={**pre, "Origin": "http://localhost:3000"})
    assert ok.status_code == 204 and ok.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "Authorization" in ok.headers["access-control-allow-headers"]
    _error(c.options("/documents", headers={**pre, "Origin": "https://evil.example"}), 403, "evil.example")
    assert "access-control-allow-origin" not in c.get("/health", headers={"Origin": "https://evil.example"}).headers
    r = _upload(c, headers={**KEY, "Origin": "http://localhost:3000"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "http://localhost:3000"


def test_search_threads_yield_the_cpu_to_uploads() -> None:
    import os
    import threading

    from api.routes_documents import SEARCH_NICE, lower_search_priority

    seen: dict[str, int] = {}

    def search_thread() -> None:
        lower_search_priority()
        seen["search"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    t = threading.Thread(target=search_thread)
    t.start()
    t.join()
    assert before < SEARCH_NICE, "the test runner itself is already niced"
    assert seen["search"] == SEARCH_NICE
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == before  # this thread untouched
