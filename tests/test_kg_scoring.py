"""Extraction scoring and the ingest options around it: eval extraction, --dry-run, --skip-bad, --max-items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from kg.ingest.scoring import score_directory
from kg.store.db import Store
from kg.store.workspace import Workspace

runner = CliRunner()
REPO = Path(__file__).resolve().parent.parent
EVAL_DIR = REPO / "data" / "eval" / "layouts"


def _gold(tmp_path: Path, items: list[dict], text: str, name: str = "a.txt") -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "gold.json").write_text(json.dumps({name: {
        "jurisdiction": "济南市历下区", "year": 2024, "states_place_and_year": True, "items": items}},
        ensure_ascii=False), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("corpus", ["layouts", "heldout"])
def test_our_gold_corpora_score_fully(corpus: str) -> None:
    # heldout/ was written after the parser, as a check on layouts it had not seen.
    overall = score_directory(REPO / "data" / "eval" / corpus)["overall"]
    assert (overall["item_recall"], overall["dept_f1"], overall["official_f1"], overall["target_recall"]) == (1, 1, 1, 1)


def test_alias_of_the_written_department_counts_and_a_wrong_one_does_not(tmp_path: Path):
    d = _gold(tmp_path, [
        {"seq": 1, "title": "新增养老床位100张", "officials": ["王建国"], "departments": ["区卫生健康局", "区民政局"],
         "targets": [[100, "张"]]},
        {"seq": 2, "title": "新建口袋公园2处", "officials": [], "departments": ["区城管局"], "targets": [[2, "处"]]},
        {"seq": 3, "title": "这一项没有被写出来", "officials": ["李四"], "departments": ["区教育局"], "targets": []},
    ], "济南市历下区2024年民生实事\n一、新增养老床位100张。（牵头领导：王建国，责任单位：区卫健局、区财政局）\n"
       "二、新建口袋公园2处。（区城管局）\n")
    row = score_directory(d)["files"][0]
    assert row["items"] == "2/3"
    # 区卫健局 = 区卫生健康局 (tp), 区财政局 (fp), 区民政局 and the missed item's 区教育局 (fn): 2tp 1fp 2fn
    assert row["dept_f1"] == round(4 / 7, 3)
    assert row["official_f1"] == round(2 / 3, 3)
    assert row["targets"] == "2/2"
    assert row["place"].startswith("ok") and row["year"].startswith("ok")


def test_eval_extraction_command_json_and_errors(tmp_path: Path):
    result = runner.invoke(app, ["eval", "extraction", str(EVAL_DIR), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert {r["file"] for r in doc["files"]} == {p.name for p in EVAL_DIR.glob("E*")}
    assert doc["overall"]["item_recall"] == 1
    bad = tmp_path / "gold.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["eval", "extraction", str(tmp_path)])
    assert result.exit_code == 1 and "gold.json: not a readable gold JSON" in result.stderr
    assert runner.invoke(app, ["eval", "search", "--help"]).exit_code == 0


def _fingerprint(ws: Workspace) -> str:
    store = Store.open(ws.db_path)
    try:
        return store.fingerprint()
    finally:
        store.close()


def test_dry_run_prints_items_with_roles_and_stores_nothing(fresh_workspace: Workspace):
    before = _fingerprint(fresh_workspace)
    result = runner.invoke(app, ["ingest", "--dry-run", str(EVAL_DIR / "E01_paren_fields.txt"), "-f", "csv"])
    assert result.exit_code == 0, result.output
    # Departments show under their canonical name (区住建局 -> 区住房城乡建设局) with their role.
    assert "区住房城乡建设局（牵头）" in result.stdout and "各街道办事处（配合）" in result.stdout
    assert "周明远" in result.stdout
    assert "540个" in result.stdout
    assert _fingerprint(fresh_workspace) == before


def test_batch_with_a_bad_file_stores_nothing_unless_skip_bad(fresh_workspace: Workspace, tmp_path: Path):
    w = str(fresh_workspace.path)
    bad = tmp_path / "bad.txt"
    bad.write_text("这份文件没有任何实事项目。", encoding="utf-8")
    good = EVAL_DIR / "E03_outline_blank.txt"
    before = _fingerprint(fresh_workspace)
    place = ["--jurisdiction", "石桥镇:999001"]
    result = runner.invoke(app, ["ingest", str(good), str(bad), *place, "-w", w])
    assert result.exit_code == 1 and "bad.txt: no recognisable" in result.stderr
    assert _fingerprint(fresh_workspace) == before
    result = runner.invoke(app, ["ingest", str(good), str(bad), *place, "--skip-bad", "-w", w, "-f", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [s["source"] for s in summary["skipped"]] == [str(bad)]
    assert [(d["layout"], d["items"], d["no_department"], d["no_official"]) for d in summary["documents"]] == [
        ("grouped", 3, 0, 0)]


def test_max_items_refuses_a_long_document(tmp_path: Path):
    f = tmp_path / "long.txt"
    f.write_text("济南市历下区2024年民生实事\n" + "\n".join(f"{n}. 新建公园{n}座。" for n in range(1, 12)), encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--dry-run", "--max-items", "10", str(f)])
    assert result.exit_code == 1 and "more than the limit of 10" in result.stderr


def test_roles_and_original_script_are_stored(fresh_workspace: Workspace):
    from kg.ingest.pipeline import ingest_paths

    store = Store.open(fresh_workspace.db_path)
    try:
        ingest_paths(store, [EVAL_DIR / "E02_trad_bullets.txt"], jurisdiction="雾峰县:999002")
        ingest_paths(store, [EVAL_DIR / "E01_paren_fields.txt"], jurisdiction="柳岸区:999003")
        trad = store.commitments(jurisdiction="999002")[0]
        assert trad.title == "新建村级卫生室12个" and trad.original_title == "新建村級衛生室12個"
        assert trad.original_text and trad.original_text.startswith("新建村級衛生室12個")
        c = store.commitment("999003-2024-02")
        assert [(d.name, d.role) for d in c.departments] == [("区住房城乡建设局", "lead"), ("各街道办事处", "supporting")]
        assert c.lead_departments == ["999003:区住房城乡建设局"]
    finally:
        store.close()
