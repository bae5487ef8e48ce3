"""Department names: splitting, alias resolution within a jurisdiction, functions across them."""

from __future__ import annotations

import pytest

from kg.ingest.fields import split_names
from kg.store.workspace import Workspace
from kg.vocab.departments import (
    classify_function,
    looks_like_department,
    resolve_department,
)

# 2025 short form -> the 2024 seed's long form, both 济南市市中区.
SHORT_TO_LONG = {
    "区教体局": "区教育体育局",
    "区卫健局": "区卫生健康局",
    "区人社局": "区人力资源社会保障局",
    "区发改局": "区发展改革局",
    "区住建局": "区住房城乡建设局",
    "区医保局": "区医疗保障局",
}


def test_split_keeps_names_whole():
    assert split_names("区文化和旅游局\n济南中央商埠区发展促进中心") == ["区文化和旅游局", "济南中央商埠区发展促进中心"]
    assert split_names("区住建局、交警大队") == ["区住建局", "交警大队"]
    assert split_names("区人社局，区民政局；区医保局。") == ["区人社局", "区民政局", "区医保局"]
    assert split_names("市生态环境局市中分局") == ["市生态环境局市中分局"]
    assert split_names("区 民政局、区民政局") == ["区民政局"]


@pytest.mark.parametrize(("short", "long"), SHORT_TO_LONG.items())
def test_short_and_long_forms_resolve_to_one_id(short: str, long: str):
    a, b = resolve_department(short, "370103"), resolve_department(long, "370103")
    assert a.id == b.id == f"370103:{long}"
    assert a.name == long and a.as_written == short
    assert short in a.aliases
    assert a.function == b.function is not None


def test_prefix_is_kept_and_jurisdiction_scopes_the_id():
    county = resolve_department("县卫健局", "370124")
    assert county.id == "370124:县卫生健康局"
    assert county.function == resolve_department("区卫生健康局", "370103").function == "卫健"
    assert resolve_department("区卫健局", "370114").id != resolve_department("区卫健局", "370103").id


@pytest.mark.parametrize("name", ["济南中央商埠区发展促进中心", "市生态环境局市中分局", "市中城投集团", "市中消防救援大队"])
def test_unlisted_names_are_kept_verbatim(name: str):
    dep = resolve_department(name, "370103")
    assert dep.name == name and dep.id == f"370103:{name}"


def test_unknown_department():
    dep = resolve_department("区某某协调办公室", "370103")
    assert dep.name == "区某某协调办公室"
    assert dep.function is None and dep.known is False


def test_functions_and_shapes():
    assert classify_function("交警大队") == "交警"
    assert classify_function("济南中央商埠区发展促进中心") == "功能区"
    assert looks_like_department("区住建局")
    assert not looks_like_department("乳腺癌和宫颈癌")


def test_2025_aliases_join_2024_departments(workspace_2y: Workspace):
    store = workspace_2y.store()
    for short, long in SHORT_TO_LONG.items():
        c2025 = [c for c in store.commitments(year=2025, jurisdiction="370103")
                 if any(d.id == f"370103:{long}" for d in c.departments)]
        c2024 = [c for c in store.commitments(year=2024, jurisdiction="370103")
                 if any(d.id == f"370103:{long}" for d in c.departments)]
        assert c2025 and c2024, (short, long)
        found = store.find_departments(short, "370103")
        assert [d.id for d in found] == [f"370103:{long}"]
        assert {c.id for c in c2024 + c2025} <= set(found[0].commitments)
        assert short in found[0].aliases
    names = {d.name for d in store.departments() if d.jurisdiction_code == "370103"}
    assert not names & set(SHORT_TO_LONG)  # no separate node for a short form


def test_departments_of_the_two_districts_stay_apart(workspace_2y: Workspace):
    store = workspace_2y.store()
    ids = {d.id for d in store.find_departments("区卫健局")}
    assert ids == {"370103:区卫生健康局", "370114:区卫生健康局"}
    assert [d.id for d in store.find_departments("卫健局", "章丘区")] == ["370114:区卫生健康局"]


@pytest.mark.parametrize(("a", "b"), [
    ("区人力社保局", "区人力资源和社会保障局"),
    ("区人社局", "区人力资源与社会保障局"),
    ("县卫生和健康局", "县卫健局"),
    ("区发展和改革委员会", "区发改委"),
    ("区综合执法局", "区综合行政执法局"),
    ("区自规局", "区自然资源和规划局"),
    ("县文化广电和旅游局", "县文广旅局"),
])
def test_short_forms_by_rule_are_one_department(a: str, b: str):
    # Any district: the short form a name reduces to, not a table of this city's spellings.
    assert resolve_department(a, "330213").id == resolve_department(b, "330213").id
    assert resolve_department(a, "330213").function is not None


def test_different_bureaus_stay_apart():
    ids = {resolve_department(n, "330213").id for n in ("区教育局", "区教育体育局", "区体育局", "区卫健委", "区卫健局")}
    assert len(ids) == 5


@pytest.mark.parametrize(("name", "function"), [
    ("县人力社保局", "人社"), ("镇民政办", "民政"), ("街道社区卫生服务中心", "卫健"), ("区教育局", "教育"),
    ("区体育局", "体育"), ("区住房和城乡建设局", "住建"), ("区城市管理局", "城管执法"), ("县公路建设养护中心", "交通运输"),
    ("区水务集团", "水务"), ("县文体旅局", "文旅"), ("区医疗保障局", "医保"), ("区公安分局", "公安"),
    ("市场监督管理局", "市场监管"), ("县残疾人联合会", "残联"), ("区妇联", "妇联"), ("团县委", "共青团"),
    ("区红十字会", "红十字会"), ("白岩街道", "街道办"), ("各街道办事处", "街道办"), ("凤鸣镇", "乡镇政府"),
    ("各镇（街道）", "乡镇政府"), ("相关社区", "社区村居"), ("县自然资源局", "自然资源"), ("区退役军人事务局", "退役军人"),
    ("区城投集团", "国有企业"), ("县供电公司", "国有企业"), ("公安分局交警大队", "交警"),
])
def test_functions_by_rule_at_every_level(name: str, function: str):
    assert classify_function(name) == function


@pytest.mark.parametrize(("written", "canonical"), [
    ("梅岭区卫生健康局", "区卫生健康局"), ("栖凤区人社局", "区人力资源社会保障局"), ("宁波市奉化区民政局", "区民政局"),
    ("市中区教育体育局", "区教育体育局"),
    # Not a bureau of the jurisdiction: kept whole.
    ("济南中央商埠区发展促进中心", "济南中央商埠区发展促进中心"), ("市生态环境局市中分局", "市生态环境局市中分局"),
])
def test_place_name_before_the_level_is_dropped(written: str, canonical: str):
    dep = resolve_department(written, "330213")
    assert dep.id == f"330213:{canonical}"
    assert dep.as_written == written


def test_people_s_government_is_not_civil_affairs():
    assert classify_function("城关镇人民政府") == "乡镇政府"
    assert classify_function("各乡镇人民政府") == "乡镇政府"
