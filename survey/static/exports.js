/* Export progress without reloading: poll the JSON status and update the bar.
   Without JavaScript the page refreshes itself (a <noscript> meta refresh). */
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box || box.getAttribute("data-finished") === "true") { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("export-bar");
  var counts = document.getElementById("export-counts");
  var download = document.getElementById("export-download");
  var template = counts.textContent;

  function show(data) {
    bar.value = data.percent;
    bar.textContent = data.percent + " %";
    var lang = document.documentElement.lang === "en" ? "en" : "es";
    // A document's progress counts chapters or pages, not responses: the percentage says it all.
    counts.textContent = counts.getAttribute("data-percent-only") === "true" ? data.percent + " %"
      : lang === "en"
      ? data.percent + " % · " + data.rows_done + " of " + data.rows_total + " responses"
      : data.percent + " % · " + data.rows_done + " de " + data.rows_total + " respuestas";
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        show(data);
        if (data.status === "ready") {
          download.hidden = false;
          window.location.reload();
        } else if (data.is_finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { counts.textContent = template; window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());
