"""BM25 over jieba words plus CJK bigrams."""

from __future__ import annotations

import numpy as np

from search.lexical import LexicalIndex, add_words, tokenize

TEXTS = [
    "新建大型综合养老机构2处，增加床位800张。",
    "为辖区城镇灵活就业及无业适龄妇女提供“两癌”免费检查服务。",
    "建成投用新能源汽车充换电站10座、充电桩2000个。",
    "Install 2000 EV Charging piles.",
]
IDS = ["a", "b", "c", "d"]


def test_tokenize_gives_words_bigrams_and_lowercase_ascii():
    tokens = tokenize("增加床位800张 EV Charging")
    assert "床位" in tokens and "加床" in tokens  # bigrams cover any two-character query
    assert "ev" in tokens and "charging" in tokens and "800" in tokens
    assert "的" not in tokenize("老人的饭")


def test_two_character_query_matches_inside_a_longer_word():
    index = LexicalIndex.build(IDS, TEXTS)
    rows, scores = index.search("床位", 10)
    assert [IDS[r] for r in rows] == ["a"] and scores[0] > 0
    rows, _ = index.search("两癌", 10)
    assert [IDS[r] for r in rows] == ["b"]


def test_english_is_case_insensitive_and_unknown_words_score_zero():
    index = LexicalIndex.build(IDS, TEXTS)
    rows, _ = index.search("ev CHARGING", 10)
    assert IDS[rows[0]] == "d"
    assert not index.search("quantum chromodynamics", 10)[0].size
    assert np.all(index.scores("！？") == 0)


def test_allowed_rows_restrict_results():
    index = LexicalIndex.build(IDS, TEXTS)
    rows, _ = index.search("充电桩", 10, allowed=np.array([0, 1]))
    assert rows.size == 0
    rows, _ = index.search("充电桩", 10, allowed=np.array([2]))
    assert rows.tolist() == [2]


def test_domain_words_stay_whole():
    add_words(["区园林绿化服务中心"])
    assert "区园林绿化服务中心" in tokenize("由区园林绿化服务中心负责")


def test_save_and_load_round_trip(tmp_path):
    index = LexicalIndex.build(IDS, TEXTS, fingerprint="fp1", words=["增加床位"])
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert loaded is not None and loaded.ids == IDS and loaded.fingerprint == "fp1"
    assert loaded.words == ["增加床位"]
    assert np.allclose(loaded.scores("养老床位"), index.scores("养老床位"))
    assert LexicalIndex.load(tmp_path / "missing") is None


def test_empty_corpus_builds_and_searches():
    index = LexicalIndex.build([], [])
    assert len(index) == 0 and index.search("养老", 5)[0].size == 0


def test_saved_statistics_are_the_computed_ones_and_old_saves_still_load(tmp_path):
    index = LexicalIndex.build(IDS, TEXTS, fingerprint="fp1")
    index.retire([1])
    index.save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert loaded is not None and loaded.n_live == index.n_live == len(IDS) - 1
    for name in ("lengths", "norm", "idf"):
        assert np.array_equal(getattr(loaded, name), getattr(index, name)), name
    # An index saved before the statistics were kept computes them on load.
    matrix = tmp_path / "lex" / "tf.npz"
    with np.load(matrix) as z:
        arrays = {k: z[k] for k in ("indptr", "indices", "data", "shape")}
    np.savez(matrix, **arrays)
    old = LexicalIndex.load(tmp_path / "lex")
    assert old is not None and np.array_equal(old.scores("养老床位"), index.scores("养老床位"))
