// Public ranking pages: a print button (the page prints without it too) and the print date in the printed
// footer (the footer is cached with the table, so the date of printing is written here, in the reader's browser).
(function () {
  "use strict";

  function today() {
    var now = new Date();
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return pad(now.getDate()) + "/" + pad(now.getMonth() + 1) + "/" + now.getFullYear();
  }

  function stampPrintDate() {
    document.querySelectorAll("[data-print-date]").forEach(function (node) {
      node.textContent = today();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    stampPrintDate();
    document.querySelectorAll(".print-button").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
  window.addEventListener("beforeprint", stampPrintDate);
})();
