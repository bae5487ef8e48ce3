"""The bundled taxonomy loads, is internally consistent, and classifies seed items sensibly."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from kg.ingest.targets import extract_targets
from kg.model import Target
from kg.vocab.taxonomy import (
    classify_commitment,
    classify_target,
    concept,
    jieba_words,
    load_taxonomy,
    resolve_concept,
)

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"


def _seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


_BLOCKS = re.split(r"\n\t(\d+)\n\t", _seed_text("000_a3d8383e0dbfd013.txt"))
ITEMS_2024 = {int(_BLOCKS[i]): _BLOCKS[i + 1].split("\n")[0] for i in range(1, len(_BLOCKS), 2)}
ITEMS_2025 = dict(enumerate((line for line in _seed_text("003_eec77d86ffeca40d.txt").splitlines()
                             if re.match(r"^[一二三四五六七八九十]+、", line)), start=1))

REQUIRED_THEMES = ["教育", "养老", "医疗卫生", "就业", "社会救助", "残疾人", "城市建设", "交通", "能源",
                   "生态环境", "文化", "法治", "公共安全", "政务服务", "农业", "消费", "妇女儿童", "托育",
                   "住房", "食品安全", "市场监管"]
REQUIRED_GROUPS = ["老年人", "妇女", "儿童", "残疾人", "青年", "学生", "务工人员", "企业", "农户", "困难群众"]


def test_toml_loads_from_package_resources():
    raw = resources.files("kg").joinpath("resources", "taxonomy.toml").read_bytes()
    data = tomllib.loads(raw.decode("utf-8"))
    assert set(data) == {"themes", "target_types", "beneficiaries"}


def test_required_concepts_present():
    tax = load_taxonomy()
    assert [c for c in REQUIRED_THEMES if c not in {t.label for t in tax.themes}] == []
    assert [c for c in REQUIRED_GROUPS if c not in {b.label for b in tax.beneficiaries}] == []
    assert len(tax.target_types) >= 40
    assert load_taxonomy() is tax  # cached


def test_ids_unique_snake_case_and_broader_exists():
    tax = load_taxonomy()
    every = [*tax.themes, *tax.target_types, *tax.beneficiaries]
    ids = [c.id for c in every]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)
    theme_ids = {t.id for t in tax.themes}
    for c in tax.target_types:
        assert set(c.broader) <= theme_ids, c.id
        assert c.kind == "target_type" and c.label and c.en
    assert all(t.keywords for t in [*tax.themes, *tax.beneficiaries])


def test_concept_by_id():
    assert concept("elderly_beds").label == "养老床位"
    assert concept("elderly_care").kind == "theme"
    assert concept("no_such_thing") is None


@pytest.mark.parametrize(("query", "concept_id"), [
    ("养老床位", "elderly_beds"), ("床位", "elderly_beds"), ("elderly beds", "elderly_beds"),
    ("Elderly Beds", "elderly_beds"), ("充电桩", "charging_piles"), ("养老", "elderly_care"),
    ("老年人", "elderly_care"), ("就业", "employment"), ("停车位", "parking_spaces"),
    ("新增养老床位", "elderly_beds"), ("充电", "energy"), ("新能源汽车充电桩", "charging_piles"), ("low-carbon mining on mars", None),
    ("", None), ("火箭", None),
])
def test_resolve_concept(query, concept_id):
    c = resolve_concept(query)
    assert (c.id if c else None) == concept_id


@pytest.mark.parametrize(("metric", "context", "label"), [
    ("增加床位", "新建大型综合养老机构2处，增加床位800张。", "养老床位"),
    ("增加床位", "医院新增床位800张。", None),  # a bare 床位 is elderly beds only near 养老
    ("医养结合床位占比率", "", "比率"),
    ("完成城镇失业人员再就业", "", "再就业人数"),
    ("新增城镇就业人口", "", "就业人数"),
    ("公交线路", "优化调整3路等5条公交线路", "公交线路"),
    ("线路", "改造电力线路", None),
    ("", "", None),
])
def test_classify_target(metric, context, label):
    c = classify_target(metric, context)
    assert (c.label if c else None) == label


def classify(text: str) -> tuple[list[str], list[str], list[str]]:
    return classify_commitment(text, extract_targets(text))


def test_classify_commitment_elderly_beds():
    themes, types, groups = classify(ITEMS_2024[6])
    assert "养老" in themes and "养老床位" in types and "老年人" in groups


def test_classify_commitment_women():
    themes, types, groups = classify(ITEMS_2025[8])
    assert "妇女儿童" in themes and "妇女" in groups and "保险保额" in types


@pytest.mark.parametrize(("text", "theme", "group"), [
    (ITEMS_2024[9], "就业", "青年"),
    (ITEMS_2024[24], "公共安全", None),
    (ITEMS_2025[18], "农业", "农户"),
    (ITEMS_2025[20], "市场监管", "企业"),
    (ITEMS_2024[22], "住房", "务工人员"),
    (ITEMS_2024[10], "社会救助", "困难群众"),
])
def test_classify_commitment_examples(text, theme, group):
    themes, _, groups = classify(text)
    assert theme in themes
    assert group is None or group in groups


def test_classify_commitment_adds_broader_themes_and_is_stable():
    target = Target(metric="充电桩", value=1, unit="个", target_type="charging_piles", target_type_label="充电桩")
    themes, types, _ = classify_commitment("一句没有关键词的话", [target, target])
    assert types == ["充电桩"]
    assert set(themes) == {"能源", "交通"}
    assert classify_commitment("一句没有关键词的话", [target]) == classify_commitment("一句没有关键词的话", [target])


def test_no_stray_themes_on_seed_items():
    assert "农业" not in classify(ITEMS_2024[3])[0]  # 寒暑期托管 is not farm trusteeship
    assert "食品安全" not in classify(ITEMS_2024[5])[0]  # 助餐食堂 is elderly care


def test_jieba_words():
    words = jieba_words()
    assert {"养老床位", "床位", "充电桩", "日间照料中心"} <= set(words)
    assert len(words) == len(set(words)) and all(len(w) > 1 for w in words)
