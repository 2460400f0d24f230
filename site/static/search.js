/* vouch review site: search. A classic script (ES modules and fetch do not
 * work from file://). Each project's index is classic scripts too, loaded
 * on first use by inserting <script src> elements: search/<project>.js
 * assigns window.VOUCH_SEARCH[<project>] the list of its releases' parts,
 * and each part hands its release over with window.VOUCH_SEARCH_PARTS.push
 * (a part depends on its release alone). Results are built
 * with DOM nodes and textContent only: no data ever goes through innerHTML.
 * A result list longer than PAGE rows is split into pages, each a link
 * (?page=N for paths, ?cpage=N for code).
 * Without JavaScript the page shows its <noscript> note and plain links. */
(function () {
  'use strict';
  var form = document.getElementById('search-form');
  if (!form) { return; }
  var input = document.getElementById('search-q');
  var select = document.getElementById('search-project');
  var status = document.getElementById('search-status');
  var list = document.getElementById('search-results');
  var root = form.getAttribute('data-root') || '';
  var PAGE = 2000;
  var page = 1; /* the page of path results shown */
  var cpage = 1; /* the page of code results shown */
  var pagesNav = document.getElementById('search-pages');
  var state = {}; /* project -> "loading" | "ready" | "failed" */
  var prepared = {}; /* project -> [{kind, text, lower, where, href}] */
  var timer = null;
  window.VOUCH_SEARCH = window.VOUCH_SEARCH || {};
  window.VOUCH_SEARCH_PARTS = window.VOUCH_SEARCH_PARTS || [];
  var collected = Object.create(null); /* project -> its releases, as their parts load */
  form.hidden = false; /* shown only where it can work */

  function projects() {
    var out = [];
    for (var i = 0; i < select.options.length; i++) {
      var o = select.options[i];
      if (o.value && (select.value === '' || select.value === o.value)) {
        out.push({ name: o.value, src: o.getAttribute('data-src'), code: o.getAttribute('data-code'),
          defs: o.getAttribute('data-defs') === '1' });
      }
    }
    return out;
  }

  function prepare(name) {
    var data = window.VOUCH_SEARCH[name];
    var items = [];
    if (!data || !data.releases) { return items; }
    for (var r = 0; r < data.releases.length; r++) {
      var rel = data.releases[r];
      var base = root + rel.base;
      var label = name + ' ' + rel.version;
      items.push({ kind: 'release', text: label, lower: label.toLowerCase(), where: '', href: base + rel.href });
      var c = rel.components || [];
      for (var k = 0; k + 2 < c.length; k += 3) {
        var t = c[k] + (c[k + 1] ? ' ' + c[k + 1] : '');
        items.push({ kind: 'component', text: t, lower: t.toLowerCase(), where: label, href: base + c[k + 2] });
      }
      var f = rel.files || [];
      for (var j = 0; j + 1 < f.length; j += 2) {
        var fh = f[j + 1] || 'file/' + f[j] + '.html';
        items.push({ kind: 'file', text: f[j], lower: f[j].toLowerCase(), where: label, href: base + fh });
      }
    }
    return items;
  }

  /* Each part loaded so far, to the project and place its script was
   * inserted for. */
  function takeParts() {
    var queue = window.VOUCH_SEARCH_PARTS;
    while (queue.length) {
      var item = queue.shift();
      var tag = item[0];
      if (!tag || !item[1]) { continue; }
      var name = tag.getAttribute('data-vouch-project');
      var k = parseInt(tag.getAttribute('data-vouch-part'), 10);
      var got = name === null ? undefined : collected[name];
      if (got && k >= 0 && k < got.length) { got[k] = item[1]; }
    }
  }

  function load(p, done) {
    if (state[p.name] === 'ready' || state[p.name] === 'failed') { done(); return; }
    if (state[p.name] === 'loading') { return; }
    state[p.name] = 'loading';
    var s = document.createElement('script');
    s.src = root + p.src;
    s.onload = function () {
      var data = window.VOUCH_SEARCH[p.name];
      var parts = data && Array.isArray(data.parts) ? data.parts : null;
      if (!parts) { state[p.name] = 'failed'; done(); return; }
      var got = collected[p.name] = new Array(parts.length);
      var pending = parts.length;
      function finished() {
        data.releases = got.filter(function (r) { return r; });
        state[p.name] = 'ready';
        prepared[p.name] = prepare(p.name);
        done();
      }
      function one() {
        takeParts();
        pending -= 1;
        if (pending === 0) { finished(); }
      }
      if (pending === 0) { finished(); return; }
      for (var k = 0; k < parts.length; k++) {
        var t = document.createElement('script');
        t.setAttribute('data-vouch-project', p.name);
        t.setAttribute('data-vouch-part', String(k));
        t.onload = one;
        t.onerror = one;
        t.src = root + parts[k];
        document.head.appendChild(t);
      }
    };
    s.onerror = function () { state[p.name] = 'failed'; done(); };
    document.head.appendChild(s);
  }

  /* Bidirectional and invisible characters are shown as marks, never
   * interpreted (`evil\u202egnp.exe` must not read `evilexe.png`). */
  var HIDDEN = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
  var NAMES = {
    '200b': 'ZERO WIDTH SPACE', '200c': 'ZERO WIDTH NON-JOINER', '200d': 'ZERO WIDTH JOINER',
    '200e': 'LEFT-TO-RIGHT MARK', '200f': 'RIGHT-TO-LEFT MARK', '202a': 'LEFT-TO-RIGHT EMBEDDING',
    '202b': 'RIGHT-TO-LEFT EMBEDDING', '202c': 'POP DIRECTIONAL FORMATTING', '202d': 'LEFT-TO-RIGHT OVERRIDE',
    '202e': 'RIGHT-TO-LEFT OVERRIDE', '2060': 'WORD JOINER', '2061': 'FUNCTION APPLICATION',
    '2062': 'INVISIBLE TIMES', '2063': 'INVISIBLE SEPARATOR', '2064': 'INVISIBLE PLUS',
    '2066': 'LEFT-TO-RIGHT ISOLATE', '2067': 'RIGHT-TO-LEFT ISOLATE', '2068': 'FIRST STRONG ISOLATE',
    '2069': 'POP DIRECTIONAL ISOLATE', 'feff': 'ZERO WIDTH NO-BREAK SPACE'
  };
  function show(node, text) {
    var rest = text;
    var m;
    while ((m = HIDDEN.exec(rest)) !== null) {
      if (m.index > 0) { node.appendChild(document.createTextNode(rest.slice(0, m.index))); }
      var hex = rest.charCodeAt(m.index).toString(16);
      var u = 'U+' + ('000' + hex.toUpperCase()).slice(-4);
      var mark = document.createElement('span');
      mark.className = 'bidi';
      mark.title = u + ' ' + (NAMES[hex] || '');
      mark.textContent = '\u27e8' + u + '\u27e9';
      node.appendChild(mark);
      rest = rest.slice(m.index + 1);
    }
    if (rest.length > 0) { node.appendChild(document.createTextNode(rest)); }
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function say(text) { status.textContent = text; }

  function run() {
    var q = input.value.trim().toLowerCase();
    var terms = q.split(/\s+/).filter(function (t) { return t.length > 0; });
    clear(list);
    clear(pagesNav);
    pagesNav.hidden = true;
    runCode(input.value);
    if (terms.length === 0) { say('Type part of a file path, a component name or a version.'); return; }
    var ps = projects();
    var pending = 0;
    for (var i = 0; i < ps.length; i++) {
      if (state[ps[i].name] !== 'ready' && state[ps[i].name] !== 'failed') { pending++; load(ps[i], run); }
    }
    if (pending > 0) { say('Loading the search index…'); return; }
    var hits = [];
    var failed = [];
    for (var n = 0; n < ps.length; n++) {
      if (state[ps[n].name] === 'failed') { failed.push(ps[n].name); continue; }
      var items = prepared[ps[n].name] || [];
      for (var m = 0; m < items.length; m++) {
        var it = items[m];
        var ok = true;
        for (var t = 0; t < terms.length; t++) {
          if (it.lower.indexOf(terms[t]) < 0) { ok = false; break; }
        }
        if (ok) { hits.push(it); }
      }
    }
    var total = hits.length;
    var from = pageStart(page, total);
    for (var h = from; h < total && h < from + PAGE; h++) {
      var li = document.createElement('li');
      li.className = 'hit hit-' + hits[h].kind;
      var kind = document.createElement('span');
      kind.className = 'kind';
      kind.textContent = hits[h].kind;
      var a = document.createElement('a');
      a.setAttribute('href', hits[h].href);
      var code = document.createElement(hits[h].kind === 'file' ? 'code' : 'span');
      show(code, hits[h].text);
      a.appendChild(code);
      li.appendChild(kind);
      li.appendChild(document.createTextNode(' '));
      li.appendChild(a);
      if (hits[h].where) {
        var w = document.createElement('span');
        w.className = 'where';
        show(w, ' in ' + hits[h].where);
        li.appendChild(w);
      }
      list.appendChild(li);
    }
    var msg = total === 0 ? 'Nothing found.' :
      total + ' result' + (total === 1 ? '' : 's') + shown(from, total) + '.';
    if (failed.length > 0) { msg += ' Could not load the index of: ' + failed.join(', ') + '.'; }
    say(msg);
    pageLinks(pagesNav, 'page', from, total);
  }

  /* Paging: the first row of page n (1 when n is past the end). */
  function pageStart(n, total) {
    var from = (n - 1) * PAGE;
    return from < total ? from : 0;
  }

  function shown(from, total) {
    if (total <= PAGE) { return ''; }
    return ', ' + (from + 1) + '\u2013' + Math.min(from + PAGE, total) + ' shown';
  }

  /* This page's address with `key` set to page n (the other parameters
   * kept, as the form would send them). */
  function pageHref(key, n) {
    var parts = ['q=' + encodeURIComponent(input.value)];
    if (select.value) { parts.push('p=' + encodeURIComponent(select.value)); }
    if (releaseSelect.value) { parts.push('r=' + encodeURIComponent(releaseSelect.value)); }
    if (key === 'page' && n > 1) { parts.push('page=' + n); }
    if (key === 'cpage' && n > 1) { parts.push('cpage=' + n); }
    if (key === 'page' && cpage > 1) { parts.push('cpage=' + cpage); }
    if (key === 'cpage' && page > 1) { parts.push('page=' + page); }
    return '?' + parts.join('&');
  }

  /* Links to every page near the current one, the first and the last. */
  function pageLinks(nav, key, from, total) {
    clear(nav);
    var count = Math.ceil(total / PAGE);
    nav.hidden = count <= 1;
    if (count <= 1) { return; }
    var cur = Math.floor(from / PAGE) + 1;
    nav.appendChild(document.createTextNode('Pages: '));
    var last = 0;
    for (var n = 1; n <= count; n++) {
      if (n !== 1 && n !== count && Math.abs(n - cur) > 3) { continue; }
      if (last && n > last + 1) { nav.appendChild(document.createTextNode(' \u2026')); }
      nav.appendChild(document.createTextNode(' '));
      if (n === cur) {
        var b = document.createElement('strong');
        b.setAttribute('aria-current', 'page');
        b.textContent = String(n);
        nav.appendChild(b);
      } else {
        var a = document.createElement('a');
        a.setAttribute('href', pageHref(key, n));
        a.textContent = String(n);
        nav.appendChild(a);
      }
      last = n;
    }
  }

  /* Code search: one index per release, under search/code/<project>/
   * <version>/ (see site/src/codesearch.rs): files.js (the files and the
   * shards there are) and one shard per first two letters of a word, each
   * loaded once, only when a query needs it; search/code/<project>/
   * _releases.js lists a project's releases with an index, newest first.
   * Each script pushes [document.currentScript, data] onto
   * window.VOUCH_CODE; data is kept under the address the script was asked
   * for, so that no script names itself. Shards are arrays: [word, total,
   * [file, line, file, line, ...], ...] (definitions: [name, total,
   * [[file, line, "kind name"], ...], ...]); the text of a line is in one
   * chunk, lines-<k>.js, loaded only for the lines shown. The code of the
   * newest release of each project is searched, or of the release chosen,
   * or of all. */
  var codeSection = document.getElementById('code-search');
  var codeList = document.getElementById('code-results');
  var codeStatus = document.getElementById('code-status');
  var codePages = document.getElementById('code-pages');
  var releaseSelect = document.getElementById('search-release');
  var releaseLabel = document.getElementById('search-release-label');
  window.VOUCH_CODE = window.VOUCH_CODE || [];
  var scripts = Object.create(null); /* src -> "loading" | "ready" | "failed" */
  var got = Object.create(null); /* src -> data */
  var shardMaps = Object.create(null); /* src -> word -> [total, postings] */
  var lineMaps = Object.create(null); /* src -> "file,line" -> text */
  var wantedRelease = null; /* from ?r=, until the choices are known */
  var choices = ''; /* the projects whose releases the selector lists */

  function take() {
    var q = window.VOUCH_CODE;
    if (!q || typeof q.length !== 'number') { return; }
    for (var i = 0; i < q.length; i++) {
      var el = q[i] && q[i][0];
      var key = el && el.getAttribute ? el.getAttribute('data-key') : null;
      if (key !== null && key !== undefined && scripts[key] === 'loading') { got[key] = q[i][1]; }
    }
    q.length = 0;
  }

  function need(src, done) {
    if (scripts[src] === 'ready' || scripts[src] === 'failed') { return true; }
    if (scripts[src] !== 'loading') {
      scripts[src] = 'loading';
      var s = document.createElement('script');
      s.setAttribute('data-key', src);
      s.src = root + src;
      s.onload = function () {
        take();
        scripts[src] = Array.isArray(got[src]) ? 'ready' : 'failed';
        done();
      };
      s.onerror = function () { scripts[src] = 'failed'; done(); };
      document.head.appendChild(s);
    }
    return false;
  }

  function words(text) {
    var m = text.match(/[A-Za-z_][A-Za-z0-9_]*/g) || [];
    var out = [];
    for (var i = 0; i < m.length; i++) {
      if (m[i].length >= 2 && m[i].length <= 64) { out.push(m[i].toLowerCase()); }
    }
    return out;
  }

  function defShard(name) {
    var s = '';
    for (var i = 0; i < 2; i++) {
      var c = name.charAt(i);
      s += /^[a-z0-9_]$/.test(c) ? c : '_';
    }
    return s;
  }

  function parseCode(raw) {
    var q = raw.trim();
    var d = /^def:\s*(\S+)$/.exec(q);
    if (d) {
      var name = d[1].toLowerCase();
      var pre = /\*$/.test(name);
      name = name.replace(/\*$/, '');
      return { def: name, prefix: pre, words: name ? [name] : [], phrase: null };
    }
    var m = /^"(.+)"$/.exec(q);
    if (m) { return { phrase: m[1].toLowerCase(), words: words(m[1]), prefix: false }; }
    var prefix = /^[A-Za-z_][A-Za-z0-9_]*\*$/.test(q);
    return { phrase: null, words: words(q.replace(/\*$/, '')), prefix: prefix };
  }

  function shard(src) {
    if (shardMaps[src]) { return shardMaps[src]; }
    var data = got[src] || [];
    var map = Object.create(null);
    for (var i = 0; i + 2 < data.length; i += 3) { map[data[i]] = [data[i + 1], data[i + 2]]; }
    shardMaps[src] = map;
    return map;
  }

  /* The chunk of lines that holds a hit's line: files.js lists the first
   * file of each chunk. */
  function chunkOf(hit) {
    var starts = (got[hit.rel.dir + 'files.js'] || [])[2] || [];
    var lo = 0;
    var hi = starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= hit.f) { lo = mid; } else { hi = mid - 1; }
    }
    return hit.rel.dir + 'lines-' + lo + '.js';
  }

  /* A chunk's lines: "file,line" -> text. */
  function lines(src) {
    if (lineMaps[src]) { return lineMaps[src]; }
    var data = got[src] || [];
    var map = Object.create(null);
    for (var i = 0; i + 1 < data.length; i += 2) {
      var ls = data[i + 1];
      if (!Array.isArray(ls)) { continue; }
      for (var k = 0; k + 1 < ls.length; k += 2) { map[data[i] + ',' + ls[k]] = ls[k + 1]; }
    }
    lineMaps[src] = map;
    return map;
  }

  /* A project's releases with a code index: [{version, dir, base, defs}],
   * newest first. */
  function releasesOf(p) {
    var data = got[p.code + '_releases.js'] || [];
    var out = [];
    for (var i = 0; i < data.length; i++) {
      var r = data[i];
      if (Array.isArray(r) && r.length >= 4) {
        out.push({ project: p.name, version: String(r[0]), dir: String(r[1]), base: String(r[2]), defs: r[3] === 1, order: i });
      }
    }
    return out;
  }

  /* The release selector: the newest of each project, all, or one. */
  function fillReleases(ps) {
    var key = ps.map(function (p) { return p.name; }).join('\n');
    if (key === choices) { return; }
    choices = key;
    var keep = wantedRelease !== null ? wantedRelease : releaseSelect.value;
    wantedRelease = null;
    while (releaseSelect.options.length > 2) { releaseSelect.remove(2); }
    for (var i = 0; i < ps.length; i++) {
      var rs = releasesOf(ps[i]);
      for (var k = 0; k < rs.length; k++) {
        var o = document.createElement('option');
        o.value = rs[k].project + '/' + rs[k].version;
        o.textContent = rs[k].project + ' ' + rs[k].version;
        releaseSelect.appendChild(o);
      }
    }
    releaseSelect.value = '';
    for (var n = 0; n < releaseSelect.options.length; n++) {
      if (releaseSelect.options[n].value === keep) { releaseSelect.value = keep; }
    }
    releaseSelect.hidden = false;
    releaseLabel.hidden = false;
  }

  /* The releases searched, as chosen on the page. */
  function chosen(ps) {
    var v = releaseSelect.value;
    var out = [];
    for (var i = 0; i < ps.length; i++) {
      var rs = releasesOf(ps[i]);
      for (var k = 0; k < rs.length; k++) {
        if (v === 'all' || (v === '' && k === 0) || v === rs[k].project + '/' + rs[k].version) { out.push(rs[k]); }
      }
    }
    return out;
  }

  function runCode(raw) {
    clear(codeList);
    clear(codePages);
    var ps = projects().filter(function (p) { return p.code; });
    if (ps.length === 0) { return; }
    codeSection.hidden = false;
    var again = function () { runCode(input.value); };
    var listed = true;
    for (var i = 0; i < ps.length; i++) {
      if (!need(ps[i].code + '_releases.js', again)) { listed = false; }
    }
    if (!listed) { codeStatus.textContent = 'Loading the code index…'; return; }
    fillReleases(ps);
    var q = parseCode(raw);
    if (q.words.length === 0) {
      codeStatus.textContent = raw.trim() === '' ? '' : 'Code search needs a word of two letters or more.';
      return;
    }
    var rels = chosen(ps);
    if (q.def !== undefined) {
      rels = rels.filter(function (r) { return r.defs; });
      if (rels.length === 0) {
        codeStatus.textContent = 'Definitions are not indexed (universal-ctags was not installed when the site was built).';
        return;
      }
    }
    var ready = true;
    for (var n = 0; n < rels.length; n++) {
      /* The files table first: it lists the shards there are. */
      if (!need(rels[n].dir + 'files.js', again)) { ready = false; continue; }
      var have = (got[rels[n].dir + 'files.js'] || [])[1] || [];
      for (var k = 0; k < q.words.length; k++) {
        var sh = q.def !== undefined ? 'def-' + defShard(q.words[k]) : q.words[k].slice(0, 2);
        if (have.indexOf(sh) >= 0 && !need(rels[n].dir + sh + '.js', again)) { ready = false; }
      }
    }
    if (!ready) { codeStatus.textContent = 'Loading the code index…'; return; }
    var hits = [];
    var capped = false;
    for (var m = 0; m < rels.length; m++) {
      var rel = rels[m];
      var files = (got[rel.dir + 'files.js'] || [])[0];
      if (!files) { continue; }
      var sets = [];
      for (var t = 0; t < q.words.length; t++) {
        var w = q.words[t];
        var map = shard(rel.dir + (q.def !== undefined ? 'def-' + defShard(w) : w.slice(0, 2)) + '.js');
        var set = Object.create(null);
        var lists = [];
        if (q.prefix && t === q.words.length - 1) {
          for (var key in map) { if (key.indexOf(w) === 0) { lists.push(map[key]); } }
        } else if (map[w]) {
          lists.push(map[w]);
        }
        for (var l = 0; l < lists.length; l++) {
          var ps2 = lists[l][1];
          if (q.def !== undefined) {
            /* Definitions: [[file, line, "kind name"], ...]. */
            if (lists[l][0] > ps2.length) { capped = true; }
            for (var j = 0; j < ps2.length; j++) { set[ps2[j][0] + ',' + ps2[j][1]] = [ps2[j][0], ps2[j][1], ps2[j][2]]; }
          } else {
            /* Words: [file, line, file, line, ...]; the text is in lines-<k>.js. */
            if (lists[l][0] > ps2.length / 2) { capped = true; }
            for (var j2 = 0; j2 + 1 < ps2.length; j2 += 2) { set[ps2[j2] + ',' + ps2[j2 + 1]] = [ps2[j2], ps2[j2 + 1], null]; }
          }
        }
        sets.push(set);
      }
      for (var id in sets[0]) {
        var all = true;
        for (var s2 = 1; s2 < sets.length; s2++) { if (!(id in sets[s2])) { all = false; break; } }
        var hit = sets[0][id];
        if (!all || 2 * hit[0] + 1 >= files.length) { continue; }
        hits.push({ rel: rel, f: hit[0], line: hit[1], text: hit[2],
          path: files[2 * hit[0]], href: files[2 * hit[0] + 1] || 'file/' + files[2 * hit[0]] + '.html' });
      }
    }
    hits.sort(function (a, b) {
      return a.rel.project < b.rel.project ? -1 : a.rel.project > b.rel.project ? 1 :
        (a.rel.order - b.rel.order) || (a.f - b.f) || (a.line - b.line);
    });
    /* The text of the lines shown (of every candidate for a phrase, which
     * is checked against it), from the chunks that hold them. */
    var from = pageStart(cpage, hits.length);
    var upto = q.phrase !== null ? hits.length : Math.min(hits.length, from + PAGE);
    var texts = true;
    for (var c = q.phrase !== null ? 0 : from; c < upto; c++) {
      if (hits[c].text === null && !need(chunkOf(hits[c]), again)) { texts = false; }
    }
    if (!texts) { codeStatus.textContent = 'Loading the code index…'; return; }
    for (var c2 = q.phrase !== null ? 0 : from; c2 < upto; c2++) {
      if (hits[c2].text === null) {
        var t2 = lines(chunkOf(hits[c2]))[hits[c2].f + ',' + hits[c2].line];
        hits[c2].text = typeof t2 === 'string' ? t2 : '';
      }
    }
    if (q.phrase !== null) {
      hits = hits.filter(function (x) { return x.text.toLowerCase().indexOf(q.phrase) >= 0; });
      from = pageStart(cpage, hits.length);
    }
    var total = hits.length;
    for (var h = from; h < total && h < from + PAGE; h++) {
      var it = hits[h];
      var li = document.createElement('li');
      li.className = q.def !== undefined ? 'hit hit-code hit-def' : 'hit hit-code';
      var a = document.createElement('a');
      a.setAttribute('href', root + it.rel.base + it.href + '#L' + it.line);
      var code = document.createElement('code');
      show(code, it.path + ':' + it.line);
      a.appendChild(code);
      li.appendChild(a);
      var where = document.createElement('span');
      where.className = 'where';
      show(where, ' in ' + it.rel.project + ' ' + it.rel.version);
      li.appendChild(where);
      var line = document.createElement('code');
      line.className = 'line';
      show(line, it.text);
      li.appendChild(document.createElement('br'));
      li.appendChild(line);
      codeList.appendChild(li);
    }
    var msg = total === 0 ? 'No line found.' :
      total + ' line' + (total === 1 ? '' : 's') + shown(from, total) + '.';
    if (capped) { msg += ' A word occurs in more lines than the index keeps; only the first lines of each word are searched.'; }
    codeStatus.textContent = msg;
    pageLinks(codePages, 'cpage', from, total);
  }

  function param(name) {
    var qs = window.location.search.replace(/^\?/, '').split('&');
    for (var i = 0; i < qs.length; i++) {
      var kv = qs[i].split('=');
      if (kv[0] === name && kv.length > 1) {
        try { return decodeURIComponent(kv.slice(1).join('=').replace(/\+/g, ' ')); } catch (e) { return ''; }
      }
    }
    return '';
  }

  function first() { page = 1; cpage = 1; run(); }
  form.addEventListener('submit', function (e) { e.preventDefault(); first(); });
  input.addEventListener('input', function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(first, 150);
  });
  select.addEventListener('change', first);
  releaseSelect.addEventListener('change', first);
  var p = param('p');
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === p) { select.value = p; }
  }
  wantedRelease = param('r');
  page = Math.max(1, parseInt(param('page'), 10) || 1);
  cpage = Math.max(1, parseInt(param('cpage'), 10) || 1);
  input.value = param('q');
  run();
  input.focus();
}());
