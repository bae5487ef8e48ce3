"""The commitment store: idempotent re-ingest, replacement, atomicity under failure and kill."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kg.errors import BusyError, InputError, NotFoundError, StoreError
from kg.ingest.pipeline import ingest_paths
from kg.store.db import Store
from kg.store.workspace import Workspace
from tests.conftest import REPO, SEED_2024, SHIZHONG_2025

LIXIA = """济南市历下区2025年民生实事项目清单
一、就业服务（2项）
1．新增城镇就业人口1万人以上。
牵头区领导：李  四
责任单位：区人社局
2．开展职业技能培训3000人次。
牵头区领导：王五
责任单位：区职业技能提升中心
二、养老服务（1项）
1．新增养老床位200张。
牵头区领导：张源
责任单位：区民政局
"""


def _state(store: Store) -> tuple[str, dict[str, int]]:
    return store.fingerprint(), store.counts()


def _lixia(tmp_path: Path, text: str = LIXIA) -> Path:
    f = tmp_path / "lixia_2025.txt"
    f.write_text(text, encoding="utf-8")
    return f


def test_reingest_same_file_changes_nothing(fresh_workspace: Workspace):
    store = fresh_workspace.store()
    before = _state(store)
    summary = ingest_paths(store, [SEED_2024])
    assert [d["status"] for d in summary.documents] == ["unchanged"]
    assert summary.commitments == 0
    assert _state(store) == before


def test_changed_version_replaces_its_commitments(fresh_workspace: Workspace, tmp_path: Path):
    store = fresh_workspace.store()
    f = _lixia(tmp_path)
    assert ingest_paths(store, [f]).documents[0]["status"] == "added"
    first = _state(store)
    assert [c.id for c in store.commitments(jurisdiction="历下区")] == [f"370102-2025-0{i}" for i in (1, 2, 3)]
    assert {o.id for o in store.officials()} >= {"370102:李四", "370102:王五", "370102:张源"}
    assert "370102:区职业技能提升中心" in {d.id for d in store.departments()}

    # The edit drops item 2 (the only one of 王五 and 区职业技能提升中心) and changes a number.
    edited = LIXIA.replace("2．开展职业技能培训3000人次。\n牵头区领导：王五\n责任单位：区职业技能提升中心\n", "")
    edited = edited.replace("一、就业服务（2项）", "一、就业服务（1项）").replace("200张", "300张")
    summary = ingest_paths(store, [_lixia(tmp_path, edited)])
    assert [{k: d[k] for k in ("id", "source", "status", "commitments")} for d in summary.documents] == [
        {"id": "370102-2025", "source": "lixia_2025.txt", "status": "replaced", "commitments": 2}]
    items = store.commitments(jurisdiction="370102")
    assert [c.id for c in items] == ["370102-2025-01", "370102-2025-02"]
    assert "300张" in items[1].text
    assert "370102:王五" not in {o.id for o in store.officials()}
    assert "370102:区职业技能提升中心" not in {d.id for d in store.departments()}
    assert store.fingerprint() != first[0]
    # Other documents are untouched.
    assert len(store.commitments(jurisdiction="370103")) == 24
    assert len(store.commitments(jurisdiction="370114")) == 20


def test_another_year_or_district_adds(fresh_workspace: Workspace, tmp_path: Path):
    store = fresh_workspace.store()
    fp, counts = _state(store)
    ingest_paths(store, [SHIZHONG_2025, _lixia(tmp_path)])
    assert store.counts()["documents"] == counts["documents"] + 2
    assert store.counts()["commitments"] == counts["commitments"] + 6 + 3
    assert [d.id for d in store.documents()] == ["370102-2025", "370103-2024", "370103-2025", "370114-2025"]
    assert store.fingerprint() != fp


def test_officials_are_scoped_per_jurisdiction(fresh_workspace: Workspace, tmp_path: Path):
    store = fresh_workspace.store()
    ingest_paths(store, [_lixia(tmp_path)])
    zhang = {o.id: o for o in store.officials() if o.name == "张源"}
    assert set(zhang) == {"370103:张源", "370102:张源"}
    assert zhang["370102:张源"].commitments == ["370102-2025-03"]
    assert zhang["370103:张源"].years == [2024]
    assert "370102:李四" in {o.id for o in store.officials()}  # "李  四" normalised


def test_failure_inside_the_transaction_keeps_previous_state(fresh_workspace: Workspace, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path):
    store = fresh_workspace.store()
    before = _state(store)
    original = Store._insert_document
    calls = {"n": 0}

    def failing(db, doc, commitments, aliases, parser_version, labels):
        calls["n"] += 1
        if calls["n"] == 2:  # the first document's rows are written, not committed
            raise RuntimeError("disk on fire")
        original(db, doc, commitments, aliases, parser_version, labels)

    monkeypatch.setattr(Store, "_insert_document", staticmethod(failing))
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest_paths(store, [SHIZHONG_2025, _lixia(tmp_path)])
    assert calls["n"] == 2
    assert _state(store) == before
    assert store.document_state("370103-2025") is None


def test_bad_second_file_in_batch_keeps_previous_state(fresh_workspace: Workspace, tmp_path: Path):
    store = fresh_workspace.store()
    before = _state(store)
    bad = tmp_path / "bad.txt"
    bad.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="bad.txt"):
        ingest_paths(store, [SHIZHONG_2025, bad])
    assert _state(store) == before


def test_bad_file_mid_batch_stores_nothing_and_readers_see_the_old_state(fresh_workspace: Workspace, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch):
    store = fresh_workspace.store()
    before, version = _state(store), store.version()
    bad = tmp_path / "bad.txt"
    bad.write_text("", encoding="utf-8")
    # A server's read connection (WAL) during the ingest: it sees the last committed state,
    # never the documents already written into the open transaction.
    reader = sqlite3.connect(fresh_workspace.db_path, isolation_level=None)
    seen: list[int] = []
    original = Store._insert_document

    def watched(db, doc, commitments, aliases, parser_version, labels):
        original(db, doc, commitments, aliases, parser_version, labels)
        seen.append(reader.execute("SELECT COUNT(*) FROM commitments").fetchone()[0])

    monkeypatch.setattr(Store, "_insert_document", staticmethod(watched))
    with pytest.raises(InputError, match="bad.txt"):
        ingest_paths(store, [SHIZHONG_2025, bad, _lixia(tmp_path)])
    assert seen == [before[1]["commitments"]]  # 市中区 2025 was written, uncommitted, then rolled back
    assert _state(store) == before
    assert store.version() == version

    summary = ingest_paths(store, [SHIZHONG_2025, bad, _lixia(tmp_path)], skip_bad=True)
    assert [s["source"] for s in summary.skipped] == [str(bad)]
    assert seen[1:] == [before[1]["commitments"]] * 2  # still the old state until COMMIT
    assert reader.execute("SELECT COUNT(*) FROM commitments").fetchone()[0] == before[1]["commitments"] + 6 + 3
    assert store.version() == version + 1
    reader.close()


_CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kg.ingest.pipeline import ingest_paths
    from kg.store.db import Store

    db, marker, doc = map(Path, sys.argv[1:4])
    original = Store._insert_document

    def slow(conn, doc, commitments, aliases, parser_version, labels):
        original(conn, doc, commitments, aliases, parser_version, labels)
        marker.write_text(doc.id)  # rows are written but not committed: now get killed
        time.sleep(120)

    Store._insert_document = staticmethod(slow)
    ingest_paths(Store.open(db), [doc])
""")


