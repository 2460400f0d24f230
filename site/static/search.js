/* vouch review site: search. A classic script (ES modules and fetch do not
 * work from file://). Each project's index is a classic script too,
 * search/<project>.js, loaded on first use by inserting a <script src>
 * element; it assigns window.VOUCH_SEARCH[<project>]. Results are built
 * with DOM nodes and textContent only: no data ever goes through innerHTML.
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
  var LIMIT = 200;
  var state = {}; /* project -> "loading" | "ready" | "failed" */
  var prepared = {}; /* project -> [{kind, text, lower, where, href}] */
  var timer = null;
  window.VOUCH_SEARCH = window.VOUCH_SEARCH || {};
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

  function load(p, done) {
    if (state[p.name] === 'ready' || state[p.name] === 'failed') { done(); return; }
    if (state[p.name] === 'loading') { return; }
    state[p.name] = 'loading';
    var s = document.createElement('script');
    s.src = root + p.src;
    s.onload = function () {
      state[p.name] = window.VOUCH_SEARCH[p.name] ? 'ready' : 'failed';
      prepared[p.name] = prepare(p.name);
      done();
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
    runCode(input.value);
    if (terms.length === 0) { say('Type part of a file path, a component name or a version.'); return; }
    var ps = projects();
    var pending = 0;
    for (var i = 0; i < ps.length; i++) {
      if (state[ps[i].name] !== 'ready' && state[ps[i].name] !== 'failed') { pending++; load(ps[i], run); }
    }
    if (pending > 0) { say('Loading the search index…'); return; }
    var hits = [];
    var total = 0;
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
        if (ok) {
          total++;
          if (hits.length < LIMIT) { hits.push(it); }
        }
      }
    }
    for (var h = 0; h < hits.length; h++) {
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
      total + ' result' + (total === 1 ? '' : 's') + (total > hits.length ? ', the first ' + hits.length + ' shown.' : '.');
    if (failed.length > 0) { msg += ' Could not load the index of: ' + failed.join(', ') + '.'; }
    say(msg);
  }

  /* Code search: search/code/<project>/files.js and one shard per first
   * two letters of a word (see site/src/codesearch.rs), each loaded once,
   * only when a query needs it. Shards are arrays: [word, total,
   * [[release, file, line, text], ...], ...]. */
  var codeSection = document.getElementById('code-search');
  var codeList = document.getElementById('code-results');
  var codeStatus = document.getElementById('code-status');
  window.VOUCH_CODE = window.VOUCH_CODE || {};
  var scripts = {}; /* src -> "loading" | "ready" | "failed" */
  var shardMaps = {}; /* "<project>/<xy>" -> word -> [total, postings] */
  var CODE_LIMIT = 200;

  function need(src, done) {
    if (scripts[src] === 'ready' || scripts[src] === 'failed') { return true; }
    if (scripts[src] !== 'loading') {
      scripts[src] = 'loading';
      var s = document.createElement('script');
      s.src = root + src;
      s.onload = function () { scripts[src] = 'ready'; done(); };
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

  function shard(project, name) {
    var key = project + '/' + name;
    if (shardMaps[key]) { return shardMaps[key]; }
    var data = window.VOUCH_CODE[key] || [];
    var map = Object.create(null);
    for (var i = 0; i + 2 < data.length; i += 3) { map[data[i]] = [data[i + 1], data[i + 2]]; }
    shardMaps[key] = map;
    return map;
  }

  function runCode(raw) {
    clear(codeList);
    var ps = projects().filter(function (p) { return p.code; });
    if (ps.length === 0) { return; }
    codeSection.hidden = false;
    var q = parseCode(raw);
    if (q.words.length === 0) {
      codeStatus.textContent = raw.trim() === '' ? '' : 'Code search needs a word of two letters or more.';
      return;
    }
    var again = function () { runCode(input.value); };
    if (q.def !== undefined) {
      ps = ps.filter(function (p) { return p.defs; });
      if (ps.length === 0) {
        codeStatus.textContent = 'Definitions are not indexed (universal-ctags was not installed when the site was built).';
        return;
      }
    }
    var ready = true;
    for (var i = 0; i < ps.length; i++) {
      /* The files table first: it lists the shards there are. */
      if (!need(ps[i].code + 'files.js', again)) { ready = false; continue; }
      var have = window.VOUCH_CODE[ps[i].name + '/shards'] || [];
      for (var k = 0; k < q.words.length; k++) {
        var sh = q.def !== undefined ? 'def-' + defShard(q.words[k]) : q.words[k].slice(0, 2);
        if (have.indexOf(sh) >= 0 && !need(ps[i].code + sh + '.js', again)) { ready = false; }
      }
    }
    if (!ready) { codeStatus.textContent = 'Loading the code index…'; return; }
    var hits = [];
    var capped = false;
    for (var n = 0; n < ps.length; n++) {
      var p = ps[n];
      var files = window.VOUCH_CODE[p.name + '/files'];
      if (!files) { continue; }
      var sets = [];
      for (var t = 0; t < q.words.length; t++) {
        var w = q.words[t];
        var map = shard(p.name, q.def !== undefined ? 'def-' + defShard(w) : w.slice(0, 2));
        var set = Object.create(null);
        var lists = [];
        if (q.prefix && t === q.words.length - 1) {
          for (var key in map) { if (key.indexOf(w) === 0) { lists.push(map[key]); } }
        } else if (map[w]) {
          lists.push(map[w]);
        }
        for (var l = 0; l < lists.length; l++) {
          if (lists[l][0] > lists[l][1].length) { capped = true; }
          for (var j = 0; j < lists[l][1].length; j++) {
            var x = lists[l][1][j];
            set[x[0] + ',' + x[1] + ',' + x[2]] = x;
          }
        }
        sets.push(set);
      }
      for (var id in sets[0]) {
        var all = true;
        for (var s2 = 1; s2 < sets.length; s2++) { if (!(id in sets[s2])) { all = false; break; } }
        var hit = sets[0][id];
        if (!all || (q.phrase !== null && hit[3].toLowerCase().indexOf(q.phrase) < 0)) { continue; }
        var rel = files[hit[0]];
        if (!rel) { continue; }
        hits.push({ project: p.name, rel: rel, r: hit[0], f: hit[1], line: hit[2], text: hit[3] });
      }
    }
    hits.sort(function (a, b) {
      return a.project < b.project ? -1 : a.project > b.project ? 1 : (a.r - b.r) || (a.f - b.f) || (a.line - b.line);
    });
    for (var h = 0; h < hits.length && h < CODE_LIMIT; h++) {
      var it = hits[h];
      var path = it.rel.files[2 * it.f];
      var li = document.createElement('li');
      li.className = q.def !== undefined ? 'hit hit-code hit-def' : 'hit hit-code';
      var a = document.createElement('a');
      a.setAttribute('href', root + it.rel.base + it.rel.files[2 * it.f + 1] + '#L' + it.line);
      var code = document.createElement('code');
      show(code, path + ':' + it.line);
      a.appendChild(code);
      li.appendChild(a);
      var where = document.createElement('span');
      where.className = 'where';
      show(where, ' in ' + it.project + ' ' + it.rel.version);
      li.appendChild(where);
      var line = document.createElement('code');
      line.className = 'line';
      show(line, it.text);
      li.appendChild(document.createElement('br'));
      li.appendChild(line);
      codeList.appendChild(li);
    }
    var msg = hits.length === 0 ? 'No line found.' :
      hits.length + ' line' + (hits.length === 1 ? '' : 's') + (hits.length > CODE_LIMIT ? ', the first ' + CODE_LIMIT + ' shown.' : '.');
    if (capped) { msg += ' A word occurs in more lines than the index keeps; only the first lines of each word are searched.'; }
    codeStatus.textContent = msg;
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

  form.addEventListener('submit', function (e) { e.preventDefault(); run(); });
  input.addEventListener('input', function () {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(run, 150);
  });
  select.addEventListener('change', run);
  var p = param('p');
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === p) { select.value = p; }
  }
  input.value = param('q');
  run();
  input.focus();
}());
