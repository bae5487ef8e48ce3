"""Saved government web pages (.html/.htm): keep the article, drop the page around it.

The article is the container that holds most of the page's sentence-like text (readability's
rule: text of paragraphs and cells scored up their ancestors), unless a common CMS content
container (TRS_Editor, UCAP-CONTENT, zoom…) holds it. Navigation, breadcrumbs, share and print
links, 上一篇/下一篇 and footers are removed by their class/id and by their wording; the
metadata table (索引号, 发布机构, 成文日期…) goes to `raw.meta`. Tables become grids with rowspan
and colspan expanded. Every walk over the tree is iterative and linear.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kg.errors import InputError
from kg.ingest.formats import limits
from kg.ingest.formats.limits import TableBudget, check_count
from kg.ingest.formats.meta import is_meta_table, key_value_cells, meta_pairs
from kg.ingest.formats.text import decode_text
from kg.text import normalize_text

if TYPE_CHECKING:
    from kg.ingest.read import RawDocument

_DROP_TAGS = ("script", "style", "noscript", "iframe", "object", "embed", "svg", "canvas", "template", "select",
              "button", "input", "textarea", "nav", "footer", "header", "aside", "form")
_CHROME_RE = re.compile(r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|bread|location|position|weizhi|dqwz|"
                        r"share|bdshare|fenxiang|print|tools?|pre-?next|prev|next|page-?turn|sxp|qrcode|ewm|"
                        r"footer|foot|copyright|banquan|header|top-?bar|topbar|toolbar|sidebar|side|related|xgwz|"
                        r"search|login|logo|friend-?links?|links)(?:$|[\s_-])", re.I)
_CONTENT_RE = re.compile(r"^(?:TRS_Editor|TRS_UEDITOR|UCAP-CONTENT|Zoom|zoom|ivs_content|xxgk_content|"
                         r"article-content|article_content|art_con|artcon|news_content|newsContent|content_text|"
                         r"wzcon|detail-content|pages_content|view|Custom_UnionStyle|bt_content|article|content)$",
                         re.I)
_CHROME_LINE_RE = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条|【?打印本页|打印本页|【?关闭窗口|关闭窗口|扫一扫|分享到|当前位置|您的位置|您当前的位置|"
    r"位置[:：]|首页\s*[>》]|字体[:：]|【大】|\[?大\]? ?\[?中\]? ?\[?小\]?$|浏览次数|主办单位|承办单位|网站标识码|"
    r"版权所有|联系电话[:：]|网站地图|相关链接|无障碍|长者模式)|ICP备|公网安备|网站标识码")
_BLOCK_TAGS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "br", "table",
               "ul", "ol", "dd", "dt", "blockquote", "pre", "main", "td", "th"}
_NUMBERED_RE = re.compile(r"^\s*(?:\d{1,3}|[一二三四五六七八九十]+)\s*[、.．]|^\s*[（(]")
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


def _classes(el) -> str:  # noqa: ANN001
    return f"{el.get('class') or ''} {el.get('id') or ''}".strip()


def _depth_check(root, path) -> None:  # noqa: ANN001
    depth = {root: 0}
    for el in root.iterdescendants():
        d = depth[el.getparent()] + 1
        if d > limits.MAX_HTML_DEPTH:
            from kg.errors import TooLargeError

            raise TooLargeError(f"{path}: HTML nested deeper than {limits.MAX_HTML_DEPTH} elements; the limit is {limits.MAX_HTML_DEPTH}")
        depth[el] = d


def _text(el) -> str:  # noqa: ANN001
    return normalize_text(_content(el)).strip()


def _content(el) -> str:  # noqa: ANN001
    return "".join(t for t in el.itertext() if isinstance(t, str))


def _drop(el) -> None:  # noqa: ANN001
    """Remove an element but keep the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def table_grid(table) -> list[list[str]]:  # noqa: ANN001
    """Cells of one <table>, rowspan and colspan expanded by repeating the cell's text."""
    grid: list[list[str]] = []
    pending: dict[int, tuple[int, str]] = {}  # column -> (rows still covered, text)
    rows = [tr for tr in table.iter("tr") if _own_table(tr, table)]
    for tr in rows:
        row: list[str] = []
        col = 0
        cells = [c for c in tr if c.tag in ("td", "th")]
        for cell in cells:
            while col in pending:
                row.append(_take_pending(pending, col))
                col += 1
            text = _cell_text(cell)
            span = _span(cell.get("colspan"))
            down = _span(cell.get("rowspan"))
            for _ in range(span):
                row.append(text)
                if down > 1:
                    pending[col] = (down - 1, text)
                col += 1
        while col in pending or any(k >= col for k in pending):
            if col in pending:
                row.append(_take_pending(pending, col))
            else:
                row.append("")
            col += 1
        grid.append(row)
    width = max((len(r) for r in grid), default=0)
    return [r + [""] * (width - len(r)) for r in grid if any(c.strip() for c in r)]


