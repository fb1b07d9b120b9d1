// The subjects search, off the main thread: report.js starts this function's own source as a Worker
// from a blob URL (the page's CSP allows worker-src blob:), which unpacks the data by itself, builds
// the index and answers each query with the matching subjects. Where no Worker can start, the page
// calls it in place (host null) and builds the index in idle slices, as before.
//
// The index holds only the searchable strings: subject, names, UPNs, addresses (not their prefixes),
// mail, primary SMTP, the DN as its two parts; not ids, anchors, messages or evidence (two thirds of
// the string table). The page packs them apart (table F, id -k for the k-th, written first: see
// reports/html_data.py), so the Worker inflates the payload only up to their end, decodes only that
// part of the text and lowers it as it is, one text joined by U+0001 (each one's start in `starts`);
// each subject lists its own. A term is found once per distinct string by indexOf over that text; a
// subject matches a term when one of its strings holds it. Each subject also has the set of
// characters its strings hold (two bit masks): a longer term skips the subjects lacking one of its
// characters, and a one-character term (the first keystroke) is answered from them alone — by the
// page itself, which the Worker hands a copy of the masks once they are built.
function syncreadySearch(host) {
  "use strict";
  var RES_SIZE = 7, CLOUD_FIELDS = 7, ONPREM_FIELDS = 8, SEP = "\u0001";
  var source = null, I = null, OFF = null, n = 0, walked = 0, masked = 0;
  var low = null, starts = null, strings = 0;
  var fieldOff = null, fieldIds = null, used = 0, dnA = null, dnB = null;
  var subLo = null, subHi = null, strLo = null, strHi = null;
  var hitCache = {}, cacheOrder = [], last = null;
  // Characters with a bit of their own (a-z in the low mask; digits, then @ . - _ , = space ' in the
  // high one); every other character shares OTHER, so a term holding one is checked against the strings.
  var PUNCT = "@.-_,= '", OTHER = 1 << 18;
  var BIT_LO = new Int32Array(128), BIT_HI = new Int32Array(128);
  for (var code = 0; code < 128; code++) {
    var k = PUNCT.indexOf(String.fromCharCode(code));
    if (code >= 97 && code <= 122) BIT_LO[code] = 1 << (code - 97);
    else BIT_HI[code] = code >= 48 && code <= 57 ? 1 << (code - 48) : k >= 0 ? 1 << (10 + k) : OTHER;
  }

  // The packed data of a gzip'd report (see binary() in reports/html_data.py); strings as one text,
  // or, for the search (searchedOnly), the searched strings' part alone when they are split by U+0001:
  // the text up to its data.searched-th separator, which starts S's part (a buffer inflateSearched
  // cut there ends with that part: `cut`).
  function unpack(buf, searchedOnly, cut) {
    var headLen = new DataView(buf).getUint32(0, true);
    var data = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, headLen)));
    var pos = 4 + headLen;
    data.offsets = new Int32Array(buf, pos, data.n + 1);
    pos += 4 * (data.n + 1);
    data.ints = new Int32Array(buf, pos, data.offsets[data.n]);
    pos += 4 * data.offsets[data.n];
    var bytes = new Uint8Array(buf, pos);
    if (searchedOnly && data.strings === "split") {
      for (var k = cut ? data.searched : 0, at = cut ? bytes.length : -1; k < data.searched && at < bytes.length; k++) {
        at = bytes.indexOf(1, at + 1);
        if (at < 0) at = bytes.length;
      }
      bytes = bytes.subarray(0, Math.max(at, 0));
      data.searchedText = true;
    }
    data.text = new TextDecoder().decode(bytes);
    return data;
  }

  function inflate(blob) {
    var stream = blob.stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }

  // What the search reads of a gzip'd blob, inflated no further: the header, the integers and the
  // searched strings, which binary() writes first; the other strings (two thirds of the text, 45 %
  // of a 500k report's inflated bytes) are never inflated. { buf, cut }: cut when buf ends where
  // S's part starts; otherwise (strings not split, or no such end found) buf is all of the data.
  function inflateSearched(blob) {
    var reader = blob.stream().pipeThrough(new DecompressionStream("gzip")).getReader();
    var buf = new Uint8Array(1 << 20), size = 0, head = null, textAt = -1, scanned = 0, seps = 0;
    function u32(p) { return (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0; }
    function append(chunk) {
      if (size + chunk.length > buf.length) {
        var grown = new Uint8Array(Math.max(2 * buf.length, size + chunk.length));
        grown.set(buf.subarray(0, size));
        buf = grown;
      }
      buf.set(chunk, size);
      size += chunk.length;
    }
    function done(end, cut) {
      var whole = buf.buffer, out = whole.transfer ? whole.transfer(end) : whole.slice(0, end);
      buf = null;
      return { buf: out, cut: cut };
    }
    // The byte where S's part starts, once the data up to it is in; -1 before.
    function end() {
      if (!head && size >= 4 && size >= 4 + u32(0)) {
        head = JSON.parse(new TextDecoder().decode(buf.subarray(4, 4 + u32(0))));
        if (head.strings !== "split") head.all = true;
      }
      if (!head || head.all) return -1;
      if (textAt < 0) {
        var last = 4 + u32(0) + 4 * head.n;           // offsets[n], the integers' count
        if (size < last + 4) return -1;
        textAt = scanned = last + 4 + 4 * u32(last);
      }
      var view = buf.subarray(0, size);
      for (var at = scanned < size ? view.indexOf(1, scanned) : -1; at >= 0; at = view.indexOf(1, at + 1)) {
        if (++seps === head.searched) return at;
      }
      scanned = Math.max(scanned, size);
      return -1;
    }
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) return done(size, false);
        append(step.value);
        var at = end();
        if (at < 0) return pump();
        reader.cancel();
        return done(at, true);
      });
    }
    return pump();
  }

  // The data: the searched strings (F, data.searched of them with index 0, none) as the start of a
  // U+0001-joined text (index 0 the empty string), or as the start of an array S (F, then S).
  function init(data) {
    I = data.ints; OFF = data.offsets; n = data.n; strings = data.searched;
    source = data.searchedText ? data.text : data.S;
    fieldOff = new Int32Array(n + 1); dnA = new Int32Array(n); dnB = new Int32Array(n);
    fieldIds = new Int32Array(Math.max(1024, 12 * n));
  }

  // A searched string's id: -k in the integers, k here (0, none, for 0 and for any other table's).
  function note(id) {
    if (id >= 0) return;
    if (used === fieldIds.length) { var grown = new Int32Array(2 * used); grown.set(fieldIds); fieldIds = grown; }
    fieldIds[used++] = -id;
  }

  function walkSubject(i) {
    var p = OFF[i], k, count, side;
    p += 3 + I[p + 2] * RES_SIZE;
    note(I[p]);
    p += 2;
    for (side = 0; side < 2; side++) {
      if (!I[p++]) continue;
      if (side) {
        if (I[p] < 0) dnA[i] = -I[p];
        if (I[p + 1] < 0) dnB[i] = -I[p + 1];
        p += 2;
      }
      var fields = (side ? ONPREM_FIELDS : CLOUD_FIELDS) - 1;
      for (k = 0; k < fields; k++, p++) note(I[p]);
      p += 2;
      count = I[p++];
      for (k = 0; k < count; k++, p += 2) note(I[p + 1]);
    }
    fieldOff[i + 1] = used;
  }

  // The searched strings (S's first `strings`) as one text, as the page's split text would hold them.
  function joined(S) {
    var parts = new Array(strings);
    parts[0] = "";
    for (var k = 1; k < strings; k++) {
      var s = S[k];
      s = s === null || s === undefined ? "" : String(s);
      parts[k] = s.indexOf(SEP) >= 0 ? s.split(SEP).join("\u0002") : s;
    }
    return parts.join(SEP);
  }

  // The lowered text of the searchable strings, and where each starts (lowering may change lengths).
  function lowerText() {
    if (typeof source !== "string") source = joined(source);
    low = source.toLowerCase();
    source = null;
    starts = new Int32Array(strings + 1);
    for (var k = 1, p = -1; k < strings; k++) { p = low.indexOf(SEP, p + 1); starts[k] = p + 1; }
    starts[strings] = low.length + 1;
    strLo = new Int32Array(strings); strHi = new Int32Array(strings);
    for (var id = 1; id < strings; id++) {
      var lo = 0, hi = 0, end = starts[id + 1] - 1;
      for (var q = starts[id]; q < end; q++) {
        var c = low.charCodeAt(q);
        if (c < 128) { lo |= BIT_LO[c]; hi |= BIT_HI[c]; } else hi |= OTHER;
      }
      strLo[id] = lo; strHi[id] = hi;
    }
    subLo = new Int32Array(n); subHi = new Int32Array(n);
  }

  function maskSubject(i) {
    var lo = strLo[dnA[i]] | strLo[dnB[i]], hi = strHi[dnA[i]] | strHi[dnB[i]];
    for (var k = fieldOff[i], end = fieldOff[i + 1]; k < end; k++) { lo |= strLo[fieldIds[k]]; hi |= strHi[fieldIds[k]]; }
    subLo[i] = lo; subHi[i] = hi;
  }

  // Builds what is left of the index until deadline (performance.now() time); true when complete.
  function build(deadline) {
    for (; walked < n; walked++) {
      if ((walked & 1023) === 0 && performance.now() > deadline) return false;
      walkSubject(walked);
    }
    if (!low) { lowerText(); I = OFF = null; fieldIds = fieldIds.subarray(0, used); }
    for (; masked < n; masked++) {
      if ((masked & 4095) === 0 && performance.now() > deadline) return false;
      maskSubject(masked);
    }
    strLo = strHi = null;
    return true;
  }

  function lowString(id) { return low.substring(starts[id], starts[id + 1] - 1); }

  // The searchable strings holding term, as a mask over their numbers. Kept for the last terms: a longer
  // term (typing on) only looks at the strings that held a shorter one it contains.
  function hits(term) {
    if (hitCache[term]) return hitCache[term].mask;
    var from = null;
    cacheOrder.forEach(function (c) { if (term.indexOf(c) >= 0 && (!from || hitCache[c].count < from.count)) from = hitCache[c]; });
    if (from && from.count > strings / 16) from = null;       // a scan of the text is quicker then
    var mask = new Uint8Array(strings), at = new Int32Array(from ? from.count : 1024), count = 0, k;
    if (term.indexOf(SEP) >= 0 || term.indexOf("\u0002") >= 0) {
      at = at.subarray(0, 0);
    } else if (from) {
      for (var j = 0; j < from.count; j++) {
        k = from.at[j];
        if (lowString(k).indexOf(term) >= 0) { mask[k] = 1; at[count++] = k; }
      }
    } else {
      k = 0;
      for (var pos = low.indexOf(term); pos >= 0; pos = low.indexOf(term, starts[k + 1])) {
        while (starts[k + 1] <= pos) k++;
        mask[k] = 1;
        if (count === at.length) { var grown = new Int32Array(2 * count); grown.set(at); at = grown; }
        at[count++] = k;
      }
    }
    if (cacheOrder.length > 8) delete hitCache[cacheOrder.shift()];
    cacheOrder.push(term);
    hitCache[term] = { mask: mask, at: at, count: count };
    return mask;
  }

  function subjectHas(i, term, mask) {
    for (var k = fieldOff[i], end = fieldOff[i + 1]; k < end; k++) if (mask[fieldIds[k]]) return true;
    var a = dnA[i], b = dnB[i];
    if (mask[a] || mask[b]) return true;
    // A DN is stored as its first RDN and its parent (",OU=..."): only a term with a comma can span both.
    return a > 0 && b > 0 && term.indexOf(",") >= 0 && (lowString(a) + lowString(b)).indexOf(term) >= 0;
  }

  // What a subject must hold for term: its characters' bits, and whether they alone decide (one character with a bit of its own).
  function needs(term) {
    var lo = 0, hi = 0;
    for (var k = 0; k < term.length; k++) {
      var c = term.charCodeAt(k);
      if (c < 128) { lo |= BIT_LO[c]; hi |= BIT_HI[c]; } else hi |= OTHER;
    }
    return { lo: lo, hi: hi, alone: term.length === 1 && !(hi & OTHER) };
  }

  // Whether the subjects' character masks alone answer terms: each one character with a bit of its own.
  function maskAnswers(terms) {
    return terms.length > 0 && terms.every(function (t) { return needs(t).alone; });
  }

  // The subjects (ascending) whose masks (lo, hi: the index's, as handed to the page) hold every
  // term's character; null when that is every subject. For terms that maskAnswers.
  function byMasks(terms, lo, hi) {
    var want = terms.map(needs), wlo = 0, whi = 0;
    want.forEach(function (w) { wlo |= w.lo; whi |= w.hi; });
    var count = lo.length, out = new Int32Array(count), m = 0;
    for (var i = 0; i < count; i++) if ((lo[i] & wlo) === wlo && (hi[i] & whi) === whi) out[m++] = i;
    return m === count ? null : out.subarray(0, m);
  }

  // The subjects (ascending) holding every term (lowered, non-empty). Typing on narrows: when each
  // earlier term is contained in a new one, only the earlier matches are candidates.
  function query(terms) {
    var need = terms.map(needs);
    var masks = terms.map(function (t, k) { return need[k].alone ? null : hits(t); });
    var from = last && last.terms.every(function (o) {
      return terms.some(function (t) { return t.indexOf(o) >= 0; });
    }) ? last.matched : null;
    var count = from ? from.length : n, out = new Int32Array(count), m = 0;
    outer: for (var j = 0; j < count; j++) {
      var i = from ? from[j] : j;
      for (var t = 0; t < terms.length; t++) {
        var w = need[t];
        if ((subLo[i] & w.lo) !== w.lo || (subHi[i] & w.hi) !== w.hi) continue outer;
        if (masks[t] && !subjectHas(i, terms[t], masks[t])) continue outer;
      }
      out[m++] = i;
    }
    last = { terms: terms, matched: out.subarray(0, m) };
    return last.matched;
  }

  var api = { unpack: unpack, inflate: inflate, inflateSearched: inflateSearched, init: init, build: build, query: query,
              maskAnswers: maskAnswers, byMasks: byMasks };
  if (!host) return api;

  // In the Worker: "data" (a gzip'd blob, or the plain data) → "indexed" (with the time it was, as
  // milliseconds since the epoch: the page may read the message much later; and a copy of the
  // subjects' character masks, with which the page answers a first keystroke itself);
  // "query" → "matches" (`all` when every subject matches: no list to copy).
  var ready = null;
  host.onmessage = function (ev) {
    var msg = ev.data;
    if (msg.type === "data") {
      var loaded = msg.blob ? inflateSearched(msg.blob).then(function (got) { return unpack(got.buf, true, got.cut); })
        : Promise.resolve(msg.data);
      ready = loaded.then(function (data) {
        if (!data.searchedText && data.text !== undefined) data.S = JSON.parse(data.text);
        init(data);
        build(Infinity);
        var lo = subLo.slice(), hi = subHi.slice();
        host.postMessage({ type: "indexed", at: performance.timeOrigin + performance.now(), lo: lo, hi: hi },
                         [lo.buffer, hi.buffer]);
      }).catch(function (err) { host.postMessage({ type: "failed", error: String(err) }); });
    } else if (msg.type === "query") {
      ready.then(function () {
        var matched = query(msg.terms);
        if (matched.length === n) { host.postMessage({ type: "matches", key: msg.key, all: true }); return; }
        matched = matched.slice();
        host.postMessage({ type: "matches", key: msg.key, matched: matched }, [matched.buffer]);
      });
    }
  };
  return api;
}
