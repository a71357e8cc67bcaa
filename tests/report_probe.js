/* Test-only: measures the report as Chromium draws it and writes what it found into data
   attributes of <body> (read back with --dump-dom). Injected by tests/test_report_explore.py. */
(function () {
  "use strict";
  var out = document.body.dataset, found = [], measured = 0;
  /* every chart text: inside its SVG's viewBox, clear of every node circle */
  Array.prototype.forEach.call(document.querySelectorAll("svg.chart"), function (chart, n) {
    var box = chart.viewBox.baseVal, toUser = chart.getScreenCTM().inverse();
    var circles = Array.prototype.map.call(chart.querySelectorAll("circle"), function (c) {
      var p = new DOMPoint(c.cx.baseVal.value, c.cy.baseVal.value).matrixTransform(c.getScreenCTM());
      return {screen: p, r: c.r.baseVal.value};
    });
    Array.prototype.forEach.call(chart.querySelectorAll("text"), function (t) {
      if (!t.textContent.trim()) return;
      measured++;
      var b = t.getBBox(), m = t.getScreenCTM(), label = "chart " + n + " \u00ab" + t.lastChild.textContent + "\u00bb";
      [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]]
        .forEach(function (xy) {
          var p = new DOMPoint(xy[0], xy[1]).matrixTransform(m).matrixTransform(toUser);
          if (p.x < box.x - 0.5 || p.y < box.y - 0.5 || p.x > box.x + box.width + 0.5 ||
              p.y > box.y + box.height + 0.5) {
            found.push(label + " outside the viewBox at " + p.x.toFixed(1) + "," + p.y.toFixed(1));
          }
        });
      var back = m.inverse();
      circles.forEach(function (c) {
        /* the circle in the text's own coordinates (rotation keeps it a circle) */
        var p = c.screen.matrixTransform(back);
        var dx = p.x - Math.max(b.x, Math.min(p.x, b.x + b.width));
        var dy = p.y - Math.max(b.y, Math.min(p.y, b.y + b.height));
        if (dx * dx + dy * dy < c.r * c.r) found.push(label + " over a node circle");
      });
    });
  });
  out.labelsMeasured = String(measured);
  out.labelProblems = JSON.stringify(found);
  var api = window.vrgraphReport;
  if (!api) return;
  /* sorting, filtering and CSV on the real tables */
  var tables = Array.prototype.slice.call(document.querySelectorAll("table"));
  function column(table, i) {
    return Array.prototype.filter.call(table.tBodies[0].rows, function (r) { return !r.hidden; })
      .map(function (r) { return r.cells[i].textContent.trim(); });
  }
  var actions = tables.filter(function (t) { return t.tHead.rows[0].cells[0].textContent === "Action"; })
    .sort(function (a, b) { return b.tBodies[0].rows.length - a.tBodies[0].rows.length; })[0];
  var headers = actions.tHead.rows[0].cells;
  headers[0].click(); headers[0].click();  /* descending, then ascending */
  out.sortedDown = headers[0].getAttribute("aria-sort");
  headers[0].click();
  out.sortedActions = JSON.stringify(column(actions, 0));
  var agencies = tables.filter(function (t) { return t.tHead.rows[0].cells[0].textContent === "Agency"; })[0];
  agencies.tHead.rows[0].cells[2].click();
  out.sortedCounts = JSON.stringify(column(agencies, 2));
  var box = actions.previousElementSibling.querySelector("input");
  box.value = "5.4."; box.dispatchEvent(new Event("input"));
  out.filtered = JSON.stringify(column(actions, 0));
  out.filterCount = actions.previousElementSibling.querySelector("span").textContent;
  out.csv = api.csv(actions);
  out.tools = String(document.querySelectorAll(".tools input").length) + " " +
    String(document.querySelectorAll(".tools button").length);
  var charts = document.querySelectorAll("svg.chart");
  out.svg = api.svg(charts[charts.length - 1]);
  api.canvas(charts[0], function (c) { out.png = c.toDataURL("image/png").slice(0, 22) + " " + c.width + "x" + c.height; });
}());
