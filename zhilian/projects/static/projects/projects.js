/* Project library pages (no inline scripts: CSP).
   - A project page opens the tab that holds the element the address's fragment names
     (#progress, #midterm, #risks, #milestones, or a tab's own id): the pages that save a
     quarterly update, a mid-term check or a risk return to /projects/<id>/#<section>.
   - An acceptance application offers the required materials' names as attachment categories. */
(function () {
  "use strict";

  function paneOf(id) {
    if (!id) return null;
    var target = document.getElementById(id);
    if (!target) return null;
    var pane = target.classList.contains("tab-pane") ? target : target.closest(".tab-pane");
    return pane ? { target: target, pane: pane } : null;
  }

  function openFragmentTab() {
    var found = paneOf(decodeURIComponent((window.location.hash || "").slice(1)));
    if (!found || !found.pane.id || typeof bootstrap === "undefined") return;
    var button = document.querySelector('[data-bs-toggle="tab"][data-bs-target="#' + found.pane.id + '"]');
    if (!button) return;
    if (!found.pane.classList.contains("active")) {
      bootstrap.Tab.getOrCreateInstance(button).show();
    }
    var scrollTo = found.target === found.pane ? button : found.target;
    window.requestAnimationFrame(function () { scrollTo.scrollIntoView({ block: "start" }); });
  }

  function offerMaterialNames() {
    var names = document.getElementById("acceptance-material-names");
    var input = document.querySelector("#attachments input[name=category]");
    if (names && input) {
      input.setAttribute("list", names.id);
      input.setAttribute("autocomplete", "off");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    openFragmentTab();
    offerMaterialNames();
  });
  window.addEventListener("hashchange", openFragmentTab);
})();
