/* timeline: filters for the timeline pages. The page is complete without this script; it only
   adds a form that hides the events that do not match, and keeps the choice in the address. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-filters]");
  if (!form) { return; }
  var entries = Array.prototype.slice.call(document.querySelectorAll(".entries > .entry"));
  var periods = Array.prototype.slice.call(document.querySelectorAll("[data-period]"));
  var years = Array.prototype.slice.call(document.querySelectorAll("h2.year"));
  var status = form.querySelector(".filter-status");
  var none = document.querySelector(".no-match");
  var flags = ["key", "expected", "disputed"];

  function value(name) {
    var el = form.elements[name];
    if (!el) { return ""; }
    return el.type === "checkbox" ? (el.checked ? "1" : "") : el.value;
  }

  function matches(li, want) {
    if (want.source && (" " + li.getAttribute("data-sources") + " ").indexOf(" " + want.source + " ") < 0) { return false; }
    if (want.year && li.getAttribute("data-year") !== want.year) { return false; }
    return flags.every(function (f) { return !want[f] || li.classList.contains(f); });
  }

  function apply() {
    var want = { source: value("source"), year: value("year") };
    flags.forEach(function (f) { want[f] = value(f); });
    var shown = 0, seenYears = {};
    entries.forEach(function (li) {
      var ok = matches(li, want);
      li.hidden = !ok;
      if (ok) { shown += 1; seenYears[li.getAttribute("data-year")] = true; }
    });
    periods.forEach(function (p) { p.hidden = !p.querySelector(".entry:not([hidden])"); });
    years.forEach(function (h) { h.hidden = !seenYears[h.id.slice(1)]; });
    var active = Object.keys(want).some(function (k) { return want[k]; });
    status.textContent = active ? "Showing " + shown + " of " + entries.length + " events." : "";
    if (none) { none.hidden = shown > 0; }
    remember(want);
  }

  function remember(want) {
    var params = new URLSearchParams();
    Object.keys(want).forEach(function (k) { if (want[k]) { params.set(k, want[k]); } });
    var query = params.toString();
    var url = location.pathname + (query ? "?" + query : "") + location.hash;
    try { history.replaceState(null, "", url); } catch (e) { /* file: pages may refuse */ }
  }

  function restore() {
    var params = new URLSearchParams(location.search);
    ["source", "year"].forEach(function (k) {
      var el = form.elements[k];
      if (el && params.get(k) && el.querySelector('option[value="' + CSS.escape(params.get(k)) + '"]')) { el.value = params.get(k); }
    });
    flags.forEach(function (f) { if (form.elements[f]) { form.elements[f].checked = params.get(f) === "1"; } });
  }

  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
  form.addEventListener("reset", function () { setTimeout(apply, 0); });
  restore();
  form.hidden = false;
  apply();
}());
