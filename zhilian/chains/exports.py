"""The static chain quality map (chain guide 5.3.6 a 静态总图): a paged PDF and one PNG, drawn with cairo.

The layout follows chain guide Appendix B / SC guide 6.4: upstream, midstream and downstream
as columns; each link with its placed enterprises counted by province group (red in-province,
blue out-of-province) and quality-ladder position (▲ leader, ● follower), its problems
counted per star level, and the starred problem list after the panorama.

A map of any size stays printable and readable: the PDF is A3 landscape pages, the columns
continuing from page to page. How much each link shows depends on the chain's size: a chain
whose panorama fits a few pages lists its enterprises by name (in-province names in bold,
Appendix B); a larger one lists them by name while they fit on a line; the design-size chain
(2,000 links, 20,000 placements) gives one line per link with its counts, and a first page of
overview: each segment's totals and its top-level links with the totals of their sub-trees.
The PNG is the same drawing as one image, scaled within cairo's side limit.

An export of the map narrowed by the map page's filters (``chains.selectors.filter_map``, MAP-06)
names them in the subtitle of every page (筛选：下游；省外企业；一级问题（★★★）) and lists only the
problems left; one narrowed to a segment draws that segment's column alone, at full width.

Text is drawn with WenQuanYi Micro Hei, which cairo embeds in the PDF, so Chinese prints and
copies correctly anywhere.
"""

import io
import math
import threading
from collections import defaultdict
from functools import lru_cache

FONT = "WenQuanYi Micro Hei"
IN_PROVINCE = "#c0392b"
OUT_PROVINCE = "#1f6fb2"
LEVEL_COLOURS = {1: "#cf1322", 2: "#d46b08", 3: "#ad8b00", 0: "#8c8c8c"}
HEAD_BLUE = "#0b4f8a"
# A3 landscape, in points
PAGE_W, PAGE_H = 1190.55, 841.89
MARGIN = 28
GAP = 14
COL_W = (PAGE_W - 2 * MARGIN - 2 * GAP) / 3
HEADER_H = 46
LEGEND_H = 18
COLHEAD_H = 30
BLOCK_GAP = 4
MAX_PANORAMA_PAGES = {"full": 3, "names": 6}
MAX_PROBLEM_ROWS = 300
PNG_MAX_SIDE = 32767  # cairo's limit for an image surface side
PNG_MAX_PIXELS = 60_000_000
PNG_SCALE = 2.75  # about 190 dpi on A3: print quality
# The static map is the Chinese form of chain guide Appendix B whatever the viewer's language.
SEGMENTS = ("upstream", "midstream", "downstream")
SEGMENT_NAMES = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}
SEGMENT_HINTS = {
    "upstream": "原材料、零部件、基础软硬件等",
    "midstream": "中间产品加工、制造，集成系统或服务等",
    "downstream": "终端产品或市场应用",
}
CATEGORY_NAMES = {"technology": "质量技术问题", "management": "质量管理问题", "brand": "质量品牌问题",
                  "infrastructure": "质量基础设施问题", "other": "其他质量相关问题"}
STATUS_NAMES = {"identified": "已识别", "analyzing": "分析中", "tackling": "攻关中", "solved": "已解决"}
ROLE_NAMES = {"chain_owner": "链主", "leading": "龙头骨干"}
STAR_LABELS = {1: "★★★", 2: "★★", 3: "★", 0: "☆"}
# the map's filters (chains.selectors.MAP_FILTERS) as the subtitle of a filtered export names them
FILTER_NAMES = {
    "segment": SEGMENT_NAMES,
    "province": {"in": "省内企业", "out": "省外企业"},
    "ladder": {"leader": "领导者企业", "follower": "跟随者企业"},
    "category": CATEGORY_NAMES,
    "level": {"1": "一级问题（★★★）", "2": "二级问题（★★）", "3": "三级问题（★）", "0": "未分级问题"},
}
# compact rows: the width of each star level's count and of the enterprise counts
STAR_SLOTS = {1: 36, 2: 29, 3: 22, 0: 22}
COUNT_SLOT = 78


# ---------------------------------------------------------------------------- measuring text

_measure_lock = threading.Lock()


