/* Answering pages: autosave while typing, a local copy of unsaved answers, submit once.
 *
 * The pages work without this file (every button posts the page and the server saves it).
 * With it, answers are also sent about two seconds after the last keystroke, and until the
 * server confirms them they are kept in localStorage, so a closed tab, a dropped connection or
 * an expired session loses nothing. The copy remembers which saved state it was typed on
 * (data-saved-at): it is restored only if the server has not saved anything newer since.
 */
(function () {
  "use strict";

  var DELAY_MS = 2000;

  // With scripts on, showif.js hides what does not apply: the "shown if" notes are for pages without them.
  document.documentElement.classList.add("has-respond-js");

  /* "15:28": the 24-hour Lima time every other page shows, whatever the device's clock format or zone. */
  function limaTime(date) {
    try {
      return new Intl.DateTimeFormat("es-PE", {
        hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: "America/Lima"
      }).format(date);
    } catch (e) {
      // Lima is UTC-5 all year (no daylight saving time).
      var lima = new Date(date.getTime() - 5 * 3600 * 1000);
      return ("0" + lima.getUTCHours()).slice(-2) + ":" + ("0" + lima.getUTCMinutes()).slice(-2);
    }
  }

  function submitOnce(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
  }

  function focusErrorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }

  function Autosave(form) {
    this.form = form;
    this.url = form.getAttribute("data-autosave-url");
    this.key = form.getAttribute("data-storage-key");
    this.status = document.getElementById("save-status");
    this.timer = null;
    this.dirty = false;
    this.busy = false;
    this.leaving = false;
  }

  /* The form's text entries: a chosen file is never autosaved or copied (it is sent with "Adjuntar"),
   * and a script may not put one back into a file input (setting its value throws). */
  function textEntries(form) {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { pairs.push([name, value]); }
    });
    return pairs;
  }

  Autosave.prototype.fields = function () {
    return textEntries(this.form).filter(function (pair) {
      return pair[0] !== "csrf_token" && pair[0] !== "nav";
    });
  };

  Autosave.prototype.say = function (kind, time) {
    if (!this.status) { return; }
    var text = this.status.getAttribute("data-" + kind) || "";
    this.status.textContent = text.replace("{time}", time || "");
  };

  Autosave.prototype.mirror = function () {
    try {
      localStorage.setItem(this.key, JSON.stringify({
        base: this.form.getAttribute("data-saved-at"), fields: this.fields()
      }));
    } catch (e) { /* storage full or disabled: the server copy still works */ }
  };

  Autosave.prototype.forget = function () {
    try { localStorage.removeItem(this.key); } catch (e) { /* nothing to forget */ }
  };

  /* Copies typed on an older saved state are stale (the page posts saved them): drop them. */
  Autosave.prototype.sweep = function () {
    var prefix = this.key.slice(0, this.key.lastIndexOf(":") + 1);
    var current = this.form.getAttribute("data-saved-at");
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var name = localStorage.key(i);
        if (name && name !== this.key && name.indexOf(prefix) === 0) {
          var copy = JSON.parse(localStorage.getItem(name) || "null");
          if (!copy || copy.base !== current) { localStorage.removeItem(name); }
        }
      }
    } catch (e) { /* storage disabled */ }
  };

  Autosave.prototype.restore = function () {
    var copy;
    try { copy = JSON.parse(localStorage.getItem(this.key) || "null"); } catch (e) { copy = null; }
    if (!copy || !Array.isArray(copy.fields)) { return; }
    if (copy.base !== this.form.getAttribute("data-saved-at")) {
      this.forget();  // the server saved something newer (maybe from another device)
      return;
    }
    if (JSON.stringify(copy.fields) === JSON.stringify(this.fields())) { this.forget(); return; }
    var values = {};
    copy.fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    Array.prototype.forEach.call(this.form.elements, function (el) {
      if (!el.name || el.name === "csrf_token" || el.type === "submit" || el.type === "hidden" ||
          el.type === "file") { return; }
      var wanted = values[el.name] || [];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = wanted.indexOf(el.value) >= 0;
      } else {
        el.value = wanted.length ? wanted[0] : "";
      }
    });
    if (window.surveyShowIf) { window.surveyShowIf.update(this.form); }
    this.say("restored");
    this.changed();
  };

  Autosave.prototype.changed = function () {
    var self = this;
    this.dirty = true;
    this.mirror();
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.save(); }, DELAY_MS);
  };

  Autosave.prototype.body = function () {
    var data = new URLSearchParams(textEntries(this.form));
    data.delete("nav");
    data.set("_section", this.form.getAttribute("data-section"));
    return data;
  };

  Autosave.prototype.token = function () {
    var input = this.form.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  };

  Autosave.prototype.save = function () {
    var self = this;
    this.timer = null;
    if (!this.dirty || this.leaving) { return; }
    if (this.busy) { this.timer = setTimeout(function () { self.save(); }, DELAY_MS); return; }
    var sent = JSON.stringify(this.fields());
    this.dirty = false;
    this.busy = true;
    this.say("saving");
    fetch(this.url, {
      method: "POST", body: this.body(), credentials: "same-origin",
      headers: { "X-CSRFToken": this.token(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }).then(function (result) {
      self.busy = false;
      var data = result.data || {};
      if (result.status === 200 && data.ok) {
        self.form.setAttribute("data-saved-at", data.saved_at);
        self.shared(data);
        if (!self.dirty && sent === JSON.stringify(self.fields())) { self.forget(); } else { self.mirror(); }
        self.say("saved", limaTime(new Date()));
      } else if (data.error === "csrf" && data.csrf_token) {
        var input = self.form.querySelector("input[name=csrf_token]");
        if (input) { input.value = data.csrf_token; }
        self.changed();
      } else if (data.error !== "closed") {
        self.dirty = true;
        self.say("failed");
      }
    }).catch(function () {
      self.busy = false;
      self.dirty = true;
      self.say(navigator.onLine === false ? "offline" : "failed");
    });
  };

  /* A response shared by an organisation: the answers as now saved become the page's reference
   * (a later save overwrites only what changed since), and a colleague's change to a question this
   * official also changed is said, with both values; the server kept the colleague's. */
  Autosave.prototype.shared = function (data) {
    var seen = this.form.querySelector("input[data-seen]");
    if (seen && data.seen) { seen.value = data.seen; }
    var box = this.form.querySelector("[data-conflicts]");
    if (!box || !Array.isArray(data.conflicts)) { return; }
    box.textContent = "";
    data.conflicts.forEach(function (text) {
      var notice = document.createElement("div");
      notice.className = "flash flash-error conflict-notice";
      notice.setAttribute("role", "alert");
      notice.textContent = text;
      box.appendChild(notice);
    });
    var line = document.querySelector("[data-last-change]");
    if (line && data.last_change) { line.textContent = data.last_change; }
  };

  Autosave.prototype.start = function () {
    var self = this;
    this.sweep();
    this.restore();
    this.form.addEventListener("input", function () { self.changed(); });
    this.form.addEventListener("change", function () { self.changed(); });
    this.form.addEventListener("submit", function () {
      // The page post saves everything; a late autosave must not move the resume point back.
      self.leaving = true;
      clearTimeout(self.timer);
      if (self.dirty) { self.mirror(); }
    });
    window.addEventListener("online", function () { if (self.dirty) { self.save(); } });
    window.addEventListener("pagehide", function () {
      if (self.dirty && !self.leaving && navigator.sendBeacon) {
        var data = self.body();
        data.set("csrf_token", self.token());
        navigator.sendBeacon(self.url, data);
      }
    });
  };

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-submit-once]"), submitOnce);
    focusErrorSummary();
    var form = document.querySelector("form[data-autosave-url]");
    if (form && window.fetch && window.URLSearchParams) { new Autosave(form).start(); }
  });
}());
