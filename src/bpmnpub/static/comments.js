/* bpmnpub comments (templates/requests/_sections.html): "ส่งความเห็น" sends the comment alone, without
   reloading, so nothing typed in a task form on the same page is touched. Without this script the comment
   still works: on a task page it travels with the task form and the page comes back with the form kept. */
(function () {
  "use strict";

  function send(button) {
    var box = button.closest("[data-comment-form]");
    var body = box.querySelector("textarea[name=body]");
    var status = box.querySelector("[data-comment-status]");
    var token = button.form && button.form.querySelector("input[name=csrf_token]");
    var list = document.querySelector("[data-comments]");
    if (!body.value.trim()) {
      status.textContent = button.getAttribute("data-empty") || "";
      body.focus();
      return;
    }
    var data = new FormData();
    data.append("body", body.value);
    if (token) { data.append("csrf_token", token.value); }
    button.disabled = true;
    fetch(button.getAttribute("data-url"), {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (result) {
      if (!result.ok) { status.textContent = result.json.error || button.getAttribute("data-failed"); return; }
      var empty = list.querySelector("[data-comments-empty]");
      if (empty) { empty.remove(); }
      list.insertAdjacentHTML("beforeend", result.json.html);
      var count = document.querySelector("#comments-title .count");
      if (count) { count.textContent = String(list.querySelectorAll("li:not([data-comments-empty])").length); }
      body.value = "";
      status.textContent = button.getAttribute("data-sent") || "";
    }).catch(function () {
      status.textContent = button.getAttribute("data-failed") || "";
    }).then(function () { button.disabled = false; });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target && target.closest("[data-comment-send]");
    if (!button || !window.fetch) { return; }
    event.preventDefault();
    send(button);
  });
})();