def test_killed_process_mid_write_leaves_old_state(fresh_workspace: Workspace, tmp_path: Path):
    store = fresh_workspace.store()
    before = _state(store)
    store.close()
    marker = tmp_path / "inside-transaction"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(fresh_workspace.db_path), str(marker), str(SHIZHONG_2025)],
                             cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, child.communicate()[1].decode()
            assert time.monotonic() < deadline, "child never reached the transaction"
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    reopened = Store.open(fresh_workspace.db_path)
    assert reopened.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _state(reopened) == before
    assert reopened.commitments(year=2025, jurisdiction="370103") == []
    # and the store still takes writes
    ingest_paths(reopened, [SHIZHONG_2025])
    assert len(reopened.commitments(year=2025, jurisdiction="370103")) == 6


def test_read_api(workspace_2y: Workspace):
    store = workspace_2y.store()
    c = store.commitment("370103-2024-06")
    assert (c.year, c.jurisdiction, c.jurisdiction_code, c.seq, c.document_id) == (2024, "济南市市中区", "370103", 6, "370103-2024")
    assert [d.id for d in c.departments] == ["370103:区民政局"]
    assert c.source == SEED_2024.name
    with pytest.raises(NotFoundError, match="370103-2024-99"):
        store.commitment("370103-2024-99")
    ids = [c.id for c in store.commitments()]
    assert ids[0] == "370103-2024-01" and ids[24] == "370103-2025-01" and ids[-1] == "370114-2025-20"
    assert len(ids) == 50
    lead = store.commitment("370103-2025-03")
    assert lead.lead_departments == ["370103:区民政局"]
    assert [d.name for d in lead.departments] == ["区民政局", "区卫生健康局"]


