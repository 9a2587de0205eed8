/* bpmnpub Buddhist-era date picker for the form macro's date fields (input[data-f-date], วว/ดด/ปปปป พ.ศ.).
   The text box stays what it is: typing 15/01/2569 (or 15012569, Thai digits) still works and is what
   the server reads (web/formdata.py). The picker only writes that text for you.

   A button beside each date field opens a calendar: Thai month names, the year in พ.ศ., a grid of days
   (a WAI-ARIA date picker dialog). Keys in the grid: arrows = a day / a week, PageUp/PageDown = a month,
   Shift+PageUp/PageDown = a year, Home/End = the start/end of the week, Enter or Space = choose,
   Escape = close without choosing; focus returns to the button. On a phone it opens as a sheet at the
   bottom of the screen with large targets. Texts come from #f-datepicker-text (translated by the page). */
(function () {
  "use strict";

  var BE = 543;
  var text = null;
  var open = null; // {input, button, dialog, shown: Date (first of the shown month), focus: Date}

  function t(name, fallback) {
    return (text && text.getAttribute("data-" + name)) || fallback;
  }

  var MONTHS = "มกราคม,กุมภาพันธ์,มีนาคม,เมษายน,พฤษภาคม,มิถุนายน,กรกฎาคม,สิงหาคม,กันยายน,ตุลาคม,พฤศจิกายน,ธันวาคม";

  function list(name, fallback) {
    return t(name, fallback || (name === "months" ? MONTHS : "")).split(",");
  }

  function pad(n) { return ("0" + n).slice(-2); }

  function parse(value) {
    var v = value.trim().replace(/[๐-๙]/g, function (d) { return String(d.charCodeAt(0) - 0x0E50); });
    var m = /^(\d{1,2})[.\-\s/](\d{1,2})[.\-\s/](\d{4})$/.exec(v) || /^(\d{2})(\d{2})(\d{4})$/.exec(v);
    if (!m) { return null; }
    var year = parseInt(m[3], 10) - BE;
    var day = new Date(year, parseInt(m[2], 10) - 1, parseInt(m[1], 10));
    return day.getDate() === parseInt(m[1], 10) ? day : null;
  }

  function format(day) {
    return pad(day.getDate()) + "/" + pad(day.getMonth() + 1) + "/" + (day.getFullYear() + BE);
  }

  function sameDay(a, b) {
    return a && b && a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() &&
      a.getDate() === b.getDate();
  }

  function longName(day) {
    return day.getDate() + " " + list("months")[day.getMonth()] + " " + (day.getFullYear() + BE);
  }

  function el(tag, cls, textContent) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (textContent !== undefined) { node.textContent = textContent; }
    return node;
  }

  function build(input) {
    var id = input.id + "-picker";
    var dialog = el("div", "f-picker");
    dialog.id = id;
    dialog.hidden = true;
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-modal", "false");
    dialog.setAttribute("aria-label", t("title", "เลือกวันที่"));

    var head = el("div", "f-picker-head");
    var prev = el("button", "f-picker-nav", "‹");
    prev.type = "button";
    prev.setAttribute("aria-label", t("prev", "เดือนก่อน"));
    prev.setAttribute("data-picker-step", "-1");
    var month = el("select", "f-picker-month");
    month.setAttribute("aria-label", t("month", "เลือกเดือน"));
    list("months").forEach(function (name, i) {
      var option = el("option", "", name);
      option.value = String(i);
      month.appendChild(option);
    });
    var year = el("select", "f-picker-year");
    year.setAttribute("aria-label", t("year", "ปี พ.ศ."));
    var next = el("button", "f-picker-nav", "›");
    next.type = "button";
    next.setAttribute("aria-label", t("next", "เดือนถัดไป"));
    next.setAttribute("data-picker-step", "1");
    head.appendChild(prev);
    head.appendChild(month);
    head.appendChild(year);
    head.appendChild(next);

    var grid = el("table", "f-picker-grid");
    grid.setAttribute("role", "grid");
    var thead = el("thead");
    var row = el("tr");
    list("days", "อา,จ,อ,พ,พฤ,ศ,ส").forEach(function (name, i) {
      var th = el("th", "", name);
      th.scope = "col";
      th.setAttribute("abbr", list("days-long", "อาทิตย์,จันทร์,อังคาร,พุธ,พฤหัสบดี,ศุกร์,เสาร์")[i]);
      row.appendChild(th);
    });
    thead.appendChild(row);
    grid.appendChild(thead);
    grid.appendChild(el("tbody"));

    var foot = el("div", "f-picker-foot");
    var today = el("button", "f-picker-today", t("today", "วันนี้"));
    today.type = "button";
    var close = el("button", "f-picker-close", t("close", "ปิด"));
    close.type = "button";
    foot.appendChild(today);
    foot.appendChild(close);

    dialog.appendChild(head);
    dialog.appendChild(grid);
    dialog.appendChild(foot);

    month.addEventListener("change", function () {
      moveTo(new Date(open.shown.getFullYear(), parseInt(month.value, 10), 1), false);
    });
    year.addEventListener("change", function () {
      moveTo(new Date(parseInt(year.value, 10) - BE, open.shown.getMonth(), 1), false);
    });
    prev.addEventListener("click", function () { stepMonth(-1, false); });
    next.addEventListener("click", function () { stepMonth(1, false); });
    today.addEventListener("click", function () { choose(new Date()); });
    close.addEventListener("click", function () { hide(true); });
    grid.addEventListener("click", function (event) {
      var cell = event.target instanceof Element ? event.target.closest("[data-day]") : null;
      if (cell) { choose(fromKey(cell.getAttribute("data-day"))); }
    });
    grid.addEventListener("keydown", gridKeys);
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); hide(true); }
      if (event.key === "Tab") { trapTab(event); }
    });
    return dialog;
  }

  function key(day) { return day.getFullYear() + "-" + (day.getMonth() + 1) + "-" + day.getDate(); }

  function fromKey(value) {
    var p = value.split("-");
    return new Date(parseInt(p[0], 10), parseInt(p[1], 10) - 1, parseInt(p[2], 10));
  }

  function fillYears(select, around) {
    var now = new Date().getFullYear();
    var low = Math.min(now - 80, around - 5);
    var high = Math.max(now + 10, around + 5);
    if (select.getAttribute("data-low") === String(low) && select.getAttribute("data-high") === String(high)) {
      return;
    }
    select.textContent = "";
    for (var y = high; y >= low; y -= 1) {
      var option = el("option", "", String(y + BE));
      option.value = String(y + BE);
      select.appendChild(option);
    }
    select.setAttribute("data-low", String(low));
    select.setAttribute("data-high", String(high));
  }

  function render() {
    var dialog = open.dialog;
    var shown = open.shown;
    var chosen = parse(open.input.value);
    var today = new Date();
    dialog.querySelector(".f-picker-month").value = String(shown.getMonth());
    var year = dialog.querySelector(".f-picker-year");
    fillYears(year, shown.getFullYear());
    year.value = String(shown.getFullYear() + BE);
    var body = dialog.querySelector("tbody");
    body.textContent = "";
    var first = new Date(shown.getFullYear(), shown.getMonth(), 1);
    var start = new Date(first);
    start.setDate(1 - first.getDay());
    for (var w = 0; w < 6; w += 1) {
      var row = el("tr");
      for (var d = 0; d < 7; d += 1) {
        var day = new Date(start.getFullYear(), start.getMonth(), start.getDate() + w * 7 + d);
        var cell = el("td");
        if (day.getMonth() === shown.getMonth()) {
          var button = el("button", "f-picker-day", String(day.getDate()));
          button.type = "button";
          button.setAttribute("data-day", key(day));
          button.setAttribute("aria-label", longName(day));
          button.tabIndex = sameDay(day, open.focus) ? 0 : -1;
          if (sameDay(day, chosen)) { button.setAttribute("aria-pressed", "true"); button.classList.add("chosen"); }
          if (sameDay(day, today)) { button.setAttribute("aria-current", "date"); button.classList.add("today"); }
          cell.appendChild(button);
        }
        row.appendChild(cell);
      }
      body.appendChild(row);
    }
  }

  function focusDay() {
    var button = open.dialog.querySelector('[data-day="' + key(open.focus) + '"]');
    if (button) { button.focus(); }
  }

  function moveTo(day, focusGrid) {
    open.focus = day;
    open.shown = new Date(day.getFullYear(), day.getMonth(), 1);
    render();
    if (focusGrid) { focusDay(); }
  }

  function stepMonth(n, focusGrid) {
    var f = open.focus;
    var target = new Date(f.getFullYear(), f.getMonth() + n, 1);
    var last = new Date(target.getFullYear(), target.getMonth() + 1, 0).getDate();
    moveTo(new Date(target.getFullYear(), target.getMonth(), Math.min(f.getDate(), last)), focusGrid);
  }

  function gridKeys(event) {
    if (!(event.target instanceof Element) || !event.target.hasAttribute("data-day")) { return; }
    var f = open.focus;
    var day = null;
    switch (event.key) {
      case "ArrowLeft": day = new Date(f.getFullYear(), f.getMonth(), f.getDate() - 1); break;
      case "ArrowRight": day = new Date(f.getFullYear(), f.getMonth(), f.getDate() + 1); break;
      case "ArrowUp": day = new Date(f.getFullYear(), f.getMonth(), f.getDate() - 7); break;
      case "ArrowDown": day = new Date(f.getFullYear(), f.getMonth(), f.getDate() + 7); break;
      case "Home": day = new Date(f.getFullYear(), f.getMonth(), f.getDate() - f.getDay()); break;
      case "End": day = new Date(f.getFullYear(), f.getMonth(), f.getDate() + 6 - f.getDay()); break;
      case "PageUp": event.preventDefault(); stepMonth(event.shiftKey ? -12 : -1, true); return;
      case "PageDown": event.preventDefault(); stepMonth(event.shiftKey ? 12 : 1, true); return;
      case "Enter": case " ": event.preventDefault(); choose(f); return;
      default: return;
    }
    event.preventDefault();
    moveTo(day, true);
  }

  function trapTab(event) {
    var items = Array.prototype.filter.call(
      open.dialog.querySelectorAll("button, select"),
      function (node) { return node.tabIndex >= 0 && !node.disabled; }
    );
    if (!items.length) { return; }
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  }

  function choose(day) {
    var input = open.input;
    input.value = format(day);
    hide(false);
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    input.focus();
  }

  function show(input, button) {
    if (open) { hide(false); }
    var dialog = document.getElementById(input.id + "-picker");
    var chosen = parse(input.value);
    var focus = chosen || new Date();
    open = { input: input, button: button, dialog: dialog, shown: null, focus: focus };
    open.shown = new Date(focus.getFullYear(), focus.getMonth(), 1);
    dialog.hidden = false;
    button.setAttribute("aria-expanded", "true");
    document.documentElement.classList.add("f-picker-open");
    render();
    focusDay();
  }

  function hide(refocus) {
    if (!open) { return; }
    open.dialog.hidden = true;
    open.button.setAttribute("aria-expanded", "false");
    document.documentElement.classList.remove("f-picker-open");
    var button = open.button;
    open = null;
    if (refocus) { button.focus(); }
  }

  function icon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "22");
    svg.setAttribute("height", "22");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    [["rect", { x: "3", y: "5", width: "18", height: "16", rx: "2" }],
     ["line", { x1: "3", y1: "10", x2: "21", y2: "10" }],
     ["line", { x1: "8", y1: "3", x2: "8", y2: "7" }],
     ["line", { x1: "16", y1: "3", x2: "16", y2: "7" }]].forEach(function (part) {
      var node = document.createElementNS(ns, part[0]);
      Object.keys(part[1]).forEach(function (k) { node.setAttribute(k, part[1][k]); });
      svg.appendChild(node);
    });
    return svg;
  }

  function attach(input) {
    if (input.hasAttribute("data-picker-ready") || !input.id) { return; }
    input.setAttribute("data-picker-ready", "");
    var wrap = el("span", "f-date-wrap");
    input.parentNode.insertBefore(wrap, input);
    wrap.appendChild(input);
    var button = el("button", "f-picker-open");
    button.type = "button";
    button.setAttribute("aria-haspopup", "dialog");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", input.id + "-picker");
    // the button's name does not repeat the field's label: the label names the text box alone
    button.setAttribute("aria-label", t("open", "เลือกวันที่จากปฏิทิน"));
    button.appendChild(icon());
    wrap.appendChild(button);
    // made now (hidden), so that aria-controls names an element that exists
    button.insertAdjacentElement("afterend", build(input));
    button.addEventListener("click", function () {
      if (open && open.input === input) { hide(true); } else { show(input, button); }
    });
  }

  function init() {
    text = document.getElementById("f-datepicker-text");
    document.querySelectorAll("input[data-f-date]").forEach(attach);
    // rows added later (a repeatable fieldset's "add") get their buttons as they appear
    if (window.MutationObserver) {
      new MutationObserver(function (changes) {
        changes.forEach(function (change) {
          change.addedNodes.forEach(function (node) {
            if (node instanceof Element) { node.querySelectorAll("input[data-f-date]").forEach(attach); }
          });
        });
      }).observe(document.body, { childList: true, subtree: true });
    }
    document.addEventListener("mousedown", function (event) {
      if (!open || !(event.target instanceof Node)) { return; }
      if (open.dialog.contains(event.target) || open.button.contains(event.target)) { return; }
      hide(false);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
