"""HTML pages: the article kept, chrome dropped, metadata collected, tables expanded."""

from __future__ import annotations

from pathlib import Path

from kg.ingest.read import read_document

PAGE = """<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>东湖区2024年民生实事项目 - 东湖区人民政府</title><script>var a='三、不是实事';</script></head><body>
<div id="topnav"><a href="/">首页</a> | <a href="/a">政务公开</a> | <a href="/b">政务服务</a></div>
<div class="crumb">您的位置：<a href="/">首页</a> &gt; <a href="/x">通知公告</a></div>
<table class="meta"><tr><td>索 引 号：</td><td>113301/2024-00012</td><td>发布机构：</td><td>东湖区人民政府办公室</td></tr>
<tr><td>成文日期：</td><td>2024-01-18</td><td>文号：</td><td>东政办发〔2024〕3号</td></tr></table>
<div class="wrap"><div class="left"><ul><li><a href="/1">区情概况</a></li><li><a href="/2">领导之窗</a></li></ul></div>
<div id="zoom">
<p>发布时间：2024-01-19　来源：区政府办　浏览次数：88</p>
<p>　　经区人大常委会审议，确定2024年民生实事项目如下，请认真组织实施，确保按期完成。</p>
<table border="1"><tr><th>序号</th><th>项目</th><th colspan="2">责任单位</th></tr>
<tr><td>1</td><td>新建社区食堂3处，服务老年人2万人次</td><td rowspan="2">区民政局</td><td>各街道</td></tr>
<tr><td>2</td><td>新增养老床位200张</td><td>区卫健局<br>区医保局</td></tr></table>
<p>东湖区人民政府办公室</p>
<div class="bdshare">分享到：<a>微信</a><a>微博</a></div>
<p>上一篇：<a href="/p">东湖区2023年民生实事完成情况</a></p>
<p>【打印本页】【关闭窗口】</p></div></div>
<div class="footer"><p>版权所有：东湖区人民政府 ICP备12345678号</p></div></body></html>"""


def test_article_metadata_and_expanded_table(tmp_path: Path):
    f = tmp_path / "page.html"
    f.write_bytes(PAGE.encode("gbk"))
    raw = read_document(f)
    text = "\n".join(raw.lines)
    assert "经区人大常委会审议" in text and "东湖区人民政府办公室" in text
    for chrome in ("首页", "政务公开", "区情概况", "分享到", "上一篇", "2023年", "打印本页", "ICP", "浏览次数", "不是实事"):
        assert chrome not in text, chrome
    assert raw.meta["索引号"] == "113301/2024-00012"
    assert raw.meta["发布机构"] == "东湖区人民政府办公室"
    assert raw.meta["成文日期"] == "2024-01-18" and raw.meta["文号"] == "东政办发〔2024〕3号"
    assert raw.meta["来源"] == "区政府办"
    assert raw.title_lines[0] == "东湖区2024年民生实事项目"
    assert raw.grids == [[["序号", "项目", "责任单位", "责任单位"],
                          ["1", "新建社区食堂3处，服务老年人2万人次", "区民政局", "各街道"],
                          ["2", "新增养老床位200张", "区民政局", "区卫健局\n区医保局"]]]


def test_deep_nesting_is_refused_not_truncated(tmp_path: Path):
    import pytest

    from kg.errors import TooLargeError
    from kg.ingest.formats.limits import MAX_HTML_DEPTH

    f = tmp_path / "deep.html"
    f.write_text("<html><body>" + "<div>" * 200_000 + "深" + "</div>" * 200_000 + "</body></html>", encoding="utf-8")
    with pytest.raises(TooLargeError, match="nested deeper than") as info:
        read_document(f)
    assert "deep.html" in str(info.value)
    ok = tmp_path / "ok.html"
    ok.write_text("<html><body>" + "<div>" * (MAX_HTML_DEPTH - 5) + "<p>深处的一段文字。</p>" + "</div>" * (MAX_HTML_DEPTH - 5)
                  + "</body></html>", encoding="utf-8")
    assert "深处的一段文字。" in read_document(ok).lines


def test_layout_tables_are_running_text(tmp_path: Path):
    body = "".join(f"<p>第{i}段：新建社区食堂{i}处，服务老年人{i}万人次。</p>" for i in range(1, 6))
    f = tmp_path / "layout.html"
    f.write_text(f"<html><body><table><tr><td>左栏</td><td><table><tr><td>{body}</td></tr></table></td></tr>"
                 f"<tr><td colspan='2'>页脚</td></tr></table></body></html>", encoding="utf-8")
    raw = read_document(f)
    assert raw.grids == []
    assert [ln for ln in raw.lines if ln.startswith("第")] == [f"第{i}段：新建社区食堂{i}处，服务老年人{i}万人次。" for i in range(1, 6)]


def test_mis_declared_charset_and_br_paragraphs(tmp_path: Path):
    lines = [f"{i}、新建社区食堂{i}处，服务老年人{i}万人次。" for i in range(1, 6)]
    f = tmp_path / "br.html"
    f.write_bytes(("<html><head><meta charset='gb2312'></head><body><div class='nav'><a>首页</a><a>政务公开</a></div>"
                   "<div class='x'>" + "<br>".join(lines) + "</div></body></html>").encode("utf-8"))
    raw = read_document(f)
    assert [ln for ln in raw.lines if ln] == lines


def test_mht_web_archive(tmp_path: Path):
    import quopri

    html = PAGE.replace('charset=gb2312', 'charset=utf-8').encode("utf-8")
    f = tmp_path / "page.mht"
    f.write_bytes(b"From: <Saved by Windows Internet Explorer>\r\nSubject: page\r\nMIME-Version: 1.0\r\n"
                  b'Content-Type: multipart/related; boundary="B"; type="text/html"\r\n\r\n--B\r\n'
                  b'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
                  + quopri.encodestring(html) + b"\r\n--B\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                  b"iVBORw0KGgo=\r\n--B--\r\n")
    raw = read_document(f)
    assert raw.meta["发布机构"] == "东湖区人民政府办公室"
    assert len(raw.grids) == 1 and raw.grids[0][1][0] == "1"
    assert any("经区人大常委会审议" in ln for ln in raw.lines)
