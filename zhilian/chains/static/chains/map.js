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
  var COL_W = 1000, COL_GAP = 60, HEAD = 46, ROW = 34, DOT = 70, INDENT = 36;

  var data = null, nodesById = {}, problemsById = {}, children = {}, institutionsById = {};
  var state = { segment: "", province: "", ladder: "", category: "", level: "", text: "", focus: null,
                selected: null, reach: null };
  el.innerHTML = "";
  var chart = echarts.init(el, null, { renderer: "canvas", locale: (document.documentElement.lang || "").indexOf("zh") === 0 ? "ZH" : "EN" });
  chart.showLoading({ text: "" });
  var layout = null;

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
    if (state.level && String(p.level || "") !== state.level) return false;
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
  function computeLayout() {
    var focusSet = state.focus ? descendants(state.focus) : null;
    var columns = state.segment ? [state.segment] : SEGMENTS;
    var width = columns.length === 1 ? COL_W * 2 : COL_W;
    var total = 0;
    data.nodes.forEach(function (n) { if (columns.indexOf(n.segment) >= 0) total += n.enterprises.length; });
    // Names are drawn when they fit: a drilled-down link, one segment, or a chain of modest size.
    var labels = !!focusSet || total <= 400;
    var perRow = labels ? Math.max(1, Math.floor((width - 40) / (columns.length === 1 ? 420 : 480)))
                        : Math.max(4, Math.floor((width - 40) / DOT));
    var text = state.text.trim().toLowerCase();
    var out = { boxes: [], ents: { inL: [], inF: [], outL: [], outF: [] }, stars: { 1: [], 2: [], 3: [], 0: [] },
                heads: [], height: 0, width: columns.length * (width + COL_GAP), counts: { nodes: 0, ents: 0, probs: 0 },
                labels: labels, matches: 0 };
    columns.forEach(function (segment, ci) {
      var x0 = ci * (width + COL_GAP);
      out.heads.push({ x: x0, w: width, segment: segment });
      var y = HEAD + 14;
      data.nodes.forEach(function (node) {
        if (node.segment !== segment) return;
        if (focusSet && !focusSet[node.id]) return;
        var ents = node.enterprises.filter(enterpriseVisible);
        var probs = node.problems.map(function (id) { return problemsById[id]; }).filter(function (p) { return p && problemVisible(p); });
        var indent = Math.min(node.depth, 5) * INDENT;
        var rows = Math.max(1, Math.ceil(ents.length / perRow));
        var h = 44 + rows * ROW;
        var dim = (state.category || state.level) && !probs.length;
        var hit = text && (node.name.toLowerCase().indexOf(text) >= 0);
        out.boxes.push({ id: node.id, x: x0 + indent, y: y, w: width - indent, h: h, node: node, dim: dim, hit: hit,
                         reached: state.reach && state.reach[node.id], selected: state.selected && state.selected.kind === "node" && state.selected.id === node.id });
        if (hit) out.matches++;
        ents.forEach(function (e, i) {
          var px = x0 + indent + 24 + (i % perRow) * ((width - indent - 40) / perRow);
          var py = y + 44 + Math.floor(i / perRow) * ROW + ROW / 2 - 4;
          var key = (e.in_province ? "in" : "out") + (e.ladder === "leader" ? "L" : "F");
          var entHit = text && e.name.toLowerCase().indexOf(text) >= 0;
          if (entHit) out.matches++;
          out.ents[key].push({ value: [px, py], name: e.name, e: e, node: node.id, symbolSize: entHit ? 16 : (out.labels ? 11 : 8),
                               itemStyle: entHit ? { borderColor: "#111", borderWidth: 2 } : undefined });
        });
        probs.forEach(function (p, i) {
          var lv = p.level || 0;
          out.stars[lv].push({ value: [x0 + width - 30 - i * 70, y + 20], name: p.name, p: p, node: node.id,
                               symbolSize: lv === 1 ? 20 : lv === 2 ? 17 : 14 });
        });
        out.counts.nodes++; out.counts.ents += ents.length; out.counts.probs += probs.length;
        y += h + 10;
      });
      out.height = Math.max(out.height, y);
    });
    return out;
  }

  function renderBox(params, api) {
    var b = layout.boxes[params.dataIndex];
    var tl = api.coord([b.x, b.y]), br = api.coord([b.x + b.w, b.y + b.h]);
    var w = br[0] - tl[0], h = br[1] - tl[1];
    var stroke = b.selected ? "#0b4f8a" : b.reached ? "#cf1322" : b.hit ? "#111" : "#9fb6cf";
    var group = { type: "group", children: [{
      type: "rect", shape: { x: tl[0], y: tl[1], width: w, height: h, r: 4 },
      style: { fill: b.node.depth ? "#f7fafd" : "#eaf2fb", stroke: stroke, lineWidth: b.selected || b.reached || b.hit ? 2 : 1,
               lineDash: b.reached ? [6, 3] : null, opacity: b.dim ? 0.35 : 1 } }] };
    if (h > 9 && w > 30) {
      group.children.push({ type: "text", style: {
        x: tl[0] + 8, y: tl[1] + Math.min(8, h / 4), text: b.node.name + (b.node.enterprises.length ? "  (" + b.node.enterprises.length + ")" : ""),
        fill: "#1d2939", font: (h > 30 ? "bold 13px" : "bold 10px") + " sans-serif", width: Math.max(w - 120, 40), overflow: "truncate" },
        silent: true });
    }
    return group;
  }

  function option() {
    var zoomEnd = layout.height > 5000 ? Math.max(3, 500000 / layout.height) : 100;
    var entSeries = [["inL", "triangle", "in"], ["inF", "circle", "in"], ["outL", "triangle", "out"], ["outF", "circle", "out"]].map(function (s) {
      return { id: "ent-" + s[0], type: "scatter", symbol: s[1], data: layout.ents[s[0]], itemStyle: { color: COLOURS[s[2]] },
               large: layout.ents[s[0]].length > 3000, largeThreshold: 3000, z: 3,
               label: { show: layout.labels, position: "right", formatter: "{b}", fontSize: 11, color: "#333" },
               emphasis: { scale: 1.6 } };
    });
    var starSeries = [1, 2, 3, 0].map(function (lv) {
      return { id: "star-" + lv, type: "scatter", symbol: STAR, data: layout.stars[lv], z: 4,
               itemStyle: { color: LEVEL_COLOURS[lv], borderColor: "#fff", borderWidth: 0.5 } };
    });
    return {
      animation: false,
      grid: { left: 8, right: 24, top: 8, bottom: 8 },
      tooltip: { trigger: "item", confine: true, formatter: function (p) {
        var d = p.data || {};
        if (d.e) return esc(d.e.name) + "<br>" + esc(d.e.province) + " · " + esc(T.roles[d.e.role] || d.e.role) + " · " + esc(T.ladders[d.e.ladder] || d.e.ladder);
        if (d.p) return "<b style='color:" + LEVEL_COLOURS[d.p.level || 0] + "'>" + stars(d.p.stars) + "</b> " + esc(d.p.code) + " " + esc(d.p.name) + "<br>" + esc(d.p.category_label);
        if (p.seriesId === "boxes") { var b = layout.boxes[p.dataIndex]; return esc(b.node.name) + (b.node.key_products ? "<br>" + esc(b.node.key_products) : ""); }
        if (p.seriesId === "heads") return esc(T.segments[layout.heads[p.dataIndex].segment]);
        return "";
      } },
      xAxis: { type: "value", min: -10, max: layout.width, show: false },
      yAxis: { type: "value", min: 0, max: Math.max(layout.height, 400), inverse: true, show: false },
      dataZoom: [{ type: "inside", yAxisIndex: 0, start: 0, end: zoomEnd, zoomOnMouseWheel: "shift", moveOnMouseWheel: true },
                 { type: "slider", yAxisIndex: 0, start: 0, end: zoomEnd, width: 14, right: 4, showDetail: false }],
      series: [
        { id: "heads", type: "custom", data: layout.heads.map(function (h, i) { return i; }), z: 1,
          renderItem: function (params, api) {
            var h = layout.heads[params.dataIndex];
            var tl = api.coord([h.x, 0]), br = api.coord([h.x + h.w, HEAD]);
            return { type: "group", children: [
              { type: "rect", shape: { x: tl[0], y: tl[1], width: br[0] - tl[0], height: Math.max(br[1] - tl[1], 4), r: 4 }, style: { fill: "#0b4f8a" } },
              { type: "text", style: { x: (tl[0] + br[0]) / 2, y: tl[1] + Math.max((br[1] - tl[1]) / 2 - 8, 0), text: T.segments[h.segment] + " · " + T.segmentHints[h.segment], fill: "#fff", font: "bold 14px sans-serif", align: "center" }, silent: true }] };
          } },
        { id: "boxes", type: "custom", data: layout.boxes.map(function (b, i) { return i; }), renderItem: renderBox, z: 2 }
      ].concat(entSeries, starSeries)
    };
  }

  function render() {
    layout = computeLayout();
    chart.setOption(option(), { notMerge: true, lazyUpdate: false });
    var c = layout.counts;
    document.getElementById("map-counts").textContent = T.counts.replace("%(n)s", c.nodes).replace("%(e)s", c.ents).replace("%(p)s", c.probs) +
      (state.text ? " · " + T.matches.replace("%(m)s", layout.matches) : "");
    el.dataset.nodes = c.nodes; el.dataset.enterprises = c.ents; el.dataset.problems = c.probs;
    breadcrumb();
  }

  // ------------------------------------------------------------------ panel and drill-down
  function breadcrumb() {
    var items = ['<li class="breadcrumb-item"><a href="#" data-crumb="chain">' + esc(data.chain.name) + "</a></li>"];
    var segment = state.segment || (state.focus && nodesById[state.focus].segment);
    if (segment) items.push('<li class="breadcrumb-item"><a href="#" data-crumb="segment" data-segment="' + segment + '">' + esc(T.segments[segment]) + "</a></li>");
    if (state.focus) {
      var trail = [], n = nodesById[state.focus];
      while (n) { trail.unshift(n); n = nodesById[n.parent]; }
      trail.forEach(function (t) { items.push('<li class="breadcrumb-item"><a href="#" data-crumb="node" data-id="' + t.id + '">' + esc(t.name) + "</a></li>"); });
    }
    if (state.selected && state.selected.kind === "enterprise") items.push('<li class="breadcrumb-item active">' + esc(state.selected.e.name) + "</li>");
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
    var reachedEnts = [];
    reach.forEach(function (n) { n.enterprises.forEach(function (e) { reachedEnts.push(e.name); }); });
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
    if (!selection) panel.innerHTML = "";
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
  ["segment", "province", "ladder", "category", "level"].forEach(function (name) {
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
    ["segment", "province", "ladder", "category", "level"].forEach(function (n) { state[n] = ""; document.getElementById("f-" + n).value = ""; });
    state.text = ""; document.getElementById("f-text").value = ""; state.focus = null; select(null);
  });
  window.addEventListener("resize", function () { chart.resize(); });

  fetch(config.dataUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(function (payload) {
      data = payload;
      data.nodes.forEach(function (n) {
        nodesById[n.id] = n;
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
        el.dataset.state = "ready";
      }
      chart.on("finished", ready);
      render();
      var hash = window.location.hash.match(/^#node-(\d+)$/);
      if (hash && nodesById[hash[1]]) drill(Number(hash[1]));
      requestAnimationFrame(function () { requestAnimationFrame(ready); });
    })
    .catch(function (err) { el.dataset.state = "error"; chart.dispose(); el.innerHTML = '<div class="alert alert-danger m-2">' + esc(T.loadError) + " (" + esc(err.message) + ")</div>"; });

  function bind() {
    chart.on("click", function (p) {
      var d = p.data;
      if (p.seriesId === "boxes") select({ kind: "node", id: layout.boxes[p.dataIndex].id });
      else if (p.seriesId === "heads") { state.segment = layout.heads[p.dataIndex].segment; state.focus = null; document.getElementById("f-segment").value = state.segment; render(); }
      else if (d && d.e) select({ kind: "enterprise", e: d.e, node: d.node });
      else if (d && d.p) select({ kind: "problem", p: d.p });
    });
    chart.on("dblclick", function (p) { if (p.seriesId === "boxes") drill(layout.boxes[p.dataIndex].id); });
  }
  window.ZhilianMap = { state: state, select: select, drill: drill, render: render,
                        get data() { return data; }, get layout() { return layout; }, get chart() { return chart; } };
})();
