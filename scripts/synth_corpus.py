"""Write a deterministic synthetic corpus of 民生实事 lists: N districts x Y years, ~20 items each.

The files use the three text layouts the parser supports, rotated by district: (a) a table
export as tab-led cells under a 序号/民生实事内容/牵头领导/责任单位 header, (b) "一、…。（区人社局）"
numbered items, (c) category headings with "1．" items and 牵头区领导/责任单位 lines. Items are
built from clause templates per theme with realistic figures (Arabic, 万, 累计 running totals),
department aliases (区教体局 / 区教育体育局), officials (some padded, "张  源"), continuation
wording (续建, 二期) in later years, and the same project recurring across years with new numbers.

    python scripts/synth_corpus.py OUT_DIR --districts 50 --years 5   # ~5,000 commitments
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

# Two-character stems that are not real place names the taxonomy knows (kg/vocab resources).
CITY_STEMS = ["青川", "云澜", "岚山", "汀州", "泺源", "雁栖", "澄江", "桐溪", "柏岭", "潇湘", "凌波", "沧澜",
              "霁川", "栖霞", "芷江", "鹤峰", "漓浦", "梧野", "瀚海", "洛溪"]
DISTRICT_STEMS = ["东湖", "西岭", "南塘", "北原", "中和", "长宁", "永安", "兴隆", "广福", "安平", "清河", "石门",
                  "丰泽", "临川", "新桥", "白沙", "金牛", "玉泉", "松山", "鹿鸣", "龙井", "凤台", "芙蓉", "翠屏",
                  "桂林", "兰亭", "梅溪", "竹影", "荷塘", "菊坡", "云台", "星沙", "月湖", "天宁", "泰和", "嘉禾",
                  "瑞安", "康乐", "福田", "宝山", "和平", "胜利", "解放", "建兴", "振兴", "光明", "红星", "朝阳",
                  "向阳", "东风"]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = ["源", "长征", "建国", "海燕", "志强", "晓红", "文博", "立新", "秀英", "国栋", "明辉", "丽娟", "振华", "春生",
         "宏伟", "玉兰", "德胜", "凤英", "永刚", "淑珍"]

# (canonical name, aliases used in text) per function.
DEPARTMENTS = {
    "education": ("区教育体育局", ["区教体局", "区教育局"]),
    "health": ("区卫生健康局", ["区卫健局"]),
    "civil": ("区民政局", []),
    "labour": ("区人力资源和社会保障局", ["区人社局"]),
    "housing": ("区住房和城乡建设局", ["区住建局"]),
    "development": ("区发展和改革局", ["区发改局"]),
    "urban": ("区城市管理局", ["区城管局"]),
    "transport": ("区交通运输局", ["区交通局"]),
    "market": ("区市场监督管理局", ["区市场监管局"]),
    "women": ("区妇联", ["区妇女联合会"]),
    "insurance": ("区医疗保障局", ["区医保局"]),
    "culture": ("区文化和旅游局", ["区文旅局"]),
    "water": ("区水务局", []),
    "ecology": ("区生态环境分局", []),
}

# theme -> (category heading, departments, clause templates); {n}, {m} are figures, {k} a count.
THEMES = {
    "education": ("教育服务", ["education"], [
        "新建、改扩建中小学{k}所、幼儿园{k2}所，新增学位{n}个。",
        "开展“教育·家”大讲堂{k}场，举办亲子阅读、家长课堂等活动{m}场。",
        "建设中小学食堂大宗食材安全管理追溯平台，将全区{k}所学校食堂纳入监管。",
        "新增普惠性托位{n}个，新增备案托育机构{k}家，累计达{m}家以上。",
    ]),
    "elderly": ("养老服务", ["civil", "health"], [
        "新建大型综合养老机构{k}处，增加床位{n}张。",
        "续建综合养老服务中心二期工程，新增养老床位{n}张，全区养老床位累计达到{m}张以上。",
        "提升打造日间照料中心{k}处、农村幸福院{k2}处；打造示范型“长者助餐”食堂{k3}处。",
        "为有需求的老年人提供上门医养服务不少于{w}万人次。",
    ]),
    "health": ("医疗卫生", ["health", "women"], [
        "为辖区适龄妇女提供“两癌”免费筛查服务{n}人次。",
        "开展群众性“健康面对面”活动{k}场、“健康课堂”活动{m}场。",
        "建设社区卫生服务中心{k}处，新增家庭医生签约{n}人。",
    ]),
    "employment": ("就业和社会保障", ["labour", "civil", "insurance"], [
        "新增城镇就业{n}人以上，新建就业服务驿站{k}家。",
        "将城乡居民最低生活保障标准提高至每人每月{m}元。",
        "开展职业技能培训{n}人次，发放创业担保贷款{w}万元。",
    ]),
    "transport": ("城市建设", ["development", "housing", "transport", "urban"], [
        "建成投用新能源汽车充电桩{n}个，新建充换电站{k}座。",
        "新增停车泊位{n}个，打通断头路{k}条。",
        "改造老旧小区{k}个，惠及居民{n}户。",
        "新建口袋公园{k}处，新增绿地{w}万平方米。",
    ]),
    "safety": ("公共安全", ["market", "urban", "water"], [
        "对{k}所中小学校和{k2}所幼儿园升级改造“一键报警”、硬质隔离等安防设施。",
        "改造燃气老旧管网{m}公里，完成{n}户居民燃气安全检查。",
        "实施农村供水提升工程，惠及群众{n}人。",
    ]),
    "culture": ("文化体育", ["culture", "education"], [
        "举办群众性文化活动{m}场，新建城市书房{k}处。",
        "新建社区健身场地{k}处，更新健身器材{m}件。",
    ]),
}
LAYOUTS = ("table", "numbered", "grouped")
CONTINUATION = ("续建", "二期", "继续", "持续")


def _person(rng: random.Random) -> str:
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    return name[0] + "  " + name[1] if len(name) == 2 else name  # two-character names come padded


def _districts(n: int) -> list[tuple[str, str]]:
    """(full name, short name) of ``n`` distinct synthetic districts."""
    out = []
    n_city, n_stem = len(CITY_STEMS), len(DISTRICT_STEMS)
    for i in range(n):
        city = CITY_STEMS[i % n_city]
        stem = DISTRICT_STEMS[(i // n_city) % n_stem]
        if i >= n_city * n_stem:  # past 1,000 districts: two stems, 东湖西岭区
            stem += DISTRICT_STEMS[(i // (n_city * n_stem)) % n_stem]
        short = stem + ("区" if i % 3 else "县")
        out.append((f"{city}市{short}", short))
    return out


def _fill(template: str, rng: random.Random, scale: float) -> str:
    def k() -> int:
        return rng.randint(2, 40)

    return template.format(k=k(), k2=k(), k3=k(), n=int(rng.randint(3, 90) * 100 * scale),
                           m=rng.randint(5, 200) * 10, w=rng.randint(2, 12))


def _item(rng: random.Random, theme: str, template: str, year_index: int, dept_style: int) -> tuple[str, list[str]]:
    category, functions, _ = THEMES[theme]
    text = _fill(template, rng, 1.0 + 0.1 * year_index)
    if year_index and rng.random() < 0.15 and not any(m in text for m in CONTINUATION):
        text = rng.choice(CONTINUATION) + text
    names = []
    for fn in rng.sample(functions, k=min(len(functions), rng.choice([1, 1, 1, 2, 3]))):
        canonical, aliases = DEPARTMENTS[fn]
        names.append(aliases[dept_style % len(aliases)] if aliases and dept_style % 2 else canonical)
    return text, names


def document(district: tuple[str, str], year: int, year_index: int, seed: int, items: int = 20) -> tuple[str, str]:
    """(layout, file text) of one district's list for one year; deterministic in its arguments."""
    full, _ = district
    rng = random.Random(f"{seed}:{full}:{year}")
    base = random.Random(f"{seed}:{full}")  # what a district keeps across years: leaders, layout, projects
    layout = LAYOUTS[base.randrange(3)]
    leaders = [_person(base) for _ in range(4)]
    dept_style = base.randrange(4)
    recurring = [(t, base.choice(THEMES[t][2])) for t in base.sample(sorted(THEMES), 4)]
    chosen: list[tuple[str, str]] = list(recurring)
    while len(chosen) < items:
        theme = rng.choice(sorted(THEMES))
        chosen.append((theme, rng.choice(THEMES[theme][2])))
    rows = []
    for theme, template in chosen:
        text, deps = _item(rng, theme, template, year_index, dept_style)
        rows.append((theme, text, deps, leaders[sorted(THEMES).index(theme) % len(leaders)]))
    title = f"{full}{year}年民生实事项目清单"
    return layout, _render(layout, title, rows)


