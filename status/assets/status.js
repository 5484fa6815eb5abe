// flinkslo status pages: live filters on the fleet page and a refresh of
// the page's live sections every scrape interval. Everything works
// without it: the filter form submits, and a reload shows the new cycle.
"use strict";
(function () {
  var form = document.querySelector("form.filters");
  var groups = document.querySelector(".groups");

  function unseg(v) { return v === "-" ? "" : v; }

  // filterOf reads the form; a field left empty matches everything.
  function filterOf() {
    var f = {};
    if (!form) { return f; }
    ["team", "namespace", "route", "reason", "health", "q"].forEach(function (k) {
      var el = form.elements[k];
      if (el && el.value !== "") { f[k] = k === "team" || k === "namespace" ? unseg(el.value) : el.value; }
    });
    return f;
  }

  function matches(el, f) {
    var d = el.dataset;
    if ("team" in f && d.team !== f.team) { return false; }
    if ("namespace" in f && d.ns !== f.namespace) { return false; }
    if ("route" in f && d.route !== f.route) { return false; }
    if ("health" in f && d.health !== f.health) { return false; }
    if ("reason" in f && (" " + d.reasons + " ").indexOf(" " + f.reason + " ") < 0) { return false; }
    if ("q" in f && d.name.toLowerCase().indexOf(f.q.toLowerCase()) < 0) { return false; }
    return true;
  }

  // applyFilter hides what does not match and counts what is left. Only
  // when the page holds every job: a filtered page asks the server.
  function applyFilter() {
    if (!groups || groups.dataset.complete !== "true") { return; }
    var f = filterOf();
    var counts = { healthy: 0, unhealthy: 0, suspended: 0 };
    document.querySelectorAll(".grid .tile").forEach(function (t) {
      var ok = matches(t, f);
      t.hidden = !ok;
      if (ok) { counts[t.dataset.health] = (counts[t.dataset.health] || 0) + 1; }
    });
    document.querySelectorAll(".groups .group").forEach(function (g) {
      var shown = g.querySelectorAll(".tile:not([hidden])").length;
      g.hidden = shown === 0;
      var c = g.querySelector("h3 .count");
      if (c) { c.textContent = String(shown); }
    });
    var broken = 0;
    document.querySelectorAll("#broken tr.row").forEach(function (r) {
      var ok = matches(r, f);
      r.hidden = !ok;
      if (ok) { broken++; }
    });
    document.querySelectorAll("#teams tbody tr").forEach(function (r) {
      r.hidden = "team" in f && r.dataset.team !== f.team;
    });
    counts.expected = counts.healthy + counts.unhealthy;
    document.querySelectorAll("#totals [data-count]").forEach(function (el) {
      el.textContent = String(counts[el.dataset.count] || 0);
    });
    var bc = document.querySelector("#broken-h .count");
    if (bc) { bc.textContent = String(broken); }
    var all = document.querySelector("#all-h .count");
    if (all) { all.textContent = String(counts.healthy + counts.unhealthy + counts.suspended); }
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value !== "") { params.set(el.name, el.value); }
    });
    var qs = params.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  if (form) {
    var timer = 0;
    form.addEventListener("change", function (e) {
      if (groups && groups.dataset.complete === "true") { applyFilter(); } else if (e.target.tagName === "SELECT") { form.submit(); }
    });
    form.addEventListener("input", function (e) {
      if (e.target.name !== "q" || !groups || groups.dataset.complete !== "true") { return; }
      clearTimeout(timer);
      timer = setTimeout(applyFilter, 120);
    });
    form.addEventListener("submit", function (e) {
      if (groups && groups.dataset.complete === "true") { e.preventDefault(); applyFilter(); }
    });
    applyFilter();
  }

  // refresh replaces the live sections with the server's current ones.
  var every = parseInt(document.body.dataset.refresh, 10) || 15;
  var box = document.getElementById("autorefresh");
  var said = document.getElementById("refreshed");
  var busy = false;
  function refresh() {
    if (busy || document.hidden || (box && !box.checked)) { return; }
    busy = true;
    var url = location.pathname;
    if (groups && groups.dataset.complete === "true") { url = location.pathname; } else { url += location.search; }
    fetch(url, { cache: "no-store", credentials: "same-origin" }).then(function (resp) {
      if (!resp.ok) { throw new Error("HTTP " + resp.status); }
      return resp.text();
    }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      doc.querySelectorAll("[data-live][id]").forEach(function (fresh) {
        var old = document.getElementById(fresh.id);
        if (old) { old.replaceWith(document.importNode(fresh, true)); }
      });
      groups = document.querySelector(".groups");
      if (form) { applyFilter(); }
      if (said) { said.textContent = "updated " + new Date().toLocaleTimeString(); }
    }).catch(function (err) {
      if (said) { said.textContent = "not updated (" + err.message + ")"; }
    }).finally(function () { busy = false; });
  }
  setInterval(refresh, every * 1000);
})();
