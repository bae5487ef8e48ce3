"""Ingest: ids, year/jurisdiction from title, manifest or flags, directories, summaries, workspaces."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.errors import InputError, StoreError
from kg.ingest.pipeline import collect_files, ingest_paths
from kg.store.db import Store
from kg.store.workspace import Workspace, init_workspace, open_workspace
from tests.conftest import SEED_2024, SEED_2025, SHIZHONG_2025

NO_TITLE = "一、新增养老床位100张。（区民政局）\n二、新建口袋公园2处。（区园林绿化服务中心）\n"


def _empty_store(tmp_path: Path) -> Store:
    return init_workspace(tmp_path / "ws", empty=True).store()


def test_bundled_seeds_get_manifest_year_and_jurisdiction(bundled_workspace: Workspace):
    store = bundled_workspace.store()
    docs = {d.id: d for d in store.documents()}
    assert set(docs) == {"370103-2024", "370114-2025"}
    assert (docs["370103-2024"].jurisdiction, docs["370103-2024"].year, docs["370103-2024"].title) == ("济南市市中区", 2024, None)
    assert (docs["370114-2025"].jurisdiction, docs["370114-2025"].year) == ("济南市章丘区", 2025)
    assert docs["370114-2025"].title == "2025年20件民生实事项目"
    assert [c.id for c in store.commitments(jurisdiction="370103")][:3] == ["370103-2024-01", "370103-2024-02", "370103-2024-03"]
    assert [c.seq for c in store.commitments(jurisdiction="370114")] == list(range(1, 21))
    assert store.commitment("370103-2024-06").seq == 6


def test_store_has_every_official_and_canonical_department(bundled_workspace: Workspace):
    store = bundled_workspace.store()
    c18 = store.commitment("370103-2024-18")
    assert c18.officials == ["张同园", "王莹"]
    assert [d.name for d in c18.departments] == ["区文化和旅游局", "济南中央商埠区发展促进中心"]
    c23 = store.commitment("370103-2024-23")
    assert c23.officials == ["张同园", "栾长征", "张源", "王莹"]
    assert [d.name for d in c23.departments] == ["区发展改革局", "区住房城乡建设局", "区商务局", "区妇联"]
    c11 = store.commitment("370114-2025-11")
    assert c11.officials == []
    assert [(d.id, d.name, d.function) for d in c11.departments] == [
        ("370114:区住房城乡建设局", "区住房城乡建设局", "住建"), ("370114:交警大队", "交警大队", "交警")]
    assert [d.name for d in store.commitment("370103-2024-17").departments] == ["市生态环境局市中分局"]
    assert all(not c.officials for c in store.commitments(jurisdiction="370114"))


def test_title_gives_year_and_jurisdiction(tmp_path: Path):
    store = _empty_store(tmp_path)
    summary = ingest_paths(store, [SHIZHONG_2025])
    assert summary.documents == [{"id": "370103-2025", "source": "shizhong_2025.txt", "status": "added", "commitments": 6,
                                  "layout": "grouped", "items": 6, "no_department": 0, "no_official": 0,
                                  "warnings": []}]
    doc = store.documents()[0]
    assert (doc.jurisdiction, doc.jurisdiction_code, doc.year, doc.layout) == ("济南市市中区", "370103", 2025, "grouped")


def test_neither_year_nor_jurisdiction_is_an_error_not_a_guess(tmp_path: Path):
    store = _empty_store(tmp_path)
    f = tmp_path / "untitled.txt"
    f.write_text(NO_TITLE, encoding="utf-8")
    with pytest.raises(InputError) as info:
        ingest_paths(store, [f])
    message = str(info.value)
    assert "untitled.txt" in message and "--year" in message and "--jurisdiction" in message
    assert store.counts()["documents"] == 0


def test_year_known_but_jurisdiction_missing(tmp_path: Path):
    f = tmp_path / "seed.txt"
    f.write_text(SEED_2025.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # new bytes: no manifest match
    with pytest.raises(InputError, match=r"seed\.txt.*jurisdiction.*--jurisdiction") as info:
        ingest_paths(_empty_store(tmp_path), [f])
    assert "--year" not in str(info.value)


def test_flags_supply_year_and_jurisdiction(tmp_path: Path):
    store = _empty_store(tmp_path)
    f = tmp_path / "untitled.txt"
    f.write_text(NO_TITLE, encoding="utf-8")
    ingest_paths(store, [f], year=2023, jurisdiction="历下区")
    assert [c.id for c in store.commitments()] == ["370102-2023-01", "370102-2023-02"]
    ingest_paths(store, [f], year=2023, jurisdiction="某新区:379999")
    assert store.commitments(jurisdiction="379999")[0].jurisdiction == "某新区"
    with pytest.raises(InputError, match="--year: expected a four-digit year"):
        ingest_paths(store, [f], year=23, jurisdiction="历下区")
    with pytest.raises(InputError, match="--jurisdiction"):
        ingest_paths(store, [f], year=2023, jurisdiction="某区:12")


def test_manifest_beside_user_files(tmp_path: Path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "untitled.txt").write_text(NO_TITLE, encoding="utf-8")
    (docs / "manifest.toml").write_text('[[document]]\nfile = "untitled.txt"\njurisdiction = "济南市槐荫区"\n'
                                        'code = "370104"\nyear = 2022\n', encoding="utf-8")
    store = _empty_store(tmp_path)
    summary = ingest_paths(store, [docs / "untitled.txt"])
    assert summary.documents[0]["id"] == "370104-2022"


def test_gbk_copy_of_seed_needs_no_manifest_match_but_flags(tmp_path: Path):
    f = tmp_path / "zhangqiu_gbk.txt"
    f.write_bytes(SEED_2025.read_text(encoding="utf-8").encode("gbk"))
    store = _empty_store(tmp_path)
    ingest_paths(store, [f], jurisdiction="章丘区")
    assert len(store.commitments(year=2025, jurisdiction="370114")) == 20


def test_directory_ingests_every_supported_file(tmp_path: Path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    shutil.copy(SHIZHONG_2025, docs / "shizhong.txt")
    (docs / "sub" / "lixia.md").write_text("# 济南市历下区2024年民生实事\n\n一、新增养老床位100张。（区民政局）\n", encoding="utf-8")
    (docs / "notes.doc").write_bytes(b"\xd0\xcf\x11\xe0")  # refused (.doc): skipped inside a directory
    (docs / ".hidden.txt").write_text("junk", encoding="utf-8")
    assert [p.name for p in collect_files([docs])] == ["shizhong.txt", "lixia.md"]
    store = _empty_store(tmp_path)
    summary = ingest_paths(store, [docs])
    assert sorted(d["id"] for d in summary.documents) == ["370102-2024", "370103-2025"]
    assert summary.commitments == 7


def test_empty_directory_and_duplicate_list(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    store = _empty_store(tmp_path)
    with pytest.raises(InputError, match="no supported files"):
        ingest_paths(store, [tmp_path / "empty"])
    copy = tmp_path / "copy.txt"
    shutil.copy(SHIZHONG_2025, copy)
    with pytest.raises(InputError, match="370103-2025"):
        ingest_paths(store, [SHIZHONG_2025, copy])
    assert store.counts()["documents"] == 0


def test_summary_counts_and_unknown_departments(tmp_path: Path):
    f = tmp_path / "x.txt"
    f.write_text("济南市天桥区2025年民生实事\n一、新增养老床位100张。（区民政局、区某某协调办公室）\n"
                 "二、新建口袋公园2处。（区某某协调办公室）\n", encoding="utf-8")
    summary = ingest_paths(_empty_store(tmp_path), [f, SHIZHONG_2025])
    d = summary.to_dict()
    assert set(d) >= {"documents", "commitments", "departments", "officials", "targets", "unknown_departments"}
    assert d["unknown_departments"] == ["区某某协调办公室"]
    assert d["commitments"] == 8
    assert d["officials"] == 2  # 张源, 栾长征
    assert d["departments"] == 2 + 8
    assert d["targets"] > 0


def test_unknown_department_is_stored_verbatim(tmp_path: Path):
    f = tmp_path / "x.txt"
    f.write_text("济南市天桥区2025年民生实事\n一、新增养老床位100张。（区某某协调办公室）\n", encoding="utf-8")
    store = _empty_store(tmp_path)
    ingest_paths(store, [f])
    (dep,) = store.departments()
    assert (dep.id, dep.name, dep.function, dep.known) == ("370105:区某某协调办公室", "区某某协调办公室", None, False)


def test_init_empty_and_bootstrap_on_first_use(tmp_path: Path):
    empty = init_workspace(tmp_path / "empty", empty=True)
    assert empty.store().counts()["documents"] == 0
    with pytest.raises(StoreError, match="--force"):
        init_workspace(tmp_path / "empty")
    assert init_workspace(tmp_path / "empty", force=True).store().counts()["commitments"] == 44
    with pytest.raises(StoreError, match="init"):
        open_workspace(tmp_path / "none", bootstrap=False)
    ws = open_workspace(tmp_path / "first")
    assert ws.db_path.exists() and ws.db_path.name == "minsheng.db"
    assert ws.store().counts()["commitments"] == 44
    assert not list((tmp_path / "first").glob(".*.tmp"))
    assert SEED_2024.name in {d.source for d in ws.store().documents()}


@pytest.mark.parametrize(("title", "expected"), [
    ("济南市市中区2025年民生实事项目清单", ("济南市市中区", "370103", 2025)),
    ("济南市市中区2024年度民生实事", ("济南市市中区", "370103", 2024)),
    ("山东省济南市章丘区人民政府2025年20件民生实事", ("济南市章丘区", "370114", 2025)),
    ("枣庄市市中区2025年民生实事项目", ("枣庄市市中区", "370402", 2025)),  # same short name, other city
    ("宁波市奉化区2024年民生实事项目", ("宁波市奉化区", "330213", 2024)),
    ("2025年20件民生实事项目", (None, None, 2025)),
    ("民生实事项目清单", (None, None, None)),
])
def test_title_detection(title: str, expected: tuple):
    from kg.vocab.places import find_jurisdiction_in, find_year_in

    jur = find_jurisdiction_in(title)
    name, code, year = expected
    assert (jur.name if jur else None) == name
    if code:
        assert jur is not None and jur.code == code
    elif jur is not None:
        assert not jur.code.isdigit()  # an unlisted place gets a derived code, never a guessed real one
    assert find_year_in(title) == year


def test_killed_first_build_leaves_no_store_and_is_cleaned_up(tmp_path: Path):
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    ws_dir = tmp_path / "ws"
    ws_dir.mkdir()
    stale = ws_dir / f".minsheng.db.{dead.pid}.tmp"
    stale.write_bytes(b"half-built")
    assert not Workspace(ws_dir).exists()  # a leftover build is never taken for a store
    ws = open_workspace(ws_dir)
    assert ws.store().counts()["commitments"] == 44
    assert not stale.exists()


def _yearly_lists(directory: Path, years: range) -> None:
    """One three-item list per year for 济南市天桥区, each its own document."""
    directory.mkdir(parents=True, exist_ok=True)
    for year in years:
        (directory / f"tianqiao_{year}.txt").write_text(
            f"济南市天桥区{year}年民生实事\n一、新增养老床位{year - 1900}张。（区民政局）\n"
            f"二、新建口袋公园2处。（区城市管理局）\n三、新增学位300个。（区教育和体育局）\n", encoding="utf-8")


def test_documents_are_written_one_at_a_time_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Count, don't time: when each document is written, the commitments alive in the process
    # are that document's and at most the previous one's (the loop variables that held it
    # until the next document arrived), never every document parsed so far (3, 6, 9 … 30).
    import gc

    from kg.model import Commitment

    _yearly_lists(tmp_path / "lists", range(2015, 2025))
    store = _empty_store(tmp_path)
    gc.collect()
    already = sum(isinstance(o, Commitment) for o in gc.get_objects())
    alive: list[int] = []
    original = Store._insert_document

    def counting(db, doc, commitments, aliases, parser_version, labels):
        gc.collect()
        alive.append(sum(isinstance(o, Commitment) for o in gc.get_objects()) - already)
        original(db, doc, commitments, aliases, parser_version, labels)

    monkeypatch.setattr(Store, "_insert_document", staticmethod(counting))
    summary = ingest_paths(store, [tmp_path / "lists"])
    assert summary.commitments == 30 and store.counts()["commitments"] == 30
    assert alive[0] == 3 and max(alive) <= 2 * 3, alive
    assert store.version() == 1  # one write, however many documents


def test_unchanged_files_never_take_the_write_lock(fresh_workspace: Workspace):
    import sqlite3

    store = fresh_workspace.store()
    other = sqlite3.connect(fresh_workspace.db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock for as long as we ingest
    try:
        store.conn.execute("PRAGMA busy_timeout = 100")
        summary = ingest_paths(store, [SEED_2024, SEED_2025])
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [d["status"] for d in summary.documents] == ["unchanged", "unchanged"]
