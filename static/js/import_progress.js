// Follows an import job: polls the URL in data-status-url and moves the <progress> bar; when the job has
// finished, opens data-next-url (the preview, or the result). No inline script: the page only carries data.
(function () {
  "use strict";
  var bar = document.getElementById("import-progress");
  if (!bar) { return; }
  var text = document.getElementById("import-progress-text");
  var statusUrl = bar.getAttribute("data-status-url");
  var nextUrl = bar.getAttribute("data-next-url");
  var delay = 1000;

  function show(state) {
    bar.value = state.progress;
    bar.textContent = state.progress + "%";
    if (text) { text.textContent = state.status_label + " · " + state.progress + "%"; }
  }

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          window.location.assign(state.next_url || nextUrl);
          return;
        }
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000);  // the server is busy or away: ask less often
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
