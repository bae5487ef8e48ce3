"""Write data/eval/extraction/: our own 民生实事 lists in every format, plus their gold.json.

Places, officials, departments and numbers are invented (the place names are not real
counties). Each document's items are defined once below and rendered into its format, so the
gold answers and the files cannot drift apart. Run from the repository root:

    python scripts/make_eval_extraction.py [OUT_DIR]

PDFs use reportlab's built-in STSong-Light CID font (named, not embedded), so no CJK font
file is needed. Output is deterministic apart from the timestamps the Office formats embed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Item:
    title: str
    text: str  # the sentence after the title
    officials: list[str]
    lead: list[str]
    supporting: list[str]
    targets: list[list]
    deadline: str = "12月底前"
    category: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def full(self) -> str:
        return f"{self.title}。{self.text}"


def _gold(items: list[Item], place: str, year: int, *, lead_marked: bool = True, trad: bool = False) -> dict:
    out = []
    for i, it in enumerate(items, 1):
        entry = {"seq": i, "title": it.title, "officials": it.officials, "departments": it.lead + it.supporting}
        if lead_marked:
            entry["lead_departments"] = it.lead
        entry["targets"] = it.targets
        out.append(entry)
    return {"jurisdiction": place, "year": year, "states_place_and_year": True, "items": out}


# -- E01: PDF, intro paragraph and a ruled table over two pages --------------------------------

PDF_ITEMS = [
    Item("新建城南幼儿园", "新建公办幼儿园1所，设12个班，新增学位360个", ["韦书琴"], ["区教育局"], ["区住建局", "区财政局"],
         [[1, "所"], [12, "个"], [360, "个"]], "8月底前"),
    Item("社区嵌入式托育点建设", "建成社区托育点6个，新增普惠性托位240个", ["韦书琴"], ["区卫健局"], ["各街道"],
         [[6, "个"], [240, "个"]]),
    Item("老年助餐服务扩面", "新建社区长者食堂8个，全年提供助餐服务12万人次", ["程立松"], ["区民政局"], ["区市场监管局", "各街道"],
         [[8, "个"], [120000, "人次"]]),
    Item("居家适老化改造", "为500户困难老年人家庭实施居家适老化改造", ["程立松"], ["区民政局"], ["区残联"],
         [[500, "户"]], "11月底前"),
    Item("城市更新口袋公园", "新建改造口袋公园10个，新增绿地面积3.2万平方米", ["蒲海川"], ["区城市管理局"], ["区自然资源和规划分局"],
         [[10, "个"], [32000, "平方米"]], "10月底前"),
    Item("背街小巷整治", "整治提升背街小巷25条，改造雨污管网8公里", ["蒲海川"], ["区住建局"], ["区城市管理局", "各街道"],
         [[25, "条"], [8, "公里"]]),
    Item("公共停车泊位建设", "新增公共停车泊位1800个，其中充电泊位300个", ["蒲海川"], ["区交通运输局"], ["区公安分局交警大队"],
         [[1800, "个"], [300, "个"]]),
    Item("就业困难人员帮扶", "城镇新增就业6500人，帮扶就业困难人员再就业800人", ["韦书琴"], ["区人力社保局"], ["各街道"],
         [[6500, "人"], [800, "人"]]),
]


def make_pdf(out: Path) -> dict:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("zh", fontName="STSong-Light", fontSize=11, leading=17, wordWrap="CJK", firstLineIndent=22)
    title = ParagraphStyle("t", parent=body, fontSize=16, leading=24, alignment=1, firstLineIndent=0)
    cell = ParagraphStyle("c", parent=body, fontSize=9.5, leading=13, firstLineIndent=0)

    def chrome(canvas, doc):  # noqa: ANN001, ANN202
        canvas.setFont("STSong-Light", 9)
        canvas.drawString(60, A4[1] - 36, "澜江市青屿区人民政府办公室文件")
        canvas.drawCentredString(A4[0] / 2, 28, f"— {doc.page} —")

    header = ["序号", "项目名称", "建设内容", "牵头区领导", "牵头单位", "配合单位", "完成时限"]
    rows = [header] + [[str(i), it.title, it.text, "、".join(it.officials), "、".join(it.lead), "\n".join(it.supporting),
                        it.deadline] for i, it in enumerate(PDF_ITEMS, 1)]
    table = Table([[Paragraph(c.replace("\n", "<br/>"), cell) for c in r] for r in rows],
                  colWidths=[28, 70, 150, 50, 62, 80, 45], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    story = [Paragraph("青屿区2024年民生实事项目责任分解表", title), Spacer(1, 8),
             Paragraph("经澜江市青屿区第三届人民代表大会第四次会议票决，确定2024年民生实事项目8件。现将项目责任分解如下，"
                       "各牵头单位要细化工作方案，明确时间节点，每季度末将推进情况报区政府督查室。", body),
             Spacer(1, 420), table, Spacer(1, 12),
             Paragraph("澜江市青屿区人民政府办公室", body), Paragraph("2024年2月6日", body)]
    SimpleDocTemplate(str(out / "E01_pdf_table.pdf"), pagesize=A4, topMargin=60, bottomMargin=50).build(
        story, onFirstPage=chrome, onLaterPages=chrome)
    return _gold(PDF_ITEMS, "澜江市青屿区", 2024)


# -- E02: .docx with a category row spanning the table and merged leader/lead-unit cells --------

DOCX_GROUPS = [
    ("一、教育卫生", [
        Item("义务教育学位扩容", "改扩建中小学4所，新增学位2400个", ["邵明哲"], ["县教体局"], ["县发改局", "县财政局"],
             [[4, "所"], [2400, "个"]]),
        Item("乡镇卫生院提质", "为乡镇卫生院配备救护车6辆、DR设备4台", ["邵明哲"], ["县卫健局"], ["县财政局"],
             [[6, "辆"], [4, "台"]]),
    ]),
    ("二、民生保障", [
        Item("农村养老服务", "新建农村互助养老站20个，新增护理型床位150张", ["易婉华"], ["县民政局"], ["各乡镇"],
             [[20, "个"], [150, "张"]]),
        Item("困难群众救助", "城乡低保标准每人每月提高到780元，发放临时救助资金500万元", ["易婉华"], ["县民政局"], ["县财政局"],
             [[780, "元"], [5000000, "元"]]),
        Item("技能培训", "开展职业技能培训5000人次，新增技能人才1200人", ["易婉华"], ["县人力资源和社会保障局"], ["县总工会"],
             [[5000, "人次"], [1200, "人"]]),
    ]),
]


def make_docx(out: Path) -> dict:
    import docx

    d = docx.Document()
    d.add_paragraph("溪宁县2023年民生实事项目责任分工")
    d.add_paragraph("经溪宁县人民政府研究，现将2023年民生实事项目责任分工印发如下。")
    header = ["序号", "项目名称", "目标任务", "牵头县领导", "牵头单位", "配合单位"]
    table = d.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for c, h in zip(table.rows[0].cells, header, strict=True):
        c.text = h
    seq = 0
    items: list[Item] = []
    for category, group in DOCX_GROUPS:
        row = table.add_row().cells
        row[0].merge(row[-1]).text = category  # gridSpan over the whole row
        first = len(table.rows)
        for it in group:
            seq += 1
            items.append(it)
            cells = table.add_row().cells
            for c, text in zip(cells, [str(seq), it.title, it.text, "", "", "、".join(it.supporting)], strict=True):
                c.text = text
        # Officials and lead units are written once per run of equal values and merged down
        # (vMerge), as Word lists do.
        for col, values in ((3, ["、".join(g.officials) for g in group]), (4, ["、".join(g.lead) for g in group])):
            k = 0
            while k < len(values):
                end = k
                while end + 1 < len(values) and values[end + 1] == values[k]:
                    end += 1
                cell = table.cell(first + k, col).merge(table.cell(first + end, col)) if end > k else table.cell(first + k, col)
                cell.text = values[k]
                k = end + 1
    d.add_paragraph("溪宁县人民政府办公室")
    d.add_paragraph("2023年2月20日")
    d.save(out / "E02_docx_merged.docx")
    return _gold(items, "溪宁县", 2023)


# -- E03: .xlsx, title row merged over the header, a merged official ---------------------------

XLSX_ITEMS = [
    Item("公交线网优化", "新开优化公交线路8条，更新新能源公交车40辆", ["柏向东"], [], ["市交通运输局", "市公交集团"],
         [[8, "条"], [40, "辆"]]),
    Item("农贸市场改造", "改造提升农贸市场6家", ["柏向东"], [], ["市商务局", "市市场监管局"], [[6, "家"]]),
    Item("老旧小区加装电梯", "既有住宅加装电梯120台", ["柏向东"], [], ["市住房和城乡建设局", "各区政府"], [[120, "台"]]),
    Item("全民健身设施", "新建改建健身步道30公里、社区多功能运动场15片", ["林思远"], [], ["市体育局"],
         [[30, "公里"], [15, "片"]]),
    Item("免费健康体检", "为6万名65岁以上老年人提供免费健康体检", ["林思远"], [], ["市卫生健康委员会"], [[60000, "名"]]),
]


def make_xlsx(out: Path) -> dict:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "民生实事"
    ws.append(["桑浦市2025年为民办实事项目计划表"])
    ws.merge_cells("A1:E1")
    ws.append(["序号", "实事项目", "具体内容", "责任领导", "责任单位"])
    for i, it in enumerate(XLSX_ITEMS, 1):
        ws.append([i, it.title, it.text, "", "、".join(it.supporting)])
    ws["D3"] = "柏向东"
    ws.merge_cells("D3:D5")
    ws["D6"] = "林思远"
    ws.merge_cells("D6:D7")
    wb.save(out / "E03_xlsx.xlsx")
    return _gold(XLSX_ITEMS, "桑浦市", 2025, lead_marked=False)


# -- E04: a government web page with chrome around the article ---------------------------------

HTML_ITEMS = [
    Item("实施校园食堂提升工程", "改造中小学食堂15所，实现“明厨亮灶”全覆盖", [], ["区教育局"], ["区市场监管局"], [[15, "所"]]),
    Item("实施社区医院建设工程", "建成社区医院3家，新增床位120张", [], ["区卫生健康局"], ["区发展改革局"], [[3, "家"], [120, "张"]]),
    Item("实施一刻钟便民生活圈工程", "新建便民生活服务网点40个", [], ["区商务局"], ["各街道"], [[40, "个"]]),
    Item("实施城市内涝治理工程", "整治易涝积水点12处，新建排水管网6.5公里", [], ["区水务局"], ["区城管局"],
         [[12, "处"], [6.5, "公里"]]),
    Item("实施残疾人康复服务工程", "为300名残疾儿童提供康复救助", [], ["区残联"], ["区卫生健康局", "区医疗保障局"], [[300, "名"]]),
]


def make_html(out: Path) -> dict:
    paras = "\n".join(
        f"<p><strong>（{'一二三四五'[i]}）{it.title}。</strong>{it.text}。</p>\n"
        f"<p>牵头单位：{'、'.join(it.lead)}；配合单位：{'、'.join(it.supporting)}</p>" for i, it in enumerate(HTML_ITEMS))
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>关于公布2022年区政府民生实事项目的通知_通知公告_岚桥市石渠区人民政府</title>
<script>var nav = '一、不是实事';</script><style>.nav{{color:red}}</style></head>
<body>
<div class="topbar">欢迎访问岚桥市石渠区人民政府网站 | <a href="#">无障碍</a> | <a href="#">English</a></div>
<div class="nav"><a href="/">首页</a><a href="/zw">政务公开</a><a href="/fw">政务服务</a><a href="/hd">互动交流</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zw">政务公开</a> &gt; 通知公告</div>
<table class="xxgk"><tr><td>索引号：</td><td>11330211X/2022-00041</td><td>发布机构：</td><td>石渠区人民政府办公室</td></tr>
<tr><td>成文日期：</td><td>2022-02-25</td><td>文号：</td><td>石政办发〔2022〕6号</td></tr></table>
<div class="main"><div class="sidebar"><ul><li><a href="#">政府信息公开指南</a></li><li><a href="#">政府信息公开制度</a></li></ul></div>
<div class="article"><h1>关于公布2022年区政府民生实事项目的通知</h1>
<div class="info">发布时间：2022-02-25 10:30　来源：区政府办　字体：【大】【中】【小】</div>
<div id="UCAP-CONTENT">
<p>各街道办事处，区政府各部门：</p>
<p>经岚桥市石渠区第二届人民代表大会第二次会议审议通过，现将2022年区政府民生实事项目公布如下：</p>
{paras}
<p>各牵头单位要建立工作台账，按月报送进展情况。</p>
<p>岚桥市石渠区人民政府办公室</p><p>2022年2月25日</p>
</div>
<div class="pagebox"><p>上一篇：<a href="#">石渠区2021年民生实事项目完成情况</a></p><p>下一篇：<a href="#">关于做好2022年春运工作的通知</a></p></div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a>　<a href="javascript:window.print()">【打印本页】</a></div>
<div class="ewm"><p>扫一扫在手机打开当前页</p></div>
</div></div>
<div class="footer"><p>主办：岚桥市石渠区人民政府办公室　ICP备05012345号　网站标识码3302110001</p></div>
</body></html>"""
    (out / "E04_html_chrome.html").write_text(page, encoding="utf-8")
    return _gold(HTML_ITEMS, "岚桥市石渠区", 2022)


