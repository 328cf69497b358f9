// The operator's console: asks twice a second which call is theirs and pops its card at once;
// once the call is picked up the card is fetched again with the form to file the message.
(function () {
  "use strict";
  var box = document.getElementById("call-card");
  if (!box) { return; }
  var current = box.dataset.current || "";
  var busy = false;

  function show(callSid) {
    if (!callSid) {
      box.innerHTML = "";
      current = "";
      return Promise.resolve();
    }
    return fetch(box.dataset.card, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.status === 200 ? response.text() : ""; })
      .then(function (html) {
        box.innerHTML = html;
        current = callSid;
        if (html) { document.title = "☎ " + document.title.replace(/^☎ /, ""); }
      });
  }

  function tick() {
    if (busy) { return; }
    busy = true;
    fetch(box.dataset.now, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (now) {
        if (now && (now.call || "") !== current) { return show(now.call || ""); }
        // Picked up since the card popped: bring the filing form in (once; never over typing).
        var settled = box.querySelector("[data-testid=file-message], [data-filed=yes]");
        if (now && now.call && now.answered && !settled) {
          return show(now.call);
        }
        return null;
      })
      .catch(function () { /* a dropped poll: the next one retries */ })
      .then(function () { busy = false; });
  }

  window.setInterval(tick, 500);
})();
