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
        out.push({ name: o.value, src: o.getAttribute('data-src') });
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
