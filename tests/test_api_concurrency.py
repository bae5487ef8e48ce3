"""Readers on their own connections never see half of a write, while one writer replaces a document."""

from __future__ import annotations

import threading

from fastapi.testclient import TestClient

from api.app import create_app
from kg.ingest.pipeline import ingest_paths


def _version(tmp, n: int, department: str):
    path = tmp / f"v{n}" / "list.txt"
    path.parent.mkdir()
    items = "\n".join(f"{i}. 新建社区食堂{i}处。（{department}）" for i in range(1, 7 + n))
    path.write_text(items, encoding="utf-8")
    return path


def test_reads_see_whole_commits_only(fresh_workspace, tmp_path) -> None:
    # Two versions of one list: A has 6 items, all 区民政局; B has 7, all 区商务局. Every read must
    # see exactly one of them, never a mix or a count from one and rows from the other.
    a, b = _version(tmp_path, 0, "区民政局"), _version(tmp_path, 1, "区商务局")
    store = fresh_workspace.store()
    ingest_paths(store, [a], year=2031, jurisdiction="槐荫区")
    client = TestClient(create_app(fresh_workspace.path))
    stop = threading.Event()
    seen: list[tuple[int, frozenset[str]]] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for n in range(50):
                ingest_paths(store, [b if n % 2 == 0 else a], year=2031, jurisdiction="槐荫区")
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            stop.set()

    def reader() -> None:
        try:
            while not stop.is_set():
                rows = client.get("/commitments", params={"year": 2031}).json()
                seen.append((len(rows), frozenset(d["name"] for r in rows for d in r["departments"])))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert seen and set(seen) <= {(6, frozenset({"区民政局"})), (7, frozenset({"区商务局"}))}, set(seen)
