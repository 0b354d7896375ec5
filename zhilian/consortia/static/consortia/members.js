/* Member rows of the Appendix A application and the admission form: the unit's name field
   offers the directory's units (a datalist filled by htmx from consortia:unit_lookup); picking
   one fills the row's unified social credit code. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[list=unit-options]")) return;
    var list = document.getElementById("unit-options");
    var option = Array.prototype.find.call(list ? list.options : [], function (o) { return o.value === input.value; });
    if (!option) return;
    var row = input.closest("[data-member-row]") || input.form;
    var code = row && row.querySelector("input[name$=uscc]");
    if (code) code.value = option.dataset.uscc;
  });
})();