def _take_pending(pending: dict[int, tuple[int, str]], col: int) -> str:
    """The text a cell spanning down from an earlier row puts in this column (one row fewer left)."""
    left, text = pending[col]
    if left <= 1:
        del pending[col]
    else:
        pending[col] = (left - 1, text)
    return text


def _layout_table(table) -> bool:  # noqa: ANN001
    """A table used to lay out the page (tables inside it, or a cell holding whole paragraphs):
    its content is read as running text, not as a grid."""
    if any(True for _ in table.iterdescendants("table")):
        return True
    return any(sum(1 for _ in cell.iter("p")) >= 3 or len(_content(cell)) > 600 for cell in table.iter("td"))


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1


def _own_table(tr, table) -> bool:  # noqa: ANN001
    parent = tr.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent is table


def _cell_text(cell) -> str:  # noqa: ANN001
    for br in cell.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in cell.iter("p", "div", "li"):
        block.tail = "\n" + (block.tail or "")
    text = normalize_text(_content(cell))
    return "\n".join(ln.strip() for ln in text.split("\n") if ln.strip())


def _score_article(body):  # noqa: ANN001, ANN202
    """The element holding most sentence-like text (paragraphs and table cells scored upwards)."""
    scores: dict = {}
    for el in body.iter("p", "td", "li", "pre", "blockquote", "div", "span", "font"):
        # A div counts only text written directly in it (not inside its <p>s, which count themselves).
        if el.tag in ("div", "span", "font"):  # its own text and what follows its <br>s and inline children
            own = normalize_text((el.text or "") + "".join(c.tail or "" for c in el)).strip()
        else:
            own = _text(el)
        links = sum(len(_content(a)) for a in el.iter("a")) if el.tag not in ("div", "span", "font") else 0
        if len(own) < 8 or links > len(own) / 2:
            continue
        weight = len(own) + 10 * len(re.findall(r"[，。；：、]", own))
        parent, share = el.getparent(), 1.0
        while parent is not None and share > 0.01:
            scores[parent] = scores.get(parent, 0.0) + weight * share
            parent, share = parent.getparent(), share * 0.5
    return max(scores, key=scores.get) if scores else body


def _pick_article(body):  # noqa: ANN001, ANN202
    best = _score_article(body)
    # A CMS content container around or inside the best node is the article proper.
    for el in [best, *best.iterancestors()]:
        if any(_CONTENT_RE.match(c) for c in _classes(el).split()):
            return el
    return best


def _lines_of(article, raw: RawDocument, budget: TableBudget) -> list[str]:  # noqa: ANN001
    """Running text of the article; tables become grids, anchored at their line position."""
    for ol in list(article.iter("ol")):
        # An <ol> numbers its items only when rendered; the parser needs the numbers in the text.
        for i, li in enumerate((c for c in ol if c.tag == "li"), 1):
            if not _NUMBERED_RE.match(_text(li)):
                li.text = f"{i}. " + (li.text or "")
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        text = normalize_text("".join(buf))
        buf.clear()
        lines.extend(re.sub(r"[ \t\xa0]+$", "", ln) for ln in text.split("\n"))

    # Iterative walk: (element, entering?) events, so deep pages cost no recursion.
    stack: list[tuple[Any, bool]] = [(article, True)]  # lxml elements (lxml ships no type stubs)
    while stack:
        el, entering = stack.pop()
        if not entering:
            if el.tag in _BLOCK_TAGS:
                buf.append("\n")
            if el is not article and el.tail:
                buf.append(el.tail)
            continue
        if el.tag == "table" and not _layout_table(el):
            grid = table_grid(el)
            budget.add(len(grid), sum(len(r) for r in grid))
            flush()
            if is_meta_table(grid):
                for row in grid:
                    raw.meta.update({k: v for k, v in key_value_cells(row).items() if k not in raw.meta})
            elif len(grid) >= 2 and max(len(r) for r in grid) >= 2:
                raw.grids.append(grid)
                raw.grid_at.append(len(lines))
            else:
                lines.extend(c for r in grid for c in dict.fromkeys(r) if c)
            if el.tail:
                buf.append(el.tail)
            continue
        if el.tag == "br":
            buf.append("\n")
        elif el.text:
            buf.append(el.text)
        stack.append((el, False))
        stack.extend((c, True) for c in reversed([c for c in el if isinstance(c.tag, str)]))
    flush()
    return lines