@lru_cache(maxsize=1)
def _measure_contexts():
    import cairocffi as cairo

    contexts = {}
    for bold in (False, True):
        surface = cairo.ImageSurface(cairo.FORMAT_A8, 1, 1)
        context = cairo.Context(surface)
        options = cairo.FontOptions()
        options.set_hint_metrics(cairo.HINT_METRICS_OFF)
        options.set_hint_style(cairo.HINT_STYLE_NONE)
        context.set_font_options(options)
        context.select_font_face(FONT, cairo.FONT_SLANT_NORMAL,
                                 cairo.FONT_WEIGHT_BOLD if bold else cairo.FONT_WEIGHT_NORMAL)
        context.set_font_size(100)
        contexts[bold] = (surface, context)
    return contexts


@lru_cache(maxsize=20000)
def _advance(char: str, bold: bool) -> float:
    with _measure_lock:
        return _measure_contexts()[bold][1].text_extents(char)[4] / 100


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The drawn width of ``text`` at ``size`` points (the font's own advances)."""
    return size * sum(_advance(ch, bold) for ch in text)


def fit(text: str, size: float, width: float, bold: bool = False) -> str:
    """``text`` cut with an ellipsis to fit ``width``."""
    text = (text or "").replace("\n", " ")
    if text_width(text, size, bold) <= width:
        return text
    ellipsis = text_width("…", size, bold)
    total, kept = 0.0, []
    for ch in text:
        total += _advance(ch, bold) * size
        if total + ellipsis > width:
            break
        kept.append(ch)
    return "".join(kept) + "…"


def _n(value: int) -> str:
    return f"{value:,}"


def filter_note(filters: dict | None) -> str:
    """What a filtered map shows, for its subtitle: 筛选：下游；省外企业；一级问题（★★★）; "" unfiltered."""
    parts = [FILTER_NAMES[name].get(str(value), str(value)) for name, value in (filters or {}).items()
             if name in FILTER_NAMES and value not in (None, "")]
    return "筛选：" + "；".join(parts) if parts else ""


def column_width(count: int) -> float:
    """The width of each of ``count`` segment columns side by side."""
    return (PAGE_W - 2 * MARGIN - (count - 1) * GAP) / count


# ---------------------------------------------------------------------------- pages of drawing operations


class _Page:
    """The drawing operations of one page (or of the whole PNG), in points."""

    def __init__(self, section: str):
        self.sections = [section]
        self.ops: list[tuple] = []
        self.height = PAGE_H

    def text(self, x, y, value, size=8.0, colour="#222", bold=False, anchor="start"):
        if value:
            self.ops.append(("text", x, y, value, size, colour, bold, anchor))

    def rect(self, x, y, w, h, fill=None, stroke=None, width=0.6):
        self.ops.append(("rect", x, y, w, h, fill, stroke, width))

    def marker(self, x, y, leader: bool, colour: str, size=3.0):
        self.ops.append(("marker", x, y, leader, colour, size))

    def line(self, x1, y1, x2, y2, colour="#bbb", width=0.6):
        self.ops.append(("line", x1, y1, x2, y2, colour, width))

    def chunks(self, x, y, parts, size, anchor="start"):
        """Draw [(text, colour, bold)] one after the other; return the x after the last."""
        if anchor == "end":
            x -= sum(text_width(t, size, b) for t, _c, b in parts)
        for value, colour, bold in parts:
            self.text(x, y, value, size, colour, bold)
            x += text_width(value, size, bold)
        return x


class _Document:
    """Pages filled top to bottom; ``paged=False`` gives one page as tall as its content (PNG)."""

    def __init__(self, paged: bool):
        self.paged = paged
        self.pages: list[_Page] = []
        self.y = 0.0

    @property
    def bottom(self) -> float:
        return PAGE_H - MARGIN if self.paged else math.inf

    def new_page(self, section: str) -> _Page:
        page = _Page(section)
        self.pages.append(page)
        self.y = MARGIN + HEADER_H + (LEGEND_H if len(self.pages) == 1 else 0)
        return page

    def room(self, section: str, need: float) -> _Page:
        """The current page if ``need`` points fit below what is drawn, else a new page."""
        if not self.pages or (self.paged and self.y + need > self.bottom):
            return self.new_page(section)
        if not self.paged:
            self.y += 10
        page = self.pages[-1]
        if section not in page.sections:
            page.sections.append(section)
        return page


# ---------------------------------------------------------------------------- the map's figures


def _empty_counts():
    return {"in_leader": 0, "in_follower": 0, "out_leader": 0, "out_follower": 0, "levels": defaultdict(int),
            "links": 0}


class _Figures:
    """Counts per link and per sub-tree: enterprises by province group and ladder, problems per level."""

    def __init__(self, data: dict):
        self.data = data
        self.nodes = data["nodes"]
        # the segment columns drawn: the one segment of a map filtered to it, at full width
        segment = (data.get("filters") or {}).get("segment")
        self.segments = (segment,) if segment in SEGMENTS else SEGMENTS
        self.col_w = column_width(len(self.segments))
        self.by_id = {n["id"]: n for n in self.nodes}
        self.problems = {p["id"]: p for p in data.get("problems", [])}
        self.institutions = {i["id"]: i["name"] for i in data.get("institutions", [])}
        self.children = defaultdict(list)
        for n in self.nodes:
            if n.get("parent") in self.by_id:
                self.children[n["parent"]].append(n["id"])
        self.own = {n["id"]: self._count(n) for n in self.nodes}
        self.tree = {}
        for n in reversed(self.nodes):  # tree order: children come after their parent
            total = _empty_counts()
            self._add(total, self.own[n["id"]])
            for child in self.children.get(n["id"], []):
                self._add(total, self.tree[child])
            total["links"] += 1
            self.tree[n["id"]] = total

    def _count(self, node):
        counts = _empty_counts()
        for e in node["enterprises"]:
            key = ("in_" if e["in_province"] else "out_") + ("leader" if e["ladder"] == "leader" else "follower")
            counts[key] += 1
        for pid in node.get("problems", []):
            problem = self.problems.get(pid)
            if problem is not None:
                counts["levels"][problem.get("level") or 0] += 1
        return counts

    @staticmethod
    def _add(total, counts):
        for key in ("in_leader", "in_follower", "out_leader", "out_follower", "links"):
            total[key] += counts[key]
        for level, n in counts["levels"].items():
            total["levels"][level] += n

    def segment_total(self, segment):
        total = _empty_counts()
        for n in self.nodes:
            if n["segment"] == segment:
                self._add(total, self.own[n["id"]])
                total["links"] += 1
        return total


def star_badges(problems) -> list[tuple[str, str]]:
    """(label, colour) per star level present, most severe first; unscored problems as ☆."""
    levels = defaultdict(int)
    for problem in problems:
        levels[problem.get("level") or 0] += 1
    return [(label, colour) for label, colour, _bold in star_parts(levels) if label.strip()]


def star_parts(levels: dict, size_hint="×") -> list[tuple]:
    """Counts per star level, e.g. ★★★×1 ★★×1 (never the highest level times the total)."""
    parts = []
    for level in (1, 2, 3, 0):
        n = levels.get(level, 0)
        if n:
            if parts:
                parts.append(("  ", "#222", False))
            parts.append((f"{STAR_LABELS[level]}{size_hint}{_n(n)}", LEVEL_COLOURS[level], True))
    return parts


def enterprise_parts(counts, short=False) -> list[tuple]:
    """Enterprises by province group and ladder: 企业 10 家：省内 6（▲2 ●4） 省外 4（▲1 ●3）."""
    inside = counts["in_leader"] + counts["in_follower"]
    outside = counts["out_leader"] + counts["out_follower"]
    if not inside + outside:
        return [("无上图企业", "#888", False)]
    if short:
        return [(f"企业{_n(inside + outside)}", "#222", False), (f" 省内{_n(inside)}", IN_PROVINCE, False),
                (f" 省外{_n(outside)}", OUT_PROVINCE, False),
                (f" ▲{_n(counts['in_leader'] + counts['out_leader'])}", "#444", False)]
    def ladder(leaders, followers):
        shown = [f"▲{_n(leaders)}" if leaders else "", f"●{_n(followers)}" if followers else ""]
        return "（" + " ".join(s for s in shown if s) + "）"

    parts = [(f"企业 {_n(inside + outside)} 家：", "#222", False)]
    if inside:
        parts.append((f"省内 {_n(inside)}" + ladder(counts["in_leader"], counts["in_follower"]), IN_PROVINCE, False))
    if outside:
        parts.append(((" " if inside else "") + f"省外 {_n(outside)}"
                      + ladder(counts["out_leader"], counts["out_follower"]), OUT_PROVINCE, False))
    return parts


def _enterprise_order(e):
    return ({"chain_owner": 0, "leading": 1}.get(e["role"], 2), not e["in_province"], e["ladder"] != "leader")


# ---------------------------------------------------------------------------- blocks


class _Block:
    """A link's box in a column: its height (with the gap below) and how to draw it at (x, y)."""

    __slots__ = ("height", "draw")

    def __init__(self, height, draw, gap=BLOCK_GAP):
        self.height, self.draw = height + gap, draw


def _name_lines(enterprises, size, width, max_lines):
    """Enterprise names flowed into at most ``max_lines`` lines; when not all fit, the last
    line ends with 等 N 家 (N: all the link's enterprises). Chain owner and leading first."""
    items = sorted(enterprises, key=_enterprise_order)
    marker_w = size * 0.9
    lines, current, x = [], [], 0.0
    for e in items:
        role = ROLE_NAMES.get(e["role"])
        label = e["name"] + (f"（{role}）" if role else "")
        w = marker_w + text_width(label, size, e["in_province"]) + size
        if w > width:  # a name longer than the line
            label = fit(label, size, width - marker_w - size, e["in_province"])
            w = width
        if x + w > width and current:
            lines.append(current)
            if len(lines) == max_lines:
                more = f"等 {_n(len(items))} 家"
                need = text_width(more, size)
                last = lines[-1]
                while last and sum(item[3] for item in last) + need > width:
                    last.pop()
                last.append(("more", more, None, need))
                return lines
            current, x = [], 0.0
        current.append(("name", e, label, w))
        x += w
    if current:
        lines.append(current)
    return lines


def _node_block(fig: _Figures, node, mode: str, width: float) -> _Block:
    indent = min(node.get("depth", 0), 4) * 10
    counts = fig.own[node["id"]]
    stars = star_parts(counts["levels"])
    top = node.get("depth", 0) == 0
    if mode == "compact":
        size = 7.0
        height = 11.0

        def draw(page, x, y, w=width):
            bx, bw = x + indent, w - indent
            if top or node.get("depth") == 1:
                page.rect(bx, y, bw, height, fill="#e3edf8" if top else "#f4f7fb")
            page.line(bx, y + height, bx + bw, y + height, colour="#dfe6ee", width=0.4)
            base = y + 8.2
            # counts in fixed slots from the right, so the figures of all links line up
            right = x + w - 3
            for level in (0, 3, 2, 1):
                n = counts["levels"].get(level, 0)
                if n:
                    page.text(right, base, f"{STAR_LABELS[level]}×{_n(n)}", size, LEVEL_COLOURS[level], True, "end")
                right -= STAR_SLOTS[level]
            ent = enterprise_parts(counts, short=True) if node["enterprises"] else []
            page.chunks(right - 4, base, ent, size, anchor="end")
            name_w = right - 4 - COUNT_SLOT - bx - 6
            page.text(bx + 3, base, fit(node["name"], size + 0.5, name_w, top), size + 0.5, bold=top)

        return _Block(height, draw, gap=0)

    size = 7.5
    name_size = 10 if top else 9
    show_names = mode in ("full", "names") and node["enterprises"]
    name_lines = _name_lines(node["enterprises"], size, width - indent - 12, 3 if mode == "full" else 1) \
        if show_names else []
    lines = 1 + (1 if mode == "full" and node.get("key_products") else 0) + 1 + len(name_lines) + (
        1 if mode == "full" and node.get("institutions") else 0)
    height = 6 + 13 + (lines - 1) * 10.5 + 3

    def draw(page, x, y, w=width):
        bx, bw = x + indent, w - indent
        page.rect(bx, y, bw, height, fill="#eaf2fb" if top else "#f7fafd", stroke="#9fb6cf")
        if indent:
            page.line(bx - 6, y + 10, bx, y + 10, colour="#9fb6cf")
        base = y + 14
        stars_w = sum(text_width(t, 8, b) for t, _c, b in stars)
        page.chunks(bx + bw - 5, base, stars, 8, anchor="end")
        page.text(bx + 5, base, fit(node["name"], name_size, bw - 14 - stars_w, True), name_size, bold=True)
        if mode == "full" and node.get("key_products"):
            base += 10.5
            page.text(bx + 5, base, fit("重点产品：" + node["key_products"], size, bw - 10), size, "#555")
        base += 10.5
        page.chunks(bx + 5, base, enterprise_parts(counts), size)
        for line in name_lines:
            base += 10.5
            cx = bx + 7
            for kind, e, label, w in line:
                if kind == "more":
                    page.text(cx, base, e, size, "#666")
                    continue
                colour = IN_PROVINCE if e["in_province"] else OUT_PROVINCE
                page.marker(cx + 2.5, base - 2.6, e["ladder"] == "leader", colour, 2.6)
                page.text(cx + size * 0.9, base, label, size, colour, e["in_province"])
                cx += w
        if mode == "full" and node.get("institutions"):
            base += 10.5
            names = "、".join(fig.institutions.get(i, "") for i in node["institutions"])
            page.text(bx + 5, base, fit("技术机构：" + names, size, bw - 10), size, "#2f6b3a")

    return _Block(height, draw)


def _segment_total_block(fig: _Figures, segment, width) -> _Block:
    total = fig.segment_total(segment)
    problems = sum(total["levels"].values())
    height = 48.0

    def draw(page, x, y, w=width):
        page.rect(x, y, w, height, fill="#fff8e6", stroke="#e0c48a")
        page.text(x + 6, y + 14, f"{SEGMENT_NAMES[segment]}合计：环节 {_n(total['links'])} 个", 10, bold=True)
        page.chunks(x + 6, y + 27, enterprise_parts(total), 8)
        parts = [(f"问题 {_n(problems)} 项：", "#222", False)] + star_parts(total["levels"]) if problems else [
            ("无质量问题", "#888", False)]
        page.chunks(x + 6, y + 40, parts, 8)

    return _Block(height, draw)


def _subtree_block(fig: _Figures, node, width) -> _Block:
    counts = fig.tree[node["id"]]
    children = [fig.by_id[c]["name"] for c in fig.children.get(node["id"], [])]
    height = 6 + 13 + 10.5 + (10.5 if children else 0) + 4
    stars = star_parts(counts["levels"])

    def draw(page, x, y, w=width):
        page.rect(x, y, w, height, fill="#eaf2fb", stroke="#9fb6cf")
        base = y + 14
        stars_w = sum(text_width(t, 8, b) for t, _c, b in stars)
        page.chunks(x + w - 5, base, stars, 8, anchor="end")
        label = node["name"] + (f"（含子环节 {_n(counts['links'] - 1)} 个）" if counts["links"] > 1 else "")
        page.text(x + 5, base, fit(label, 10, w - 14 - stars_w, True), 10, bold=True)
        base += 10.5
        page.chunks(x + 5, base, enterprise_parts(counts), 7.5)
        if children:
            base += 10.5
            page.text(x + 5, base, fit("下设：" + "、".join(children), 7.5, w - 10), 7.5, "#555")

    return _Block(height, draw)


# ---------------------------------------------------------------------------- flows


def _column_x(index, width=COL_W):
    return MARGIN + index * (width + GAP)


def _column_heads(page, y, continued, segments=SEGMENTS):
    width = column_width(len(segments))
    for index, segment in enumerate(segments):
        x = _column_x(index, width)
        page.rect(x, y, width, COLHEAD_H - 4, fill=HEAD_BLUE, stroke=None)
        label = f"{SEGMENT_NAMES[segment]}产业" + ("（续）" if continued else "")
        page.text(x + width / 2, y + 12, label, 11, "#fff", True, "middle")
        page.text(x + width / 2, y + 22.5, SEGMENT_HINTS[segment], 7, "#dbe8f5", anchor="middle")


def _flow_columns(doc: _Document, section: str, columns: list[list[_Block]], segments=SEGMENTS):
    """Fill the segment columns side by side, continuing them on further pages."""
    count, width = len(segments), column_width(len(segments))
    position = [0] * count
    continued = False
    while True:
        first_heights = [columns[c][position[c]].height for c in range(count) if position[c] < len(columns[c])]
        page = doc.room(section + ("（续）" if continued else ""),
                        COLHEAD_H + (min(first_heights) if first_heights else 0) + 4)
        _column_heads(page, doc.y, continued, segments)
        top = doc.y + COLHEAD_H
        lowest = top
        for c in range(count):
            y = top
            while position[c] < len(columns[c]):
                block = columns[c][position[c]]
                if y + block.height > doc.bottom + BLOCK_GAP and y > top:
                    break
                block.draw(page, _column_x(c, width), y)
                y += block.height
                position[c] += 1
            lowest = max(lowest, y)
        doc.y = lowest + 6
        if all(position[c] >= len(columns[c]) for c in range(count)):
            return
        continued = True
        doc.y = math.inf  # the columns go on on a new page


PROBLEM_COLUMNS = [("编号", 72), ("质量问题", 500), ("环节", 230), ("分类", 120), ("分级", 92), ("状态", 70),
                   ("共性", 50)]
ROW_H = 14


def _problem_head(page, y):
    x = MARGIN
    total = sum(w for _l, w in PROBLEM_COLUMNS)
    page.rect(MARGIN, y, total, ROW_H + 2, fill="#dde7f3", stroke="#9fb6cf")
    for label, w in PROBLEM_COLUMNS:
        page.text(x + 4, y + 11, label, 8, bold=True)
        x += w


def _flow_problems(doc: _Document, fig: _Figures):
    """The starred problem list (SC guide 6.4: 在附录A的基础上，增加质量问题清单), most severe first."""
    listed = sorted(fig.problems.values(), key=lambda p: (p.get("level") or 9, p.get("code") or ""))
    levels = defaultdict(int)
    for p in listed:
        levels[p.get("level") or 0] += 1
    section = "质量问题清单"
    page = doc.room(section, 24 + ROW_H * 6)
    heading = [(f"质量问题清单（共 {_n(len(listed))} 项", "#222", True)]
    if listed:
        heading += [("：", "#222", True)] + star_parts(levels) + [("）", "#222", True)]
    else:
        heading += [("）", "#222", True)]
    page.chunks(MARGIN, doc.y + 14, heading, 13)
    doc.y += 22
    _problem_head(page, doc.y)
    doc.y += ROW_H + 2
    total_w = sum(w for _l, w in PROBLEM_COLUMNS)
    for index, problem in enumerate(listed[:MAX_PROBLEM_ROWS]):
        if doc.y + ROW_H > doc.bottom:
            page = doc.new_page(section + "（续）")
            _problem_head(page, doc.y)
            doc.y += ROW_H + 2
        y = doc.y
        page.rect(MARGIN, y, total_w, ROW_H, fill="#fafcfe" if index % 2 else None, stroke=None)
        page.line(MARGIN, y + ROW_H, MARGIN + total_w, y + ROW_H, colour="#dde3ea", width=0.4)
        node = fig.by_id.get(problem.get("node"))
        level = problem.get("level") or 0
        values = [(problem.get("code") or "", "#222"), (problem["name"], "#222"),
                  (node["name"] if node else "（全链）", "#222"),
                  (CATEGORY_NAMES.get(problem.get("category"), ""), "#222"),
                  (STAR_LABELS[level] if level else "未分级", LEVEL_COLOURS[level]),
                  (STATUS_NAMES.get(problem.get("status"), ""), "#222"), ("是" if problem.get("is_common") else "", "#222")]
        x = MARGIN
        for (_label, w), (value, colour) in zip(PROBLEM_COLUMNS, values, strict=True):
            page.text(x + 4, y + 10, fit(str(value), 8, w - 8), 8, colour)
            x += w
        doc.y += ROW_H
    if len(listed) > MAX_PROBLEM_ROWS:
        page = doc.room(section, 16)
        page.text(MARGIN, doc.y + 12, f"以上为最严重的 {MAX_PROBLEM_ROWS} 项；另有 {_n(len(listed) - MAX_PROBLEM_ROWS)} 项，"
                  "完整清单见平台问题库（可按产业链导出表 C.1）。", 8, "#666")
        doc.y += 16


# ---------------------------------------------------------------------------- the document


def _usable_height():
    return PAGE_H - 2 * MARGIN - HEADER_H - COLHEAD_H


def _columns(fig: _Figures, mode: str):
    return [[_node_block(fig, n, mode, fig.col_w) for n in fig.nodes if n["segment"] == segment]
            for segment in fig.segments]


def _pages_needed(columns) -> float:
    return max((sum(b.height for b in col) for col in columns), default=0) / _usable_height()


def _choose_mode(fig: _Figures):
    """The richest detail whose panorama stays within a few pages; else one line per link."""
    for mode in ("full", "names"):
        columns = _columns(fig, mode)
        if _pages_needed(columns) <= MAX_PANORAMA_PAGES[mode]:
            return mode, columns
    return "compact", _columns(fig, "compact")


def layout(data: dict, paged: bool = True) -> list[_Page]:
    """Lay the map out: [overview], panorama, starred problem list; headers and page numbers."""
    fig = _Figures(data)
    doc = _Document(paged)
    mode, columns = _choose_mode(fig)
    if _pages_needed(columns) > 1:
        overview = []
        for segment in fig.segments:
            blocks = [_segment_total_block(fig, segment, fig.col_w)]
            blocks += [_subtree_block(fig, n, fig.col_w) for n in fig.nodes
                       if n["segment"] == segment and n.get("depth", 0) == 0]
            overview.append(blocks)
        _flow_columns(doc, "全景总览（顶层环节含子环节合计）", overview, fig.segments)
    _flow_columns(doc, "产业链全景图", columns, fig.segments)
    _flow_problems(doc, fig)
    if not paged:
        doc.pages[0].height = doc.y + MARGIN
    _headers(doc, data, mode)
    return doc.pages


def _headers(doc: _Document, data: dict, mode: str):
    chain = data["chain"]
    subtitle = []
    if chain.get("owner"):
        subtitle.append(f"链主企业：{chain['owner']['name']}")
    if data.get("version"):
        subtitle.append(f"第 {data['version']} 版（发布于 {(data.get('published_at') or '')[:10]}）")
    else:
        subtitle.append(f"工作稿（未发布），生成于 {(data.get('generated_at') or '')[:10]}")
    subtitle = "　".join(subtitle)
    # A filtered map says so on every page, so a printed page tells what it shows (MAP-06).
    note = filter_note(data.get("filters"))
    if note:
        room = PAGE_W - 2 * MARGIN - 90 - text_width(subtitle + "　", 9)  # beside the page number
        note = fit(note, 9, room, True)
    total = len(doc.pages)
    for number, page in enumerate(doc.pages, 1):
        page.text(MARGIN, MARGIN + 16, f"{chain['name']} 质量图谱", 18, bold=True)
        page.chunks(MARGIN, MARGIN + 32, [(subtitle, "#555", False)] + ([("　" + note, HEAD_BLUE, True)] if note else []),
                    9)
        if doc.paged:
            page.text(PAGE_W - MARGIN, MARGIN + 16, " · ".join(page.sections), 10, "#333", True, "end")
            page.text(PAGE_W - MARGIN, MARGIN + 32, f"第 {number} / {total} 页", 9, "#555", anchor="end")
        page.line(MARGIN, MARGIN + HEADER_H - 8, PAGE_W - MARGIN, MARGIN + HEADER_H - 8, colour=HEAD_BLUE, width=1)
        if number == 1:
            _legend(page, MARGIN + HEADER_H + 6, mode)


def _legend(page, y, mode):
    x = MARGIN
    for label, leader, colour in (("省内企业 · 领导者", True, IN_PROVINCE), ("省内企业 · 跟随者", False, IN_PROVINCE),
                                  ("省外企业 · 领导者", True, OUT_PROVINCE), ("省外企业 · 跟随者", False, OUT_PROVINCE)):
        page.marker(x + 3, y - 3, leader, colour, 3.2)
        page.text(x + 9, y, label, 8, "#333")
        x += text_width(label, 8) + 24
    page.text(x, y, "省内企业名称加粗；", 8, "#333")
    x += text_width("省内企业名称加粗；", 8) + 10
    for level, label in ((1, "★★★ 关键问题"), (2, "★★ 重要问题"), (3, "★ 一般问题"), (0, "☆ 未分级")):
        page.text(x, y, label, 8, LEVEL_COLOURS[level], True)
        x += text_width(label, 8, True) + 16
    page.text(x, y, "×N：该级问题数" + ("；全景图一行一个环节：企业数、省内、省外、▲领导者数" if mode == "compact" else ""), 8,
              "#333")


# ---------------------------------------------------------------------------- rendering


@lru_cache(maxsize=256)
def _rgb(colour: str):
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return tuple(int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4))


