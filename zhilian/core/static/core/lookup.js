/* A <select data-lookup> holds only the rows already chosen (core/lookups.py): a search box
   above it fetches the matching rows as <option>s. Chosen options stay; the rest are replaced
   by each answer. A checkbox list (<div data-lookup>) works the same way, each row found
   becoming a box to tick. No inline scripts (CSP). */
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
    box.setAttribute("aria-label", box.placeholder);
    box.setAttribute("aria-controls", select.id || "");
    if (select.id) box.id = select.id + "-lookup";
    select.parentNode.insertBefore(box, select);
    var none = document.createElement("div");
    none.className = "form-text zl-lookup-empty";
    none.hidden = true;
    none.setAttribute("role", "status");
    none.textContent = select.dataset.lookupEmpty || "";
    box.insertAdjacentElement("afterend", none);
    var timer = null;
    var asked = 0;

    function fill(html) {
      var found = document.createElement("select");
      found.innerHTML = html;
      none.hidden = found.options.length > 0;
      if (select.tagName !== "SELECT") return fillChecks(found);
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

    function fillChecks(found) {
      var present = {};
      Array.prototype.slice.call(select.querySelectorAll(".form-check")).forEach(function (row) {
        var input = row.querySelector("input");
        if (input.checked) present[input.value] = true; else row.remove();
      });
      Array.prototype.slice.call(found.options).forEach(function (option) {
        if (!option.value || present[option.value]) return;
        var row = document.createElement("div");
        row.className = "form-check";
        var input = document.createElement("input");
        input.type = "checkbox";
        input.className = select.dataset.lookupCheckClass || "form-check-input";
        input.name = select.dataset.lookupName;
        input.value = option.value;
        input.id = (select.id || select.dataset.lookupName) + "_found_" + option.value;
        var label = document.createElement("label");
        label.className = "form-check-label";
        label.htmlFor = input.id;
        label.textContent = option.textContent;
        row.appendChild(input);
        row.appendChild(label);
        select.appendChild(row);
      });
      select.dispatchEvent(new CustomEvent("zl:lookup-filled", { bubbles: true }));
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = box.value.trim();
        var ticket = ++asked;
        if (!text) { none.hidden = true; return; }
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
    (root || document).querySelectorAll("select[data-lookup], div[data-lookup]").forEach(init);
  }

  document.addEventListener("DOMContentLoaded", function () { initAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { initAll(event.target); });
})();
