(function () {
  "use strict";
  // Subjects are runs of integers in one Int32Array; see pack() in reports/html_data.py for the layout.
  var CLOUD = ["upn", "displayName", "givenName", "surname", "mail", "primarySmtp", "immutableId"];
  var ONPREM = ["upn", "sam", "displayName", "givenName", "sn", "mail", "primarySmtp", "anchor"];
  var RES_SIZE = 7;
  var PASS = 0, FAIL = 1, SKIP = 2, ERROR = 3, WAIVED = 4;
  var READY_LABEL = ["Ready", "At risk", "Blocked", "Already synchronized"];
  var READY_CLASS = ["r-ready", "r-at-risk", "r-blocked", "r-synced"];
  var READY_ORDER = [2, 1, 0, 3];
  var KIND_LABEL = [];

  var D, S, I, OFF, SEARCHED = 0, checks, n, warn, flags, failCount, lowSubject = null, lowName = null, view = null;
  var state = { q: "", ready: "", check: "", sev: "", kind: "", onlyNew: false, waived: false, sort: "ready", dir: -1, page: 0, size: 50 };

  function $(id) { return document.getElementById(id); }

  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      for (var key in props) {
        var value = props[key];
        if (value === null || value === undefined || value === false) continue;
        if (key === "text") node.textContent = value;
        else if (key === "cls") node.className = value;
        else if (key === "on") for (var ev in value) node.addEventListener(ev, value[ev]);
        else node.setAttribute(key, value === true ? "" : value);
      }
    }
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }

  function add(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  function fmt(num) { return Number(num).toLocaleString("en-US"); }
  // A string id: positive into the table's other part (after the searched strings), negative into the
  // searched ones (see reports/html_data.py), 0 none.
  function str(i) { return i > 0 ? S[SEARCHED + i] : i < 0 ? S[-i] : null; }

  function banner(message) {
    var b = $("banner");
    b.textContent = message;
    b.hidden = false;
  }

  function base64Bytes(text) {
    text = text.trim();
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
    var bin = atob(text), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  // The data, and the same data handed to the search Worker: a gzip'd blob it inflates itself (passed
  // by reference, in parallel with this page's own inflating), or the plain data of a small report.
  function loadData() {
    var node = $("data");
    var text = node.textContent;
    if (node.getAttribute("data-encoding") !== "gzip-base64") {
      var data = JSON.parse(text), all = Int32Array.from(data.ints);
      data.offsets = all.subarray(0, data.n + 1);
      data.ints = all.subarray(data.n + 1);
      startSearch({ type: "data", data: { S: data.S, ints: data.ints, offsets: data.offsets, n: data.n, searched: data.searched } });
      return Promise.resolve(data);
    }
    if (typeof DecompressionStream !== "function") {
      return Promise.reject(new Error("This browser cannot unpack large reports (no DecompressionStream). Open the file in a current Edge, Chrome or Firefox."));
    }
    var blob = new Blob([base64Bytes(text)]);
    startSearch({ type: "data", blob: blob });
    return Engine.inflate(blob).then(function (buf) {
      mark("inflated");
      var data = Engine.unpack(buf);
      data.S = data.strings === "split" ? data.text.split("\u0001") : JSON.parse(data.text);
      delete data.text;
      return data;
    });
  }

  function flag(v) { return v === 1 ? true : v === 0 ? false : null; }

  function proxies(p, out) {
    var count = I[p++], list = [];
    for (var k = 0; k < count; k++, p += 2) list.push((str(I[p]) || "") + (str(I[p + 1]) || ""));
    out.proxies = list;
    return p;
  }

  // One subject decoded into an object; cheap, so done on demand for visible rows and drilldowns.
  function row(i) {
    var p = OFF[i], u = { i: i, kind: I[p], ready: I[p + 1], res: [] }, count = I[p + 2], k;
    p += 3;
    for (k = 0; k < count; k++, p += RES_SIZE) {
      u.res.push({ check: I[p], status: I[p + 1], message: str(I[p + 2]), evidence: I[p + 3], fix: I[p + 4], waiver: I[p + 5], isNew: I[p + 6] === 1 });
    }
    u.subject = str(I[p]) || "";
    u.id = str(I[p + 1]);
    p += 2;
    u.cloud = null;
    if (I[p++]) {
      var c = u.cloud = {};
      for (k = 0; k < CLOUD.length; k++) c[CLOUD[k]] = str(I[p++]);
      c.enabled = flag(I[p++]);
      p = proxies(p, c);
    }
    u.onprem = null;
    if (I[p++]) {
      var o = u.onprem = {};
      o.dn = str(I[p]) === null ? null : (str(I[p]) || "") + (str(I[p + 1]) || "");
      p += 2;
      for (k = 0; k < ONPREM.length; k++) o[ONPREM[k]] = str(I[p++]);
      o.enabled = flag(I[p++]);
      p = proxies(p, o);
    }
    var passes = I[p++];
    u.passes = passes < 0 ? null : Array.prototype.slice.call(I.subarray(p, p + passes));
    p += Math.max(passes, 0);
    u.department = str(I[p++]);
    for (k = 0; k < count; k++) u.res[k].hint = str(I[p++]);
    return u;
  }

  function subjectName(u) {
    return (u.cloud && u.cloud.displayName) || (u.onprem && u.onprem.displayName) || "";
  }

  function isFailing(status) { return status === FAIL || status === ERROR; }

  function index() {
    flags = new Uint8Array(n);
    failCount = new Uint8Array(n);
    warn = new Uint8Array(checks.length);
    checks.forEach(function (c, ci) { warn[ci] = c.severity === "warning" ? 1 : 0; });
    for (var i = 0; i < n; i++) {
      var p = OFF[i], end = p + 3 + I[p + 2] * RES_SIZE, f = 0, count = 0;
      for (p += 3; p < end; p += RES_SIZE) {
        var st = I[p + 1];
        if (st === FAIL || st === ERROR) {
          count++;
          f |= warn[I[p]] ? 2 : 1;
          if (I[p + 6] === 1) f |= 8;
        } else if (st === WAIVED) f |= 4;
      }
      flags[i] = f;
      failCount[i] = Math.min(count, 255);
    }
  }

  // ---- search: answered by a Worker running search.js (or, where none starts, by it in place) ----

  var Engine = syncreadySearch(null);
  var search = { worker: null, local: null, indexed: false, inFlight: null, wanted: null, answer: null, slow: null, pending: false,
                 masks: null };

  function termsOf(q) { return q.toLowerCase().split(/\s+/).filter(Boolean); }

  function startSearch(message) {
    if (typeof Worker !== "function") return;
    try {
      var url = URL.createObjectURL(new Blob(["(" + syncreadySearch.toString() + ")(self);"], { type: "text/javascript" }));
      var worker = new Worker(url);
      worker.onmessage = function (ev) { URL.revokeObjectURL(url); fromWorker(ev.data); };
      worker.onerror = function (ev) { if (ev.preventDefault) ev.preventDefault(); URL.revokeObjectURL(url); workerFailed(); };
      worker.postMessage(message);
      search.worker = worker;
    } catch (e) {
      search.worker = null;
    }
  }

  function fromWorker(msg) {
    if (msg.type === "indexed") {
      search.indexed = true;
      if (msg.lo && msg.lo.length === n) search.masks = { lo: msg.lo, hi: msg.hi };
      mark("search-indexed", msg.at - performance.timeOrigin);
    }
    else if (msg.type === "failed") workerFailed();
    else if (msg.type === "matches") {
      search.inFlight = null;
      answered(msg.key, msg.all ? null : msg.matched);
      if (search.wanted && search.worker) send();
    }
  }

  // No Worker (or it failed): the same code in this page, its index built in idle slices once the page is drawn.
  function workerFailed() {
    if (search.worker) search.worker.terminate();
    search.worker = null;
    if (search.inFlight) { search.wanted = search.wanted || search.inFlight; search.inFlight = null; }
    searchInPlace();
  }

  function searchInPlace() {
    if (search.local || !D) return;
    search.local = syncreadySearch(null);
    search.local.init({ S: S, ints: I, offsets: OFF, n: n, searched: SEARCHED });
    var later = window.requestIdleCallback ? function (f) { requestIdleCallback(f, { timeout: 50 }); } : function (f) { setTimeout(f, 0); };
    (function slice(idle) {
      if (search.indexed) return;
      var budget = idle && idle.timeRemaining ? Math.max(12, idle.timeRemaining()) : 12;
      if (search.local.build(performance.now() + budget)) { search.indexed = true; mark("search-indexed"); } else later(slice);
    })();
    answerInPlace();
  }

  function send() {
    var w = search.wanted;
    search.wanted = null;
    search.inFlight = w;
    search.worker.postMessage({ type: "query", key: w.key, terms: w.terms });
  }

  function answerInPlace() {
    var w = search.wanted;
    if (!w) return;
    if (!search.local.build(performance.now() + 40)) { setTimeout(answerInPlace, 0); return; }
    search.wanted = null;
    if (!search.indexed) { search.indexed = true; mark("search-indexed"); }
    answered(w.key, search.local.query(w.terms));
  }

  // Ask for the subjects holding every term of q; the page is redrawn when the answer is for what the box holds.
  function ask(q) {
    var terms = termsOf(q), key = terms.join(" ");
    if (search.inFlight && search.inFlight.key === key) { search.wanted = null; return; }
    search.wanted = { key: key, terms: terms };
    clearTimeout(search.slow);
    search.slow = setTimeout(function () {
      $("count").textContent = search.indexed ? "Searching…" : "Searching… (building the search index)";
    }, 150);
    if (search.worker) { if (!search.inFlight) send(); }
    else if (search.local) answerInPlace();
    else searchInPlace();
  }

  function answered(key, matched) {
    search.answer = { key: key, matched: matched };
    if (key === termsOf(state.q).join(" ")) { clearTimeout(search.slow); redraw(search.pending); }
  }

  // The search's matches for the box's text: null for every subject (no terms, or all match),
  // undefined while not known.
  function searched() {
    var key = termsOf(state.q).join(" ");
    return !key ? null : search.answer && search.answer.key === key ? search.answer.matched : undefined;
  }

  function failsCheck(i, c) {
    var p = OFF[i], end = p + 3 + I[p + 2] * RES_SIZE;
    for (p += 3; p < end; p += RES_SIZE) if (I[p] === c && isFailing(I[p + 1])) return true;
    return false;
  }

  // The view: subjects passing every filter, from the search's matches when there are terms (ascending either way).
  function compute() {
    var ready = state.ready === "" ? -1 : +state.ready, kind = state.kind === "" ? -1 : +state.kind;
    var check = state.check === "" ? -1 : +state.check;
    var sevBit = state.sev === "blocker" ? 1 : state.sev === "warning" ? 2 : 0;
    var from = searched();
    var count = from ? from.length : n, out = new Int32Array(count), m = 0;
    for (var j = 0; j < count; j++) {
      var i = from ? from[j] : j, p = OFF[i];
      if (ready >= 0 && I[p + 1] !== ready) continue;
      if (kind >= 0 && I[p] !== kind) continue;
      if (sevBit && !(flags[i] & sevBit)) continue;
      if (state.onlyNew && !(flags[i] & 8)) continue;
      if (state.waived && !(flags[i] & 4)) continue;
      if (check >= 0 && !failsCheck(i, check)) continue;
      out[m++] = i;
    }
    view = out.subarray(0, m);
    sortView();
  }

  function lowered(kindOf) {
    var arr = new Array(n);
    for (var i = 0; i < n; i++) {
      var u = row(i);
      arr[i] = (kindOf === "subject" ? u.subject : subjectName(u)).toLowerCase();
    }
    return arr;
  }

  function sortView() {
    var dir = state.dir, cmp;
    if (state.sort === "ready") {
      if (dir < 0) return;
      cmp = function (a, b) { return (READY_ORDER[I[OFF[b] + 1]] - READY_ORDER[I[OFF[a] + 1]]) || a - b; };
    } else if (state.sort === "subject" || state.sort === "name") {
      var keys = state.sort === "subject" ? (lowSubject = lowSubject || lowered("subject")) : (lowName = lowName || lowered("name"));
      cmp = function (a, b) { var x = keys[a], y = keys[b]; return x < y ? -dir : x > y ? dir : a - b; };
    } else if (state.sort === "kind") {
      cmp = function (a, b) { return (I[OFF[a]] - I[OFF[b]]) * dir || a - b; };
    } else {
      cmp = function (a, b) { return (failCount[a] - failCount[b]) * dir || a - b; };
    }
    view = Int32Array.from(view).sort(cmp);
  }

  function readinessBadge(r) { return el("span", { cls: "badge " + READY_CLASS[r] }, READY_LABEL[r]); }

  function chipsFor(u) {
    var out = [];
    bySeverity(u.res).forEach(function (e) {
      var c = checks[e.check];
      if (isFailing(e.status)) {
        out.push(el("span", { cls: "chip chip-" + c.severity, title: c.title + (e.status === ERROR ? " (error)" : "") }, c.id));
        if (e.isNew) out.push(el("span", { cls: "tag tag-new", title: "new since the baseline" }, "new"));
      } else if (e.status === WAIVED) {
        out.push(el("span", { cls: "chip chip-waived", title: c.title + " (waived)" }, c.id));
      }
    });
    return out;
  }

  function bySeverity(res) {
    return res.slice().sort(function (a, b) { return (warn[a.check] - warn[b.check]) || (a.check - b.check); });
  }

  function render() {
    var total = view.length, size = state.size, pages = Math.max(1, Math.ceil(total / size));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * size, end = Math.min(total, start + size), rows = [];
    for (var p = start; p < end; p++) {
      var i = view[p], u = row(i);
      rows.push(el("tr", { "data-i": i },
        el("td", null, readinessBadge(u.ready)),
        el("td", { cls: "subj" }, el("button", { type: "button", cls: "linkish", "data-i": i }, u.subject || "(no name)")),
        el("td", null, subjectName(u)),
        el("td", { cls: "muted small" }, KIND_LABEL[u.kind]),
        el("td", null, chipsFor(u))));
    }
    if (!rows.length) rows.push(el("tr", null, el("td", { colspan: 5, cls: "empty" }, "No subject matches these filters.")));
    $("rows").replaceChildren.apply($("rows"), rows);
    var count = $("count");
    count.textContent = total ? "Showing " + fmt(start + 1) + "–" + fmt(end) + " of " + fmt(total) + (total < n ? " (filtered from " + fmt(n) + ")" : "") + " subjects" : "0 of " + fmt(n) + " subjects";
    count.setAttribute("data-q", state.q);
    count.setAttribute("data-total", String(total));
    $("pageinfo").textContent = "Page " + fmt(state.page + 1) + " of " + fmt(pages);
    $("first").disabled = $("prev").disabled = state.page === 0;
    $("next").disabled = $("last").disabled = state.page >= pages - 1;
    var ths = document.querySelectorAll("#users th[data-sort]");
    for (var t = 0; t < ths.length; t++) {
      var th = ths[t];
      if (th.getAttribute("data-sort") === state.sort) th.setAttribute("aria-sort", state.dir < 0 ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
  }

  // Filters apply at once; a changed search text waits for the search's answer (the Worker's, so the page
  // never freezes), then the page is drawn. keep: stay on this page and leave the URL hash alone (sorting, loading).
  function refresh(keep) {
    search.pending = search.wanted || search.inFlight ? search.pending && !!keep : !!keep;
    if (searched() === undefined && !answeredHere()) { ask(state.q); return; }
    clearTimeout(search.slow);      // the box's text is answered: no "Searching…", nothing queued is wanted
    search.wanted = null;
    redraw(keep);
  }

  // A text of single characters (a first keystroke) is answered here from the Worker's masks, with no
  // round trip to it: true when it was.
  function answeredHere() {
    var terms = termsOf(state.q);
    if (!search.masks || !Engine.maskAnswers(terms)) return false;
    search.answer = { key: terms.join(" "), matched: Engine.byMasks(terms, search.masks.lo, search.masks.hi) };
    return true;
  }

  function redraw(keep) {
    compute();
    if (!keep) state.page = 0;
    render();
    if (!keep) writeHash();
  }

  // ---- filters in the URL hash (#status=blocked&check=upn-exists&q=smith), by name so links survive a re-run ----

  function hashOf() {
    var h = new URLSearchParams();
    if (state.ready !== "") h.set("status", D.readiness[+state.ready]);
    if (state.kind !== "") h.set("kind", D.kinds[+state.kind]);
    if (state.check !== "") h.set("check", checks[+state.check].id);
    if (state.sev) h.set("sev", state.sev);
    if (state.onlyNew) h.set("new", "1");
    if (state.waived) h.set("waived", "1");
    if (state.q) h.set("q", state.q);
    return h.toString();
  }

  function isFilterHash(h) { return h.indexOf("=") >= 0; }

  function writeHash() {
    var h = hashOf(), current = location.hash.slice(1);
    if (h === current || (!h && !isFilterHash(current))) return;
    history.replaceState(null, "", h ? "#" + h : location.pathname + location.search);
  }

  // The filters a filter hash names (unknown names are ignored); false for section and check anchors.
  function readHash() {
    var text = location.hash.slice(1);
    if (!isFilterHash(text)) return false;
    var h = new URLSearchParams(text), found;
    resetState();
    found = D.readiness.indexOf(h.get("status"));
    if (found >= 0) state.ready = String(found);
    found = D.kinds.indexOf(h.get("kind"));
    if (found >= 0) state.kind = String(found);
    for (var ci = 0; ci < checks.length; ci++) if (checks[ci].id === h.get("check")) state.check = String(ci);
    if (h.get("sev") === "blocker" || h.get("sev") === "warning") state.sev = h.get("sev");
    state.onlyNew = h.get("new") === "1" && !!$("f-new");
    state.waived = h.get("waived") === "1";
    state.q = (h.get("q") || "").trim();
    syncControls();
    return true;
  }

  function onHashChange() {
    if (readHash()) refresh();
    else openHashCheck();
  }

  // ---- print: every blocked subject with its reasons, drawn when printing starts ----

  var PRINT_LIMIT = 2000, BLOCKED = 2;

  // The checklist's item lists print open; the ones opened for printing close again afterwards.
  var openedForPrint = [];

  function printing(on) {
    if (!on) { openedForPrint.forEach(function (d) { d.open = false; }); openedForPrint = []; return; }
    var closed = document.querySelectorAll("details.cutover-items:not([open])");
    for (var k = 0; k < closed.length; k++) { closed[k].open = true; openedForPrint.push(closed[k]); }
    fillPrint();
  }

  function fillPrint() {
    var list = $("print-blocked-list");
    if (!list || !D || list.getAttribute("data-filled")) return;
    list.setAttribute("data-filled", "1");
    var items = [], total = 0;
    for (var i = 0; i < n; i++) {
      if (I[OFF[i] + 1] !== BLOCKED) continue;
      total++;
      if (items.length >= PRINT_LIMIT) continue;
      var u = row(i), name = subjectName(u);
      var reasons = bySeverity(u.res).filter(function (e) { return isFailing(e.status); }).map(function (e) {
        return el("li", null, el("span", { cls: "mono" }, checks[e.check].id), e.status === ERROR ? " (could not check)" : "", ": ", e.message || "");
      });
      items.push(el("li", null, el("div", { cls: "who" }, el("span", { cls: "mono" }, u.subject || "(no name)"),
        name && name !== u.subject ? " — " + name : "", " · " + KIND_LABEL[u.kind]), el("ul", { cls: "reasons" }, reasons)));
    }
    list.replaceChildren.apply(list, items);
    $("print-blocked-note").textContent = !total ? "No subject is blocked."
      : total > items.length ? "The first " + fmt(items.length) + " of " + fmt(total) + " blocked subjects, in the order of the subjects table. "
        + "The complete list with reasons is the worklist: Export CSV on the screen, or syncready check --csv FILE."
      : "All " + fmt(total) + " blocked subjects, each with the checks that block it.";
    list.setAttribute("data-total", String(total));
  }


  // ---- drilldown ----

  function value(v) { return v === null || v === undefined || v === "" ? el("span", { cls: "v-none" }, "not set") : String(v); }
  function stateText(b) { return b === true ? "Enabled" : b === false ? "Disabled" : null; }

  function sideRow(label, cv, ov, mode, missing) {
    var mark = null, differs = false;
    if (missing) {
      var none = function () { return el("span", { cls: "muted" }, "—"); };
      return el("tr", null, el("th", { scope: "row" }, label), el("td", null, missing === "cloud" ? none() : value(cv)), el("td", null, missing === "onprem" ? none() : value(ov)), el("td"));
    }
    if (mode !== "none" && cv !== null && ov !== null && cv !== undefined && ov !== undefined) {
      var same = mode === "ci" ? String(cv).toLowerCase() === String(ov).toLowerCase() : cv === ov;
      differs = !same;
      mark = same ? el("span", { cls: "same" }, "✓ same") : el("span", { cls: "differs" }, "✗ differs");
    } else if (mode === "stamp" && (cv === null || cv === undefined) && ov) {
      mark = el("span", { cls: "muted small" }, "not stamped yet");
    }
    var cloudCell = mode === "none" ? el("span", { cls: "muted" }, "—") : value(cv);
    return el("tr", { cls: differs ? "row-differs" : null }, el("th", { scope: "row" }, label), el("td", null, cloudCell), el("td", null, value(ov)), el("td", null, mark));
  }

  function sideBySide(u) {
    var c = u.cloud, o = u.onprem;
    var missing = !c ? "cloud" : !o ? "onprem" : null;
    function cg(k) { return c ? c[k] : null; }
    function og(k) { return o ? o[k] : null; }
    var rows = [
      sideRow("User principal name", cg("upn"), og("upn"), "ci", missing),
      sideRow("Display name", cg("displayName"), og("displayName"), "exact", missing),
      sideRow("Given name", cg("givenName"), og("givenName"), "exact", missing),
      sideRow("Surname (sn)", cg("surname"), og("sn"), "exact", missing),
      sideRow("Mail", cg("mail"), og("mail"), "ci", missing),
      sideRow("Primary SMTP", cg("primarySmtp"), og("primarySmtp"), "ci", missing),
      sideRow("ImmutableID / anchor", cg("immutableId"), og("anchor"), cg("immutableId") ? "exact" : "stamp", missing),
      sideRow("Account", c ? stateText(c.enabled) : null, o ? stateText(o.enabled) : null, "exact", missing),
      sideRow("sAMAccountName", null, og("sam"), "none", missing),
      sideRow("Distinguished name", null, og("dn"), "none", missing)
    ];
    var head = el("thead", null, el("tr", null, el("th", null, ""), el("th", null, "Cloud (Entra ID)"), el("th", null, "On-premises (AD)"), el("th", null, "")));
    var colgroup = el("colgroup", null, el("col", { cls: "label" }), el("col"), el("col"), el("col", { cls: "mark" }));
    var parts = [el("h3", null, "Cloud and on-premises values")];
    if (!c) parts.push(el("p", { cls: "muted small" }, "No cloud user: this subject is on-premises only."));
    if (!o && D.kinds[u.kind] === "cloud-user") parts.push(el("p", { cls: "muted small" }, "No single on-premises counterpart was found for this cloud user."));
    parts.push(el("table", { cls: "side" }, colgroup, head, el("tbody", null, rows)));
    parts.push(proxyTable(c ? c.proxies : null, o ? o.proxies : null));
    return parts;
  }

  function proxyTable(cloud, onprem) {
    var keys = [], seen = {}, inCloud = {}, inOnprem = {};
    function note(list, bag) {
      for (var i = 0; i < list.length; i++) {
        var v = list[i], key = v.toLowerCase();
        bag[key] = true;
        if (!seen[key]) { seen[key] = v; keys.push(key); }
      }
    }
    note(cloud || [], inCloud);
    note(onprem || [], inOnprem);
    if (!keys.length) return el("p", { cls: "muted small" }, "No proxy addresses on either side.");
    var rows = keys.map(function (key) {
      var v = seen[key], moera = /\.onmicrosoft\.com\.?$/i.test(v);
      var ocell = !onprem ? null : inOnprem[key] ? el("span", { cls: "yes" }, "✓ present")
        : moera ? el("span", { cls: "muted small" }, "not needed (added by sync)") : el("span", { cls: "no" }, "✗ missing");
      var ccell = !cloud ? null : inCloud[key] ? el("span", { cls: "yes" }, "✓ present") : el("span", { cls: "muted small" }, "absent (sync adds it)");
      return el("tr", { cls: ocell && ocell.className === "no" ? "row-differs" : null }, el("th", { scope: "row", cls: "mono" }, v), el("td", null, ccell || el("span", { cls: "muted" }, "—")), el("td", null, ocell || el("span", { cls: "muted" }, "—")));
    });
    return [el("h3", null, "Proxy addresses"),
      el("table", { cls: "side" }, el("colgroup", null, el("col", { style: "width:50%" }), el("col"), el("col")),
        el("thead", null, el("tr", null, el("th", null, "Address"), el("th", null, "Cloud"), el("th", null, "On-premises"))),
        el("tbody", null, rows))];
  }

  function parse(i) {
    var text = str(i);
    if (text === null) return null;
    try { return JSON.parse(text); } catch (e) { return text; }
  }

  function show(v) {
    if (v === null || v === undefined) return "null";
    if (typeof v === "string") return v;
    if (Array.isArray(v) && v.every(function (x) { return x === null || typeof x !== "object"; })) {
      return v.length ? v.map(function (x) { return x === null ? "null" : String(x); }).join(", ") : "(none)";
    }
    return JSON.stringify(v, null, 1).replace(/\n\s*/g, " ");
  }

  function evidenceList(ev) {
    if (ev === null) return null;
    if (typeof ev !== "object" || Array.isArray(ev)) return el("dl", { cls: "kv" }, el("dt", null, "evidence"), el("dd", null, show(ev)));
    var items = [];
    Object.keys(ev).forEach(function (k) { items.push(el("dt", null, k), el("dd", null, show(ev[k]))); });
    return el("dl", { cls: "kv" }, items);
  }

  function shellSafe(v) { return /^[A-Za-z0-9@._+=-]+$/.test(v); }

  function fixBlock(fix, check, subject) {
    if (!fix && !check.command) return null;
    var parts = [el("h4", null, "Fix")];
    if (fix && typeof fix === "object") {
      var changes = Array.isArray(fix.changes) ? fix.changes : [];
      if (changes.length) {
        parts.push(el("table", { cls: "changes" },
          el("thead", null, el("tr", null, el("th", null, "Where"), el("th", null, "Attribute"), el("th", null, "Before"), el("th", null, "After"))),
          el("tbody", null, changes.map(function (ch) {
            return el("tr", null, el("td", null, ch.target === "cloud" ? "Cloud" : ch.target === "onprem" ? "On-premises" : show(ch.target)),
              el("td", { cls: "mono" }, show(ch.attribute)),
              ch.before === null || ch.before === undefined ? el("td", { cls: "muted" }, "(none)") : el("td", { cls: "mono before" }, show(ch.before)),
              ch.after === null || ch.after === undefined ? el("td", { cls: "muted" }, "(cleared)") : el("td", { cls: "mono after" }, show(ch.after)));
          }))));
      }
      if (fix.manual) parts.push(el("p", null, show(fix.manual)));
    }
    if (check.command) {
      var cmd = check.command + (shellSafe(subject) ? " --user " + subject : "");
      parts.push(el("p", { cls: "small" }, "Plan it with ", el("code", { cls: "cmd" }, cmd), check.safety === "unsafe" ? " — unsafe: review before --apply." : ""));
    } else if (!fix) {
      parts.push(el("p", { cls: "small muted" }, "Manual fix: " + (check.fix === "manual" ? "change the directory by hand." : "")));
    }
    return parts;
  }

  function resultCard(e, subject) {
    var c = checks[e.check], st = e.status;
    var classes = "result " + (st === WAIVED ? "waived" : st === SKIP ? "skip" : st === ERROR ? "error" : st === PASS ? "advisory" : c.severity);
    var waiver = parse(e.waiver);
    return el("div", { cls: classes },
      el("div", { cls: "result-head" },
        el("span", { cls: "sev sev-" + c.severity }, c.severity),
        el("a", { href: "#check-" + c.id, cls: "mono check-link" }, c.id),
        el("span", { cls: "title" }, c.title),
        st === ERROR ? el("span", { cls: "tag tag-error" }, "check error") : null,
        st === WAIVED ? el("span", { cls: "tag tag-waived" }, "waived") : null,
        st === PASS ? el("span", { cls: "tag tag-advisory" }, "passes, advisory") : null,
        e.isNew ? el("span", { cls: "tag tag-new" }, "new since baseline") : null),
      e.message ? el("p", { cls: "message" }, e.message) : null,
      waiver && typeof waiver === "object" ? el("p", { cls: "small" }, "Waiver: ", show(waiver.reason || ""), waiver.expires ? " (expires " + show(waiver.expires) + ")" : "") : null,
      evidenceList(parse(e.evidence)),
      st === SKIP || st === PASS ? null : fixBlock(parse(e.fix), c, subject));
  }

  function passedChecks(u) {
    if (u.passes) return u.passes;
    var failing = {}, out = [];
    u.res.forEach(function (e) { if (e.status !== PASS) failing[e.check] = true; });
    for (var ci = 0; ci < checks.length; ci++) if (checks[ci].kindIndex === u.kind && !failing[ci]) out.push(ci);
    return out;
  }

  function openSubject(i) {
    var u = row(i), subject = u.subject, name = subjectName(u);
    $("drill-title").textContent = name || subject;
    var sub = $("drill-sub");
    sub.replaceChildren(readinessBadge(u.ready), " ", KIND_LABEL[u.kind], " · ", el("span", { cls: "mono" }, subject), u.id ? el("span", null, " · id ", el("span", { cls: "mono" }, u.id)) : null);
    var res = bySeverity(u.res);
    var failing = res.filter(function (e) { return isFailing(e.status); });
    var waived = res.filter(function (e) { return e.status === WAIVED; });
    var skipped = res.filter(function (e) { return e.status === SKIP; });
    var advisories = res.filter(function (e) { return e.status === PASS; });
    var passed = passedChecks(u);
    var body = [];
    if (u.cloud || u.onprem) body.push(sideBySide(u));
    body.push(el("h3", null, failing.length ? "Failing checks (" + failing.length + ")" : "Failing checks"));
    body.push(failing.length ? failing.map(function (e) { return resultCard(e, subject); }) : el("p", { cls: "muted" }, "None."));
    if (waived.length) body.push(el("h3", null, "Waived (" + waived.length + ")"), waived.map(function (e) { return resultCard(e, subject); }));
    if (advisories.length) body.push(el("h3", { id: "drill-advisories" }, "Advisories (" + advisories.length + ")"), advisories.map(function (e) { return resultCard(e, subject); }));
    if (skipped.length) {
      body.push(el("details", null, el("summary", { cls: "small" }, "Skipped (" + skipped.length + ")"),
        skipped.map(function (e) { return resultCard(e, subject); })));
    }
    if (passed.length) body.push(el("p", { cls: "passed-list" }, el("strong", null, "Passed (" + passed.length + "): "), passed.map(function (ci) { return checks[ci].id; }).join(", ")));
    $("drill-body").replaceChildren.apply($("drill-body"), flatten(body));
    var dialog = $("drill");
    if (!dialog.open) { if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", ""); }
    $("drill-body").scrollTop = 0;
    dialog.scrollTop = 0;
  }

  function flatten(list) {
    var out = [];
    (function walk(x) { if (Array.isArray(x)) x.forEach(walk); else if (x) out.push(x); })(list);
    return out;
  }

  // ---- per-check failing lists ----

  function fillFailing(details) {
    var ci = +details.getAttribute("data-check"), box = details.querySelector("[data-failing]");
    if (!box || box.getAttribute("data-filled")) return;
    box.setAttribute("data-filled", "1");
    var items = [], total = 0;
    for (var i = 0; i < n; i++) {
      if (!failsCheck(i, ci)) continue;
      total++;
      if (items.length < 50) {
        var u = row(i), e = u.res.filter(function (x) { return x.check === ci; })[0];
        items.push(el("li", null, el("button", { type: "button", cls: "linkish", "data-i": i }, u.subject),
          el("span", { cls: "msg", title: e.message || "" }, e.message || "")));
      }
    }
    if (!total) return;
    box.appendChild(el("ul", null, items));
    box.appendChild(el("p", { cls: "small" },
      total > items.length ? "First " + items.length + " of " + fmt(total) + ". " : "",
      el("button", { type: "button", cls: "btn btn-quiet", on: { click: function () { showCheckInTable(ci); } } }, "Show all " + fmt(total) + " in the subjects table →")));
  }

  function showCheckInTable(ci) {
    resetState();
    state.check = String(ci);
    syncControls();
    refresh();
    $("subjects").scrollIntoView({ behavior: "smooth" });
  }

  // ---- controls ----

  function resetState() {
    state.q = ""; state.ready = ""; state.check = ""; state.sev = ""; state.kind = ""; state.onlyNew = false; state.waived = false;
  }

  function syncControls() {
    $("q").value = state.q; $("f-ready").value = state.ready; $("f-check").value = state.check;
    $("f-sev").value = state.sev; $("f-kind").value = state.kind; $("f-waived").checked = state.waived;
    if ($("f-new")) $("f-new").checked = state.onlyNew;
  }

  function csvCell(v) {
    v = v === null || v === undefined ? "" : String(v);
    if (/^[=+\-@\t\r]/.test(v)) v = "'" + v;
    return /[",\n\r]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }

  // The worklist of `syncready check --csv` (columns from syncready/worklist.py, in the data) for the
  // cloud users the filters show: with no filter, the same file.
  function parentDn(dn) {
    for (var k = 0, escaped = false; k < dn.length; k++) {
      if (escaped) escaped = false;
      else if (dn[k] === "\\") escaped = true;
      else if (dn[k] === ",") return dn.slice(k + 1).trim();
    }
    return "";
  }

  function worklistRow(u) {
    var failing = u.res.filter(function (e) { return isFailing(e.status); }).sort(function (a, b) {
      return ((checks[a.check].severity !== "blocker") - (checks[b.check].severity !== "blocker")) || a.check - b.check;
    });
    var dn = (u.onprem && u.onprem.dn) || "", at = u.subject.lastIndexOf("@"), ready = D.readiness[u.ready];
    return {
      upn: u.subject, display_name: (u.cloud && u.cloud.displayName) || "",
      readiness: ready === "synced" ? "already synchronized" : ready,
      failing_checks: failing.map(function (e) { return checks[e.check].id; }).join(", "),
      messages: failing.map(function (e) { return checks[e.check].id + ": " + (e.message || ""); }).join("\n"),
      what_to_do: failing.map(function (e) { return checks[e.check].id + ": " + (e.hint || ""); }).join("\n"),
      ad_dn: dn, ad_ou: dn ? parentDn(dn) : "(no AD user)", department: u.department || "",
      upn_domain: at >= 0 ? u.subject.slice(at + 1).toLowerCase() : ""
    };
  }

  function exportCsv() {
    var columns = D.worklist, cloudKind = D.kinds.indexOf("cloud-user");
    var lines = [columns.map(function (c) { return csvCell(c.header); }).join(",")];
    var rows = view;
    for (var p = 0; p < rows.length; p++) {
      var u = row(rows[p]);
      if (u.kind !== cloudKind) continue;
      var values = worklistRow(u);
      lines.push(columns.map(function (c) { return csvCell(values[c.key]); }).join(","));
    }
    var url = URL.createObjectURL(new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" }));
    var a = el("a", { href: url, download: "syncready-worklist.csv" });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function openHashCheck() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (id.indexOf("check-") !== 0) return;
    var details = document.getElementById(id);
    if (details && details.tagName === "DETAILS") { details.open = true; details.scrollIntoView(); }
  }

  function wire() {
    var timer = null;
    $("q").addEventListener("input", function () {
      clearTimeout(timer);
      // The Worker answers only the latest text, so keys need no debounce; searching in place they do.
      timer = setTimeout(function () { state.q = $("q").value.trim(); refresh(); }, search.worker ? 0 : 40);
    });
    [["f-ready", "ready"], ["f-check", "check"], ["f-sev", "sev"], ["f-kind", "kind"]].forEach(function (pair) {
      $(pair[0]).addEventListener("change", function () { state[pair[1]] = $(pair[0]).value; refresh(); });
    });
    $("f-waived").addEventListener("change", function () { state.waived = $("f-waived").checked; refresh(); });
    if ($("f-new")) $("f-new").addEventListener("change", function () { state.onlyNew = $("f-new").checked; refresh(); });
    $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); });
    $("reset").addEventListener("click", function () { resetState(); syncControls(); state.sort = "ready"; state.dir = -1; refresh(); });
    $("csv").addEventListener("click", exportCsv);
    $("first").addEventListener("click", function () { state.page = 0; render(); });
    $("prev").addEventListener("click", function () { state.page = Math.max(0, state.page - 1); render(); });
    $("next").addEventListener("click", function () { state.page++; render(); });
    $("last").addEventListener("click", function () { state.page = Math.ceil(view.length / state.size) - 1; render(); });
    $("pagesize").addEventListener("change", function () { state.size = +$("pagesize").value; state.page = 0; render(); });
    var ths = document.querySelectorAll("#users th[data-sort]");
    for (var t = 0; t < ths.length; t++) {
      ths[t].addEventListener("click", function () {
        var key = this.getAttribute("data-sort");
        if (state.sort === key) state.dir = -state.dir;
        else { state.sort = key; state.dir = key === "ready" || key === "failing" ? -1 : 1; }
        refresh(true);
      });
    }
    $("rows").addEventListener("click", function (ev) {
      var tr = ev.target.closest("tr[data-i]");
      if (tr) openSubject(+tr.getAttribute("data-i"));
    });
    document.addEventListener("click", function (ev) {
      var b = ev.target.closest(".failing-list [data-i]");
      if (b) openSubject(+b.getAttribute("data-i"));
    });
    $("drill-close").addEventListener("click", function () { $("drill").close(); });
    $("drill").addEventListener("click", function (ev) {
      if (ev.target === this) this.close();
      var link = ev.target.closest("a.check-link");
      if (link) this.close();
    });
    var details = document.querySelectorAll("details.check");
    for (var d = 0; d < details.length; d++) {
      details[d].addEventListener("toggle", function () { if (this.open) fillFailing(this); });
      if (details[d].open) fillFailing(details[d]);
    }
    window.addEventListener("hashchange", onHashChange);
    window.addEventListener("beforeprint", function () { printing(true); });
    window.addEventListener("afterprint", function () { printing(false); });
    if (window.matchMedia) {
      var media = window.matchMedia("print");
      if (media.addEventListener) media.addEventListener("change", function (ev) { printing(ev.matches); });
      if (media.matches) printing(true);
    }
  }

  function init(data) {
    D = data; S = D.S; I = D.ints; OFF = D.offsets; SEARCHED = D.searched; checks = D.checks; n = D.n; KIND_LABEL = D.kindLabels;
    checks.forEach(function (c) { c.kindIndex = D.kinds.indexOf(c.subject); });
    index();
    mark("indexed");
    var counts = new Int32Array(checks.length);
    for (var i = 0; i < n; i++) {
      var p = OFF[i], end = p + 3 + I[p + 2] * RES_SIZE;
      for (p += 3; p < end; p += RES_SIZE) if (isFailing(I[p + 1])) counts[I[p]]++;
    }
    var select = $("f-check");
    checks.forEach(function (c, ci) { select.appendChild(el("option", { value: String(ci) }, c.id + " (" + fmt(counts[ci]) + ")")); });
    wire();
    var filtered = readHash();
    if (!search.worker) searchInPlace();
    refresh(true);
    if (!filtered) openHashCheck();
    document.documentElement.setAttribute("data-ready", "1");
    window.syncreadyReady = { ms: performance.now() };
  }

  // A performance mark; `at` (page time) when it happened earlier than now, as a Worker's message says.
  function mark(name, at) {
    if (!performance.mark) return;
    try { performance.mark("syncready:" + name, at >= 0 ? { startTime: at } : undefined); }
    catch (err) { performance.mark("syncready:" + name); }
  }

  function start() {
    mark("start");
    loadData().then(function (data) { mark("parsed"); init(data); }).catch(function (err) {
      $("count").textContent = "The subjects could not be loaded.";
      banner("This report's data could not be read: " + (err && err.message ? err.message : String(err)));
      window.syncreadyReady = { ms: -1, error: String(err) };
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