def _render(context, page: _Page):
    import cairocffi as cairo

    faces = {False: cairo.ToyFontFace(FONT, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_NORMAL),
             True: cairo.ToyFontFace(FONT, cairo.FONT_SLANT_NORMAL, cairo.FONT_WEIGHT_BOLD)}
    context.set_source_rgb(1, 1, 1)
    context.paint()
    context.set_line_join(cairo.LINE_JOIN_ROUND)
    current = None
    for op in page.ops:
        kind = op[0]
        if kind == "text":
            _k, x, y, value, size, colour, bold, anchor = op
            if current != (bold, size):
                context.set_font_face(faces[bold])
                context.set_font_size(size)
                current = (bold, size)
            if anchor != "start":
                w = text_width(value, size, bold)
                x -= w if anchor == "end" else w / 2
            context.set_source_rgb(*_rgb(colour))
            context.move_to(x, y)
            context.show_text(value)
        elif kind == "rect":
            _k, x, y, w, h, fill, stroke, width = op
            context.rectangle(x, y, w, h)
            if fill:
                context.set_source_rgb(*_rgb(fill))
                context.fill_preserve() if stroke else context.fill()
            if stroke:
                context.set_source_rgb(*_rgb(stroke))
                context.set_line_width(width)
                context.stroke()
            elif not fill:
                context.new_path()
        elif kind == "marker":
            _k, x, y, leader, colour, size = op
            context.new_path()  # show_text leaves a current point an arc would join
            context.set_source_rgb(*_rgb(colour))
            if leader:
                context.move_to(x, y - size)
                context.line_to(x - size, y + size * 0.8)
                context.line_to(x + size, y + size * 0.8)
                context.close_path()
            else:
                context.arc(x, y, size * 0.85, 0, 2 * math.pi)
            context.fill()
        elif kind == "line":
            _k, x1, y1, x2, y2, colour, width = op
            context.new_path()
            context.set_source_rgb(*_rgb(colour))
            context.set_line_width(width)
            context.move_to(x1, y1)
            context.line_to(x2, y2)
            context.stroke()


