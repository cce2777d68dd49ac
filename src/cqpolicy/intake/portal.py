"""The government portal's page around the document: its metadata block and its chrome.

A page saved from (or copied out of) the Chongqing portal holds more than the document:
navigation, a breadcrumb, font-size and print controls, the government-information metadata
block (``索引号``, ``主题分类``, ``发布机构``, ``成文日期``, ``标题``, ``发文字号``, ``发布日期``,
``有效性``), and after the document a related-reading list and the site footer.
:func:`strip_portal` takes the metadata out as ``label → value`` and drops the chrome, for
every form alike (a plain text has none of it, and passes through unchanged).
"""

from __future__ import annotations

import re

from cqpolicy.intake import Block

#: The labels of the portal's metadata block that the build uses or checks.
METADATA_LABELS = (
    "索引号",
    "主题分类",
    "发布机构",
    "发文机关",
    "成文日期",
    "发布日期",
    "标题",
    "文件名称",
    "发文字号",
    "文号",
    "有效性",
    "效力状态",
    "生效日期",
    "废止日期",
    "体裁分类",
    "组配分类",
)
_LABEL = re.compile(r"(?P<label>" + "|".join(METADATA_LABELS) + r")\s*[：:]")
_SPACE = " \t\u3000\xa0"
#: A section heading (``一、…``): the document's body has started.
_SECTION = re.compile(r"^[一二三四五六七八九十]+、")
_TITLE_NOISE = re.compile(r"[\s\u3000《》]")

#: Chrome that can stand anywhere on the page: one whole block each.
_CHROME = re.compile(
    r"^(?:"
    r"【?\s*字[体號号]\s*[：:].*|"  # 【字体：大 中 小】
    r"(?:当前位置|您当前的位置|您的位置|当前的位置)\s*[：:].*|"
    r".*\s[>＞»]\s.*[>＞»].*|"  # a breadcrumb: 首页 > 政务公开 > ...
    r"打印本页|打印|关闭窗口|关闭本页|关闭|返回顶部|分享到[：:]?.*|扫一扫.*|"
    r"(?:(?:首页|政务公开|政务服务|互动交流|走进重庆|数据发布|网站地图|无障碍|长者模式|适老化|English|繁體|"
    r"繁体|简体|搜索|登录|注册|个人中心|智能问答)[\s\u3000]*)+|"
    r"(?:首页|政务公开|政务服务|互动交流|走进重庆|数据发布)(?:\s+\S{2,6}){1,9}|"
    r"(?:主办|承办|协办)\s*[：:].*|.*版权所有.*|.*ICP备.*|.*网站标识码.*|.*公网安备.*|"
    r"(?:联系我们|网站声明|隐私声明|网站纠错|我要纠错)(?:\s+\S+)*"
    r")$"
)
#: Headings after which the page holds nothing of the document (related reading, the footer).
_AFTER_DOCUMENT = re.compile(
    r"^(?:相关阅读|相关文件|相关链接|相关新闻|相关政策|相关解读|政策解读|推荐阅读|扫一扫在手机打开当前页)\s*[：:]?$"
)


def _strip(text: str) -> str:
    return text.strip(_SPACE)


def metadata_pairs(block: Block) -> list[tuple[str, str]] | None:
    """The ``(label, value)`` pairs of a metadata line, or ``None`` if the block is not one.

    A metadata line holds only ``label：value`` pairs with known labels, one or several to a
    line, as table cells (``索引号：`` | value | ``主题分类：`` | value) or in running text.
    """
    if block.cells is not None:
        cells = [_strip(cell) for cell in block.cells if _strip(cell)]
        text = " ".join(cells)
    else:
        text = _strip(block.text)
    parts = list(_LABEL.finditer(text))
    if not parts or parts[0].start() != 0:
        return None
    pairs = []
    for part, following in zip(parts, [*parts[1:], None], strict=True):
        end = following.start() if following is not None else len(text)
        value = _strip(text[part.end() : end].replace("\t", " "))
        pairs.append((part["label"], re.sub(r"\s+", " ", value)))
    return pairs


def strip_portal(blocks: list[Block]) -> tuple[list[Block], dict[str, str], int]:
    """Take the metadata block out of ``blocks`` and drop the page's chrome.

    Metadata is read only before the document's body starts (its first section heading), so
    no line of the policy is ever taken for it. After the body has started, a related-reading
    heading ends the document: it and everything after it are chrome.

    Returns:
        The document's blocks, the metadata (label → value; the first value of a label wins
        and a repeated label must repeat it), and how many blocks were dropped.
    """
    kept: list[Block] = []
    metadata: dict[str, str] = {}
    dropped = 0
    body_started = False
    for index, block in enumerate(blocks):
        text = _strip(block.text)
        if not body_started and (pairs := metadata_pairs(block)) is not None:
            for label, value in pairs:
                if value:
                    metadata.setdefault(label, value)
            dropped += 1
            continue
        if body_started and _AFTER_DOCUMENT.match(text):
            dropped += len(blocks) - index
            break
        if _CHROME.match(text) or _AFTER_DOCUMENT.match(text):
            dropped += 1
            continue
        if _SECTION.match(text):
            body_started = True
        kept.append(block)
    start = _document_start(kept, metadata)
    return kept[start:], metadata, dropped + start


def _document_start(blocks: list[Block], metadata: dict[str, str]) -> int:
    """Where the document begins when the page names its title: the first block that starts it.

    Anything before (a site banner, a toolbar the chrome patterns do not know) is not the
    document. Without a title in the metadata, or when no block starts it, nothing is dropped.
    """
    title = _TITLE_NOISE.sub("", metadata.get("标题", "") or metadata.get("文件名称", ""))
    if len(title) < 4:
        return 0
    for index, block in enumerate(blocks):
        text = _TITLE_NOISE.sub("", block.text)
        if _SECTION.match(block.text.strip(_SPACE)):
            break
        if len(text) >= 4 and title.startswith(text):
            return index
    return 0
