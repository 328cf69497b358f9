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

  // The state line and the highlighted state button follow the call: after-call work starts when
  // the call ends (with its time left), and a call that is over loses its controls (the filing
  // form stays as typed).
  function showState(now) {
    if (!stateLine || !now.state) { return; }
    var text = now.state_line || now.state_label;
    if (now.after_call_left_s !== null && now.after_call_left_s !== undefined) {
      text += " " + stateLine.dataset.left.replace("{s}", String(now.after_call_left_s));
    }
    stateLine.textContent = text;
    stateLine.dataset.state = now.state;
    // The highlighted button is the state the operator is in; on a call none is.
    document.querySelectorAll("[data-state-button]").forEach(function (button) {
      var mine = button.dataset.stateButton === now.state;
      button.classList.toggle("primary-inline", mine);
      if (mine) { button.setAttribute("aria-current", "true"); } else { button.removeAttribute("aria-current"); }
    });
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

  // Opening an FAQ entry or product found by search counts it for the shop's monthly "most
  // asked": a beacon, so the console never waits for it (the server counts one per call and entry).
  box.addEventListener("toggle", function (event) {
    var entry = event.target;
    var results = entry.closest ? entry.closest("[data-hit-url]") : null;
    if (!entry.open || !results || !entry.dataset.entry || entry.dataset.sent) { return; }
    entry.dataset.sent = "yes";
    var form = new FormData();
    form.append("kind", entry.dataset.kind || "");
    form.append("entry", entry.dataset.entry);
    form.append("csrf_token", results.dataset.csrf || "");
    if (navigator.sendBeacon && navigator.sendBeacon(results.dataset.hitUrl, form)) { return; }
    fetch(results.dataset.hitUrl, { method: "POST", body: form, credentials: "same-origin", keepalive: true })
      .catch(function () { /* a lost hit only undercounts */ });
  }, true);

  window.setInterval(tick, 500);
})();
