"""The core CLI: ingest, list with filters, show, departments, officials, stats; errors and formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from kg.store.db import Store
from kg.store.workspace import Workspace
from tests.conftest import SEED_2024, SHIZHONG_2025, copy_workspace

runner = CliRunner()


def run(*args: str, ok: bool = True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def run_json(*args: str):
    return json.loads(run(*args, "--format", "json").stdout)  # exactly one JSON document on stdout


def _state(ws: Workspace) -> tuple[str, dict[str, int]]:
    store = Store.open(ws.db_path)
    try:
        return store.fingerprint(), store.counts()
    finally:
        store.close()


@pytest.fixture
def ws2(tmp_path: Path, workspace_2y: Workspace) -> str:
    """A copy of the two-year workspace, as a --workspace argument."""
    return str(copy_workspace(workspace_2y, tmp_path / "ws2").path)


# -- ingest -------------------------------------------------------------------------------


def test_ingest_summary_table_and_json(fresh_workspace: Workspace, tmp_path: Path):
    w = str(fresh_workspace.path)
    result = run("ingest", str(SHIZHONG_2025), "-w", w)
    assert "370103-2025" in result.stdout and "added" in result.stdout
    assert "6 commitments, 8 departments, 2 officials" in result.stdout
    f = tmp_path / "tq.txt"
    f.write_text("济南市天桥区2025年民生实事\n一、新增养老床位100张。（区某某协调办公室）\n", encoding="utf-8")
    summary = run_json("ingest", str(f), str(SHIZHONG_2025), "-w", w)
    assert set(summary) >= {"documents", "commitments", "departments", "officials", "targets", "unknown_departments"}
    assert [(d["id"], d["status"]) for d in summary["documents"]] == [("370105-2025", "added"), ("370103-2025", "unchanged")]
    assert summary["unknown_departments"] == ["区某某协调办公室"]
    table = run("ingest", str(f), "-w", w).stdout
    assert "unchanged" in table and "unknown departments (kept verbatim): 区某某协调办公室" not in table
    f.write_text(f.read_text(encoding="utf-8") + "二、新建口袋公园2处。（区园林绿化服务中心）\n", encoding="utf-8")
    result = run("ingest", str(f), "-w", w)
    assert "replaced" in result.stdout
    assert "unknown departments (kept verbatim): 区某某协调办公室" in result.stdout


def test_ingest_flags_and_directory(tmp_path: Path):
    w = str(tmp_path / "ws")
    run("init", "--empty", "-w", w)
    assert run_json("stats", "-w", w)["totals"]["documents"] == 0
    f = tmp_path / "docs" / "untitled.txt"
    f.parent.mkdir()
    f.write_text("一、新增养老床位100张。（区民政局）\n", encoding="utf-8")
    run("ingest", str(f.parent), "--year", "2023", "--jurisdiction", "槐荫区", "-w", w)
    assert [c["id"] for c in run_json("list", "-w", w)] == ["370104-2023-01"]


def test_missing_workspace_is_built_on_first_use(tmp_path: Path):
    items = run_json("list", "-w", str(tmp_path / "new"))
    assert len(items) == 44
    assert (tmp_path / "new" / "minsheng.db").exists()


# -- reading commands ---------------------------------------------------------------------


def test_list_filters(ws2: str):
    def ids(*args: str) -> list[str]:
        return [c["id"] for c in run_json("list", "-w", ws2, *args)]

    assert len(ids()) == 50
    assert len(ids("--year", "2024")) == 24
    assert len(ids("--jurisdiction", "章丘区")) == 20
    assert ids("--jurisdiction", "370103", "--year", "2025") == [f"370103-2025-0{i}" for i in range(1, 7)]
    by_alias = ids("--department", "区卫健局", "--jurisdiction", "市中区")
    assert by_alias == ids("--department", "区卫生健康局", "-j", "370103")
    assert {"370103-2024-02", "370103-2024-04", "370103-2025-03", "370103-2025-04"} <= set(by_alias)
    assert ids("--official", "王莹") == ["370103-2024-18", "370103-2024-19", "370103-2024-23"]
    assert ids("--official", "栾长征") == ["370103-2024-23", "370103-2025-06"]
    themed = ids("--theme", "养老")
    assert {"370103-2024-06", "370103-2025-03", "370114-2025-05"} <= set(themed)
    assert ids("--year", "1999") == []


def test_list_table_and_csv(ws2: str):
    table = run("list", "-w", ws2, "--year", "2025", "-j", "370103").stdout
    assert "370103-2025-01" in table
    rows = list(csv.reader(io.StringIO(run("list", "-w", ws2, "-f", "csv").stdout)))
    assert rows[0] == ["id", "year", "jurisdiction", "title", "officials", "departments", "themes"]
    assert len(rows) == 51
    row18 = next(r for r in rows if r[0] == "370103-2024-18")
    assert row18[4] == "张同园; 王莹"
    assert row18[5] == "区文化和旅游局; 济南中央商埠区发展促进中心"


def test_commitment_json_shape(ws2: str):
    c = run_json("show", "370114-2025-11", "-w", ws2)
    assert {"id", "year", "jurisdiction", "seq", "title", "text", "category", "officials", "departments", "targets",
            "themes", "source"} <= set(c)
    assert (c["id"], c["year"], c["jurisdiction"], c["seq"]) == ("370114-2025-11", 2025, "济南市章丘区", 11)
    assert c["title"] == "实施公共停车场（位）建设"
    assert c["officials"] == []
    assert c["departments"] == [{"id": "370114:区住房城乡建设局", "name": "区住房城乡建设局", "function": "住建", "role": "responsible"},
                                {"id": "370114:交警大队", "name": "交警大队", "function": "交警", "role": "responsible"}]
    assert c["targets"] and {"metric", "value", "unit", "comparator", "target_type"} <= set(c["targets"][0])
    assert c["source"] == "003_eec77d86ffeca40d.txt"
    listed = run_json("list", "-w", ws2, "--year", "2024")[17]
    assert listed["id"] == "370103-2024-18" and listed["officials"] == ["张同园", "王莹"]


def test_show_table(ws2: str):
    out = run("show", "370103-2024-23", "-w", ws2).stdout
    assert "张同园、栾长征、张源、王莹" in out
    assert "区住房城乡建设局（住建）" in out


def test_departments_and_officials(ws2: str):
    deps = run_json("departments", "-w", ws2)
    health = next(d for d in deps if d["id"] == "370103:区卫生健康局")
    assert {"id", "name", "aliases", "jurisdiction", "function", "commitments"} <= set(health)
    assert health["jurisdiction"] == "济南市市中区" and health["function"] == "卫健"
    assert "区卫健局" in health["aliases"]
    assert "370103-2024-02" in health["commitments"] and "370103-2025-04" in health["commitments"]
    only = run_json("departments", "-j", "章丘区", "-w", ws2)
    assert only and {d["jurisdiction"] for d in only} == {"济南市章丘区"}
    offs = run_json("officials", "-w", ws2)
    zhang = next(o for o in offs if o["id"] == "370103:张源")
    assert {"id", "name", "jurisdiction", "years", "commitments"} <= set(zhang)
    assert zhang["years"] == [2024, 2025] and len(zhang["commitments"]) == 19
    assert {o["id"] for o in offs} == {"370103:" + n for n in ("刘宜武", "张同园", "张源", "栾长征", "王莹", "许胜勇")}
    header = next(csv.reader(io.StringIO(run("officials", "-w", ws2, "-f", "csv").stdout)))
    assert header[:2] == ["id", "name"]
    assert "区教育体育局" in run("departments", "-w", ws2).stdout


def test_stats(ws2: str):
    s = run_json("stats", "-w", ws2)
    assert s["totals"]["documents"] == 3 and s["totals"]["commitments"] == 50
    assert [(d["document"], d["commitments"]) for d in s["documents"]] == [
        ("370103-2024", 24), ("370103-2025", 6), ("370114-2025", 20)]
    assert "commitments=50" in run("stats", "-w", ws2).stdout


# -- errors -------------------------------------------------------------------------------


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    files = {
        "empty": (tmp / "empty.txt", b"", "expected"),
        "binary": (tmp / "image.txt", bytes(range(256)) * 16, "expected text"),
        "extension": (tmp / "list.odt", b"PK whatever", "expected one of"),
        "no items": (tmp / "prose.txt", "这只是一段说明文字。\n".encode(), "expected numbered items"),
        "garbage xlsx": (tmp / "broken.xlsx", b"\x00\x01 definitely not a workbook", "expected an Excel"),
        "csv no header": (tmp / "nohdr.csv", "甲,乙\n1,2\n".encode(), "expected a header row"),
    }
    for path, data, _ in files.values():
        path.write_bytes(data)
    return {k: (p, m) for k, (p, _, m) in files.items()}


@pytest.mark.parametrize("case", ["empty", "binary", "extension", "no items", "garbage xlsx", "csv no header", "missing"])
def test_bad_input_exits_1_with_one_line_and_changes_nothing(case: str, fresh_workspace: Workspace, tmp_path: Path):
    bad = _bad_files(tmp_path)
    path, expected = bad.get(case, (tmp_path / "missing.txt", "no such file"))
    before = _state(fresh_workspace)
    # A good file first: the batch must still be all or nothing.
    result = run("ingest", str(SHIZHONG_2025), str(path), "-w", str(fresh_workspace.path), ok=False)
    assert result.exit_code == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert path.name in errors[0] and expected in errors[0]
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert _state(fresh_workspace) == before


def test_no_year_no_jurisdiction_via_cli(fresh_workspace: Workspace, tmp_path: Path):
    f = tmp_path / "untitled.txt"
    f.write_text("一、新增养老床位100张。（区民政局）\n", encoding="utf-8")
    before = _state(fresh_workspace)
    result = run("ingest", str(f), "-w", str(fresh_workspace.path), ok=False)
    assert result.exit_code == 1
    assert "untitled.txt" in result.stderr and "--year and --jurisdiction" in result.stderr
    assert _state(fresh_workspace) == before


def test_misuse_and_not_found(ws2: str):
    assert runner.invoke(app, ["ingest", "--no-such-option", str(SEED_2024)]).exit_code == 2
    assert runner.invoke(app, ["list", "--year", "notayear"]).exit_code == 2
    result = run("show", "370103-2024-99", "-w", ws2, ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: commitment '370103-2024-99' not found")


# -- error contract: exit codes, never a traceback -------------------------------------------------


def _one_line_error(result, code: int, *words: str) -> str:
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert all(w in errors[0] for w in words), errors[0]
    return errors[0]


def test_workspace_that_is_a_file_exits_3():
    _one_line_error(run("list", "--workspace", "/dev/null", ok=False), 3, "/dev/null", "not a workspace directory")


def test_non_utf8_query_file_exits_1(ws2: str, tmp_path: Path):
    query = tmp_path / "q.rq"
    query.write_bytes("SELECT ?s WHERE { ?s ?p ?o } # 注释".encode("gb18030"))
    _one_line_error(run("sparql", "--file", str(query), "-w", ws2, ok=False), 1, "UTF-8")


@pytest.mark.slow  # export computes similarity links with the embedding model
def test_unwritable_export_path_exits_1(ws2: str, tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _one_line_error(run("export", "ttl", "-o", str(blocker / "sub" / "g.ttl"), "-w", ws2, ok=False), 1, "a-file")


def test_unknown_jurisdiction_is_the_same_error_for_every_listing(ws2: str):
    messages = {_one_line_error(run(cmd, "-j", "火星区", "-w", ws2, ok=False), 1, "火星区")
                for cmd in ("list", "departments", "officials")}
    assert len(messages) == 1
    _one_line_error(run("list", "-d", "区宇宙开发局", "-w", ws2, ok=False), 1, "区宇宙开发局")
    assert len(run_json("list", "-j", "章丘", "-w", ws2)) == 20  # short name, as `search -j 章丘` takes it


def test_a_workspace_whose_store_was_removed_is_not_silently_rebuilt(ws2: str):
    (Path(ws2) / "index").mkdir(exist_ok=True)
    (Path(ws2) / "minsheng.db").unlink()
    _one_line_error(run("list", "-w", ws2, ok=False), 3, "no minsheng.db", "init --force")
    assert not (Path(ws2) / "minsheng.db").exists()
    run("init", "--force", "-w", ws2)
    assert len(run_json("list", "-w", ws2)) == 44


def test_eof_from_a_truncated_file_is_exit_3_not_aborted(monkeypatch, ws2: str):
    # numpy raises EOFError on an empty .npy; click would print "Aborted!" and exit 1.
    from kg.store.db import Store

    def truncated(self):
        raise EOFError("No data left in file")

    monkeypatch.setattr(Store, "counts", truncated)
    _one_line_error(run("stats", "-w", ws2, ok=False), 3, "ended early", "index --rebuild")


@pytest.mark.slow  # embeds the new items with the bundled model
def test_sparql_after_an_ingest_updates_the_neighbour_lists_not_every_link(fresh_workspace: Workspace, monkeypatch):
    """`ingest` then `sparql` (no search between): the index's lists gain the new items and the graph
    takes its links from the per-document link set, never from the all-links fallback."""
    from kg.embed import vectors
    from kg.graph.neighbours import load_neighbours

    path = str(fresh_workspace.path)
    run("search", "养老", "--workspace", path)  # index and neighbour lists of the bundled corpus
    run("sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--workspace", path)
    run("ingest", str(SHIZHONG_2025), "--workspace", path)
    monkeypatch.setattr(vectors, "workspace_links", lambda *a, **k: pytest.fail("every link recomputed"))
    out = run_json("sparql", "SELECT (COUNT(?c) AS ?n) WHERE { ?c a ms:Commitment }", "--workspace", path)
    store = fresh_workspace.store()
    assert load_neighbours(fresh_workspace, store.state()) is not None
    assert int(out["results"]["bindings"][0]["n"]["value"]) == store.counts()["commitments"]
