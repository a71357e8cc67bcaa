/* The search page of a published release (search.html): reads ?q=, searches the index of
   every resource (search/index.js, which sets window.VRGRAPH_SEARCH) with MiniSearch
   (assets/minisearch.js) and lists the pages found. Plain script tags, no fetch: works
   from a static host and opened from disk (file://). Results are built as DOM nodes with
   textContent, never as HTML. */
(function () {
  "use strict";
  var SEP = /[.\-\/'\u2019]/;
  function compounds(text) {   /* "5.1.1", "child-first" and "L21-L29" stay one token */
    return String(text || "").toLowerCase()
      .match(/[\p{L}\p{N}]+(?:[.\-\/'\u2019][\p{L}\p{N}]+)*/gu) || [];
  }
  function indexed(text) {     /* each compound, and its parts */
    var out = [];
    compounds(text).forEach(function (t) {
      out.push(t);
      var parts = t.split(SEP);
      if (parts.length > 1) { out.push.apply(out, parts); }
    });
    return out;
  }
  var data = window.VRGRAPH_SEARCH;
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var params = new URLSearchParams(window.location.search);
  var query = (params.get("q") || "").trim();
  var input = document.getElementById("search-q");
  if (input) { input.value = query; }
  if (!data || !window.MiniSearch || !list) {
    if (status) { status.textContent = "The search needs JavaScript and the index (search/index.js)."; }
    return;
  }
  var engine = new window.MiniSearch({
    idField: "id",
    fields: ["key", "label", "alt", "text"],
    storeFields: ["label", "kind", "key", "summary"],
    tokenize: indexed,
    searchOptions: {
      tokenize: compounds,
      boost: { key: 6, label: 3, alt: 2 },
      prefix: true,
      combineWith: "AND",
      fuzzy: function (term) { return /\p{L}/u.test(term) && term.length > 4 ? 0.2 : false; }
    }
  });
  engine.addAll(data.items);
  if (!query) {
    status.textContent = data.items.length.toLocaleString("en-GB") + " resources to search.";
    return;
  }
  var found = engine.search(query);
  status.textContent = (found.length === 1 ? "1 resource" :
    found.length.toLocaleString("en-GB") + " resources") + " found for \u201c" + query + "\u201d" +
    (found.length > 200 ? "; the first 200 are listed." : ".");
  found.slice(0, 200).forEach(function (hit) {
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = hit.id;
    a.textContent = hit.label;
    li.appendChild(a);
    var kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = hit.kind + (hit.key && hit.label.indexOf(hit.key) < 0 ? " " + hit.key : "");
    li.appendChild(kind);
    if (hit.summary) {
      var p = document.createElement("p");
      p.textContent = hit.summary;
      li.appendChild(p);
    }
    list.appendChild(li);
  });
}());