# -- E05: GBK text with CRLF line ends, numbered items with trailing parentheses ---------------

GBK_ITEMS = [
    Item("建设城乡供水一体化工程", "新建改造供水管网45公里，受益群众3.6万人", ["宋嘉禾"], ["县水利局"], ["县自来水公司"],
         [[45, "公里"], [36000, "人"]]),
    Item("推进农村公路提档升级", "新改建农村公路80公里，改造危桥5座", ["宋嘉禾"], ["县交通运输局"], ["各乡镇"],
         [[80, "公里"], [5, "座"]]),
    Item("实施农村人居环境整治", "新改建农村卫生户厕2000座，建设垃圾分类示范村10个", ["管丽君"], ["县农业农村局"],
         ["县生态环境分局", "各乡镇"], [[2000, "座"], [10, "个"]]),
    Item("开展妇女两癌免费筛查", "为1.5万名适龄妇女开展两癌免费筛查", ["管丽君"], ["县妇联"], ["县卫健局"], [[15000, "名"]]),
    Item("建设县级应急避难场所", "建成应急避难场所3处", ["宋嘉禾"], ["县应急管理局"], ["县住建局"], [[3, "处"]]),
]


def make_gbk(out: Path) -> dict:
    lines = ["云峤县2021年民生实事项目", "", "为切实解决群众急难愁盼问题，云峤县人民政府确定2021年实施以下5件民生实事：", ""]
    for i, it in enumerate(GBK_ITEMS, 1):
        lines.append(f"{i}. {it.full}。（牵头县领导：{'、'.join(it.officials)}；牵头单位：{'、'.join(it.lead)}；"
                     f"配合单位：{'、'.join(it.supporting)}）")
    lines += ["", "云峤县人民政府", "2021年1月28日", ""]
    (out / "E05_gbk_crlf.txt").write_bytes("\r\n".join(lines).encode("gbk"))
    return _gold(GBK_ITEMS, "云峤县", 2021)


