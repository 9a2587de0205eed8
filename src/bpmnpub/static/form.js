/* bpmnpub task forms (templates/_macros/form.html): add / remove rows of repeatable fieldsets,
   tidy B.E. dates, focus the error summary. No dependencies; the form works without it for the rows
   already on the page (the server renumbers rows, so gaps left by removed rows are fine). */
(function () {
  "use strict";

  function children(parent, selector) {
    return Array.prototype.filter.call(parent.children, function (el) { return el.matches(selector); });
  }

  function renumber(rows) {
    children(rows, "[data-f-row]").forEach(function (row, i) {
      children(row, "legend, [data-f-remove]").forEach(function (el) {
        el.querySelectorAll("[data-f-num]").forEach(function (num) { num.textContent = String(i + 1); });
      });
    });
  }

  function showButtons(root) {
    root.querySelectorAll("[data-f-add], [data-f-remove]").forEach(function (b) { b.hidden = false; });
  }

  function addRow(array) {
    var rows = children(array, "[data-f-rows]")[0];
    var template = children(array, "template[data-f-template]")[0];
    if (!rows || !template) { return; }
    var next = parseInt(rows.getAttribute("data-f-next"), 10) || 0;
    var count = children(rows, "[data-f-row]").length;
    rows.insertAdjacentHTML("beforeend",
      template.innerHTML.replace(/__i__/g, String(next)).replace(/__n__/g, String(count + 1)));
    rows.setAttribute("data-f-next", String(next + 1));
    var row = rows.lastElementChild;
    showButtons(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  }

  function removeRow(button) {
    var row = button.closest("[data-f-row]");
    if (!row) { return; }
    var rows = row.parentElement;
    var array = rows.closest("[data-f-array]");
    row.remove();
    renumber(rows);
    var add = array && children(array, "[data-f-add]")[0];
    if (add) { add.focus(); }
  }

  function tidyDate(input) {
    var v = input.value.trim().replace(/[๐-๙]/g, function (d) { return String(d.charCodeAt(0) - 0x0E50); });
    var m = /^(\d{2})(\d{2})(\d{4})$/.exec(v) || /^(\d{1,2})[.\-\s/](\d{1,2})[.\-\s/](\d{4})$/.exec(v);
    if (m) {
      input.value = ("0" + m[1]).slice(-2) + "/" + ("0" + m[2]).slice(-2) + "/" + m[3];
    }
  }

  // A counter instead of the browser's silent cut at maxlength: the server refuses what is too long
  // with a message, and the counter says so while typing.
  function counter(input) {
    var max = parseInt(input.getAttribute("data-f-max"), 10);
    var out = document.getElementById(input.id + "-count");
    if (!out) {
      out = document.createElement("p");
      out.id = input.id + "-count";
      out.className = "f-count";
      out.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", out);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", (described ? described + " " : "") + out.id);
    }
    var length = Array.from(input.value).length;
    out.textContent = length + " / " + max;
    // Long texts (a description of 5000) count only near their end; short ones (a title) always.
    out.hidden = max > 500 && length < max * 0.8;
    out.classList.toggle("f-count-over", length > max);
  }

  function megabytes(size) { return (size / (1024 * 1024)).toFixed(1) + " MB"; }

  // The limits of web/tasks.upload_limits, checked before a large file travels for nothing.
  function uploadProblem(form) {
    var perFile = parseInt(form.getAttribute("data-max-file"), 10);
    var total = parseInt(form.getAttribute("data-max-total"), 10);
    var sum = 0;
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) {
      var chosen = inputs[i].files || [];
      for (var j = 0; j < chosen.length; j++) {
        sum += chosen[j].size;
        if (perFile && chosen[j].size > perFile) {
          return { input: inputs[i], text: form.getAttribute("data-too-large").replace("{name}", chosen[j].name) + " (" + megabytes(chosen[j].size) + ")" };
        }
      }
    }
    if (total && sum > total) {
      return { input: inputs[0], text: form.getAttribute("data-total-too-large") + " (" + megabytes(sum) + ")" };
    }
    return null;
  }

  function showUploadProblem(form) {
    var box = form.querySelector("[data-upload-problem]");
    var problem = uploadProblem(form);
    if (box) {
      box.hidden = !problem;
      box.textContent = problem ? problem.text : "";
      if (problem) { problem.input.insertAdjacentElement("afterend", box); }  // said where it happened
    }
    return problem;
  }

  // The limit is stated at the top of the form for everyone; with script it moves next to the file
  // field it is about.
  function placeLimit(form) {
    var note = form.querySelector(".upload-limit");
    var input = form.querySelector("input[type=file]");
    if (!note || !input) { return; }
    input.insertAdjacentElement("beforebegin", note);
    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
  }

  // A field in sight, not under the task page's decision bar (sticky on a desk, fixed on a phone).
  function showAboveBar(field) {
    field.scrollIntoView({ block: "nearest" });
    var form = field.closest("form");
    var bar = form && form.querySelector(".task-actions");
    if (!bar) { return; }
    var box = field.getBoundingClientRect();
    var hidden = box.bottom - bar.getBoundingClientRect().top;
    if (hidden > 0) { window.scrollBy(0, Math.min(hidden + 8, Math.max(box.top - 8, 0))); }
  }

  function init() {
    document.querySelectorAll("form[data-max-file]").forEach(placeLimit);
    document.querySelectorAll("[data-f-max]").forEach(counter);
    document.addEventListener("input", function (event) {
      var target = event.target;
      if (target instanceof Element && target.hasAttribute("data-f-max")) { counter(target); }
    });
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-max-file")) { return; }
      var problem = showUploadProblem(form);
      if (problem) {
        event.preventDefault();
        problem.input.focus();
      }
    });
    document.querySelectorAll("[data-f-array]").forEach(showButtons);
    document.addEventListener("click", function (event) {
      var target = event.target instanceof Element ? event.target : null;
      var add = target && target.closest("[data-f-add]");
      if (add) { addRow(add.closest("[data-f-array]")); return; }
      var remove = target && target.closest("[data-f-remove]");
      if (remove) { removeRow(remove); }
    });
    document.addEventListener("change", function (event) {
      var target = event.target;
      if (target instanceof HTMLInputElement && target.hasAttribute("data-f-date")) { tidyDate(target); }
      if (target instanceof HTMLInputElement && target.type === "file" && target.form &&
          target.form.hasAttribute("data-max-file")) { showUploadProblem(target.form); }
    });
    var summary = document.getElementById("f-error-summary");
    if (summary) {
      summary.focus();
      // ... and the first field in error in sight too (above a phone's decision bar: scroll-padding-bottom)
      var first = document.querySelector(".f-field.f-has-error");
      if (first && !first.closest(".task-actions")) {
        showAboveBar(first);
        // ... and again when what is above it changed height (fonts, pictures, a PDF preview that opened
        // or failed), until the reader moves on their own
        var moved = false;
        ["wheel", "touchmove", "keydown", "pointerdown"].forEach(function (kind) {
          window.addEventListener(kind, function () { moved = true; }, { once: true, passive: true });
        });
        var again = function () { if (!moved) { showAboveBar(first); } };
        if (document.fonts && document.fonts.ready) { document.fonts.ready.then(again); }
        window.addEventListener("load", again, { once: true });
        document.addEventListener("pdfpreview:settled", again);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
