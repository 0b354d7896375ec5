"""The static chain quality map (chain guide 5.3.6 a 静态总图): SVG laid out here, PDF and PNG via cairo.

The layout follows chain guide Appendix B / SC guide 6.4: upstream, midstream and
downstream as columns; each link with its key products, placed enterprises (red for
in-province, blue for out-of-province; ▲ leader, ● follower; in-province names in bold),
matching institutions and its problems as stars; the starred problem list below. Text is
drawn with WenQuanYi Micro Hei, which cairo embeds in the PDF, so Chinese prints and
copies correctly anywhere.
"""

from xml.sax.saxutils import escape

FONT = "WenQuanYi Micro Hei"
IN_PROVINCE = "#c0392b"
OUT_PROVINCE = "#1f6fb2"
LEVEL_COLOURS = {1: "#cf1322", 2: "#fa8c16", 3: "#b59a00"}
COLUMN_WIDTH = 560
GAP = 28
MARGIN = 36
MAX_ENTERPRISES = 8
MAX_PROBLEM_ROWS = 300
# The static map is the Chinese form of chain guide Appendix B whatever the viewer's language.
SEGMENT_NAMES = {"upstream": "上游", "midstream": "中游", "downstream": "下游"}
CATEGORY_NAMES = {"technology": "质量技术问题", "management": "质量管理问题", "brand": "质量品牌问题",
                  "infrastructure": "质量基础设施问题", "other": "其他质量相关问题"}
STATUS_NAMES = {"identified": "已识别", "analyzing": "分析中", "tackling": "攻关中", "solved": "已解决"}
SEGMENT_HINTS = {
    "upstream": "原材料、零部件、基础软硬件等",
    "midstream": "中间产品加工、制造，集成系统或服务等",
    "downstream": "终端产品或市场应用",
}


