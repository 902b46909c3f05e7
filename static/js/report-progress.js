/*
 * A report's page while it is built: polls the status URL and shows percent and stage without a reload;
 * reloads once the build ends (the files and actions then appear). No inline script; without JavaScript the
 * page shows the state it was loaded with and a reload shows the rest.
 */
(function () {
  "use strict";

  var box = document.getElementById("report-progress");
  if (!box || box.getAttribute("data-in-progress") !== "1") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var INTERVAL = 1500; // ms: a build takes seconds to a minute

  function set(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (!el) {
      return;
    }
    if (el.tagName === "PROGRESS") {
      el.value = value;
    } else {
      el.textContent = value;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        set("status_label", data.status_label);
        set("progress", data.progress);
        set("percent", data.progress);
        set("stage", data.stage || "в очереди");
        if (data.in_progress) {
          window.setTimeout(poll, INTERVAL);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, INTERVAL * 4);
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
