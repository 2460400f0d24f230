/* vouch review site: what a file page shares with every release that has
 * the same bytes. A file page is one rendering, linked at the same place in
 * each release holding those bytes, so it names no release itself; this
 * classic script (no modules, no fetch: the site is read from file://)
 * reads the release from the page's address and fills in its version, the
 * history of the path (from `r/<project>/history/<shard>.js`, which sets
 * `window.VOUCH_HISTORY`) and what changed since the release before.
 * Every text is set with `textContent`: nothing from the index is parsed
 * as HTML. */
(function () {
  'use strict';
  var h = window.VOUCH_HISTORY;
  var sec = document.getElementById('history-section');
  if (!h || !sec) { return; }
  var depth = parseInt(sec.getAttribute('data-vouch-depth'), 10);
  var path = sec.getAttribute('data-vouch-path');
  var segs = window.location.pathname.split('/');
  var here = '';
  try { here = decodeURIComponent(segs[segs.length - 1 - depth] || ''); } catch (e) { return; }
  var up = '';
  for (var u = 1; u < depth; u++) { up += '../'; }
  var project = up + '../';
  var releases = h.releases;
  var cur = -1;
  for (var i = 0; i < releases.length; i++) {
    if (releases[i][0] === here) { cur = i; }
  }
  if (cur < 0) { return; }
  var version = releases[cur][0];

  var spans = document.querySelectorAll('[data-vouch-version]');
  for (var s = 0; s < spans.length; s++) { spans[s].textContent = version; }
  document.title = document.title + ' ' + version;

  var rows = null;
  for (var p = 0; p < h.paths.length; p++) {
    if (h.paths[p][0] === path) { rows = h.paths[p][1]; break; }
  }
  if (!rows) { return; }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function link(href, text) {
    var a = el('a', text);
    a.setAttribute('href', project + href);
    return a;
  }
  var said = {
    first: 'first release with this path',
    added: 'added (not in the release before)',
    changed: 'changed',
    unchanged: 'unchanged'
  };

  var table = el('table', null, 'history');
  table.appendChild(el('caption', 'Every release of ' + h.project + ' in this site with this path, newest first'));
  var head = el('thead');
  var hr = el('tr');
  ['Release', 'SHA-256 (manifest)', 'Bytes'].forEach(function (t) {
    var th = el('th', t);
    th.setAttribute('scope', 'col');
    hr.appendChild(th);
  });
  head.appendChild(hr);
  table.appendChild(head);
  var body = el('tbody');
  var mine = null;
  rows.forEach(function (r) {
    var tr = el('tr');
    var th = el('th');
    th.setAttribute('scope', 'row');
    if (r[0] === cur) {
      tr.className = 'current';
      th.textContent = releases[r[0]][0] + ' (this page)';
      mine = r;
    } else {
      th.appendChild(link(r[3], releases[r[0]][0]));
    }
    tr.appendChild(th);
    var td = el('td');
    if (r[1]) { td.appendChild(el('code', r[1], 'digest')); }
    tr.appendChild(td);
    var st = el('td', said[r[2]] || r[2], 'h-' + r[2]);
    if (r[2] === 'changed' && r[4]) {
      st.appendChild(document.createTextNode(' — '));
      st.appendChild(link(r[4], 'line diff'));
    }
    tr.appendChild(st);
    body.appendChild(tr);
  });
  table.appendChild(body);
  var wrap = el('div', null, 'scroll');
  wrap.appendChild(table);
  sec.appendChild(wrap);

  // What changed since the release before this one (the next one down).
  var facts = document.getElementById('facts');
  if (!mine || !facts || cur + 1 >= releases.length) { return; }
  var state = mine[2] === 'changed' ? 'modified' : (mine[2] === 'unchanged' ? null : 'added');
  if (!state) { return; }
  var dd = el('dd', state);
  if (state === 'modified' && mine[4]) {
    dd.appendChild(document.createTextNode(' — '));
    dd.appendChild(link(mine[4], 'line diff'));
  }
  dd.appendChild(document.createTextNode(' ('));
  dd.appendChild(link(releases[cur][1], 'all changes'));
  dd.appendChild(document.createTextNode(')'));
  facts.appendChild(el('dt', 'Since ' + releases[cur + 1][0]));
  facts.appendChild(dd);
}());
