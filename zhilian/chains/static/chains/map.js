/* The interactive chain quality map (MAP-04, MAP-05; chain guide 5.3.6 b, c).
   Segments are columns; each link is a box in tree order; placed enterprises are dots inside
   it (red in-province, blue out-of-province; ▲ leader, ● follower); problems are stars on
   the box. Filters work on the loaded JSON in the browser, so they answer at once even for
   2,000 links and 20,000 placements. No inline script (CSP): config comes as JSON. */
(function () {
  "use strict";
  var el = document.getElementById("chain-map");
  if (!el || typeof echarts === "undefined") return;
  var config = JSON.parse(document.getElementById("map-config").textContent);
  var T = JSON.parse(document.getElementById("map-i18n").textContent);
  var started = performance.now();

  var SEGMENTS = ["upstream", "midstream", "downstream"];
  var COLOURS = { "in": "#c0392b", "out": "#1f6fb2" };
  var LEVEL_COLOURS = { 1: "#cf1322", 2: "#fa8c16", 3: "#d4b106", 0: "#8c8c8c" };
  var STAR = "path://M50,0 L61,35 L98,35 L68,57 L79,91 L50,70 L21,91 L32,57 L2,35 L39,35 Z";
  var COL_W = 1000, COL_GAP = 60, ROW = 34, INDENT = 36, STAR_EDGE = 30, STAR_GAP = 70;

  var data = null, nodesById = {}, problemsById = {}, children = {}, institutionsById = {};
  var state = { segment: "", province: "", ladder: "", category: "", level: "", text: "", focus: null,
                selected: null, reach: null };
  el.innerHTML = "";
  var chart = echarts.init(el, null, { renderer: "canvas", locale: (document.documentElement.lang || "").indexOf("zh") === 0 ? "ZH" : "EN" });
  chart.showLoading({ text: "" });
  var layout = null;
  var panelHint = document.getElementById("map-panel").innerHTML;  // shown again when nothing is selected

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function url(template, id) { return template.replace("{id}", id); }
  function stars(n) { return n ? new Array(n + 1).join("★") : ""; }

  // ------------------------------------------------------------------ filters
  function enterpriseVisible(e) {
    if (state.province && (state.province === "in") !== !!e.in_province) return false;
    if (state.ladder && e.ladder !== state.ladder) return false;
    return true;
  }
  function problemVisible(p) {
    if (state.category && p.category !== state.category) return false;
    if (state.level && String(p.level || 0) !== state.level) return false;
    return true;
  }
  function descendants(id, into) {
    into = into || {};
    into[id] = true;
    (children[id] || []).forEach(function (c) { descendants(c, into); });
    return into;
  }
  function reachFrom(nodeId) {
    var reached = {}, queue = [nodeId];
    while (queue.length) {
      var current = nodesById[queue.shift()];
      if (!current) continue;
      current.supplies.forEach(function (target) {
        var stack = [target];
        while (stack.length) {
          var nid = stack.pop();
          if (reached[nid] || nid === nodeId || !nodesById[nid]) continue;
          reached[nid] = true;
          queue.push(nid);
          (children[nid] || []).forEach(function (c) { stack.push(c); });
        }
      });
    }
    return reached;
  }

  // ------------------------------------------------------------------ layout
  // Two levels of detail. A view holding up to DETAIL_MAX placed enterprises (a small chain,
  // one drilled-down link) draws every enterprise as a dot with its name and every problem as
  // a star. A bigger view (the design-size chain: 2,000 links, 20,000 placements) is an
  // overview: one row per link with its enterprise counts (in / out of province, leaders) and
  // its problems counted per star level; the dots appear inside a row once it is zoomed in
  // far enough to hold them. Only the rows in the zoom window are drawn.
  var DETAIL_MAX = 400, OV_ROW = 34, OV_GAP = 6, HEAD_PX = 46;

  function countsOf(ents) {
    var c = { inL: 0, inF: 0, outL: 0, outF: 0 };
    ents.forEach(function (e) { c[(e.in_province ? "in" : "out") + (e.ladder === "leader" ? "L" : "F")]++; });
    return c;
  }
  function visibleCount(node) {
    // The filters on province and ladder, answered from the counts kept per link.
    var c = node.counts, n = 0;
    ["in", "out"].forEach(function (p) {
      if (state.province && state.province !== p) return;
      ["L", "F"].forEach(function (l) {
        if (state.ladder && (state.ladder === "leader") !== (l === "L")) return;
        n += c[p + l];
      });
    });
    return n;
  }

  function computeLayout() {
    var focusSet = state.focus ? descendants(state.focus) : null;
    // a drilled-down link fills the width: only its segment's column
    var columns = state.segment ? [state.segment] : focusSet ? [nodesById[state.focus].segment] : SEGMENTS;
    var width = columns.length === 1 ? COL_W * 2 : COL_W;
    var total = 0;
    data.nodes.forEach(function (n) {
      if (columns.indexOf(n.segment) >= 0 && (!focusSet || focusSet[n.id])) total += n.enterprises.length;
    });
    var detail = !!focusSet || total <= DETAIL_MAX;
    var labels = detail;
    var perRow = Math.max(1, Math.floor((width - 40) / (columns.length === 1 ? 420 : 480)));
    var text = state.text.trim().toLowerCase();
    var out = { boxes: [], ents: { inL: [], inF: [], outL: [], outF: [] }, stars: { 1: [], 2: [], 3: [], 0: [] },
                heads: [], height: 0, width: columns.length * (width + COL_GAP), counts: { nodes: 0, ents: 0, probs: 0 },
                labels: labels, detail: detail, matches: 0 };
    columns.forEach(function (segment, ci) {
      var x0 = ci * (width + COL_GAP);
      var head = { x: x0, w: width, segment: segment, nodes: 0 };
      out.heads.push(head);
      var y = 8;
      data.nodes.forEach(function (node) {
        if (node.segment !== segment) return;
        if (focusSet && !focusSet[node.id]) return;
        var probs = node.problems.map(function (id) { return problemsById[id]; }).filter(function (p) { return p && problemVisible(p); });
        var nEnts = visibleCount(node);
        var indent = Math.min(node.depth, 5) * INDENT;
        var hit = text && (node.name.toLowerCase().indexOf(text) >= 0);
        var entHit = false;
        var box = { id: node.id, x: x0 + indent, y: y, w: width - indent, node: node, nEnts: nEnts, probs: probs,
                    dim: (state.category || state.level) && !probs.length,
                    reached: state.reach && state.reach[node.id],
                    selected: state.selected && state.selected.kind === "node" && state.selected.id === node.id };
        if (detail) {
          var ents = node.enterprises.filter(enterpriseVisible);
          var rows = Math.max(1, Math.ceil(ents.length / perRow));
          box.h = 44 + rows * ROW;
          ents.forEach(function (e, i) {
            var px = x0 + indent + 24 + (i % perRow) * ((width - indent - 40) / perRow);
            var py = y + 44 + Math.floor(i / perRow) * ROW + ROW / 2 - 4;
            var key = (e.in_province ? "in" : "out") + (e.ladder === "leader" ? "L" : "F");
            var isHit = text && e.name.toLowerCase().indexOf(text) >= 0;
            if (isHit) out.matches++;
            out.ents[key].push({ value: [px, py], name: e.name, e: e, node: node.id, symbolSize: isHit ? 16 : 11,
                                 // the last in its row may run to the box's edge
                                 slot: (i % perRow === perRow - 1 || i === ents.length - 1) ? x0 + width - px - 16
                                   : (width - indent - 40) / perRow,
                                 itemStyle: isHit ? { borderColor: "#111", borderWidth: 2 } : undefined });
          });
          probs.forEach(function (p, i) {
            var lv = p.level || 0;
            out.stars[lv].push({ value: [x0 + width - STAR_EDGE - i * STAR_GAP, y + 20], name: p.name, p: p, node: node.id,
                                 symbolSize: lv === 1 ? 20 : lv === 2 ? 17 : 14 });
          });
        } else {
          box.h = OV_ROW;
          if (text) {
            node.enterprises.forEach(function (e) {
              if (enterpriseVisible(e) && e.name.toLowerCase().indexOf(text) >= 0) { out.matches++; entHit = true; }
            });
          }
        }
        box.hit = hit || entHit;
        if (hit) out.matches++;
        out.boxes.push(box);
        head.nodes++;
        out.counts.nodes++; out.counts.ents += nEnts; out.counts.probs += probs.length;
        y += box.h + (detail ? 10 : OV_GAP);
      });
      out.height = Math.max(out.height, y);
    });
    return out;
  }

  function starCounts(probs) {
    var c = { 1: 0, 2: 0, 3: 0, 0: 0 };
    probs.forEach(function (p) { c[p.level || 0]++; });
    return c;
  }
  function starsRich(probs) {
    // Counts per level, most severe first: ★★★×1 ★★×2 (unscored as ☆).
    var c = starCounts(probs), parts = [];
    [1, 2, 3, 0].forEach(function (lv) { if (c[lv]) parts.push("{l" + lv + "|" + (lv ? stars(4 - lv) : "☆") + "×" + c[lv] + "}"); });
    return parts.join(" ");
  }
  // zrender's rich text (custom series elements) takes "fill", not "color"
  var RICH = { l1: { fill: LEVEL_COLOURS[1], fontWeight: "bold" }, l2: { fill: LEVEL_COLOURS[2], fontWeight: "bold" },
               l3: { fill: LEVEL_COLOURS[3], fontWeight: "bold" }, l0: { fill: LEVEL_COLOURS[0], fontWeight: "bold" },
               inp: { fill: COLOURS["in"] }, outp: { fill: COLOURS.out }, muted: { fill: "#475467" } };
  function richWidth(text, px) {
    // About the drawn width of a rich string (markup removed): stars are one em, digits ~0.55 em.
    var plain = text.replace(/\{\w+\|/g, "").replace(/\}/g, ""), w = 0;
    for (var i = 0; i < plain.length; i++) {
      var ch = plain.charCodeAt(i);
      w += ch === 0x2605 || ch === 0x2606 ? px * 1.1 : ch >= 0x2E80 || ch === 0x25B2 ? px : ch === 32 ? px * 0.3 : px * 0.6;
    }
    return w;
  }
  function countsRich(node, nEnts) {
    if (!node.enterprises.length) return "";
    var c = node.counts, inside = 0, outside = 0, leaders = 0;
    if (state.province !== "out") { inside = (state.ladder !== "follower" ? c.inL : 0) + (state.ladder !== "leader" ? c.inF : 0); }
    if (state.province !== "in") { outside = (state.ladder !== "follower" ? c.outL : 0) + (state.ladder !== "leader" ? c.outF : 0); }
    if (state.ladder !== "follower") leaders = (state.province !== "out" ? c.inL : 0) + (state.province !== "in" ? c.outL : 0);
    return "{muted|" + T.enterpriseCount.replace("%(n)s", nEnts) + " · }{inp|" + T.inCount.replace("%(n)s", inside) +
      "}{muted| · }{outp|" + T.outCount.replace("%(n)s", outside) + "}{muted| · ▲" + leaders + "}";
  }

  function renderBox(params, api) {
    var b = layout.boxes[api.value(3)];
    var tl = api.coord([b.x, b.y]), br = api.coord([b.x + b.w, b.y + b.h]);
    var w = br[0] - tl[0], h = br[1] - tl[1];
    var stroke = b.selected ? "#0b4f8a" : b.reached ? "#cf1322" : b.hit ? "#111" : "#9fb6cf";
    var group = { type: "group", children: [{
      type: "rect", shape: { x: tl[0], y: tl[1], width: w, height: h, r: 3 },
      style: { fill: b.node.depth ? "#f7fafd" : "#eaf2fb", stroke: stroke, lineWidth: b.selected || b.reached || b.hit ? 2 : 1,
               lineDash: b.reached ? [6, 3] : null, opacity: b.dim ? 0.35 : 1 } }] };
    if (h < 9 || w < 40) return group;  // too small to write in: the row shows as a bar
    var big = h >= 16, px = big ? 11 : 10;
    var title = b.node.name + (layout.detail && b.node.enterprises.length ? "  (" + b.nEnts + ")" : "");
    var font = big ? "bold 12px sans-serif" : "bold 10px sans-serif";
    if (layout.detail) {
      // The name stops before the link's stars (drawn from the right edge, STAR_EDGE and
      // STAR_GAP units apart, 20 px at most) and wraps onto the lines above the enterprises'
      // row; only a name longer than those lines is cut (the full name is in the tooltip).
      // A fixed 120 px kept for the stars left a phone's 90 px column 40 px: "玻璃..."
      var reserve = 0;
      if (b.probs.length) reserve = br[0] - api.coord([b.x + b.w - STAR_EDGE - (b.probs.length - 1) * STAR_GAP, 0])[0] + 14;
      var titleY = tl[1] + Math.min(8, h / 4), lineH = big ? 14 : 12;
      var rowTop = b.node.enterprises.length ? api.coord([0, b.y + 44 + ROW / 2 - 4])[1] - 7 : br[1] - 2;
      var lines = Math.max(1, Math.min(3, Math.floor((rowTop - titleY) / lineH)));
      group.children.push({ type: "text", silent: true, style: { x: tl[0] + 8, y: titleY, text: title,
        fill: "#1d2939", font: font, lineHeight: lineH, width: Math.max(w - 12 - reserve, 30), overflow: "break",
        height: lines * lineH, lineOverflow: "truncate" } });
      return group;
    }
    // The overview row: name and stars per level; its enterprise counts below when there is room.
    var starText = starsRich(b.probs), starW = starText ? Math.min(richWidth(starText, px) + 4, w * 0.55) : 0;
    var twoLines = h >= 30, textY = twoLines ? tl[1] + 4 : tl[1] + (h - (big ? 12 : 10)) / 2;
    group.children.push({ type: "text", silent: true, style: { x: tl[0] + 8, y: textY, text: title, fill: "#1d2939",
      font: font, width: Math.max(w - 20 - starW, 30), overflow: "truncate" } });
    if (starText) {
      // one text per level, right to left (rich text mis-measured the star glyphs)
      var sx = br[0] - 6, sc = starCounts(b.probs);
      [0, 3, 2, 1].forEach(function (lv) {
        if (!sc[lv]) return;
        var part = (lv ? stars(4 - lv) : "☆") + "×" + sc[lv];
        group.children.push({ type: "text", silent: true, style: { x: sx, y: textY + (big ? 1 : 0), text: part, align: "right",
          fill: LEVEL_COLOURS[lv], font: "bold " + px + "px sans-serif" } });
        sx -= richWidth(part, px) + 8;
      });
    }
    var countText = twoLines ? countsRich(b.node, b.nEnts) : "";
    if (countText) {
      group.children.push({ type: "text", silent: true, style: { x: tl[0] + 8, y: tl[1] + 19, text: countText, rich: RICH,
        font: "11px sans-serif", width: w - 16, overflow: "truncate" } });
    }
    if (!layout.detail && h >= 46) {
      // Zoomed in far enough: the link's enterprises as dots (▲ leader, ● follower).
      var ents = b.node.enterprises.filter(enterpriseVisible), size = 8, gap = 4;
      var fits = Math.floor((w - 24) / (size + gap)), cy = tl[1] + 38;
      ents.slice(0, fits).forEach(function (e, i) {
        var cx = tl[0] + 12 + i * (size + gap) + size / 2, colour = COLOURS[e.in_province ? "in" : "out"];
        group.children.push(e.ladder === "leader"
          ? { type: "polygon", silent: true, shape: { points: [[cx, cy - size / 2], [cx - size / 2, cy + size / 2], [cx + size / 2, cy + size / 2]] }, style: { fill: colour } }
          : { type: "circle", silent: true, shape: { cx: cx, cy: cy, r: size / 2 - 0.5 }, style: { fill: colour } });
      });
    }
    return group;
  }

  function renderHead(params, api) {
    // Segment headers keep their size whatever the zoom: drawn above the plot, in pixels.
    var head = layout.heads[params.dataIndex];
    var left = api.coord([head.x, 0])[0], right = api.coord([head.x + head.w, 0])[0];
    var w = right - left, top = 2;
    var name = T.segments[head.segment] + " (" + head.nodes + ")";
    var rect = { type: "rect", shape: { x: left, y: top, width: w, height: HEAD_PX - 6, r: 4 }, style: { fill: "#0b4f8a" } };
    if (textWidth(name, "bold 14px sans-serif") > w - 12) {
      // A phone's column (about 90 px): the name in two lines ("Downstream" / "(3)"), the hint
      // in the tooltip (cut to "materials, co…" it said nothing).
      return { type: "group", children: [rect,
        { type: "text", silent: true, style: { x: left + w / 2, y: top + 5, align: "center", fill: "#fff", font: "bold 12px sans-serif",
          text: name, width: w - 8, overflow: "break", lineHeight: 14, height: 28, lineOverflow: "truncate" } }] };
    }
    return { type: "group", children: [rect,
      { type: "text", silent: true, style: { x: left + w / 2, y: top + 4, align: "center", fill: "#fff", font: "bold 14px sans-serif",
        text: name, width: w - 12, overflow: "truncate" } },
      { type: "text", silent: true, style: { x: left + w / 2, y: top + 22, align: "center", fill: "#dbe8f5", font: "11px sans-serif",
        text: T.segmentHints[head.segment], width: w - 12, overflow: "truncate" } }] };
  }
  var measure = null;
  function textWidth(text, font) {
    measure = measure || document.createElement("canvas").getContext("2d");
    measure.font = font;
    return measure.measureText(text).width;
  }

  function initialEnd() {
    // The overview opens with rows tall enough for two lines; a detailed view shows all of it.
    var plot = Math.max(el.clientHeight - HEAD_PX - 24, 200);
    if (layout.detail || layout.height <= plot * 1.4) return 100;
    return Math.max(0.5, Math.min(100, 100 * plot / layout.height));
  }

  function option() {
    var zoomEnd = initialEnd();
    if (layout.labels) {
      // A name stops before the next enterprise's mark (the full name is in the tooltip): the
      // slot is in data units, the label's width in pixels.
      var pxPerUnit = Math.max(el.clientWidth - 32, 100) / (layout.width + 10);
      Object.keys(layout.ents).forEach(function (k) {
        layout.ents[k].forEach(function (d) { d.label = { width: Math.max(36, d.slot * pxPerUnit - 20), overflow: "truncate" }; });
      });
    }
    var entSeries = [["inL", "triangle", "in"], ["inF", "circle", "in"], ["outL", "triangle", "out"], ["outF", "circle", "out"]].map(function (s) {
      return { id: "ent-" + s[0], type: "scatter", symbol: s[1], data: layout.ents[s[0]], itemStyle: { color: COLOURS[s[2]] }, z: 3,
               label: { show: layout.labels, position: "right", formatter: "{b}", fontSize: 11, color: "#333" },
               labelLayout: { hideOverlap: true }, emphasis: { scale: 1.6 } };
    });
    var starSeries = [1, 2, 3, 0].map(function (lv) {
      return { id: "star-" + lv, type: "scatter", symbol: STAR, data: layout.stars[lv], z: 4,
               itemStyle: { color: LEVEL_COLOURS[lv], borderColor: "#fff", borderWidth: 0.5 } };
    });
    return {
      animation: false,
      grid: { left: 8, right: 24, top: HEAD_PX, bottom: 8 },
      tooltip: { trigger: "item", confine: true, formatter: function (p) {
        var d = p.data || {};
        if (d.e) return esc(d.e.name) + "<br>" + esc(d.e.province) + " · " + esc(T.roles[d.e.role] || d.e.role) + " · " + esc(T.ladders[d.e.ladder] || d.e.ladder);
        if (d.p) return "<b style='color:" + LEVEL_COLOURS[d.p.level || 0] + "'>" + (stars(d.p.stars) || "☆") + "</b> " + esc(d.p.code) + " " + esc(d.p.name) + "<br>" + esc(d.p.category_label);
        if (p.seriesId === "boxes") {
          var b = layout.boxes[p.value[3]];
          return esc(b.node.name) + (b.node.key_products ? "<br>" + esc(b.node.key_products) : "") +
            "<br>" + esc(T.enterprises) + ": " + b.nEnts + (b.probs.length ? "<br>" + esc(T.problems) + ": " + b.probs.length : "");
        }
        if (p.seriesId === "heads") {
          var seg = layout.heads[p.dataIndex].segment;
          return esc(T.segments[seg]) + (T.segmentHints[seg] ? "<br>" + esc(T.segmentHints[seg]) : "");
        }
        return "";
      } },
      xAxis: { type: "value", min: -10, max: layout.width, show: false },
      yAxis: { type: "value", min: 0, max: Math.max(layout.height, 300), inverse: true, show: false },
      dataZoom: [{ type: "inside", yAxisIndex: 0, start: 0, end: zoomEnd, zoomOnMouseWheel: "shift", moveOnMouseWheel: true,
                   filterMode: "weakFilter" },
                 { type: "slider", yAxisIndex: 0, start: 0, end: zoomEnd, width: 14, right: 4, showDetail: false,
                   filterMode: "weakFilter" }],
      series: [
        { id: "heads", type: "custom", data: layout.heads.map(function (h, i) { return i; }), z: 5, clip: false,
          renderItem: renderHead },
        // [x, top, bottom, index]: only the rows that meet the zoom window are drawn.
        { id: "boxes", type: "custom", clip: true, z: 2, encode: { x: 0, y: [1, 2] },
          data: layout.boxes.map(function (b, i) { return [b.x, b.y, b.y + b.h, i]; }), renderItem: renderBox }
      ].concat(layout.detail ? entSeries.concat(starSeries) : [])
    };
  }

  // The PDF and PNG buttons export what the filters show: the same names and values as query
  // parameters (MAP-06); the ?version= of a publication's page stays.
  var FILTERS = ["segment", "province", "ladder", "category", "level"];
  function exportLinks() {
    ["map-pdf", "map-png"].forEach(function (id) {
      var link = document.getElementById(id);
      if (!link) return;
      var target = new URL(link.getAttribute("href"), window.location.href);
      FILTERS.forEach(function (name) {
        if (state[name]) target.searchParams.set(name, state[name]); else target.searchParams.delete(name);
      });
      link.setAttribute("href", target.pathname + target.search);
    });
  }

  function render() {
    exportLinks();
    layout = computeLayout();
    chart.setOption(option(), { notMerge: true, lazyUpdate: false });
    var c = layout.counts;
    document.getElementById("map-counts").textContent = T.counts.replace("%(n)s", c.nodes).replace("%(e)s", c.ents).replace("%(p)s", c.probs) +
      (state.text ? " · " + T.matches.replace("%(m)s", layout.matches) : "");
    el.dataset.nodes = c.nodes; el.dataset.enterprises = c.ents; el.dataset.problems = c.probs;
    el.dataset.view = layout.detail ? "detail" : "overview";
    breadcrumb();
  }

  // ------------------------------------------------------------------ panel and drill-down
  function breadcrumb() {
    // chain › segment › links down to the one in view or selected › the selected enterprise
    var items = ['<li class="breadcrumb-item"><a href="#" data-crumb="chain">' + esc(data.chain.name) + "</a></li>"];
    var sel = state.selected, nodeId = state.focus;
    if (sel && sel.kind === "node") nodeId = sel.id;
    else if (sel && sel.kind === "enterprise") nodeId = sel.node;
    else if (sel && sel.kind === "problem" && sel.p.node && nodesById[sel.p.node]) nodeId = sel.p.node;
    var segment = nodeId && nodesById[nodeId] ? nodesById[nodeId].segment : state.segment;
    if (segment) items.push('<li class="breadcrumb-item"><a href="#" data-crumb="segment" data-segment="' + segment + '">' + esc(T.segments[segment]) + "</a></li>");
    if (nodeId && nodesById[nodeId]) {
      var trail = [], n = nodesById[nodeId];
      while (n) { trail.unshift(n); n = nodesById[n.parent]; }
      trail.forEach(function (t) { items.push('<li class="breadcrumb-item"><a href="#" data-crumb="node" data-id="' + t.id + '">' + esc(t.name) + "</a></li>"); });
    }
    if (sel && sel.kind === "enterprise") items.push('<li class="breadcrumb-item active">' + esc(sel.e.name) + "</li>");
    else if (sel && sel.kind === "problem") items.push('<li class="breadcrumb-item active">' + esc(sel.p.code || sel.p.name) + "</li>");
    document.getElementById("map-breadcrumb").innerHTML = items.join("");
  }

  function showNode(node) {
    var ents = node.enterprises.map(function (e) {
      return '<li><a href="#" data-enterprise="' + e.id + '" data-node="' + node.id + '">' + (e.ladder === "leader" ? "▲" : "●") + " " + esc(e.name) + "</a> <span class='badge " + (e.in_province ? "text-bg-danger" : "text-bg-primary") + "'>" + esc(e.province) + "</span> <span class='text-muted'>" + esc(T.roles[e.role] || e.role) + "</span></li>";
    }).join("") || "<li class='text-muted'>—</li>";
    var probs = node.problems.map(function (id) { return problemsById[id]; }).filter(Boolean).map(function (p) {
      return '<li><a href="#" data-problem="' + p.id + '"><span class="zl-level-' + (p.level || 0) + '">' + (stars(p.stars) || "☆") + "</span> " + esc(p.name) + "</a></li>";
    }).join("") || "<li class='text-muted'>" + esc(T.noProblems) + "</li>";
    var insts = node.institutions.map(function (id) {
      var i = institutionsById[id]; return i ? '<li><a href="' + url(config.institutionUrl, i.id) + '">' + esc(i.name) + "</a></li>" : "";
    }).join("") || "<li class='text-muted'>—</li>";
    return '<h5 class="mb-1" id="panel-title">' + esc(node.name) + '</h5><div class="small text-muted mb-2">' + esc(T.segments[node.segment]) + "</div>" +
      (node.key_products ? '<div class="small"><b>' + esc(T.keyProducts) + "</b> " + esc(node.key_products) + "</div>" : "") +
      (node.technology_route ? '<div class="small"><b>' + esc(T.technologyRoute) + "</b> " + esc(node.technology_route) + "</div>" : "") +
      '<div class="mt-2 d-flex gap-1 flex-wrap"><button class="btn btn-sm btn-outline-primary" data-drill="' + node.id + '" id="panel-drill">' + esc(T.drill) + '</button>' +
      '<a class="btn btn-sm btn-outline-secondary" href="' + url(config.nodeUrl, node.id) + '">' + esc(T.openRecord) + "</a></div>" +
      '<h6 class="mt-3">' + esc(T.enterprises) + " (" + node.enterprises.length + ')</h6><ul class="list-unstyled small zl-panel-list" id="panel-enterprises">' + ents + "</ul>" +
      '<h6 class="mt-2">' + esc(T.problems) + '</h6><ul class="list-unstyled small" id="panel-problems">' + probs + "</ul>" +
      '<h6 class="mt-2">' + esc(T.institutions) + '</h6><ul class="list-unstyled small">' + insts + "</ul>";
  }

  function showEnterprise(e, node) {
    return '<h5 class="mb-1" id="panel-title">' + esc(e.name) + "</h5>" +
      '<dl class="row small mb-2"><dt class="col-5">' + esc(T.link) + '</dt><dd class="col-7">' + esc(node.name) + "</dd>" +
      '<dt class="col-5">' + esc(T.role) + '</dt><dd class="col-7">' + esc(T.roles[e.role] || e.role) + "</dd>" +
      '<dt class="col-5">' + esc(T.province) + '</dt><dd class="col-7">' + esc(e.province) + " " + esc(e.district || "") + " (" + esc(e.in_province ? T.inProvince : T.outProvince) + ")</dd>" +
      '<dt class="col-5">' + esc(T.ladder) + '</dt><dd class="col-7">' + (e.ladder === "leader" ? "▲ " : "● ") + esc(T.ladders[e.ladder]) + "</dd>" +
      '<dt class="col-5">' + esc(T.keyProducts) + '</dt><dd class="col-7">' + esc(e.key_products || "—") + "</dd></dl>" +
      '<a class="btn btn-sm btn-outline-secondary" id="panel-enterprise-link" href="' + url(config.enterpriseUrl, e.id) + '">' + esc(T.openRecord) + "</a>";
  }

  function showProblem(p) {
    var node = nodesById[p.node];
    var reach = state.reach ? Object.keys(state.reach).map(function (id) { return nodesById[id]; }).filter(Boolean) : [];
    var reachedEnts = [], seen = {};  // an enterprise on several reached links is named once
    reach.forEach(function (n) { n.enterprises.forEach(function (e) { if (!seen[e.id]) { seen[e.id] = true; reachedEnts.push(e.name); } }); });
    return '<div class="zl-level-' + (p.level || 0) + ' fs-5">' + (stars(p.stars) || "☆") + "</div>" +
      '<h5 class="mb-1" id="panel-title">' + esc(p.code) + " " + esc(p.name) + "</h5>" +
      '<dl class="row small mb-2"><dt class="col-5">' + esc(T.link) + '</dt><dd class="col-7">' + esc(node ? node.name : "—") + "</dd>" +
      '<dt class="col-5">' + esc(T.category) + '</dt><dd class="col-7">' + esc(p.category_label) + "</dd>" +
      '<dt class="col-5">' + esc(T.status) + '</dt><dd class="col-7">' + esc(p.status_label) + "</dd>" +
      '<dt class="col-5">' + esc(T.total) + '</dt><dd class="col-7">' + esc(p.total || "—") + "</dd>" +
      (p.is_common ? '<dt class="col-5">' + esc(T.common) + '</dt><dd class="col-7">✓</dd>' : "") + "</dl>" +
      (p.detail ? '<a class="btn btn-sm btn-outline-secondary" id="panel-problem-link" href="' + url(config.problemUrl, p.id) + '">' + esc(T.openProblem) + "</a>"
                : '<div class="small text-muted">' + esc(T.confidential) + "</div>") +
      '<h6 class="mt-3">' + esc(T.reach) + '</h6><div class="small" id="panel-reach"><b>' + esc(T.reachNodes) + "</b> " +
      (reach.map(function (n) { return esc(n.name); }).join("、") || "—") + "<br><b>" + esc(T.reachEnterprises) + "</b> " +
      (reachedEnts.map(esc).join("、") || "—") + "</div>";
  }

  function select(selection) {
    state.selected = selection;
    state.reach = selection && selection.kind === "problem" && selection.p.node ? reachFrom(selection.p.node) : null;
    var panel = document.getElementById("map-panel");
    if (!selection) panel.innerHTML = panelHint;
    else if (selection.kind === "node") panel.innerHTML = showNode(nodesById[selection.id]);
    else if (selection.kind === "enterprise") panel.innerHTML = showEnterprise(selection.e, nodesById[selection.node]);
    else if (selection.kind === "problem") panel.innerHTML = showProblem(selection.p);
    render();
  }

  function drill(nodeId) {
    state.focus = nodeId;
    state.segment = "";
    document.getElementById("f-segment").value = "";
    select({ kind: "node", id: nodeId });
  }

  document.getElementById("map-panel").addEventListener("click", function (event) {
    var t = event.target.closest("[data-drill],[data-enterprise],[data-problem]");
    if (!t) return;
    event.preventDefault();
    if (t.dataset.drill) drill(Number(t.dataset.drill));
    else if (t.dataset.enterprise) {
      var node = nodesById[t.dataset.node];
      var e = node.enterprises.filter(function (x) { return String(x.id) === t.dataset.enterprise; })[0];
      select({ kind: "enterprise", e: e, node: node.id });
    } else if (t.dataset.problem) select({ kind: "problem", p: problemsById[t.dataset.problem] });
  });
  document.getElementById("map-breadcrumb").addEventListener("click", function (event) {
    var t = event.target.closest("[data-crumb]");
    if (!t) return;
    event.preventDefault();
    if (t.dataset.crumb === "chain") { state.focus = null; state.segment = ""; document.getElementById("f-segment").value = ""; select(null); }
    else if (t.dataset.crumb === "segment") { state.focus = null; state.segment = t.dataset.segment; document.getElementById("f-segment").value = state.segment; select(null); }
    else drill(Number(t.dataset.id));
  });
  FILTERS.forEach(function (name) {
    document.getElementById("f-" + name).addEventListener("change", function (event) {
      state[name] = event.target.value;
      if (name === "segment") state.focus = null;
      render();
    });
  });
  var typing = null;
  document.getElementById("f-text").addEventListener("input", function (event) {
    clearTimeout(typing);
    typing = setTimeout(function () { state.text = event.target.value; render(); }, 150);
  });
  document.getElementById("f-reset").addEventListener("click", function () {
    FILTERS.forEach(function (n) { state[n] = ""; document.getElementById("f-" + n).value = ""; });
    state.text = ""; document.getElementById("f-text").value = ""; state.focus = null; select(null);
  });
  window.addEventListener("resize", function () {
    chart.resize();
    if (layout && layout.labels) chart.setOption(option(), { notMerge: true, lazyUpdate: false });
  });

  fetch(config.dataUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (payload) {
      var received = performance.now();
      data = payload;
      data.nodes.forEach(function (n) {
        nodesById[n.id] = n;
        n.counts = countsOf(n.enterprises);
        if (n.parent) (children[n.parent] = children[n.parent] || []).push(n.id);
      });
      (data.problems || []).forEach(function (p) { problemsById[p.id] = p; });
      (data.institutions || []).forEach(function (i) { institutionsById[i.id] = i; });
      T.roles = data.labels.roles; T.ladders = data.labels.ladders; T.segments = data.labels.segments;
      chart.hideLoading();
      bind();
      var done = false;
      function ready() {
        if (done) return;
        done = true;
        el.dataset.renderMs = Math.round(performance.now() - started);
        el.dataset.drawMs = Math.round(performance.now() - received);  // after the data arrived
        el.dataset.state = "ready";
      }
      chart.on("finished", ready);
      render();
      // #node-<id> drills into a link (the link's page); #problem-<id> shows the whole chain with
      // the problem selected, its downstream reach marked (the problem's page, PRB-05).
      var hash = window.location.hash.match(/^#(node|problem)-(\d+)$/);
      if (hash && hash[1] === "node" && nodesById[hash[2]]) drill(Number(hash[2]));
      else if (hash && hash[1] === "problem" && problemsById[hash[2]]) select({ kind: "problem", p: problemsById[hash[2]] });
      requestAnimationFrame(function () { requestAnimationFrame(ready); });
    })
    .catch(function (err) { el.dataset.state = "error"; chart.dispose(); el.innerHTML = '<div class="alert alert-danger m-2">' + esc(T.loadError) + " (" + esc(err.message) + ")</div>"; });

  function bind() {
    chart.on("click", function (p) {
      var d = p.data;
      if (p.seriesId === "boxes") select({ kind: "node", id: layout.boxes[p.value[3]].id });
      else if (p.seriesId === "heads") { state.segment = layout.heads[p.dataIndex].segment; state.focus = null; document.getElementById("f-segment").value = state.segment; render(); }
      else if (d && d.e) select({ kind: "enterprise", e: d.e, node: d.node });
      else if (d && d.p) select({ kind: "problem", p: d.p });
    });
    chart.on("dblclick", function (p) { if (p.seriesId === "boxes") drill(layout.boxes[p.value[3]].id); });
  }
  window.ZhilianMap = { state: state, select: select, drill: drill, render: render,
                        get data() { return data; }, get layout() { return layout; }, get chart() { return chart; } };
})();