def _render(layout: str, title: str, rows: list[tuple[str, str, list[str], str]]) -> str:
    if layout == "table":
        lines = [title, "", " \t序号", "\t民生实事内容", "\t牵头领导", "\t责任单位", ""]
        for i, (_, text, deps, leader) in enumerate(rows, 1):
            lines += [f"\t{i}", f"\t{text}", f"\t{leader}", f"\t{deps[0]}", *deps[1:], ""]
        return "\n".join(lines) + "\n"
    if layout == "numbered":
        lines = [title.replace("项目清单", "项目"), ""]
        for i, (_, text, deps, _) in enumerate(rows, 1):
            lines += [f"{_cn(i)}、{text}（{'、'.join(deps)}）", ""]
        return "\n".join(lines)
    lines = [title, ""]
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(THEMES[row[0]][0], []).append(row)
    for g, (heading, members) in enumerate(groups.items(), 1):
        lines.append(f"{_cn(g)}、{heading}（{len(members)}项）")
        for i, (_, text, deps, leader) in enumerate(members, 1):
            lines += [f"{i}．{text}", f"牵头区领导：{leader}"]
            if len(deps) > 1 and i % 2:
                lines += [f"牵头单位：{deps[0]}", f"配合单位：{'、'.join(deps[1:])}"]
            else:
                lines.append(f"责任单位：{'、'.join(deps)}")
            lines.append("")
    return "\n".join(lines)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def write_corpus(out: Path, districts: int, years: int, *, first_year: int = 2020, seed: int = 7,
                 items: int = 20) -> list[Path]:
    """Write ``districts`` x ``years`` lists into ``out``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for d in _districts(districts):
        for y in range(years):
            _, text = document(d, first_year + y, y, seed, items)
            path = out / f"{d[0]}_{first_year + y}.txt"
            path.write_text(text, encoding="utf-8")
            files.append(path)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--districts", type=int, default=10)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--items", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    files = write_corpus(args.out, args.districts, args.years, seed=args.seed, items=args.items)
    print(f"wrote {len(files)} files ({len(files) * args.items} items) to {args.out}")


if __name__ == "__main__":
    main()
