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

  var stateLine = document.querySelector("[data-testid=my-state]");
  var lastState = stateLine ? stateLine.dataset.state : "";

  // The state line follows the call: after-call work starts when the call ends (with its time
  // left), and a call that is over loses its controls (the filing form stays as typed).
  function showState(now) {
    if (!stateLine || !now.state) { return; }
    var text = now.state_label;
    if (now.after_call_left_s !== null && now.after_call_left_s !== undefined) {
      text += " " + stateLine.dataset.left.replace("{s}", String(now.after_call_left_s));
    }
    stateLine.textContent = text;
    stateLine.dataset.state = now.state;
    if (lastState === "on_call" && now.state !== "on_call") {
      box.querySelectorAll("[data-live-only]").forEach(function (el) { el.remove(); });
    }
    lastState = now.state;
  }

  function tick() {
    if (busy) { return; }
    busy = true;
    fetch(box.dataset.now, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (now) {
        if (now) { showState(now); }
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