def test_filters(workspace_2y: Workspace):
    store = workspace_2y.store()
    assert len(store.commitments(year=2025)) == 26
    assert len(store.commitments(jurisdiction="市中区")) == 30
    assert len(store.commitments(jurisdiction="济南市章丘区")) == 20
    assert len(store.commitments(jurisdiction="章丘")) == 20  # short name, as `search -j 章丘` accepts
    # An unknown filter is an error, the same one search gives, not an empty list.
    with pytest.raises(NotFoundError, match="不存在区"):
        store.commitments(jurisdiction="不存在区")
    with pytest.raises(NotFoundError, match="不存在局"):
        store.commitments(department="不存在局")
    wj = [c.id for c in store.commitments(department="区卫健局", jurisdiction="370103")]
    assert wj == [c.id for c in store.commitments(department="区卫生健康局", jurisdiction="370103")]
    assert "370103-2024-02" in wj and "370103-2025-04" in wj
    assert [c.id for c in store.commitments(official="王  莹")] == ["370103-2024-18", "370103-2024-19", "370103-2024-23"]
    assert [c.id for c in store.commitments(official="370103:栾长征")] == ["370103-2024-23", "370103-2025-06"]
    beds = store.commitments(theme="养老床位")
    assert {"370103-2024-06", "370103-2025-03"} <= {c.id for c in beds}
    assert all("养老" in c.themes for c in store.commitments(theme="养老"))


def test_not_a_store(tmp_path: Path):
    garbage = tmp_path / "minsheng.db"
    garbage.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(StoreError, match="not a minsheng store"):
        Store.open(garbage)
    with pytest.raises(StoreError, match="no commitment store"):
        Store.open(tmp_path / "missing.db")


def test_schema_mismatch(tmp_path: Path):
    db = tmp_path / "old.db"
    Store.open(db, create=True).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema"):
        Store.open(db)


def test_busy_store_is_a_busy_error(fresh_workspace: Workspace, tmp_path: Path):
    """Another process writing (a long CLI ingest) is a 503 / try-later, not a broken store."""
    store = fresh_workspace.store()
    before = _state(store)
    other = sqlite3.connect(fresh_workspace.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        store.conn.execute("PRAGMA busy_timeout = 100")
        with pytest.raises(BusyError, match="another process is writing"):
            ingest_paths(store, [_lixia(tmp_path)])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _state(store) == before


def test_database_error_inside_write_is_rolled_back(fresh_workspace: Workspace, monkeypatch: pytest.MonkeyPatch):
    store = fresh_workspace.store()
    before = _state(store)

    def clash(db, doc, commitments, aliases, parser_version, labels):
        db.execute("INSERT INTO commitments SELECT * FROM commitments LIMIT 1")  # duplicate primary key

    monkeypatch.setattr(Store, "_insert_document", staticmethod(clash))
    with pytest.raises(StoreError, match="rolled back"):
        ingest_paths(store, [SHIZHONG_2025])
    assert _state(store) == before
