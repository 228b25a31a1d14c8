// dossier preview: reload the page when the server has rendered something new (server-sent events),
// keep the scroll position across the reload, and show where each live number and table cell comes from.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="dossier-generation"]');
  var generation = meta ? meta.content : "";
  var key = "dossier-scroll:" + location.pathname;

  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    window.scrollTo(0, parseInt(saved, 10) || 0);
  }

  var events = new EventSource("/_preview/events");
  events.addEventListener("generation", function (event) {
    if (event.data !== generation) {
      sessionStorage.setItem(key, String(window.scrollY));
      events.close();
      location.reload();
    }
  });

  var node = document.getElementById("dossier-sources");
  var sources = node ? JSON.parse(node.textContent) : null;
  if (!sources) return;

  var popup = null, pinned = false;

  function add(dl, term, value) {
    if (value === undefined || value === null || value === "") return;
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = term;
    if (typeof value === "string") dd.textContent = value; else dd.appendChild(value);
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function code(text) {
    var c = document.createElement("code");
    c.textContent = text;
    return c;
  }

  function raw(value) {
    // JSON numbers print with the shortest text that reads back as the same double: full precision
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function describeAnalysis(dl, id) {
    var a = sources.analyses[id];
    if (!a) { add(dl, "analysis", id); return; }
    add(dl, "analysis", id + " \u2014 " + a.title);
    add(dl, "population", a.population);
    add(dl, "filters", a.filters);
    add(dl, "datasets", a.datasets.map(function (d) { return d.file + " [" + d.sha256 + "]"; }).join(", "));
  }

  function describe(target) {
    var dl = document.createElement("dl");
    if (target.matches("span.live")) {
      var ref = target.getAttribute("data-ref") || "";
      if (ref.charAt(0) === "@") return null;  // a citation [@key], not a live number
      var found = sources.refs[ref];
      var id = found ? found.analysis : ref.split(":")[0];
      add(dl, "evidence", code("evidence.json: " + (found ? found.path : "analyses/" + ref.replace(":", "/"))));
      if (found) add(dl, "value", code(raw(found.value)));
      describeAnalysis(dl, id);
      return dl;
    }
    var block = target.closest("div.table-block");
    var table = block && sources.tables[block.id];
    if (!table) return null;
    var row = target.parentElement.rowIndex - target.closest("table").tHead.rows.length;
    var cell = table.rows[row] ? table.rows[row][target.cellIndex] : undefined;
    add(dl, "table", code(table.csv + ", row " + (row + 1) + ", column " + (target.cellIndex + 1)));
    if (table.evidence) add(dl, "evidence", code("evidence.json: " + table.evidence));
    if (cell !== undefined && cell !== null) {
      if (typeof cell === "object") {
        var parts = [];
        Object.keys(cell).forEach(function (k) { if (k !== "kind") parts.push(k + " = " + raw(cell[k])); });
        add(dl, "value", code(cell.kind + ": " + parts.join(", ")));
      } else {
        add(dl, "value", code(raw(cell)));
      }
    }
    if (table.analysis) describeAnalysis(dl, table.analysis); else add(dl, "from", table.from);
    return dl;
  }

  function hide() {
    if (popup) popup.remove();
    popup = null;
    pinned = false;
  }

  function show(target, pin) {
    var content = describe(target);
    if (!content) return;
    hide();
    popup = document.createElement("div");
    popup.className = "preview-source";
    popup.setAttribute("role", "tooltip");
    popup.appendChild(content);
    document.body.appendChild(popup);
    var box = target.getBoundingClientRect();
    var left = Math.max(4, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth
                                    - popup.offsetWidth - 4));
    popup.style.left = left + "px";
    popup.style.top = (box.bottom + window.scrollY + 4) + "px";
    pinned = pin;
  }

  function sourceOf(element) {
    return element.closest ? element.closest("span.live, table.data td") : null;
  }

  document.addEventListener("mouseover", function (event) {
    var target = sourceOf(event.target);
    if (target && !pinned) show(target, false);
  });
  document.addEventListener("mouseout", function (event) {
    if (!pinned && sourceOf(event.target)) hide();
  });
  document.addEventListener("click", function (event) {
    if (popup && popup.contains(event.target)) return;
    var target = sourceOf(event.target);
    if (target) show(target, true); else hide();
  });
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") hide(); });
})();
