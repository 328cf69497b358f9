// The wallboard redraws its board every few seconds from the server's own rendering.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var every = parseInt(board.dataset.every, 10) || 5000;
  function refresh() {
    fetch(board.dataset.src, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (html) { board.innerHTML = html; board.classList.remove("stale"); })
      .catch(function () { board.classList.add("stale"); })
      .finally(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
})();
