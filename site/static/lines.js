/* vouch review site: line ranges on a file page. A classic script (no
 * modules, no fetch: the site is read from file://). `#L12` is the
 * browser's own `:target`; `#L10-L20` marks lines 10 to 20 (class `hl`)
 * and scrolls to the first. Shift-click on a line number extends the
 * marked line into a range. Without JavaScript every line number is still
 * a link to its line. */
(function () {
  'use strict';
  var marked = [];

  function range() {
    var m = /^#L(\d+)(?:-L?(\d+))?$/.exec(window.location.hash);
    if (!m) { return null; }
    var a = parseInt(m[1], 10);
    var b = m[2] ? parseInt(m[2], 10) : a;
    if (b < a) { var t = a; a = b; b = t; }
    return [a, b];
  }

  function mark() {
    for (var i = 0; i < marked.length; i++) { marked[i].classList.remove('hl'); }
    marked = [];
    var r = range();
    if (!r) { return; }
    for (var n = r[0]; n <= r[1]; n++) {
      var line = document.getElementById('L' + n);
      if (!line) { break; }
      line.classList.add('hl');
      marked.push(line);
    }
    if (marked.length > 1) { marked[0].scrollIntoView({ block: 'center' }); }
  }

  var gutter = document.querySelector('.gutter');
  if (gutter) {
    gutter.addEventListener('click', function (e) {
      var a = e.target;
      if (!a || a.tagName !== 'A' || !e.shiftKey) { return; }
      var r = range();
      var n = parseInt(a.textContent, 10);
      if (!r || isNaN(n)) { return; }
      e.preventDefault();
      var lo = Math.min(r[0], n);
      var hi = Math.max(r[0], n);
      window.location.hash = lo === hi ? '#L' + lo : '#L' + lo + '-L' + hi;
    });
  }
  window.addEventListener('hashchange', mark);
  mark();
}());
