/* Zhilian front-end glue. No inline scripts anywhere (CSP): pages carry data as JSON
   <script type="application/json"> blocks and data-* attributes, read here. */
(function () {
  "use strict";

  var charts = [];

  function isZh() {
    return (document.documentElement.lang || "").indexOf("zh") === 0;
  }

  function initCharts(root) {
    (root || document).querySelectorAll(".zl-chart[data-option-id]").forEach(function (el) {
      if (el.dataset.initialised) return;
      var source = document.getElementById(el.dataset.optionId);
      if (!source || typeof echarts === "undefined") return;
      var option = JSON.parse(source.textContent);
      var linked = markLinks(option);
      var chart = echarts.init(el, null, { renderer: "canvas", locale: isZh() ? "ZH" : "EN" });
      chart.setOption(option);
      el.dataset.initialised = "1";
      charts.push(chart);
      if (linked) {
        el.dataset.linked = "1";
        chart.on("click", function (params) {
          var url = itemUrl(params.data);
          if (url) window.location.href = url;
        });
      }
    });
  }

  // A data item that counts the rows of a list carries that list's URL (built on the server
  // with the filter's code: core/charts.py `linked`). Only such items show the pointer
  // (ECharts shows it over every item by default); returns whether the chart has any.
  function itemUrl(item) {
    var url = item && typeof item === "object" && item.url;
    // a path on this site only
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }

  function markLinks(option) {
    var any = false;
    var series = option.series || (option.baseOption && option.baseOption.series) || [];
    (Array.isArray(series) ? series : [series]).forEach(function (s) {
      var data = s.data || [];
      var some = data.some(function (item) { return itemUrl(item); });
      if (!some) { s.cursor = "default"; return; }
      any = true;
      s.data = data.map(function (item) {
        if (itemUrl(item)) return item;
        if (item !== null && typeof item === "object" && !Array.isArray(item)) {
          item.cursor = "default";
          return item;
        }
        return { value: item, cursor: "default" };
      });
    });
    return any;
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });

  // Confirm before destructive submits: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  // Filter forms submit themselves when a select changes or the search box is
  // cleared with its × button: <form data-autosubmit>. Everything reaches the
  // server as one submit, so the list is fetched once per action: two requests
  // swapped twice, and the second URL push cancelled a link clicked meanwhile.
  // (An htmx trigger filter would need eval, which the CSP forbids.)
  function autosubmit(form) {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") autosubmit(form);
  });
  document.addEventListener("search", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    // Enter also fires "search", but submits the form by itself.
    if (form && event.target.value === "") autosubmit(form);
  }, true);

  document.addEventListener("DOMContentLoaded", function () { initCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initCharts(event.target); });

  window.Zhilian = { initCharts: initCharts, charts: charts };
})();