def read_html(raw: RawDocument) -> None:
    m = _CHARSET_RE.search(raw.data[:4096])
    read_html_text(raw, decode_text(raw.data, raw.path, m.group(1).decode("ascii", "ignore") if m else None))


def read_html_text(raw: RawDocument, text: str) -> None:
    """Read an HTML page already decoded to text (a saved page, or the HTML part of an .mht)."""
    from lxml import etree

    # lxml refuses a str that still carries an XML encoding declaration (XHTML pages).
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    error = "no elements"
    try:
        # huge_tree: without it libxml2 silently drops what is nested deeper than 256; we want
        # the whole tree, then refuse it ourselves above MAX_HTML_DEPTH with a clear message.
        # Plain etree elements, not lxml.html's: its per-element class lookup costs more than the parse.
        root = etree.fromstring(text, parser=etree.HTMLParser(huge_tree=True, remove_comments=True, remove_pis=True))
    except Exception as exc:  # lxml raises XMLSyntaxError/ValueError on documents without elements
        root, error = None, type(exc).__name__
    if root is None:
        raise InputError(f"{raw.path}: not a readable HTML page ({error}); expected a saved web page")
    _depth_check(root, raw.path)
    titles = []
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        content = normalize_text(meta.get("content") or "").strip()
        if not content:
            continue
        if name in ("articletitle", "og:title"):
            titles.append(content)
        elif name in ("pubdate", "publishdate", "firstpublishedtime"):
            raw.meta.setdefault("发布日期", content)
        elif name in ("sitename", "contentsource", "source"):
            raw.meta.setdefault("来源", content)
    for t in root.iter("title", "h1", "h2"):
        value = _text(t)
        if value:
            # "标题_栏目_网站" or "标题 - 网站": the first part is the article's title.
            titles.append(re.split(r"\s*[_|｜]\s*|\s+-\s+", value)[0] if t.tag == "title" else value)
    for el in list(root.iter(*_DROP_TAGS)):
        _drop(el)
    body = root.find("body")
    body = body if body is not None else root
    # Metadata tables may sit outside the article: collect them from the whole page.
    for table in body.iter("table"):
        if sum(1 for _ in table.iter("tr")) > 8:  # a metadata table is a few key/value rows
            continue
        grid = table_grid(table)
        if is_meta_table(grid):
            for row in grid:
                raw.meta.update({k: v for k, v in key_value_cells(row).items() if k not in raw.meta})
    article = _pick_article(body)
    for el in list(article.iter()):
        if el is not article and isinstance(el.tag, str) and _CHROME_RE.search(_classes(el)) \
                and el.getparent() is not None and len(_text(el)) < 400:
            _drop(el)
    lines: list[str] = []
    for line in _lines_of(article, raw, TableBudget(raw.path)):
        if not line.strip():
            if lines and lines[-1]:  # runs of block ends are one paragraph break
                lines.append("")
            continue
        pairs = meta_pairs(line)
        if pairs:
            raw.meta.update({k: v for k, v in pairs.items() if k not in raw.meta})
            continue
        if _CHROME_LINE_RE.search(line.strip()):
            continue
        lines.append(line)
    check_count(raw.path, "lines", len(lines), limits.MAX_LINES)
    raw.lines = lines
    raw.title_lines = list(dict.fromkeys(t for t in titles if t))
