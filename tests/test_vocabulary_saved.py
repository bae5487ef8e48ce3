"""The ask vocabulary saved in the workspace: read back equal, rebuilt after a change or damage."""

from __future__ import annotations

from kg.analysis import vocabulary as V
from kg.ingest.corpus import bundled_files
from kg.ingest.pipeline import ingest_paths


def _plain(v: V.Vocabulary) -> tuple:
    def forms(table: dict) -> dict:
        return {f: [(s.kind, list(s.refs)) for s in b] for f, b in table.items()}
    return (v.years, v.places, v.departments, v.officials, list(v.rows.items()), forms(v.forms),
            forms(v.ascii_forms), v.max_len)


def test_saved_vocabulary_is_read_back_and_follows_the_store(fresh_workspace, tmp_path):
    store = fresh_workspace.store()
    V._CACHE.clear()
    built = V.workspace_vocabulary(store)
    saved = store.path.parent / "cache" / V._DISK_NAME
    assert saved.is_file()
    V._CACHE.clear()
    loaded = V.workspace_vocabulary(store)
    assert loaded is not built and _plain(loaded) == _plain(built) == _plain(V.build_vocabulary(store))

    # A new list changes the store: the saved copy is stale and is rebuilt, never reused.
    seed = next(p for p in bundled_files() if p.name.startswith("000"))
    extra = tmp_path / "extra.txt"
    extra.write_text("济南市历城区2031年民生实事项目清单\n" + seed.read_text(encoding="utf-8"), encoding="utf-8")
    ingest_paths(store, [extra], year=2031, jurisdiction="济南市历城区")
    V._CACHE.clear()
    grown = V.workspace_vocabulary(store)
    assert len(grown.rows) > len(loaded.rows) and 2031 in grown.years

    # A damaged file is rebuilt (with a warning), not an error.
    V._CACHE.clear()
    saved.write_bytes(saved.read_bytes()[:100])
    assert _plain(V.workspace_vocabulary(store)) == _plain(grown)
