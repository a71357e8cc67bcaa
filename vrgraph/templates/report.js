/* The report's tables sort (a click on a header) and filter (the box above them), and give
   their rows as CSV; its charts download as SVG or PNG. Plain script, no network: without
   it the page reads the same, only these controls are missing. */
(function () {
  "use strict";
  var NUMBER = /^-?\d+(\.\d+)?%?$/;
  function text(cell) { return cell.textContent.replace(/\s+/g, " ").trim(); }
  /* numbers as numbers, and 5.1.10 after 5.1.9 */
  function compare(a, b) {
    if (NUMBER.test(a) && NUMBER.test(b)) return parseFloat(a) - parseFloat(b);
    var x = a.toLowerCase().split(/(\d+)/), y = b.toLowerCase().split(/(\d+)/);
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] === y[i]) continue;
      if (i % 2) return parseInt(x[i], 10) - parseInt(y[i], 10);
      return x[i] < y[i] ? -1 : 1;
    }
    return x.length - y.length;
  }
  function sort(table, column, descending) {
    var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    rows = rows.map(function (r, i) { return [text(r.cells[column] || r), i, r]; });
    rows.sort(function (p, q) { return (descending ? -1 : 1) * compare(p[0], q[0]) || p[1] - q[1]; });
    rows.forEach(function (p) { body.appendChild(p[2]); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.setAttribute("aria-sort", i === column ? (descending ? "descending" : "ascending") : "none");
    });
  }
  function filter(table, words) {
    var shown = 0, q = words.toLowerCase().trim();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
      r.hidden = q !== "" && text(r).toLowerCase().indexOf(q) < 0;
      if (!r.hidden) shown++;
    });
    return shown;
  }
  /* the header and the rows shown, in their order, as RFC 4180 CSV; a text a spreadsheet
     would take for a formula starts with an apostrophe */
  function csv(table) {
    var rows = [table.tHead.rows[0]].concat(Array.prototype.filter.call(
      table.tBodies[0].rows, function (r) { return !r.hidden; }));
    return rows.map(function (r) {
      return Array.prototype.map.call(r.cells, function (c) {
        var t = text(c);
        if (/^[=+\-@\t\r]/.test(t) && !NUMBER.test(t)) t = "'" + t;
        return /[",\r\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
      }).join(",");
    }).join("\r\n") + "\r\n";
  }
  /* a chart on its own: its markup with the page's rules for charts */
  function svg(chart) {
    var copy = chart.cloneNode(true), style = document.createElementNS(chart.namespaceURI, "style");
    var rules = ["svg{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif}"];
    Array.prototype.forEach.call(document.styleSheets, function (sheet) {
      Array.prototype.forEach.call(sheet.cssRules, function (rule) {
        if (/^svg/.test(rule.selectorText || "")) rules.push(rule.cssText);
      });
    });
    style.textContent = rules.join("\n");
    copy.insertBefore(style, copy.firstChild);
    return new XMLSerializer().serializeToString(copy);
  }
  function save(name, blob) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 10000);
  }
  /* the chart drawn on a canvas at twice its size, on white, given to ``then`` */
  function canvas(chart, then) {
    var image = new Image(), box = chart.viewBox.baseVal, scale = 2;
    image.onload = function () {
      var c = document.createElement("canvas");
      c.width = box.width * scale; c.height = box.height * scale;
      var g = c.getContext("2d");
      g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height);
      g.drawImage(image, 0, 0, c.width, c.height);
      then(c);
    };
    image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg(chart));
  }
  function png(chart, name) {
    canvas(chart, function (c) { c.toBlob(function (blob) { save(name, blob); }, "image/png"); });
  }
  function button(label, title, act) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.title = title;
    b.addEventListener("click", act);
    return b;
  }
  function name(element, n) {
    var h = element, id = "";
    while (h && !id) { h = h.previousElementSibling; if (h && /^H[23]$/.test(h.tagName)) id = text(h); }
    return (id || "report").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") + "-" + n;
  }
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table, n) {
    if (!table.tHead || !table.tBodies.length) return;
    var bar = document.createElement("div"), box = document.createElement("input");
    var count = document.createElement("span"), total = table.tBodies[0].rows.length;
    bar.className = "tools";
    box.type = "search"; box.placeholder = "Filter rows"; box.setAttribute("aria-label", "Filter the rows of the table below");
    box.addEventListener("input", function () { count.textContent = filter(table, box.value) + " of " + total + " rows"; });
    count.textContent = total + " rows";
    bar.append(box, " ", count, " ", button("CSV", "The rows shown, as CSV", function () {
      save(name(bar, n + 1) + ".csv", new Blob([csv(table)], {type: "text/csv;charset=utf-8"}));
    }));
    table.parentNode.insertBefore(bar, table);
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
      th.tabIndex = 0; th.className += " sortable"; th.title = "Sort by this column";
      var go = function () { sort(table, i, th.getAttribute("aria-sort") === "ascending"); };
      th.addEventListener("click", go);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("svg.chart"), function (chart, n) {
    var bar = document.createElement("div"), base = name(chart, n + 1);
    bar.className = "tools";
    bar.append(button("SVG", "This chart as SVG", function () {
      save(base + ".svg", new Blob([svg(chart)], {type: "image/svg+xml"}));
    }), " ", button("PNG", "This chart as PNG", function () { png(chart, base + ".png"); }));
    chart.parentNode.insertBefore(bar, chart.nextSibling);
  });
  window.vrgraphReport = {compare: compare, sort: sort, filter: filter, csv: csv, svg: svg,
                         canvas: canvas};
}());
