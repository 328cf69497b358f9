// The browser phone, when Twilio's Voice SDK is served (static/vendor/twilio-voice.min.js): it
// registers with the operator's identity, rings on the calls routing dials to it, answers with the
// card's button (or by itself when the caller comes back from hold), and mutes the microphone on
// the device itself before the console records the mute. Without the SDK the console works the
// same; the phone is then whatever the operator's identity rings (the simulator's, in tests).
(function () {
  "use strict";
  var box = document.getElementById("call-card");
  if (!box || !window.Twilio || !window.Twilio.Device) { return; }
  var active = null;
  var ringing = null;

  function answerButton() { return box.querySelector("[data-phone=answer]"); }

  function accept(call) {
    call.accept();
    active = call;
    ringing = null;
    var button = answerButton();
    if (button) { button.hidden = true; }
    call.on("disconnect", function () { if (active === call) { active = null; } });
  }

  function offer(call) {
    // A resume rings this operator again: pick up at once, they asked for it.
    if (sessionStorage.getItem("resuming") === box.dataset.current) {
      sessionStorage.removeItem("resuming");
      accept(call);
      return;
    }
    ringing = call;
    var button = answerButton();
    if (button) { button.hidden = false; }
    call.on("cancel", function () { if (ringing === call) { ringing = null; } });
  }

  fetch(box.dataset.phoneToken || "/console/phone-token", { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (grant) {
      if (!grant) { return; }
      var device = new window.Twilio.Device(grant.token, { closeProtection: true });
      device.on("incoming", offer);
      device.register();
    })
    .catch(function () { /* no browser phone: the console still works */ });

  box.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("[data-phone=answer]") && ringing) {
      accept(ringing);
    }
  });

  box.addEventListener("submit", function (event) {
    var form = event.target;
    var kind = form.dataset ? form.dataset.phone : "";
    if (active && (kind === "mute" || kind === "unmute")) { active.mute(kind === "mute"); }
    if (form.action && /\/resume$/.test(form.action)) {
      sessionStorage.setItem("resuming", box.dataset.current);
    }
  });
})();
