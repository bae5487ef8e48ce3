"""Place and year from the document's own text; the national gazetteer behind it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest.place import identify_place_and_year, place_mentions
from kg.ingest.read import RawDocument, read_document
from kg.vocab.places import resolve_jurisdiction

LAYOUTS = Path("/work/shared/layouts")


def _raw(lines: list[str], meta: dict[str, str] | None = None, name: str = "list.txt") -> RawDocument:
    return RawDocument(path=Path(name), data=b"", lines=lines, meta=meta or {})


@pytest.mark.parametrize(("value", "name", "code"), [
    ("330105", "杭州市拱墅区", "330105"),
    ("奉化区", "宁波市奉化区", "330213"),
    ("浙江省宁波市奉化区", "宁波市奉化区", "330213"),
    ("370103", "济南市市中区", "370103"),  # the seeds' ids do not change
    ("章丘区", "济南市章丘区", "370114"),
    ("北京市东城区", "北京市东城区", "110101"),
    ("仙桃市", "仙桃市", "429004"),
    ("栖凤区", "栖凤区", "x-栖凤区"),
])
def test_resolve_jurisdiction(value: str, name: str, code: str):
    jur = resolve_jurisdiction(value)
    assert (jur.name, jur.code) == (name, code)


def test_ambiguous_short_name_lists_candidates():
    with pytest.raises(InputError) as info:
        resolve_jurisdiction("市中区")
    assert "济南市市中区 (370103)" in str(info.value) and "枣庄市市中区 (370402)" in str(info.value)
    with pytest.raises(InputError, match="unknown administrative code"):
        resolve_jurisdiction("999999")


def test_ambiguous_name_settled_by_the_city_named_elsewhere():
    found = identify_place_and_year(_raw(["市中区2024年民生实事项目", "枣庄市人民政府办公室 2024年1月5日"]))
    assert (found.name, found.code, found.year) == ("枣庄市市中区", "370402", 2024)
    unsettled = identify_place_and_year(_raw(["市中区2024年民生实事项目"]))
    assert unsettled.jurisdiction is None and "ambiguous" in (unsettled.ambiguous or "")


def test_ambiguous_name_settled_by_the_workspace_places():
    """The text's short name means the one place of that name the workspace already holds."""
    lines = ["市中区2025年民生实事项目"]
    found = identify_place_and_year(_raw(lines), known={"370103", "370114"})
    assert (found.name, found.code, found.year) == ("济南市市中区", "370103", 2025)
    assert any("already in the workspace" in w for w in found.warnings)
    both = identify_place_and_year(_raw(lines), known={"370103", "370402"})  # two candidates held: still asked
    assert both.jurisdiction is None and "ambiguous" in (both.ambiguous or "")
    # The document's own city wins over the workspace.
    named = identify_place_and_year(_raw([*lines, "枣庄市人民政府办公室"]), known={"370103"})
    assert named.code == "370402" and not named.warnings
    assert resolve_jurisdiction("市中区", ["370103"]).code == "370103"


def test_ingest_settles_a_short_place_by_the_workspace_and_by_the_batch(tmp_path: Path):
    from kg.ingest.pipeline import ingest_paths
    from kg.store.workspace import init_workspace

    body = "\n".join(f"{n}. 新建社区食堂{n}处。（牵头单位：区民政局）" for n in range(1, 4))
    full, short = tmp_path / "a" / "full.txt", tmp_path / "b" / "short.txt"
    for path, title in ((full, "济南市市中区2024年民生实事项目"), (short, "市中区2025年民生实事项目")):
        path.parent.mkdir()
        path.write_text(f"{title}\n{body}\n", encoding="utf-8")
    empty = init_workspace(tmp_path / "empty", empty=True)
    with pytest.raises(InputError, match="ambiguous"):
        ingest_paths(empty.store(), [short])
    # Earlier in the same batch counts as known, as does what the workspace already holds.
    batch = init_workspace(tmp_path / "batch", empty=True)
    summary = ingest_paths(batch.store(), [full, short])
    assert [d["id"] for d in summary.documents] == ["370103-2024", "370103-2025"]
    ingest_paths(empty.store(), [full])
    assert ingest_paths(empty.store(), [short]).documents[0]["id"] == "370103-2025"


def test_order_of_trust_and_fullest_name():
    found = identify_place_and_year(_raw(
        ["白岩街道2025年十件民生实事项目公布", "3月17日，嘉川市翠峰区白岩街道召开居民议事会，确定十件实事。"],
        meta={"发布机构": "翠峰区人民政府"}))
    assert found.name == "嘉川市翠峰区白岩街道" and found.code == "x-嘉川市翠峰区白岩街道" and found.year == 2025
    assert found.warnings  # not in the gazetteer: kept by name, with a warning
    by_meta = identify_place_and_year(_raw(["民生实事项目推进情况"], meta={"发布机构": "宁波市奉化区人民政府办公室",
                                                                     "成文日期": "2024-01-12"}))
    assert (by_meta.name, by_meta.code, by_meta.year) == ("宁波市奉化区", "330213", 2024)


def test_year_from_document_number_and_file_name():
    assert identify_place_and_year(_raw(["关于印发民生实事项目的通知", "奉政发〔2023〕3号"])).year == 2023
    assert identify_place_and_year(_raw(["民生实事项目"], name="奉化区2022年民生实事.txt")).year == 2022


def test_items_do_not_name_the_place():
    # 新建县第二实验小学 is an item, not a county; nothing here states the place.
    assert place_mentions("新建县第二实验小学，设36个班", strict=True) == []
    found = identify_place_and_year(_raw(["重点民生实事项目责任分解表", "1\t城区学位扩容工程\t新建县第二实验小学"]))
    assert found.jurisdiction is None and found.year is None


@pytest.mark.skipif(not LAYOUTS.exists(), reason="shared layouts not available")
def test_the_fourteen_layouts():
    gold = json.loads((LAYOUTS / "gold.json").read_text(encoding="utf-8"))
    for file, g in gold.items():
        found = identify_place_and_year(read_document(LAYOUTS / file))
        if g["states_place_and_year"]:
            assert (found.name, found.year) == (g["jurisdiction"], g["year"]), file
        else:
            assert found.jurisdiction is None and found.year is None, file


def test_notice_titles_and_chinese_numeral_years():
    found = identify_place_and_year(_raw(["关于印发奉化区二〇二四年民生实事项目的通知"]))
    assert (found.code, found.year) == ("330213", 2024)
    assert place_mentions("关于公布溪宁县2023年民生实事项目的通知") == ["溪宁县"]


def test_links_to_other_articles_are_not_the_title():
    found = identify_place_and_year(_raw(["上一篇：梅岭区2021年民生实事项目完成情况通报", "梅岭区2022年民生实事项目责任分工表"]))
    assert found.year == 2022


@pytest.mark.parametrize(("title", "code"), [("上海市浦东新区2024年民生实事项目", "310115"),
                                             ("西安市新城区2024年民生实事", "610102"),
                                             ("宁波市住房和城乡建设局2024年民生实事项目", "330200")])
def test_real_districts_with_ordinary_words_in_their_names(title: str, code: str):
    assert identify_place_and_year(_raw([title])).code == code


@pytest.mark.parametrize(("title", "code"), [("恩施州2024年民生实事", "422800"), ("湖北省恩施州利川市2024年民生实事", "422802"),
                                             ("杭州市上城区人民政府关于印发2024年民生实事项目的通知", "330102"),
                                             ("长阳县2024年民生实事", "420528")])
def test_autonomous_divisions_by_their_everyday_names(title: str, code: str):
    assert identify_place_and_year(_raw([title])).code == code
