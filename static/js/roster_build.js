// The week page while a roster is being built: ask every two seconds, show the result when done.
(function () {
  "use strict";
  var section = document.querySelector(".roster-build[data-state='queued']");
  if (!section) {
    return;
  }
  var url = section.getAttribute("data-status-url");
  function ask() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (status) {
        if (status && status.state !== "queued") {
          window.location.reload();
        } else {
          window.setTimeout(ask, 2000);
        }
      })
      .catch(function () {
        window.setTimeout(ask, 5000);
      });
  }
  window.setTimeout(ask, 2000);
})();