# -- E06: traditional characters, .docx paragraphs with 責任單位 lines ----------------------------

TRAD_ITEMS = [
    Item("新增公辦幼兒園學位", "新建幼兒園2所，新增學位540個", ["鄭耀祖"], [], ["區教育局", "區財政局"], [[2, "所"], [540, "個"]]),
    Item("擴大長者飯堂覆蓋", "新建長者飯堂12個，惠及長者3萬人次", ["鄭耀祖"], [], ["區民政局", "各街道"],
         [[12, "個"], [30000, "人次"]]),
    Item("改造老舊社區", "完成老舊社區改造9個，惠及居民4200戶", ["馮靜儀"], [], ["區住房城鄉建設局"], [[9, "個"], [4200, "戶"]]),
    Item("建設智慧停車系統", "新增公共停車位1200個", ["馮靜儀"], [], ["區交通運輸局", "區公安分局交警大隊"], [[1200, "個"]]),
]


def make_trad(out: Path) -> dict:
    import docx

    d = docx.Document()
    d.add_paragraph("雲川市灣東區2020年民生實事項目")
    d.add_paragraph("灣東區人民政府辦公室　2020年3月2日")
    for i, it in enumerate(TRAD_ITEMS):
        d.add_paragraph(f"{'一二三四'[i]}、{it.full}。")
        d.add_paragraph(f"責任領導：{'、'.join(it.officials)}")
        d.add_paragraph(f"責任單位：{'、'.join(it.supporting)}")
    d.save(out / "E06_traditional.docx")
    return _gold(TRAD_ITEMS, "雲川市灣東區", 2020, lead_marked=False)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    gold = {
        "E01_pdf_table.pdf": make_pdf(out),
        "E02_docx_merged.docx": make_docx(out),
        "E03_xlsx.xlsx": make_xlsx(out),
        "E04_html_chrome.html": make_html(out),
        "E05_gbk_crlf.txt": make_gbk(out),
        "E06_traditional.docx": make_trad(out),
    }
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(gold)} documents and gold.json to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("data/eval/extraction"))