def map_pdf(data: dict) -> bytes:
    """The map as A3 landscape pages: [overview,] panorama continued, starred problem list."""
    import cairocffi as cairo

    pages = layout(data, paged=True)
    out = io.BytesIO()
    surface = cairo.PDFSurface(out, PAGE_W, PAGE_H)
    chain = data["chain"]
    if hasattr(surface, "set_metadata"):
        surface.set_metadata(cairo.PDF_METADATA_TITLE, f"{chain['name']} 质量图谱")
    context = cairo.Context(surface)
    for page in pages:
        _render(context, page)
        context.show_page()
    surface.finish()
    return out.getvalue()


def png_scale(width: float, height: float, scale: float = PNG_SCALE) -> float:
    """The largest scale up to ``scale`` within cairo's side limit and a sensible pixel count."""
    return max(0.1, min(scale, (PNG_MAX_SIDE - 1) / width, (PNG_MAX_SIDE - 1) / height,
                        math.sqrt(PNG_MAX_PIXELS / (width * height))))


def map_png(data: dict, scale: float = PNG_SCALE) -> bytes:
    """The map as one image: the same drawing on one continuous page, high resolution."""
    import cairocffi as cairo

    page = layout(data, paged=False)[0]
    factor = png_scale(PAGE_W, page.height, scale)
    surface = cairo.ImageSurface(cairo.FORMAT_RGB24, int(PAGE_W * factor), int(page.height * factor))
    context = cairo.Context(surface)
    context.scale(factor, factor)
    _render(context, page)
    surface.flush()
    # Pillow writes the PNG with fast compression: libpng's default (cairo's) took 5 s for
    # the design-size chain's 60 megapixels, for a file only a tenth smaller.
    from PIL import Image

    image = Image.frombuffer("RGB", (surface.get_width(), surface.get_height()), surface.get_data(), "raw", "BGRX",
                             surface.get_stride(), 1)
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1, dpi=(round(72 * factor), round(72 * factor)))
    return out.getvalue()