def text_width(text: str, size: float) -> float:
    """Approximate the drawn width: CJK glyphs are one em, Latin about half."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.56 for ch in text)


def fit(text: str, size: float, width: float) -> str:
    text = (text or "").replace("\n", " ")
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


class _Canvas:
    def __init__(self):
        self.parts: list[str] = []

    def text(self, x, y, value, size=12, colour="#222", weight="normal", anchor="start"):
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" fill="{colour}" '
            f'font-weight="{weight}" text-anchor="{anchor}">{escape(value)}</text>')

    def rect(self, x, y, w, h, fill="#fff", stroke="#999", radius=4, width=1):
        self.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{radius}" '
                          f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>')

    def marker(self, x, y, leader: bool, colour: str):
        if leader:
            self.parts.append(f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}" '
                              f'fill="{colour}"/>')
        else:
            self.parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')

    def line(self, x1, y1, x2, y2, colour="#bbb", width=1):
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
                          f'stroke-width="{width}"/>')


def star_badges(problems) -> list[tuple[str, str]]:
    """(label, colour) per star level present, most severe first; unscored problems as ☆."""
    counts = {}
    for problem in problems:
        level = problem.get("level") or 0
        counts[level] = counts.get(level, 0) + 1
    return [(f"{'★' * (4 - level) if level else '☆'}×{counts[level]}", LEVEL_COLOURS.get(level, "#8c8c8c"))
            for level in (1, 2, 3, 0) if counts.get(level)]


def _node_height(node) -> float:
    lines = 1 + (1 if node.get("key_products") else 0)
    shown = min(len(node["enterprises"]), MAX_ENTERPRISES)
    lines += shown + (1 if len(node["enterprises"]) > MAX_ENTERPRISES else 0)
    lines += 1 if node.get("institutions") else 0
    return 14 + lines * 18


def map_svg(data: dict) -> str:
    """Lay the map out as one SVG page: title, legend, three segment columns, problem list."""
    problems = {p["id"]: p for p in data.get("problems", [])}
    institutions = {i["id"]: i["name"] for i in data.get("institutions", [])}
    node_names = {n["id"]: n["name"] for n in data["nodes"]}
    canvas = _Canvas()
    width = MARGIN * 2 + COLUMN_WIDTH * 3 + GAP * 2
    chain = data["chain"]
    title = f"{chain['name']} 质量图谱"
    canvas.text(width / 2, MARGIN + 10, title, size=26, weight="bold", anchor="middle")
    subtitle = []
    if chain.get("owner"):
        subtitle.append(f"链主企业：{chain['owner']['name']}")
    subtitle.append(f"第 {data['version']} 版" if data.get("version") else "工作稿（未发布）")
    subtitle.append(f"生成：{(data.get('published_at') or data.get('generated_at') or '')[:10]}")
    canvas.text(width / 2, MARGIN + 36, "　".join(subtitle), size=13, colour="#555", anchor="middle")
    # legend
    y = MARGIN + 62
    x = MARGIN
    for label, leader, colour in (("省内企业 · 领导者", True, IN_PROVINCE), ("省内企业 · 跟随者", False, IN_PROVINCE),
                                  ("省外企业 · 领导者", True, OUT_PROVINCE), ("省外企业 · 跟随者", False, OUT_PROVINCE)):
        canvas.marker(x + 6, y - 4, leader, colour)
        canvas.text(x + 16, y, label, size=12, colour="#333")
        x += text_width(label, 12) + 40
    for level, label in ((1, "★★★ 关键问题"), (2, "★★ 重要问题"), (3, "★ 一般问题")):
        canvas.text(x, y, label, size=12, colour=LEVEL_COLOURS[level])
        x += text_width(label, 12) + 30
    top = MARGIN + 84
    column_bottoms = []
    for index, segment in enumerate(("upstream", "midstream", "downstream")):
        x0 = MARGIN + index * (COLUMN_WIDTH + GAP)
        canvas.rect(x0, top, COLUMN_WIDTH, 44, fill="#0b4f8a", stroke="#0b4f8a")
        canvas.text(x0 + COLUMN_WIDTH / 2, top + 20, f"{SEGMENT_NAMES[segment]}产业", size=16,
                    colour="#fff", weight="bold", anchor="middle")
        canvas.text(x0 + COLUMN_WIDTH / 2, top + 37, SEGMENT_HINTS[segment], size=11, colour="#dbe8f5",
                    anchor="middle")
        y = top + 56
        for node in (n for n in data["nodes"] if n["segment"] == segment):
            indent = min(node.get("depth", 0), 4) * 18
            nx, nw = x0 + indent, COLUMN_WIDTH - indent
            height = _node_height(node)
            canvas.rect(nx, y, nw, height, fill="#f7fafd" if node.get("depth") else "#eef4fb", stroke="#9fb6cf")
            if indent:
                canvas.line(nx - 10, y + 14, nx, y + 14, colour="#9fb6cf")
            node_problems = [problems[p] for p in node.get("problems", []) if p in problems]
            # Counts per star level, unscored apart: one ★★★ and one ★★ is "★★★×1 ★★×1".
            badges = star_badges(node_problems)
            stars = " ".join(label for label, _colour in badges)
            right = nx + nw - 8
            for label, colour in reversed(badges):
                canvas.text(right, y + 20, label, size=13, colour=colour, weight="bold", anchor="end")
                right -= text_width(label + " ", 13)
            canvas.text(nx + 8, y + 20, fit(node["name"], 14, nw - 16 - text_width(stars, 13)), size=14,
                        weight="bold")
            line_y = y + 20
            if node.get("key_products"):
                line_y += 18
                canvas.text(nx + 8, line_y, fit("重点产品：" + node["key_products"], 11, nw - 16), size=11, colour="#555")
            for enterprise in node["enterprises"][:MAX_ENTERPRISES]:
                line_y += 18
                colour = IN_PROVINCE if enterprise["in_province"] else OUT_PROVINCE
                canvas.marker(nx + 14, line_y - 4, enterprise["ladder"] == "leader", colour)
                role = {"chain_owner": "链主", "leading": "龙头骨干"}.get(enterprise["role"], "")
                place = enterprise.get("province") or ""
                label = f"{enterprise['name']}（{place}{'·' + role if role else ''}）"
                canvas.text(nx + 24, line_y, fit(label, 12, nw - 32), size=12, colour=colour,
                            weight="bold" if enterprise["in_province"] else "normal")
            if len(node["enterprises"]) > MAX_ENTERPRISES:
                line_y += 18
                canvas.text(nx + 24, line_y, f"… 等 {len(node['enterprises'])} 家企业", size=11, colour="#777")
            if node.get("institutions"):
                line_y += 18
                names = "、".join(institutions.get(i, "") for i in node["institutions"])
                canvas.text(nx + 8, line_y, fit("技术机构：" + names, 11, nw - 16), size=11, colour="#2f6b3a")
            y += height + 8
        column_bottoms.append(y)
    y = max(column_bottoms) + 24
    # the starred problem list (SC guide 6.4: 在附录A的基础上，增加质量问题清单)
    listed = sorted(data.get("problems", []), key=lambda p: (p.get("level") or 9, p.get("code") or ""))
    canvas.text(MARGIN, y, f"质量问题清单（{len(listed)} 项）", size=18, weight="bold")
    y += 14
    columns = [("编号", 110), ("质量问题", 720), ("环节", 240), ("分类", 170), ("分级", 120), ("状态", 100),
               ("共性", 80)]
    total_width = sum(w for _l, w in columns)
    canvas.rect(MARGIN, y, total_width, 26, fill="#dde7f3", stroke="#9fb6cf", radius=0)
    x = MARGIN
    for label, w in columns:
        canvas.text(x + 6, y + 18, label, size=12, weight="bold")
        x += w
    y += 26
    for problem in listed[:MAX_PROBLEM_ROWS]:
        canvas.rect(MARGIN, y, total_width, 24, fill="#fff", stroke="#dde3ea", radius=0)
        values = [problem.get("code") or "", problem["name"], node_names.get(problem.get("node"), "—"),
                  CATEGORY_NAMES.get(problem.get("category"), ""), "★" * (problem.get("stars") or 0) or "未分级",
                  STATUS_NAMES.get(problem.get("status"), ""), "是" if problem.get("is_common") else ""]
        x = MARGIN
        for (label, w), value in zip(columns, values, strict=True):
            colour = LEVEL_COLOURS.get(problem.get("level"), "#222") if label == "分级" else "#222"
            canvas.text(x + 6, y + 17, fit(str(value), 12, w - 12), size=12, colour=colour)
            x += w
        y += 24
    if len(listed) > MAX_PROBLEM_ROWS:
        y += 20
        canvas.text(MARGIN, y, f"… 另有 {len(listed) - MAX_PROBLEM_ROWS} 项，完整清单见平台问题库。", size=12,
                    colour="#777")
    height = y + MARGIN
    width = max(width, MARGIN * 2 + total_width)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}"><rect width="100%" height="100%" fill="#ffffff"/>'
            + "".join(canvas.parts) + "</svg>")


def map_pdf(data: dict) -> bytes:
    import cairosvg

    return cairosvg.svg2pdf(bytestring=map_svg(data).encode("utf-8"))


def map_png(data: dict, scale: float = 2.0) -> bytes:
    """A high-resolution PNG (twice the layout's pixel size by default, 192 dpi)."""
    import cairosvg

    svg = map_svg(data)
    # Keep a very large chain's bitmap within what a viewer opens (about 200 megapixels).
    width, height = _size(svg)
    scale = min(scale, (200_000_000 / max(width * height, 1)) ** 0.5)
    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=max(scale, 0.25))


def _size(svg: str) -> tuple[float, float]:
    import re

    match = re.search(r'width="([\d.]+)" height="([\d.]+)"', svg)
    return (float(match.group(1)), float(match.group(2))) if match else (1000.0, 1000.0)
