// The operators board: a row's reason is only asked for when its new state is 離席 (a break).
// Without this script the form works the same; the server refuses a break without its reason.
(function () {
  "use strict";

  function follow(form) {
    var state = form.querySelector("select[name=state]");
    var reason = form.querySelector("select[name=reason]");
    if (!state || !reason) { return; }
    var away = state.value === "break";
    reason.disabled = !away;
    reason.required = away;
    if (!away) { reason.value = ""; }
  }

  document.querySelectorAll("[data-testid=board] form").forEach(function (form) {
    follow(form);
    form.querySelector("select[name=state]").addEventListener("change", function () {
      follow(form);
    });
  });
})();
