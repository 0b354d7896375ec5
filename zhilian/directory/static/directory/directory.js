/* Directory pages: kind-dependent organization fields, inline certificate forms.
   Loaded as a static file (CSP: no inline script). */
(function () {
  "use strict";

  // Show only the fields that apply to the chosen kind of organization (size for
  // enterprises, level and parent for government units, domains for service providers).
  function applyKind(form) {
    var kind = form.querySelector("#id_kind");
    if (!kind) return;
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      var wrapper = el.closest(".col-md-6, .col-12") || el.parentElement;
      var kinds = el.getAttribute("data-kinds").split(" ");
      wrapper.hidden = kind.value !== "" && kinds.indexOf(kind.value) === -1;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("object-form");
    if (form && form.querySelector("#id_kind")) {
      applyKind(form);
      form.querySelector("#id_kind").addEventListener("change", function () { applyKind(form); });
    }
  });

  // Cancel an inline (htmx) form: remove it from the card.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".zl-inline-cancel");
    if (button) {
      var form = button.closest("form");
      if (form) form.remove();
    }
  });
})();
