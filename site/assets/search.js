/* timeline: the search page. Loads the Pagefind index that ships beside the site, all its
   shards (no request leaves the site), and lists matching events and articles. Without
   JavaScript the page says how to find things instead. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-search]");
  if (!form) { return; }
  var status = document.querySelector(".search-status");
  var list = document.querySelector(".results");
  var bundle = form.getAttribute("data-bundle");
  var siteRoot = new URL(".", location.href);
  var pagefind = null;

  function say(text) { status.textContent = text; }

  function chosenType() {
    var el = form.querySelector('input[name="type"]:checked');
    return el ? el.value : "";
  }

  function restore() {
    var params = new URLSearchParams(location.search);
    form.elements.q.value = params.get("q") || "";
    var type = params.get("type") || "";
    Array.prototype.forEach.call(form.querySelectorAll('input[name="type"]'), function (el) {
      el.checked = el.value === type;
    });
  }

  function item(data, type) {
    var li = document.createElement("li");
    var tag = document.createElement("span");
    tag.className = "kind";
    tag.textContent = type;
    var a = document.createElement("a");
    a.href = new URL(data.url.replace(/^\//, ""), siteRoot).href;
    a.textContent = data.meta.title || data.url;
    var h = document.createElement("h2");
    h.appendChild(a);
    li.appendChild(tag);
    if (data.meta.when) {
      var w = document.createElement("span");
      w.className = "when";
      w.textContent = data.meta.when;
      li.appendChild(w);
    }
    li.appendChild(h);
    var p = document.createElement("p");
    /* Pagefind's excerpt is text it escaped itself, with <mark> around the matched words. */
    p.innerHTML = data.excerpt;
    li.appendChild(p);
    return li;
  }

  var SHOWN = 30, LOOKED_AT = 600, BATCH = 15;
  var PREFIX = { Event: "/events/", Article: "/articles/" };

  function kindOf(url) { return url.indexOf("/events/") === 0 ? "Event" : "Article"; }

  /* A shard of the index that lacks a query word answers with the longest prefix of it that
     it has (Pagefind's backtracking: "hive" for "Hyderabad"), which a single index would not
     have done. So a result is kept when, for every query word, one of the words it matched
     starts with that word's first half (at least three letters; a stem is rarely shorter). */
  var SPLIT = /[^\p{L}\p{N}]+/u;

  function fold(text) { return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase(); }

  /* Scripts written without spaces are cut into words by Pagefind itself: not checked. */
  var UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

  function heads(q) {
    var words = fold(q).split(SPLIT).filter(function (w) { return w && !UNSPACED.test(w); });
    return words.map(function (w) {
      return w.slice(0, Math.min(w.length, Math.max(3, Math.ceil(w.length / 2))));
    });
  }

  function matchesAll(d, wanted) {
    var words = d.content.split(/[\r\n\s]+/g);
    var parts = [];
    (d.locations || []).forEach(function (i) { parts = parts.concat(fold(words[i] || "").split(SPLIT)); });
    return wanted.every(function (h) {
      return parts.some(function (p) { return p.indexOf(h) === 0; });
    });
  }

  /* Pagefind ranks every page; the type filter keeps those under /events/ or /articles/,
     loading result details a batch at a time until enough are found. */
  function collect(results, type, wanted, from, found) {
    if (found.length >= SHOWN || from >= Math.min(results.length, LOOKED_AT)) {
      return Promise.resolve(found);
    }
    var batch = results.slice(from, from + BATCH).map(function (r) { return r.data(); });
    return Promise.all(batch).then(function (rows) {
      rows.forEach(function (d) {
        if (found.length < SHOWN && (!type || d.url.indexOf(PREFIX[type]) === 0) &&
            matchesAll(d, wanted)) { found.push(d); }
      });
      return collect(results, type, wanted, from + BATCH, found);
    });
  }

  function run() {
    var q = form.elements.q.value.trim();
    var type = chosenType();
    list.textContent = "";
    list.hidden = true;
    if (!q) { say("Type words to find in events and articles, then press Enter."); return; }
    say("Searching…");
    pagefind.search(q).then(function (found) {
      return collect(found.results, type, heads(q), 0, []).then(function (rows) {
        rows.forEach(function (d) { list.appendChild(item(d, kindOf(d.url))); });
        list.hidden = rows.length === 0;
        var what = type ? (type === "Event" ? " events" : " articles") : "";
        say(rows.length === 0 ? "Nothing found for “" + q + "”" + (what ? " in" + what : "") + "." :
          "Results for “" + q + "”" + (what ? " in" + what : "") + ": " + rows.length +
          (rows.length >= SHOWN ? " shown, best first." : "."));
      });
    }).catch(function () { say("Search failed to run. The timeline and the list of sources have everything."); });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!pagefind) { return; }
    var params = new URLSearchParams();
    if (form.elements.q.value.trim()) { params.set("q", form.elements.q.value.trim()); }
    if (chosenType()) { params.set("type", chosenType()); }
    history.replaceState(null, "", location.pathname + (params.toString() ? "?" + params : ""));
    run();
  });
  form.addEventListener("change", function (e) {
    if (e.target.name === "type" && pagefind && form.elements.q.value.trim()) { run(); }
  });

  restore();
  if (!bundle) { return; }
  if (location.protocol === "file:") {
    say("Search needs the site to be served over HTTP (for example `python -m http.server` in the site folder). The timeline and the list of sources work from disk.");
    return;
  }
  /* A large site's index comes in shards: the bundle beside pagefind.js, and the folders
     that shards.json lists there, merged into it (Pagefind's multisite search). */
  function shards(base) {
    return fetch(new URL("shards.json", base).href).then(function (response) {
      if (!response.ok) { throw new Error("shards.json: " + response.status); }
      return response.json();
    }).then(function (manifest) {
      return (manifest.merge || []).map(function (folder) { return new URL(folder, base).href; });
    });
  }

  say("Loading the search index…");
  var bundleUrl = new URL(bundle, location.href);
  /* Result URLs relative to the site root ("/events/x.html"); made absolute in item(), so the
     site works at a domain's root and under a sub-path alike. */
  var where = { baseUrl: "/" };
  Promise.all([import(bundleUrl.href), shards(bundleUrl)]).then(function (loaded) {
    var module = loaded[0];
    return Promise.resolve(module.options(where)).then(function () {
      return module.init ? module.init() : null;
    }).then(function () {
      return Promise.all(loaded[1].map(function (url) { return module.mergeIndex(url, where); }));
    }).then(function () {
      pagefind = module;
    });
  }).then(function () {
    run();
  }).catch(function () {
    say("The search index could not be loaded. The timeline and the list of sources have everything.");
  });
}());
