// Paint coverage bands on a 48-cell grid per weekday, kept in step with the typed bands.
// The text fields stay the source of truth: without this script, typing works the same.
(function () {
  "use strict";
  var SLOTS = 48;

  function parse(text) {
    var bands = [];
    text.split(/[,、，\s]+(?=\d)/).forEach(function (piece) {
      var m = piece.trim().match(/^(\d{1,2}):?(\d{2})\s*[-–〜~]\s*(\d{1,2}):?(\d{2})$/);
      if (!m) { return; }
      var start = (+m[1]) * 60 + (+m[2]);
      var end = (+m[3]) * 60 + (+m[4]);
      if (end <= start) { end += 1440; }
      bands.push([start, end]);
    });
    return bands;
  }

  function fmt(minutes) {
    if (minutes > 1440) { minutes -= 1440; }
    var h = Math.floor(minutes / 60), m = minutes % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function cellsFrom(bands) {
    var on = [];
    for (var i = 0; i < SLOTS; i++) { on.push(false); }
    bands.forEach(function (b) {
      for (var t = b[0]; t < Math.min(b[1], 1440); t += 30) { on[t / 30] = true; }
    });
    return on;
  }

  function textFrom(on, spill) {
    var bands = [], start = null;
    for (var i = 0; i <= SLOTS; i++) {
      if (i < SLOTS && on[i] && start === null) { start = i * 30; }
      if ((i === SLOTS || !on[i]) && start !== null) { bands.push([start, i * 30]); start = null; }
    }
    return bands.map(function (b) {
      var end = b[1] === 1440 && spill > 1440 ? spill : b[1];
      return fmt(b[0]) + "-" + (end === 1440 ? "24:00" : fmt(end));
    }).join(", ");
  }

  function setup(input, grid) {
    var painting = null;
    var cells = [];
    for (var i = 0; i < SLOTS; i++) {
      var cell = document.createElement("span");
      cell.className = "slot" + (i % 2 === 0 ? " hour" : "");
      cell.dataset.slot = String(i);
      grid.appendChild(cell);
      cells.push(cell);
    }
    function spill() {
      var bands = parse(input.value), last = 0;
      bands.forEach(function (b) { if (b[1] > last) { last = b[1]; } });
      return last;
    }
    function draw() {
      var on = cellsFrom(parse(input.value));
      cells.forEach(function (c, i) { c.classList.toggle("on", on[i]); });
    }
    var lastSlot = null;
    function paint(cell) {
      // A fast drag skips cells: paint every slot between the last one and this one.
      var on = cells.map(function (c) { return c.classList.contains("on"); });
      var slot = +cell.dataset.slot;
      var from = lastSlot === null ? slot : Math.min(lastSlot, slot);
      var to = lastSlot === null ? slot : Math.max(lastSlot, slot);
      for (var i = from; i <= to; i++) { on[i] = painting; }
      lastSlot = slot;
      input.value = textFrom(on, spill());
      draw();
    }
    if (!input.readOnly) {
      grid.addEventListener("mousedown", function (e) {
        if (!e.target.dataset.slot) { return; }
        painting = !e.target.classList.contains("on");
        lastSlot = null;
        paint(e.target);
        e.preventDefault();
      });
      grid.addEventListener("mouseover", function (e) {
        if (painting !== null && e.target.dataset.slot) { paint(e.target); }
      });
      document.addEventListener("mouseup", function () { painting = null; lastSlot = null; });
    }
    input.addEventListener("input", draw);
    draw();
    return draw;
  }

  var redraw = {};
  document.querySelectorAll("input.bands").forEach(function (input) {
    var grid = document.querySelector('.paint[data-day="' + input.dataset.day + '"]');
    if (grid) { redraw[input.dataset.day] = setup(input, grid); }
  });
  // The projected price for this month and next, asked of billing while the owner edits.
  var form = document.getElementById("coverage-form");
  var box = document.getElementById("price-estimate");
  var timer = null;
  function yen(n) { return "¥" + n.toLocaleString("ja-JP"); }
  function estimate() {
    if (!form || !box) { return; }
    fetch(box.dataset.url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        var ok = result[0], body = result[1];
        if (!ok) { box.querySelector(".estimate-error").textContent = body.message || ""; return; }
        box.querySelector(".estimate-error").textContent = "";
        body.months.forEach(function (m, i) {
          var cell = box.querySelectorAll(".estimate-month")[i];
          if (!cell) { return; }
          cell.querySelector(".label").textContent = m.year + "/" + m.month;
          cell.querySelector(".total").textContent = yen(m.total);
          cell.querySelector(".detail").textContent =
            yen(m.subtotal) + " + " + yen(m.tax) + (m.minimum_applies ? " ・" + box.dataset.minimum : "");
        });
      })
      .catch(function () {});
  }
  function schedule() { clearTimeout(timer); timer = setTimeout(estimate, 250); }
  if (form && box) {
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("mouseup", schedule);
    estimate();
  }

  document.querySelectorAll("select.copy-to").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.value === "") { return; }
      var target = Number(select.value);
      document.getElementById("day_" + target).value =
        document.getElementById("day_" + select.dataset.day).value;
      if (redraw[target]) { redraw[target](); }
      select.value = "";
      schedule();
    });
  });

  document.querySelectorAll("button.copy-day").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.getElementById("day_" + button.dataset.day);
      var last = button.dataset.to === "all" ? 7 : 5;
      for (var d = 0; d < last; d++) {
        document.getElementById("day_" + d).value = source.value;
        if (redraw[d]) { redraw[d](); }
      }
      schedule();
    });
  });
}());
