/* A <select data-lookup> holds only the rows already chosen (core/lookups.py): a search box
   above it fetches the matching rows as <option>s. Chosen options stay; the rest are replaced
   by each answer. No inline scripts (CSP). */
(function () {
  "use strict";

  function init(select) {
    if (select.dataset.lookupReady) return;
    select.dataset.lookupReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1 zl-lookup";
    box.placeholder = select.dataset.lookupPlaceholder || "";
    box.setAttribute("autocomplete", "off");
    box.setAttribute("aria-controls", select.id || "");
    if (select.id) box.id = select.id + "-lookup";
    select.parentNode.insertBefore(box, select);
    var timer = null;
    var asked = 0;

    function fill(html) {
      var found = document.createElement("select");
      found.innerHTML = html;
      Array.prototype.slice.call(select.options).forEach(function (option) {
        if (option.value && !option.selected) option.remove();
      });
      var present = {};
      Array.prototype.slice.call(select.options).forEach(function (option) { present[option.value] = true; });
      Array.prototype.slice.call(found.options).forEach(function (option) {
        if (!present[option.value]) select.appendChild(option);
      });
      select.dispatchEvent(new CustomEvent("zl:lookup-filled", { bubbles: true }));
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = box.value.trim();
        var ticket = ++asked;
        if (!text) return;
        fetch(select.dataset.lookup + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
          .then(function (response) { return response.ok ? response.text() : ""; })
          .then(function (html) { if (ticket === asked) fill(html); });
      }, 250);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();  // finding, not submitting the form
    });
  }

  function initAll(root) {
    (root || document).querySelectorAll("select[data-lookup]").forEach(init);
  }

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initAll(event.target); });
})();
