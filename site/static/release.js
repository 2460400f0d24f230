/* vouch review site: what a file page shares with every release that has
 * the same bytes. A file page is one rendering, linked at the same place in
 * each release holding those bytes, so it names no release itself; this
 * classic script (no modules, no fetch: the site is read from file://)
 * reads the release from the page's address and fills in its version, the
 * history of the path and what changed since the release before. The
 * project's releases come from `r/<project>/history.js` (which sets
 * `window.VOUCH_HISTORY`); each release's row of the path from its
 * `<version>/history/<shard>.js`, loaded by inserting a `<script src>`
 * (which hands its rows over with `window.VOUCH_HISTORY_ROWS.push`).
 * Every text is set with `textContent`: nothing from the index is parsed
 * as HTML. */
(function () {
  'use strict';
  var h = window.VOUCH_HISTORY;
  var sec = document.getElementById('history-section');
  if (!h || !sec) { return; }
  var depth = parseInt(sec.getAttribute('data-vouch-depth'), 10);
  var path = sec.getAttribute('data-vouch-path');
  var shard = sec.getAttribute('data-vouch-shard') || '';
  if (!/^[0-9a-f]{2}$/.test(shard)) { return; }
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

  // Each release's row of this path, as [release, digest, state, page, diff].
  var got = [];
  var pending = releases.length;
  var queue = window.VOUCH_HISTORY_ROWS = window.VOUCH_HISTORY_ROWS || [];
  function take() {
    while (queue.length) {
      var item = queue.shift();
      var k = item[0] ? parseInt(item[0].getAttribute('data-vouch-release'), 10) : -1;
      if (!(k >= 0 && k < releases.length) || !Array.isArray(item[1])) { continue; }
      for (var j = 0; j < item[1].length; j++) {
        var r = item[1][j];
        if (r[0] === path) { got[k] = [k, r[1], r[2], r[3], r[4]]; break; }
      }
    }
  }
  function loaded() {
    take();
    pending -= 1;
    if (pending === 0) { draw(); }
  }
  var bit = parseInt(shard, 16);
  for (var n = 0; n < releases.length; n++) {
    // Only a release whose folder has the shard (see `history.js`).
    var digit = parseInt(String(releases[n][3] || '').charAt(bit >> 2), 16);
    if (!(digit >> (3 - (bit & 3)) & 1)) { loaded(); continue; }
    var tag = document.createElement('script');
    tag.setAttribute('data-vouch-release', String(n));
    tag.onload = loaded;
    tag.onerror = loaded;
    tag.src = project + releases[n][2] + shard + '.js';
    document.head.appendChild(tag);
  }

  function draw() {
    var rows = got.filter(function (r) { return r; });
    if (!rows.length) { return; }

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
  }
}());
