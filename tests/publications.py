"""Render a policy in the forms the Chongqing municipal portal (cq.gov.cn) publishes it, for test fixtures.

The toolkit reads the policy not only in the project's plain official form but also as the portal
publishes it: a saved web page of the government-information-disclosure catalogue (zfxxgkml), the
text a user gets by copying that page out of a browser, and a Word attachment (and a PDF made from
it). This module turns one form-agnostic description of a policy (:class:`Policy`) into each of those
forms, so that the fixtures under ``tests/fixtures/publications/`` can be regenerated and tests can
build variants of them on the fly.

The portal forms imitate the real page closely, including its chrome (navigation, breadcrumb,
metadata table, scripts, related links, footer), because a reader has to learn to ignore it. The
chrome is fixed text: only the policy and its metadata vary.

Example:
    >>> from pathlib import Path
    >>> text = Path("tests/fixtures/sources/minimal-official.txt").read_text(encoding="utf-8")
    >>> page = render_html(policy_from_official_text(text), charset="gbk")

``tests/fixtures/publications/make_fixtures.py`` uses this module to write the committed fixtures.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field

import lxml.html
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.html import HtmlElement

__all__ = [
    "Annex",
    "Policy",
    "policy_from_official_text",
    "policy_title",
    "render_copied_text",
    "render_docx",
    "render_html",
    "render_list_page",
    "render_official_text",
]


@dataclass
class Annex:
    """An annex of a policy: a heading line, a title and one table.

    Attributes:
        heading: The annex heading line as printed: ``"附件"`` or ``"附件1"``.
        title: The annex title, e.g. ``"创建广阳湾智创生态城任务分工"``.
        header: The header row's cells, e.g. ``["序号", "目标任务", "责任单位"]``. An annex with
            no header and no rows has no table (only its heading and title are rendered).
        rows: The body rows. A row with exactly one cell is a category row spanning the whole
            table width (colspan).
        rowspans: ``(row index, column index) -> n``: that cell is merged downward over ``n``
            rows. The rows below it still carry the same value in ``rows`` (so the logical table
            is complete), but renderers emit a real merged cell and do not repeat the value.
    """

    heading: str
    title: str
    header: list[str]
    rows: list[list[str]]
    rowspans: dict[tuple[int, int], int] = field(default_factory=dict)


@dataclass
class Policy:
    """A policy document, independent of the form it is published in.

    Attributes:
        header: The lines before the addressee line, e.g. the title and the document number.
        addressees: The addressee line, e.g. ``"有关区人民政府，市政府有关部门，有关单位："``.
        body: Every paragraph after the addressee line up to and including the signature block
            (preamble, section and clause headings, paragraphs, the ``附件：…`` reference, issuer,
            date, ``（此件公开发布）``).
        annexes: The annexes, in order.
        metadata: The portal's metadata block, in order, as ``(label, value)`` pairs without the
            colon, e.g. ``("索引号", "11500000009275780L/2022-00032")``. Only the portal forms
            (page and copied text) show it.
    """

    header: list[str]
    addressees: str
    body: list[str]
    annexes: list[Annex]
    metadata: list[tuple[str, str]] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Official form (plain text)

_ANNEX_HEADING = re.compile(r"^附件\s*\d*$")
_DOCUMENT_NUMBER = re.compile(r"[〔﹝\[（(]\d{4}[〕﹞\]）)]\d+号$")
_DATE_LINE = re.compile(
    r"^(\d{4}年\d{1,2}月\d{1,2}日|[〇○零一二三四五六七八九]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日)$"
)
_RELEASE_LINE = re.compile(r"^（此件.+）$")
_ISSUER_LINE = re.compile(r"^[^，。；：]{2,30}(人民政府|办公厅|办公室|委员会|局)$")


def policy_from_official_text(text: str) -> Policy:
    """Parse the project's official-form plain text into a :class:`Policy`.

    The official form has one paragraph per line; the lines before the first line ending in
    ``"："`` are the header, that line is the addressee line; an annex starts at a line ``附件``
    (or ``附件1``, ``附件2``), the next line is its title, then come table rows written
    ``cell | cell | cell |``, the first being the header row. Blank lines are ignored.

    Args:
        text: The text, with LF or CRLF line ends; a leading BOM is ignored.

    Returns:
        The policy, with no metadata and no rowspans (the official form has neither).

    Raises:
        ValueError: If there is no addressee line, or an annex has no title.
    """
    lines = [line.strip() for line in text.lstrip("\ufeff").splitlines()]
    lines = [line for line in lines if line]
    try:
        addressee_at = next(i for i, line in enumerate(lines) if line.endswith("："))
    except StopIteration:
        raise ValueError("no addressee line (a line ending in '：')") from None
    header = lines[:addressee_at]
    pos = addressee_at + 1
    body: list[str] = []
    while pos < len(lines) and not _ANNEX_HEADING.match(lines[pos]):
        body.append(lines[pos])
        pos += 1
    annexes: list[Annex] = []
    while pos < len(lines):
        heading = lines[pos]
        pos += 1
        if pos >= len(lines) or "|" in lines[pos] or _ANNEX_HEADING.match(lines[pos]):
            raise ValueError(f"the annex {heading!r} has no title line")
        title = lines[pos]
        pos += 1
        table: list[list[str]] = []
        while pos < len(lines) and not _ANNEX_HEADING.match(lines[pos]):
            table.append(_split_row(lines[pos]))
            pos += 1
        annexes.append(Annex(heading, title, table[0] if table else [], table[1:]))
    return Policy(header=header, addressees=lines[addressee_at], body=body, annexes=annexes)


def _split_row(line: str) -> list[str]:
    cells = [cell.strip() for cell in line.split("|")]
    if len(cells) > 1 and cells[-1] == "":
        cells.pop()  # the text after the row's closing "|"
    if len(cells) > 1 and cells[0] == "" and line.startswith("|"):
        cells.pop(0)  # an opening "|"
    return cells


def render_official_text(policy: Policy) -> bytes:
    """Render the policy in the project's plain official form.

    Metadata is not part of the official form and is dropped; a merged cell (rowspan) is written
    out in every row it covers. ``policy_from_official_text(render_official_text(p)) == p`` for a
    policy without metadata and rowspans.

    Returns:
        UTF-8 text with LF line ends, ending in a newline.
    """
    lines = [*policy.header, policy.addressees, *policy.body]
    for annex in policy.annexes:
        lines += [annex.heading, annex.title]
        lines += [" | ".join(cells) + " |" for cells in [annex.header, *annex.rows] if cells]
    return ("\n".join(lines) + "\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Shared helpers


def policy_title(policy: Policy) -> str:
    """The policy's title: the metadata's 标题, else the header lines that are not its number."""
    for label, value in policy.metadata:
        if label == "标题":
            return value
    lines = [line for line in policy.header if not _DOCUMENT_NUMBER.search(line)]
    return "".join(lines) if lines else "".join(policy.header)


def _signature_start(body: list[str]) -> int:
    """Index of the first issuer or date line of the trailing signature block (len(body) if none)."""
    end = len(body)
    while end > 0 and _RELEASE_LINE.match(body[end - 1]):
        end -= 1
    if end == 0 or not _DATE_LINE.match(body[end - 1]):
        return len(body)
    start = end - 1
    while start > 0 and _ISSUER_LINE.match(body[start - 1]):
        start -= 1
    return start


def _is_signed_line(body: list[str], index: int) -> bool:
    """Whether body[index] is an issuer or date line of the signature (set flush right)."""
    return index >= _signature_start(body) and not _RELEASE_LINE.match(body[index])


def _check_rowspans(annex: Annex) -> None:
    width = len(annex.header)
    for (row, col), span in annex.rowspans.items():
        if span < 1 or not 0 <= row < len(annex.rows) or row + span > len(annex.rows):
            raise ValueError(f"{annex.heading}: rowspan at ({row}, {col}) runs past the table")
        if not 0 <= col < width:
            raise ValueError(f"{annex.heading}: rowspan at ({row}, {col}) is outside the table")
        for below in range(row, row + span):
            cells = annex.rows[below]
            if len(cells) != width or cells[col] != annex.rows[row][col]:
                raise ValueError(
                    f"{annex.heading}: rows {row}–{row + span - 1} do not all carry "
                    f"{annex.rows[row][col]!r} in column {col}"
                )


def _covered(annex: Annex) -> set[tuple[int, int]]:
    """The (row, column) cells hidden under a rowspan started in an earlier row."""
    hidden: set[tuple[int, int]] = set()
    for (row, col), span in annex.rowspans.items():
        hidden.update((below, col) for below in range(row + 1, row + span))
    return hidden


# ---------------------------------------------------------------------------------------------
# The portal page (HTML) and its copied text

_SITE = "https://www.cq.gov.cn"
_TOP_LINKS = ["无障碍", "长者模式", "English"]
_SITE_NAME = "重庆市人民政府网"
_NAV = [
    ("首页", "/"),
    ("政务公开", "/zwgk/"),
    ("政务服务", "/zwfw/"),
    ("互动交流", "/hdjl/"),
    ("走进重庆", "/zqcq/"),
]
_BREADCRUMB = [
    ("首页", "/"),
    ("政务公开", "/zwgk/"),
    ("政府信息公开目录", "/zwgk/zfxxgkml/"),
    ("市政府文件", "/zwgk/zfxxgkml/szfwj/"),
    ("行政规范性文件", "/zwgk/zfxxgkml/szfwj/xzgfxwj/"),
]
_FONT_TOOL = "【字体：大 中 小】"
_RELATED_HEADING = "相关阅读"
_RELATED = [
    ("重庆市人民政府关于印发重庆市生态环境保护“十四五”规划（2021—2025年）的通知", "t20220120_10319530"),
    ("重庆市人民政府办公厅关于推进广阳岛片区长江经济带绿色发展示范建设的实施意见", "t20211108_9940112"),
    ("重庆市人民政府关于加快建立健全绿色低碳循环发展经济体系的实施意见", "t20220301_10450771"),
]
_PRINT = "打印本页"
_CLOSE = "关闭窗口"
_FOOTER = [
    "主办：重庆市人民政府办公厅　承办：重庆市政府网站管理中心　版权所有：重庆市人民政府办公厅",
    "渝ICP备05003300号　渝公网安备 50010302000420号　网站标识码5000000095",
    "地址：重庆市渝北区青竹东路6号　邮编：401147",
]
_HEAD_SCRIPT = """
var _hmt = _hmt || [];
var siteConfig = { siteName: "重庆市人民政府网", columnName: "行政规范性文件", siteId: "5000000095" };
function changeFontSize(size) {
  // 【字体：大 中 小】 切换正文字号
  var view = document.querySelector(".view");
  if (view && size > 0 && size < 30) { view.style.fontSize = size + "px"; }
}
if (/Android|iPhone|Mobile/.test(navigator.userAgent) && location.href.indexOf("_app") < 0) {
  document.write("<p class=\\"tip\\">正在跳转到移动版页面，请稍候……</p>");
  location.replace(location.href.replace(".html", "_app.html"));
}
"""
_FOOT_SCRIPT = """
(function () {
  var s = document.createElement("script");
  s.src = "https://hm.example.invalid/hm.js?cq";  // 网站访问统计
  document.getElementsByTagName("head")[0].appendChild(s);
  var notice = "您访问的页面已适配长者模式与无障碍浏览";
  if (window.console && notice.length > 0) { console.log(notice); }
})();
"""
_STYLE = """
body { margin: 0; font-family: "Microsoft YaHei", "PingFang SC", sans-serif; color: #333;
  background: #f4f4f4; }
.top-bar, .header, .nav ul, .zwxl-bar, .zwxl-main, .footer div { width: 1000px; margin: 0 auto; }
.top-bar { text-align: right; font-size: 12px; padding: 4px 0; }
.top-bar a { margin-left: 12px; color: #666; }
.header { background: #b40f0f; color: #fff; height: 90px; position: relative; }
.header .logo { font-size: 32px; font-weight: bold; line-height: 90px; padding-left: 20px; }
.header .logo small { font-size: 14px; margin-left: 10px; font-weight: normal; }
.header .search { position: absolute; right: 20px; top: 30px; }
.nav { background: #8f0a0a; }
.nav ul { list-style: none; padding: 0; height: 44px; }
.nav li { float: left; width: 200px; text-align: center; line-height: 44px; }
.nav a { color: #fff; font-size: 18px; text-decoration: none; }
.zwxl-bar { padding: 12px 0; font-size: 14px; }
.zwxl-main { background: #fff; padding: 30px 40px; box-sizing: border-box; }
.gkxx-table { width: 100%; border-collapse: collapse; background: #f7f9fc; font-size: 14px; }
.gkxx-table td { border: 1px solid #dfe4ee; padding: 6px 10px; }
.gkxx-table td.label { width: 90px; color: #666; text-align: right; }
.zwxl-tool { text-align: right; font-size: 13px; margin: 16px 0; color: #666; }
.view { font-size: 16px; line-height: 2; }
.view table { border-collapse: collapse; width: 100%; font-size: 14px; line-height: 1.6; }
.view td { padding: 4px 6px; }
.zwxl-related { margin-top: 30px; border-top: 2px solid #b40f0f; }
.zwxl-print { text-align: right; margin: 20px 0; font-size: 14px; }
.footer { background: #5a5a5a; color: #ddd; font-size: 13px; text-align: center; padding: 16px 0;
  margin-top: 20px; }
"""
_GB_CHARSETS = {"gbk", "gb2312", "gb18030", "gb_2312", "cp936"}


def _el(tag: str, text: str | None = None, /, **attrs: str) -> HtmlElement:
    element: HtmlElement = lxml.html.Element(
        tag, {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
    )
    if text is not None:
        element.text = text
    return element


def _add(parent: HtmlElement, *children: HtmlElement, tail: str = "\n") -> HtmlElement:
    for child in children:
        child.tail = tail
        parent.append(child)
    return children[-1] if children else parent


def _link(text: str, href: str, **attrs: str) -> HtmlElement:
    return _el("a", text, href=href if href.startswith(("http", "javascript")) else _SITE + href, **attrs)


def _article_href(page: str) -> str:
    """The portal path of an article page named like ``t20220211_10384340``."""
    return f"/zwgk/zfxxgkml/szfwj/xzgfxwj/szf/{page[1:7]}/{page}.html"


def _chrome_top(body: HtmlElement) -> None:
    top = _add(body, _el("div", class_="top-bar"))
    for i, name in enumerate(_TOP_LINKS):
        _add(top, _link(name, "javascript:void(0)"), tail="\u3000" if i < len(_TOP_LINKS) - 1 else "")
    header = _add(body, _el("div", class_="header"))
    logo = _add(header, _el("div", class_="logo"))
    home = _add(logo, _link("", "/"), tail="")
    _add(home, _el("img", src=_SITE + "/images/logo.png", alt=_SITE_NAME), tail="")
    search = _add(header, _el("div", class_="search"))
    _add(search, _el("input", type="text", name="searchWord", placeholder="请输入关键词"), tail="")
    _add(search, _el("button", "搜索", type="button"), tail="")
    nav = _add(body, _el("div", class_="nav"))
    items = _add(nav, _el("ul"))
    for name, href in _NAV:
        item = _add(items, _el("li"))
        _add(item, _link(name, href), tail="")
    script = _el("script", type="text/javascript")
    script.text = _HEAD_SCRIPT
    _add(body, script)


def _breadcrumb(parent: HtmlElement) -> None:
    bar = _add(parent, _el("div", "当前位置：", class_="zwxl-bar"))
    for i, (name, href) in enumerate(_BREADCRUMB):
        _add(bar, _link(name, href), tail=" > " if i < len(_BREADCRUMB) - 1 else "")


def _chrome_bottom(body: HtmlElement) -> None:
    footer = _add(body, _el("div", class_="footer"))
    inner = _add(footer, _el("div"))
    for line in _FOOTER:
        _add(inner, _el("p", line))
    script = _el("script", type="text/javascript")
    script.text = _FOOT_SCRIPT
    _add(body, script)


def _metadata_rows(policy: Policy) -> list[list[tuple[str, str]]]:
    pairs = [(f"{label}：", value) for label, value in policy.metadata]
    return [pairs[i : i + 2] for i in range(0, len(pairs), 2)]


def _page(title: str, body: HtmlElement, *, charset: str, declared_charset: str | None) -> bytes:
    declared = declared_charset or charset
    if declared.lower() in _GB_CHARSETS:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={declared}">'
    else:
        meta = f'<meta charset="{declared}">'
    head = _el("head")
    _add(head, _el("meta", http_equiv="X-UA-Compatible", content="IE=edge"))
    _add(head, _el("meta", name="viewport", content="width=device-width, initial-scale=1"))
    _add(head, _el("meta", name="SiteName", content=_SITE_NAME))
    _add(head, _el("meta", name="SiteDomain", content="www.cq.gov.cn"))
    _add(head, _el("meta", name="SiteIDCode", content="5000000095"))
    _add(head, _el("title", f"{title}_{_SITE_NAME}"))
    style = _el("style", type="text/css")
    style.text = _STYLE
    _add(head, style)
    head_html = lxml.html.tostring(head, encoding="unicode", method="html")
    # The charset declaration must come first in <head>.
    head_html = head_html.replace("<head>", f"<head>\n{meta}", 1)
    body_html = lxml.html.tostring(body, encoding="unicode", method="html")
    page = f'<!DOCTYPE html>\n<html lang="zh-CN">\n{head_html}\n{body_html}\n</html>\n'
    return page.encode(charset, errors="xmlcharrefreplace")


def render_html(
    policy: Policy,
    *,
    charset: str = "utf-8",
    declared_charset: str | None = None,
    indent: str = "\u3000\u3000",
) -> bytes:
    """Render the policy as a saved page of the portal's information-disclosure catalogue.

    The page has the portal's chrome: a top bar, header and navigation, scripts (with Chinese
    text), the breadcrumb, the metadata table (two label/value pairs a row), the font-size tool,
    then the article ``<div class="view TRS_UEDITOR trs_paper_default trs_word">`` with the
    header lines, addressee line, body paragraphs and annexes (each a ``<table border="1">``),
    then related links, print/close links and the footer.

    Args:
        policy: The policy.
        charset: The encoding of the bytes returned, e.g. ``"gbk"``. Characters it cannot encode
            become numeric character references.
        declared_charset: The charset the page declares (``<meta charset>``, or the
            ``http-equiv="Content-Type"`` form for GB charsets); defaults to ``charset``. A
            different value makes a mislabelled page.
        indent: Text put before each body paragraph (not the header, addressee or signature), as
            editors do on the portal: two ideographic spaces, or e.g. ``"\\xa0" * 4``.

    Returns:
        The page's bytes.

    Raises:
        ValueError: If an annex's rowspans do not match its rows.
    """
    title = policy_title(policy)
    body = _el("body")
    _chrome_top(body)
    _breadcrumb(body)
    main = _add(body, _el("div", class_="zwxl-main"))

    if policy.metadata:
        table = _add(main, _el("table", class_="gkxx-table", cellspacing="0", cellpadding="0"))
        tbody = _add(table, _el("tbody"))
        for pairs in _metadata_rows(policy):
            tr = _add(tbody, _el("tr"))
            for label, value in pairs:
                _add(tr, _el("td", label, class_="label"), _el("td", value, class_="value"), tail="")
            for _ in range(2 - len(pairs)):
                _add(tr, _el("td", class_="label"), _el("td", class_="value"), tail="")

    tool = _add(main, _el("div", class_="zwxl-tool"))
    tool_span = _add(tool, _el("span", "【字体："), tail="")
    for size, name in (("20", "大"), ("16", "中"), ("14", "小")):
        _add(tool_span, _link(name, f"javascript:changeFontSize({size})"), tail=" " if name != "小" else "】")

    view = _add(main, _el("div", class_="view TRS_UEDITOR trs_paper_default trs_word"))
    for line in policy.header:
        _add(view, _el("p", line, style="text-indent: 2em; text-align: center;"))
    _add(view, _el("p", policy.addressees, style="text-indent: 2em;"))
    for i, line in enumerate(policy.body):
        if _is_signed_line(policy.body, i):
            _add(view, _el("p", line, style="text-indent: 2em; text-align: right;"))
        else:
            _add(view, _el("p", indent + line, style="text-indent: 2em;"))
    for annex in policy.annexes:
        _add(view, _el("p", annex.heading))
        centred = _add(view, _el("p", style="text-align:center"))
        _add(centred, _el("strong", annex.title), tail="")
        if annex.header or annex.rows:
            _add(view, _html_table(annex))

    related = _add(main, _el("div", class_="zwxl-related"))
    _add(related, _el("h3", _RELATED_HEADING))
    items = _add(related, _el("ul"))
    for name, page in _RELATED:
        item = _add(items, _el("li"))
        _add(item, _link(name, _article_href(page), target="_blank"), tail="")
    tools = _add(main, _el("div", class_="zwxl-print"))
    _add(tools, _link(_PRINT, "javascript:window.print()"), tail=" ")
    _add(tools, _link(_CLOSE, "javascript:window.close()"), tail="")
    _chrome_bottom(body)
    return _page(title, body, charset=charset, declared_charset=declared_charset)


def _html_table(annex: Annex) -> HtmlElement:
    _check_rowspans(annex)
    hidden = _covered(annex)
    width = len(annex.header)
    table = _el("table", border="1", cellspacing="0", cellpadding="0", width="100%")
    tbody = _add(table, _el("tbody"))
    if annex.header:
        tr = _add(tbody, _el("tr"))
        for cell in annex.header:
            td = _add(tr, _el("td", style="text-align:center"), tail="")
            _add(td, _el("strong", cell), tail="")
    for r, cells in enumerate(annex.rows):
        tr = _add(tbody, _el("tr"))
        if len(cells) == 1 and width > 1:
            _add(tr, _el("td", cells[0], colspan=str(width)), tail="")
            continue
        for c, cell in enumerate(cells):
            if (r, c) in hidden:
                continue
            attrs = {"rowspan": str(annex.rowspans[(r, c)])} if (r, c) in annex.rowspans else {}
            _add(tr, _el("td", cell, **attrs), tail="")
    return table


def render_list_page(items: list[tuple[str, str]], *, charset: str = "utf-8") -> bytes:
    """Render a page of the portal's document list (a column page): chrome and links, no document.

    Args:
        items: ``(title, date)`` pairs, e.g. ``("重庆市人民政府关于…的意见", "2022-02-11")``.
        charset: The page's encoding (also declared).
    """
    body = _el("body")
    _chrome_top(body)
    _breadcrumb(body)
    main = _add(body, _el("div", class_="zwxl-main"))
    _add(main, _el("h2", "行政规范性文件", class_="column-title"))
    listing = _add(main, _el("ul", class_="list-cont"))
    for n, (name, date) in enumerate(items):
        item = _add(listing, _el("li"))
        page = f"t{date.replace('-', '')}_{10384000 + 37 * n}"
        _add(item, _link(name, _article_href(page), target="_blank"), tail="")
        _add(item, _el("span", date, class_="date"), tail="")
    pager = _add(main, _el("div", class_="page"))
    for name in ("首页", "上一页", "1", "2", "3", "下一页", "尾页"):
        _add(pager, _link(name, "javascript:void(0)"), tail=" ")
    _chrome_bottom(body)
    return _page("行政规范性文件", body, charset=charset, declared_charset=None)


def render_copied_text(policy: Policy, *, indent: str = "\u3000\u3000") -> bytes:
    """Render what a user gets by selecting all of the :func:`render_html` page and copying it.

    This is the text a browser puts on the clipboard, pasted into Notepad: blocks on their own
    lines, some blank lines between blocks, table cells joined by a TAB, no script text, CRLF line
    ends.

    Args:
        policy: The policy.
        indent: As for :func:`render_html` (the indent characters are copied with the text).

    Returns:
        UTF-8 text with CRLF line ends.

    Raises:
        ValueError: If an annex has rowspans: the copied text of a merged cell is ambiguous.
    """
    if any(annex.rowspans for annex in policy.annexes):
        raise ValueError("the copied text of a table with merged cells (rowspans) is ambiguous")
    lines: list[str] = ["\u3000".join(_TOP_LINKS), "", "搜索", ""]
    lines += [name for name, _ in _NAV]
    lines += ["", "当前位置：" + " > ".join(name for name, _ in _BREADCRUMB), ""]
    for pairs in _metadata_rows(policy):
        cells = [text for pair in pairs for text in pair] + ["", ""] * (2 - len(pairs))
        lines.append("\t".join(cells))
    lines += ["", _FONT_TOOL, ""]
    lines += [*policy.header, policy.addressees]
    for i, line in enumerate(policy.body):
        lines.append(line if _is_signed_line(policy.body, i) else indent + line)
    for annex in policy.annexes:
        lines += ["", annex.heading, annex.title, ""]
        lines += ["\t".join(cells) for cells in [annex.header, *annex.rows] if cells]
    lines += ["", _RELATED_HEADING, ""]
    lines += [name for name, _ in _RELATED]
    lines += ["", f"{_PRINT} {_CLOSE}", ""]
    lines += _FOOTER
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# ---------------------------------------------------------------------------------------------
# Word

_BODY_FONT = "仿宋_GB2312"
_HEADING_FONT = "黑体"
_TITLE_FONT = "方正小标宋简体"
_LATIN_FONT = "Times New Roman"
_BODY_SIZE = Pt(16)  # 三号, as official documents are set
_TABLE_SIZE = Pt(10.5)  # 五号
_FIXED_TIME = dt.datetime(2022, 1, 25, 9, 0, 0)
_ZIP_TIME = (2022, 1, 25, 9, 0, 0)
_SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
_TEXT_WIDTH_MM = 156  # A4 less 28 mm and 26 mm margins
_COLUMN_WIDTHS_MM = {
    3: [14, 96, 46],
    4: [13, 79, 32, 32],
}


def _run(paragraph: Paragraph, text: str, *, font: str, size: Length, bold: bool = False) -> None:
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = size
    run.font.name = _LATIN_FONT
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)


def _paragraph(
    document: DocxDocument,
    text: str,
    *,
    font: str = _BODY_FONT,
    size: Length = _BODY_SIZE,
    bold: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    first_line_indent: bool = False,
) -> Paragraph:
    paragraph = document.add_paragraph()
    if align is not None:
        paragraph.alignment = align
    if first_line_indent:
        paragraph.paragraph_format.first_line_indent = Pt(size.pt * 2)
    paragraph.paragraph_format.space_after = Pt(0)
    _run(paragraph, text, font=font, size=size, bold=bold)
    return paragraph


def _mark_header_row(table: Table, index: int) -> None:
    tr_pr = table.rows[index]._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def render_docx(policy: Policy, *, repeat_header_physically: bool = False) -> bytes:
    """Render the policy as a Word (.docx) attachment, as the portal attaches it.

    Header lines are centred (the title in a title font), body paragraphs have a first-line
    indent of two characters, the issuer and date are flush right; each annex starts on a new page
    with its heading, centred bold title and a "Table Grid" table whose header row is marked to
    repeat on each page (``w:tblHeader``). Category rows are merged across, rowspans are merged
    vertically. There is no portal chrome or metadata. The output is deterministic: the core
    properties and the zip entries' timestamps are fixed.

    Args:
        policy: The policy.
        repeat_header_physically: Also insert a copy of the header row as a normal row after every
            20 body rows, as documents converted from PDF often have.

    Returns:
        The .docx bytes.

    Raises:
        ValueError: If rowspans do not match the rows, or a rowspan would cross a copied header row.
    """
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    for line in policy.header:
        if _DOCUMENT_NUMBER.search(line):
            _paragraph(document, line, align=WD_ALIGN_PARAGRAPH.CENTER)
        else:
            _paragraph(document, line, font=_TITLE_FONT, size=Pt(22), align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, policy.addressees)
    for i, line in enumerate(policy.body):
        if _is_signed_line(policy.body, i):
            _paragraph(document, line, align=WD_ALIGN_PARAGRAPH.RIGHT)
        elif _SECTION_HEADING.match(line):
            _paragraph(document, line, font=_HEADING_FONT, first_line_indent=True)
        else:
            _paragraph(document, line, first_line_indent=True)

    for annex in policy.annexes:
        document.add_page_break()  # type: ignore[no-untyped-call]
        _paragraph(document, annex.heading, font=_HEADING_FONT)
        _paragraph(
            document, annex.title, font=_TITLE_FONT, size=Pt(18), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER
        )
        if annex.header or annex.rows:
            _docx_table(document, annex, repeat_header_physically=repeat_header_physically)

    properties = document.core_properties
    properties.author = "重庆市人民政府办公厅"
    properties.last_modified_by = "重庆市人民政府办公厅"
    properties.title = policy_title(policy)
    properties.created = properties.modified = properties.last_printed = _FIXED_TIME
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _docx_table(document: DocxDocument, annex: Annex, *, repeat_header_physically: bool) -> None:
    _check_rowspans(annex)
    width = len(annex.header) or max(len(cells) for cells in annex.rows)
    # Where each body row goes in the Word table, leaving room for copied header rows.
    position: list[int] = []
    copies: list[int] = []
    at = 1
    for r in range(len(annex.rows)):
        if repeat_header_physically and r > 0 and r % 20 == 0:
            copies.append(at)
            at += 1
        position.append(at)
        at += 1
    table = document.add_table(rows=at, cols=width)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    widths = _COLUMN_WIDTHS_MM.get(width, [_TEXT_WIDTH_MM // width] * width)
    for column, mm in zip(table.columns, widths, strict=True):
        column.width = Mm(mm)  # the grid, which LibreOffice follows
    for row in table.rows:
        for cell, mm in zip(row.cells, widths, strict=True):
            cell.width = Mm(mm)  # each cell's preferred width, which Word follows

    def fill(row: int, col: int, text: str, *, bold: bool = False, centred: bool = False) -> None:
        paragraph = table.cell(row, col).paragraphs[0]
        if centred:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, text, font=_HEADING_FONT if bold else _BODY_FONT, size=_TABLE_SIZE, bold=bold)

    for index in [0, *copies]:
        for c, text in enumerate(annex.header):
            fill(index, c, text, bold=True, centred=True)
    _mark_header_row(table, 0)

    for (r, c), span in annex.rowspans.items():
        top, bottom = position[r], position[r + span - 1]
        if bottom - top != span - 1:
            raise ValueError(f"{annex.heading}: the rowspan at ({r}, {c}) crosses a copied header row")
        table.cell(top, c).merge(table.cell(bottom, c))
    hidden = _covered(annex)
    for r, cells in enumerate(annex.rows):
        row = position[r]
        if len(cells) == 1 and width > 1:
            table.cell(row, 0).merge(table.cell(row, width - 1))
            fill(row, 0, cells[0])
            continue
        for c, text in enumerate(cells):
            if (r, c) not in hidden:
                fill(row, c, text, centred=(c == 0))


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps (python-docx stamps each entry with the time saved)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Variations of the portal page and its copied text, for the form corpus (tests/test_form_corpus.py)

#: The real policy's portal metadata (the values of ``tests/fixtures/amended/official-form.meta.json``).
PORTAL_METADATA = [
    ("索引号", "11500000009275780L/2022-00032"),
    ("主题分类", "城乡建设、环境保护"),
    ("发布机构", "市政府"),
    ("成文日期", "2022-01-25"),
    ("标题", "重庆市人民政府关于高质量创建广阳湾智创生态城的意见"),
    ("发文字号", "渝府〔2022〕5号"),
    ("发布日期", "2022-02-11"),
    ("有效性", "有效"),
]
_FURNITURE_BEFORE = {
    "nav": ["无障碍　长者模式　English", "首页 政务公开 政务服务 互动交流 走进重庆"],
    "breadcrumb": ["当前位置：首页 > 政务公开 > 政府信息公开目录 > 市政府文件 > 行政规范性文件"],
    "font": ["【字体：大 中 小】"],
    "share": ["分享到：微信 微博 QQ空间"],
    "date": ["发布时间：2022-02-11 09:00　来源：重庆市人民政府办公厅　浏览次数：1024"],
}
_FURNITURE_AFTER = {
    "related": ["相关阅读", *(name for name, _ in _RELATED)],
    "print-close": ["打印本页", "关闭窗口"],
    "print-close-one-line": ["打印本页 关闭窗口"],
    "print-close-bracketed": ["【打印本页】【关闭窗口】【返回顶部】"],
    "share": ["分享到：", "微信 微博 QQ空间"],
    "qr": ["扫一扫在手机打开当前页", "扫码关注重庆发布"],
    "footer": list(_FOOTER),
}


@dataclass(frozen=True)
class Variant:
    """One way a page (or its copied text) may differ from another; see :func:`render_variant`.

    Attributes:
        form: ``"html"`` (a saved page) or ``"copied"`` (its text, copied from a browser).
        before: Furniture above the document (keys of the furniture tables above).
        after: Furniture below it; ``"print-close-inside"`` stands inside the content container.
        annex_ref: Whether the ``附件：…`` reference line stands before the signature.
        page_heading: Whether the page's own heading repeats the title above the document.
        head: ``"official"`` (``重庆市人民政府`` / ``关于…的意见`` / number), ``"one-line"``,
            ``"outside"`` (the title and number as the page's heading, the body starting at the
            addressee line), or ``"no-number"`` (the official head without its number line: the
            page shows the number only in its metadata).
        metadata: ``"2col"``, ``"4col"``, ``"colspan"``, ``"bold-spaced"``, ``"ascii"``, ``"div"``,
            ``"th"`` (``<th>`` labels, four pairs a row, with a label the build does not use,
            ``文件类型``), ``"th-bare"`` (``<th>`` labels without a colon), ``"dl"``
            (``<dt>``/``<dd>`` pairs) or ``"none"``.
        cells: Markup inside annex cells: ``"plain"``, ``"p"``, ``"span"``, ``"br"``, ``"office"``;
            in copied text, ``"p"`` writes the table as ``innerText`` writes ``<td><p>`` cells.
        paragraphs: Markup of body paragraphs: ``"p"``, ``"span"``, ``"office"``, ``"br"`` (one
            ``<div>`` with ``<br>`` between paragraphs); in copied text, ``"nbsp"`` indents them
            with four no-break spaces (``&nbsp;`` indents, as ``innerText`` keeps them).
        container: The content container's class (``"zoom"``/``"UCAP-CONTENT"`` as an id too), or
            ``"none"`` (no marked container).
        charset: The bytes' encoding; ``declared`` the charset the page names (``"none"``: none).
        hidden: Whether hidden content stands in the page (a hidden row, span and paragraph).
        inside_before: Furniture inside the content container, above the document's head.
        layout_table: Whether the whole page stands in the cell of a layout table (older sites).
    """

    form: str = "html"
    before: tuple[str, ...] = ("nav", "breadcrumb", "font")
    after: tuple[str, ...] = ("related", "print-close", "footer")
    annex_ref: bool = True
    page_heading: bool = False
    head: str = "official"
    metadata: str = "2col"
    cells: str = "plain"
    paragraphs: str = "p"
    container: str = "view TRS_UEDITOR trs_paper_default trs_word"
    charset: str = "utf-8"
    declared: str = "utf-8"
    hidden: bool = False
    inside_before: tuple[str, ...] = ()
    layout_table: bool = False


def _variant_policy(policy: Policy, variant: Variant) -> tuple[list[str], list[str]]:
    """The head lines and the body lines of ``policy`` as ``variant`` prints them."""
    number = next((line for line in policy.header if _DOCUMENT_NUMBER.search(line)), "")
    title = "".join(line for line in policy.header if line != number and "《" not in line)
    if variant.head in ("official", "no-number"):
        issuer = "重庆市人民政府"
        head = [issuer, title.removeprefix(issuer), number] if title.startswith(issuer) else [title, number]
        if variant.head == "no-number":
            head.remove(number)
    else:
        head = [title, number]
    body = [line for line in policy.body if variant.annex_ref or not line.startswith("附件：")]
    return head, body


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def _cell_markup(text: str, kind: str) -> str:
    if kind == "p":
        return f"<p>{_esc(text)}</p>"
    if kind == "span":
        half = len(text) // 2
        return f'<span style="font-size:14px">{_esc(text[:half])}</span><span>{_esc(text[half:])}</span>'
    if kind == "br":
        cut = max(text.find("，"), text.find("、"))
        return _esc(text) if cut < 0 else f"{_esc(text[: cut + 1])}<br>{_esc(text[cut + 1 :])}"
    if kind == "office":
        return (
            f'<p class="MsoNormal" align="left"><span lang="EN-US" style="font-family:仿宋_GB2312">'
            f"{_esc(text)}<o:p></o:p></span></p>"
        )
    return _esc(text)


def _paragraph_markup(text: str, kind: str, indent: str = "\u3000\u3000") -> str:
    if kind == "span":
        return f'<p style="text-indent:2em"><span style="font-size:16px">{_esc(indent + text)}</span></p>'
    if kind == "office":
        return (
            f'<p class="MsoNormal" style="text-indent:32.0pt"><span style="font-family:仿宋_GB2312">'
            f'{_esc(text)}</span><span lang="EN-US"><o:p></o:p></span></p>'
        )
    return f'<p style="text-indent:2em">{_esc(indent + text)}</p>'


def _metadata_html(kind: str) -> str:
    pairs = PORTAL_METADATA
    if kind == "organ":  # 发文机关 for 发布机构, four columns, spaced bold labels
        pairs = [("发文机关" if label == "发布机构" else label, value) for label, value in pairs]
        kind = "bold-spaced"
    if kind == "none":
        return ""
    if kind in ("th", "th-bare"):
        colon = "：" if kind == "th" else ""
        if kind == "th":
            pairs = [*pairs, ("文件类型", "行政规范性文件")]
        per_row = 4 if kind == "th" else 2
        cells = [f"<th>{k}{colon}</th><td>{_esc(v)}</td>" for k, v in pairs]
        rows = ["<tr>" + "".join(cells[i : i + per_row]) + "</tr>" for i in range(0, len(cells), per_row)]
        return '<table class="gkxx-table">' + "".join(rows) + "</table>"
    if kind == "dl":
        return (
            '<dl class="gk-info">'
            + "".join(f'<div class="row"><dt>{k}：</dt><dd>{_esc(v)}</dd></div>' for k, v in pairs)
            + "</dl>"
        )
    if kind == "div":
        return "".join(
            f'<div class="gk-item"><span class="gk-label">{label}：</span><span>{_esc(value)}</span></div>'
            for label, value in pairs
        )

    def label_html(label: str) -> str:
        if kind == "bold-spaced":
            return f"<b>{' '.join(label)}：</b>" if len(label) == 3 else f"<b>{label}：</b>"
        return f"{label}:" if kind == "ascii" else f"{label}："

    rows = []
    if kind == "2col":
        rows = [f'<tr><td class="label">{label_html(k)}</td><td>{_esc(v)}</td></tr>' for k, v in pairs]
    elif kind == "bold-spaced":
        rows = [
            "<tr>"
            + "".join(
                f'<td class="label">{label_html(k)}</td><td>{_esc(v)}</td>' for k, v in pairs[i : i + 2]
            )
            + "</tr>"
            for i in range(0, len(pairs), 2)
        ]
    else:
        for i in range(0, len(pairs), 2):
            cells = []
            for k, v in pairs[i : i + 2]:
                if kind == "colspan" and k == "标题":
                    cells.append(f'<td class="label">{label_html(k)}</td><td colspan="3">{_esc(v)}</td>')
                    break
                cells.append(f'<td class="label">{label_html(k)}</td><td>{_esc(v)}</td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
            if kind == "colspan" and any(k == "标题" for k, _ in pairs[i : i + 2]):
                (k, v) = next(pair for pair in pairs[i : i + 2] if pair[0] != "标题")
                rows.append(f'<tr><td class="label">{label_html(k)}</td><td colspan="3">{_esc(v)}</td></tr>')
    return '<table class="gkxx-table">' + "".join(rows) + "</table>"


def render_variant(policy: Policy, variant: Variant) -> bytes:
    """The policy as a page (or its copied text) that differs from the portal's along ``variant``'s axes."""
    if variant.form == "copied":
        return _render_copied_variant(policy, variant)
    head, body = _variant_policy(policy, variant)
    title = dict(PORTAL_METADATA)["标题"]
    parts: list[str] = []
    for key in variant.before:
        parts += [f'<div class="bar-{key}">{_esc(line)}</div>' for line in _FURNITURE_BEFORE[key]]
    parts.append(_metadata_html(variant.metadata))
    if variant.page_heading:
        parts.append(f'<h1 class="article-title">{_esc(title)}</h1>')
    inner: list[str] = [
        f"<p>{_esc(line)}</p>" for key in variant.inside_before for line in _FURNITURE_BEFORE[key]
    ]
    inner += [f'<p style="text-align:center">{_esc(line)}</p>' for line in head]
    inner.append(f"<p>{_esc(policy.addressees)}</p>")
    if variant.paragraphs == "br":
        inner.append("<div>" + "<br>\n".join(_esc("\u3000\u3000" + line) for line in body) + "</div>")
    else:
        inner += [_paragraph_markup(line, variant.paragraphs) for line in body]
    if variant.hidden:
        inner.insert(
            len(variant.inside_before) + len(head) + 2, '<p class="only-print">本页仅供打印时显示的说明。</p>'
        )
    for annex in policy.annexes:
        inner.append(f"<p>{_esc(annex.heading)}</p>")
        inner.append(f'<p style="text-align:center"><strong>{_esc(annex.title)}</strong></p>')
        rows = [f"<tr>{''.join(f'<td><strong>{_esc(cell)}</strong></td>' for cell in annex.header)}</tr>"]
        for n, cells in enumerate(annex.rows):
            if variant.hidden and n == len(annex.rows) - 1:
                cells = [*cells[:-1], cells[-1]]
                last = _cell_markup(cells[-1], variant.cells) + "<span hidden>、市科技局</span>"
                tds = [f"<td>{_cell_markup(cell, variant.cells)}</td>" for cell in cells[:-1]] + [
                    f"<td>{last}</td>"
                ]
                rows.append(f"<tr>{''.join(tds)}</tr>")
                rows.append('<tr style="display:none"><td>60</td><td>隐藏的任务。</td><td>市科技局</td></tr>')
                continue
            rows.append(
                f"<tr>{''.join(f'<td>{_cell_markup(cell, variant.cells)}</td>' for cell in cells)}</tr>"
            )
        inner.append(
            '<table border="1" cellspacing="0" width="100%"><tbody>' + "\n".join(rows) + "</tbody></table>"
        )
    if "print-close-inside" in variant.after:
        inner.append(
            '<p style="text-align:right"><a href="javascript:window.print()">打印本页</a> '
            '<a href="javascript:window.close()">关闭窗口</a></p>'
        )
    content = "\n".join(inner)
    if variant.container == "none":
        parts.append(f"<div>\n{content}\n</div>")
    elif variant.container in ("zoom", "UCAP-CONTENT"):
        parts.append(f'<div id="{variant.container}">\n{content}\n</div>')
    elif variant.container == "article":
        parts.append(f"<article>\n{content}\n</article>")
    elif variant.container == "article-around-metadata":  # the metadata block inside the container
        metadata = parts.pop(-2 if variant.page_heading else -1)
        parts.append(f'<div class="article">\n{metadata}\n{content}\n</div>')
    else:
        parts.append(f'<div class="{variant.container}">\n{content}\n</div>')
    for key in variant.after:
        if key == "print-close-inside":
            continue
        parts += [f'<div class="bar-{key}">{_esc(line)}</div>' for line in _FURNITURE_AFTER[key]]
    style = ".only-print { display: none; } .gkxx-table td { border: 1px solid #ddd; }"
    if variant.declared == "none":  # fetched raw: the charset was in the HTTP header only
        meta = '<meta name="SiteName" content="重庆市人民政府网">'
    elif variant.declared.lower() in _GB_CHARSETS:
        meta = f'<meta http-equiv="Content-Type" content="text/html; charset={variant.declared}">'
    else:
        meta = f'<meta charset="{variant.declared}">'
    if variant.layout_table:  # an older site: the whole page laid out in one table cell
        parts = ['<table width="980" border="0"><tr><td>', *parts, "</td></tr></table>"]
    page = (
        f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n{meta}\n<title>{_esc(title)}_{_SITE_NAME}</title>\n'
        f'<style>{style}</style>\n<script>var s = "重庆市人民政府";</script>\n</head>\n<body>\n'
        + "\n".join(parts)
        + "\n</body>\n</html>\n"
    )
    return page.encode(variant.charset, errors="xmlcharrefreplace")


def _two_paragraphs(cell: str) -> str:
    cut = cell.find("、")
    return cell if cut < 0 or len(cell) < 20 else f"{cell[: cut + 1]}\n\n{cell[cut + 1 :]}"


def _render_copied_variant(policy: Policy, variant: Variant) -> bytes:
    head, body = _variant_policy(policy, variant)
    lines: list[str] = []
    for key in variant.before:
        lines += [*_FURNITURE_BEFORE[key], ""]
    if variant.metadata != "none":
        sep = ":" if variant.metadata == "ascii" else "："
        pairs = [(f"{label}{sep}", value) for label, value in PORTAL_METADATA]
        width = 1 if variant.metadata == "2col" else 2
        for i in range(0, len(pairs), width):
            lines.append("\t".join(text for pair in pairs[i : i + width] for text in pair))
        lines.append("")
    if variant.page_heading:
        lines += [dict(PORTAL_METADATA)["标题"], ""]
    lines += [*head, policy.addressees]
    indent = "\xa0" * 4 if variant.paragraphs == "nbsp" else "\u3000\u3000"
    lines += [line if _is_signed_line(body, i) else indent + line for i, line in enumerate(body)]
    for annex in policy.annexes:
        lines += ["", annex.heading, annex.title, ""]
        if variant.cells == "p":
            # Chromium's innerText of <td><p>…</p></td> cells: each cell on lines of its own, a
            # line holding a lone tab between two cells, blank lines between rows; a cell of two
            # paragraphs (cut after its first 、) on two lines
            for cells in [annex.header, *annex.rows]:
                written = [_two_paragraphs(cell) for cell in cells]
                lines += ["\n\n\t\n\n".join(written).replace("\n", "\r\n"), "", "", ""]
            continue
        lines += ["\t".join(cells) for cells in [annex.header, *annex.rows] if cells]
    for key in variant.after:
        lines += ["", *_FURNITURE_AFTER["print-close-one-line" if key == "print-close-inside" else key]]
    return ("\r\n".join(lines) + "\r\n").encode(variant.charset)
