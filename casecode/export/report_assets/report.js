(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("casecode-data").textContent);
  var table = document.getElementById("heat");
  var panel = document.getElementById("panel");
  var measure = document.getElementById("measure");
  var grouping = document.getElementById("grouping");
  var ramp = [[255, 255, 255], [222, 235, 247], [198, 219, 239], [158, 202, 225], [107, 174, 214], [66, 146, 198], [33, 113, 181], [8, 81, 156]];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) { Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); }); }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function current() { return data.groupings[grouping.value]; }

  function colour(value, top) {
    if (!value || !top) { return { bg: "#f4f5f7", fg: "#9aa3af" }; }
    var level = Math.min(ramp.length - 1, 1 + Math.floor((ramp.length - 2) * value / top));
    var c = ramp[level];
    return { bg: "rgb(" + c.join(",") + ")", fg: level >= 5 ? "#ffffff" : "#1d2430" };
  }

  function build() {
    var g = current();
    document.getElementById("matrix-title").textContent = "Codes × " + (grouping.value === "case" ? "cases" : grouping.value);
    table.textContent = "";
    var head = el("thead");
    var tr = el("tr");
    tr.appendChild(el("th"));
    g.columns.forEach(function (c) { tr.appendChild(el("th", { "class": "case", scope: "col", title: c.id }, c.label)); });
    tr.appendChild(el("th", { "class": "case", scope: "col" }, grouping.value === "case" ? "all cases" : "all"));
    head.appendChild(tr);
    table.appendChild(head);
    var body = el("tbody");
    var theme = null;
    data.codes.forEach(function (code, r) {
      if (code.theme !== theme) {
        theme = code.theme;
        var row = el("tr", { "class": "theme" });
        row.appendChild(el("th", { colspan: String(g.columns.length + 2) }, code.theme_label));
        body.appendChild(row);
      }
      var row = el("tr");
      var name = el("th", { "class": "code", scope: "row", title: code.id }, code.label + " ");
      name.appendChild(el("small", null, code.id));
      row.appendChild(name);
      for (var c = 0; c <= g.columns.length; c++) {
        var td = el("td");
        td.appendChild(el("button", { type: "button", "data-code": code.id, "data-row": String(r), "data-col": String(c) }));
        row.appendChild(td);
      }
      body.appendChild(row);
    });
    table.appendChild(body);
    paint();
  }

  function paint() {
    var g = current();
    var m = measure.value;
    var values = g.matrices[m];
    var n = g.columns.length;
    var top = 0, topAll = 0;
    values.forEach(function (row) {
      row.slice(0, n).forEach(function (v) { top = Math.max(top, v); });
      topAll = Math.max(topAll, row[n]);
    });
    table.querySelectorAll("button[data-code]").forEach(function (button) {
      var r = +button.dataset.row, c = +button.dataset.col;
      var v = values[r][c];
      var isAll = c === n;
      var col = colour(v, isAll ? topAll : top);
      button.textContent = m === "share" ? v.toFixed(1) : String(v);
      button.style.background = col.bg;
      button.style.color = col.fg;
      var count = g.matrices.segments[r][c];
      button.classList.toggle("zero", count === 0);
      button.title = data.codes[r].label + " × " + (isAll ? "all" : g.columns[c].label) + ": " + count + " coded segment" + (count === 1 ? "" : "s");
    });
  }

  function ruleText(code, ruleId) {
    var rules = data.rules[code] || {};
    return rules[ruleId] || "";
  }

  function excerptNode(x) {
    var doc = data.documents[x.d];
    var box = el("article", { "class": "excerpt" });
    var meta = el("div", { "class": "meta" });
    meta.appendChild(el("b", null, doc.id));
    meta.appendChild(document.createTextNode(" · " + (x.s || "no speaker") + " · " + doc.case + " · " + x.u + " " + x.i + " · " + x.a + "–" + x.b));
    if (x.n) { meta.appendChild(document.createTextNode(" ")); meta.appendChild(el("span", { "class": "negated" }, "[negated]")); }
    box.appendChild(meta);
    var p = el("p", { "class": "text" });
    p.style.margin = "0";
    if (x.pre) { p.appendChild(el("span", { "class": "context" }, "…" + x.pre + " ")); }
    p.appendChild(document.createTextNode(x.t.slice(0, x.ms)));
    p.appendChild(el("mark", null, x.t.slice(x.ms, x.me)));
    p.appendChild(document.createTextNode(x.t.slice(x.me)));
    if (x.post) { p.appendChild(el("span", { "class": "context" }, " " + x.post + "…")); }
    box.appendChild(p);
    var rule = el("div", { "class": "rule" });
    rule.appendChild(document.createTextNode("rule "));
    rule.appendChild(el("code", null, x.r));
    var detail = ruleText(x.c, x.r);
    if (detail) { rule.appendChild(document.createTextNode(" — " + detail)); }
    var others = (x.rs || "").split(/[,;]\s*/).filter(function (r) { return r && r !== x.r; });
    if (others.length) { rule.appendChild(document.createTextNode(" (also fired: " + others.join(", ") + ")")); }
    box.appendChild(rule);
    return box;
  }

  function show(button) {
    table.querySelectorAll("button.selected").forEach(function (b) { b.classList.remove("selected"); });
    button.classList.add("selected");
    var g = current();
    var code = data.codes[+button.dataset.row];
    var col = +button.dataset.col;
    var isAll = col === g.columns.length;
    var list = data.excerpts.filter(function (x) { return x.c === code.id && (isAll || g.docs[x.d] === col); });
    var where = isAll ? "all" : g.columns[col].label;
    if (grouping.value !== "case" && !isAll) { where = grouping.value + ": " + where; }
    panel.textContent = "";
    panel.appendChild(el("h3", null, code.label + " — " + where));
    panel.appendChild(el("p", { "class": "hint" }, list.length + " excerpt" + (list.length === 1 ? "" : "s") + " · theme " + code.theme + " · code " + code.id));
    if (code.definition) { panel.appendChild(el("p", { "class": "hint" }, code.definition)); }
    var holder = el("div", { id: "excerpt-list" });
    list.forEach(function (x) { holder.appendChild(excerptNode(x)); });
    if (!list.length) { holder.appendChild(el("p", { "class": "hint" }, "No coded segments in this cell.")); }
    panel.appendChild(holder);
  }

  table.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-code]");
    if (button) { show(button); }
  });
  measure.addEventListener("change", paint);
  grouping.addEventListener("change", build);
  build();
})();
