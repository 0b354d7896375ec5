/* Project library pages (no inline scripts: CSP).
   - An acceptance application offers the required materials' names as attachment categories. */
(function () {
  "use strict";

  function offerMaterialNames() {
    var names = document.getElementById("acceptance-material-names");
    var input = document.querySelector("#attachments input[name=category]");
    if (names && input) {
      input.setAttribute("list", names.id);
      input.setAttribute("autocomplete", "off");
    }
  }

  document.addEventListener("DOMContentLoaded", offerMaterialNames);
})();
