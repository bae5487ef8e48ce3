"""data/eval/extraction: our own documents in every format read, and state their place and year."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from kg.ingest.place import identify_place_and_year
from kg.ingest.read import read_document

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "data" / "eval" / "extraction"
GOLD = json.loads((EVAL / "gold.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(GOLD))
def test_reads_and_states_place_and_year(name: str):
    raw = read_document(EVAL / name)
    text = "\n".join(raw.lines) + "\n" + "\n".join(c for g in raw.grids for r in g for c in r)
    for item in GOLD[name]["items"]:
        # Every item's title is in the text read (traditional kept as written).
        assert item["title"] in text, (name, item["title"])
    found = identify_place_and_year(raw)
    assert (found.name, found.year) == (GOLD[name]["jurisdiction"], GOLD[name]["year"])


def test_formats_covered():
    assert {Path(n).suffix for n in GOLD} >= {".pdf", ".docx", ".xlsx", ".html", ".txt"}


def test_generator_matches_checked_in_gold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location("make_eval_extraction", ROOT / "scripts" / "make_eval_extraction.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    module.main(tmp_path)
    assert json.loads((tmp_path / "gold.json").read_text(encoding="utf-8")) == GOLD
    assert (tmp_path / "E05_gbk_crlf.txt").read_bytes() == (EVAL / "E05_gbk_crlf.txt").read_bytes()
