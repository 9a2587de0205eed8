/* bpmnpub drafts (templates/tasks/show.html): the task form saves itself as a draft a moment after the
   person stops typing (POST /tasks/<id>/draft, JSON), and says "บันทึกร่างแล้ว เวลา …". Files are not sent
   by the autosave (they go with the "บันทึกร่าง" button or with "ส่ง"). Without this script the button
   still saves the whole form. A step completed or cancelled meanwhile answers 409: the message says so
   and the autosave stops. */
(function () {
  "use strict";

  var DELAY_MS = 1500;

  function start() {
    var form = document.getElementById("task-form");
    var status = document.querySelector("[data-draft-status]");
    if (!form || !status || !window.fetch || !window.FormData) { return; }
    var url = status.getAttribute("data-url");
    var timer = null;
    var busy = false;
    var again = false;
    var stopped = false;

    function fields() {
      var all = new FormData(form);
      var data = new FormData();
      all.forEach(function (value, key) {
        if (typeof value === "string") { data.append(key, value); }
      });
      return data;
    }

    function save() {
      timer = null;
      if (stopped) { return; }
      if (busy) { again = true; return; }
      busy = true;
      status.textContent = status.getAttribute("data-saving") || "";
      fetch(url, {
        method: "POST",
        body: fields(),
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (json) { return { status: response.status, json: json }; });
      }).then(function (result) {
        if (result.status === 200) {
          status.textContent = result.json.text || "";
          status.classList.remove("draft-failed");
          return;
        }
        status.classList.add("draft-failed");
        if (result.status === 409 || result.status === 403 || result.status === 404) { stopped = true; }
        var error = result.json.error;
        status.textContent = (typeof error === "string" ? error : error && error.message) ||
          status.getAttribute("data-failed") || "";
      }).catch(function () {
        status.classList.add("draft-failed");
        status.textContent = status.getAttribute("data-failed") || "";
      }).then(function () {
        busy = false;
        if (again) { again = false; schedule(); }
      });
    }

    function schedule() {
      if (stopped) { return; }
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(save, DELAY_MS);
    }

    function changed(event) {
      var target = event.target;
      if (!(target instanceof Element) || target.type === "file") { return; }
      if (target.form !== form) { return; }
      if (target.name === "body") { return; }  // the comment box is not part of the form's draft
      schedule();
    }

    document.addEventListener("input", changed);
    document.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      stopped = true;  // sending (or saving by the button): no autosave racing it
      if (timer) { clearTimeout(timer); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
