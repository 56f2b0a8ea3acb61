/* Unit pages: draws every figure handed over by json_script (div[data-chart] names its script), offers a PNG
   download of each, and runs the what-if form without reloading the page. No inline script anywhere. */
(function () {
  "use strict";
  var config = { responsive: true, displaylogo: false, displayModeBar: false };

  function draw(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.Plotly) { return; }
    var figure = JSON.parse(source.textContent);
    window.Plotly.newPlot(el, figure.data, figure.layout, config).then(function () {
      el.setAttribute("data-drawn", "1");
      var tile = figure.data.length && figure.data[0].customdata;
      if (el.getAttribute("data-link") && tile) {
        el.on("plotly_click", function (event) {
          var slug = event.points[0].customdata;
          if (slug) { window.location.href = el.getAttribute("data-link").replace("__slug__", slug); }
        });
      }
    });
  }

  function downloadable(button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var el = document.getElementById(button.getAttribute("data-download"));
      window.Plotly.downloadImage(el, {
        format: "png", filename: button.getAttribute("data-filename"),
        width: Math.max(el.offsetWidth, 800), height: el.offsetHeight || 400
      });
    });
  }

  function showErrors(form, errors) {
    form.querySelectorAll("[data-error-for]").forEach(function (span) {
      var name = span.getAttribute("data-error-for");
      var input = form.querySelector("[name='" + name + "']");
      var text = (errors[name] || []).join(" ");
      span.textContent = text;
      if (input) { input.setAttribute("aria-invalid", text ? "true" : "false"); }
    });
  }

  function whatIf(form) {
    var output = document.querySelector("[data-what-if-result]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = new URLSearchParams(new FormData(form)).toString();
      output.textContent = "…";
      fetch(form.action + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          var errors = body.errors || {};
          showErrors(form, errors);
          output.classList.toggle("what-if-error", !body.ok);
          output.textContent = body.ok ? body.text : (errors.__all__ || []).join(" ") || form.getAttribute("data-error-text") || "";
        })
        .catch(function () { output.textContent = form.getAttribute("data-error-text") || "Error"; });
    });
  }

  document.querySelectorAll("[data-chart]").forEach(draw);
  if (window.Plotly) { document.querySelectorAll("[data-download]").forEach(downloadable); }
  document.querySelectorAll("form[data-what-if]").forEach(whatIf);
})();
