// Drives headless Chromium (playwright-core, the Debian chromium binary)
// through a vouch review site opened from file://, the way a reviewer
// would: index → release → directory → source file → back; the changes
// page and a line diff; a search from the header box and a click on a
// result; then the hostile names through search, watching the
// window.__xss canary. Prints one JSON report on stdout; the Rust test
// (tests/tests/site_browser.rs) makes the assertions.
//
//   NODE_PATH=<node_modules> node browse.js SITE_DIR SCREENSHOT_DIR PROJECT NEW_VERSION OLD_VERSION
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [siteDir, shotDir, project, newVersion, oldVersion] = process.argv.slice(2);
const base = 'file://' + path.resolve(siteDir) + '/';

const report = { requests: [], failed: [], errors: [], steps: {}, screenshots: [] };

async function main() {
  fs.mkdirSync(shotDir, { recursive: true });
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-chromium-'));
  const ctx = await chromium.launchPersistentContext(userData, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
  try {
    ctx.on('request', (r) => report.requests.push(r.url()));
    ctx.on('requestfailed', (r) => report.failed.push(r.url() + ' ' + ((r.failure() || {}).errorText || '')));
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.on('pageerror', (e) => report.errors.push('pageerror: ' + String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') report.errors.push('console: ' + m.text());
    });
    const here = () => page.url().slice(base.length);
    const shot = async (name) => {
      const file = path.join(shotDir, name + '.png');
      await page.screenshot({ path: file, fullPage: true });
      report.screenshots.push(file);
    };
    const follow = async (locator, step) => {
      await Promise.all([page.waitForNavigation(), locator.first().click()]);
      report.steps[step] = here();
    };

    // Index → release → source tree → directory → file, and back.
    await page.goto(base + 'index.html');
    report.steps.index = here();
    await shot('index');
    await follow(page.getByRole('link', { name: newVersion, exact: true }), 'release');
    await shot('release');
    await follow(page.locator('nav.toc').getByRole('link', { name: 'Source files', exact: true }), 'tree');
    await follow(page.locator('table.listing').getByRole('link', { name: 'src/', exact: true }), 'directory');
    await shot('directory');
    await follow(page.locator('table.listing').getByRole('link', { name: 'main.rs', exact: true }), 'file');
    await shot('file');
    await page.goBack();
    report.steps.back = here();
    await page.goBack();
    await page.goBack();
    report.steps.back_to_release = here();

    // The changes page and a line diff.
    await follow(page.locator('nav.toc').getByRole('link', { name: 'Changes since ' + oldVersion }), 'changes');
    await shot('changes');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('changes-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // A file page is shared by the releases with its bytes: release.js
    // names the release from the address, lists the path's history and
    // what changed since the release before.
    await page.goto(base + 'r/' + project + '/' + newVersion + '/file/src/main.rs.html');
    await page.waitForSelector('table.history');
    const versions = () => page.$$eval('[data-vouch-version]', (s) => s.map((x) => x.textContent));
    report.steps.history = {
      title: await page.title(),
      versions: await versions(),
      rows: await page.$$eval('table.history tbody tr', (rs) => rs.map((r) => r.innerText.replace(/\s+/g, ' ').trim())),
      since: await page.evaluate(() => {
        const dt = Array.from(document.querySelectorAll('#facts dt')).find((d) => d.textContent.indexOf('Since') === 0);
        return dt ? dt.textContent + ': ' + dt.nextElementSibling.textContent : '';
      }),
    };
    await follow(page.locator('table.history').getByRole('link', { name: oldVersion, exact: true }), 'history_old');
    report.steps.history_old_versions = await versions();
    await follow(page.getByRole('link', { name: 'line diff' }), 'diff');
    await shot('diff');
    await page.goto(base + 'r/' + project + '/' + newVersion + '/index.html');
    await follow(page.locator('nav.toc').getByRole('link', { name: 'Licenses', exact: true }), 'licenses');
    await shot('licenses');

    // Search from the header box: a plain GET form to search.html?q=...
    await page.goto(base + 'index.html');
    await page.fill('#site-q', 'main.rs');
    await Promise.all([page.waitForNavigation(), page.press('#site-q', 'Enter')]);
    report.steps.search = here();
    await page.waitForSelector('#search-results li');
    report.steps.search_status = await page.textContent('#search-status');
    report.steps.search_hits = await page.$$eval('#search-results li', (ls) => ls.map((l) => l.textContent));
    report.steps.index_scripts = await page.$$eval('script[src]', (ss) => ss.map((s) => s.getAttribute('src')));
    await shot('search');
    await follow(page.locator('#search-results li.hit-file a'), 'search_result');

    // The hostile names through search: nothing they contain may run.
    const hostile = {};
    for (const q of ['__xss', 'onerror', 'script']) {
      await page.goto(base + 'search.html?q=' + encodeURIComponent(q));
      await page.waitForFunction(() => /result|Nothing/.test(document.getElementById('search-status').textContent));
      await page.waitForTimeout(200);
      hostile[q] = {
        hits: await page.$$eval('#search-results li a', (as) => as.map((a) => a.textContent)),
        xss: await page.evaluate(() => typeof window.__xss),
        injected: await page.$$eval('#search-results img, #search-results script', (e) => e.length),
      };
      if (q === '__xss') await shot('search-hostile');
      const first = page.locator('#search-results li.hit-file a');
      if ((await first.count()) > 0) {
        await Promise.all([page.waitForNavigation(), first.first().click()]);
        hostile[q].opened = here();
        hostile[q].xss_after = await page.evaluate(() => typeof window.__xss);
      }
    }
    report.steps.hostile = hostile;

    // Issue 20: every line addressable, a #L range marked, the file page
    // in light and dark.
    const filePage = base + 'r/' + project + '/' + newVersion + '/file/src/main.rs.html';
    // lines.js marks on load and on `hashchange`, which the browser fires
    // after the click returns: wait (up to 5 s) for the marks to become
    // what the address says, then record what is marked, settled or not;
    // the Rust test judges it.
    const marks = () => page.$$eval('pre.code span.hl', (ls) => ls.map((l) => l.id));
    const settle = async (want) => {
      await page
        .waitForFunction(
          (w) => Array.from(document.querySelectorAll('pre.code span.hl'), (l) => l.id).join() === w,
          want.join(),
          { timeout: 5000 },
        )
        .catch(() => {});
      return marks();
    };
    await page.goto(filePage + '#L2-L4');
    report.steps.range = await settle(['L2', 'L3', 'L4']);
    await shot('file-range');
    await page.click('.gutter a[href="#L5"]');
    report.steps.line_link = here();
    report.steps.line_target = await page.evaluate(() => (document.querySelector(':target') || {}).id || '');
    report.steps.range_after = await settle(['L5']);
    await page.goto(filePage);
    await shot('file-light');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot('file-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Issue 20: bidirectional controls in names and code are shown as
    // marks, in search results and on the pages they open.
    await page.goto(base + 'search.html?q=' + encodeURIComponent('evil'));
    await page.waitForFunction(() => /result|Nothing/.test(document.getElementById('search-status').textContent));
    const bidi = {
      hits: await page.$$eval('#search-results li a', (as) => as.map((a) => a.textContent)),
      marks: await page.$$eval('#search-results .bidi', (ms) => ms.map((m) => m.textContent + ' ' + m.title)),
    };
    await shot('search-bidi');
    await Promise.all([page.waitForNavigation(), page.locator('#search-results li.hit-file a').first().click()]);
    bidi.opened = here();
    bidi.h1 = await page.innerText('h1');
    bidi.raw = await page.evaluate(() => /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/.test(document.body.innerText + document.title));
    await page.goto(base + 'r/' + project + '/' + newVersion + '/file/src/trojan.rs.html');
    bidi.warning = await page.locator('p.bidi-warning').count();
    bidi.code_marks = await page.$$eval('pre.code .bidi', (ms) => ms.map((m) => m.textContent));
    bidi.code_raw = await page.evaluate(() => /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/.test(document.querySelector('pre.code').innerText));
    bidi.xss = await page.evaluate(() => typeof window.__xss);
    await shot('file-bidi');
    report.steps.bidi = bidi;

    // Issue 20: code search from file://, loading only the shards needed.
    const code = {};
    for (const q of ['greet', 'GRE*', '"demo::greet"', 'nosuchword', 'def:greet', 'def:shout']) {
      const before = report.requests.length;
      await page.goto(base + 'search.html?q=' + encodeURIComponent(q));
      await page.waitForFunction(() => /line|No line/.test(document.getElementById('code-status').textContent));
      code[q] = {
        hits: await page.$$eval('#code-results li', (ls) => ls.map((l) => l.querySelector('a').textContent + ' ' + l.querySelector('.where').textContent.trim() + ' | ' + l.querySelector('code.line').textContent)),
        hrefs: await page.$$eval('#code-results li a', (as) => as.map((a) => a.getAttribute('href'))),
        loaded: report.requests.slice(before).filter((u) => u.indexOf('/search/code/') >= 0).map((u) => u.slice(u.indexOf('/search/code/') + 1)),
      };
    }
    await page.goto(base + 'search.html?q=greet');
    await page.waitForSelector('#code-results li');
    await shot('search-code');
    await Promise.all([page.waitForNavigation(), page.locator('#code-results li a').first().click()]);
    code.opened = here();
    code.target = await page.evaluate(() => (document.querySelector(':target') || {}).id || '');
    const codeHits = () => page.$$eval('#code-results li', (ls) => ls.map((l) => l.querySelector('a').textContent + ' ' + l.querySelector('.where').textContent.trim() + ' | ' + l.querySelector('code.line').textContent));
    const codeDone = () => page.waitForFunction(() => /line|No line/.test(document.getElementById('code-status').textContent));
    // Another release chosen on the page (the form sends it), then all.
    await page.goto(base + 'search.html?q=greet');
    await codeDone();
    code.releases = await page.$$eval('#search-release option', (os) => os.map((o) => o.textContent));
    let before = report.requests.length;
    await page.selectOption('#search-release', project + '/' + oldVersion);
    await codeDone();
    code.older = { hits: await codeHits() };
    code.older.loaded = report.requests.slice(before).filter((u) => u.indexOf('/search/code/') >= 0).map((u) => u.slice(u.indexOf('/search/code/') + 1));
    // The same from the address, as the form without the script sends it.
    await page.goto(base + 'search.html?q=greet&r=' + encodeURIComponent(project + '/' + oldVersion));
    await codeDone();
    code.older.from_url = await codeHits();
    code.older.selected = await page.$eval('#search-release', (s) => s.value);
    await page.goto(base + 'search.html?r=all&q=greet');
    await codeDone();
    code.all = { hits: await codeHits() };
    await page.goto(base + 'search.html?r=all&q=def:greet');
    await codeDone();
    code.all.def = await codeHits();
    // A long list in pages.
    await page.goto(base + 'search.html?q=' + encodeURIComponent('item_*'));
    await codeDone();
    const paged = {
      rows: await page.locator('#code-results li').count(),
      status: await page.textContent('#code-status'),
      links: await page.$$eval('#code-pages a', (as) => as.map((a) => a.textContent)),
    };
    await Promise.all([page.waitForNavigation(), page.locator('#code-pages a').first().click()]);
    await codeDone();
    paged.page2_rows = await page.locator('#code-results li').count();
    paged.page2_first = await page.locator('#code-results li a').first().textContent();
    paged.page2_links = await page.$$eval('#code-pages a', (as) => as.map((a) => a.textContent));
    code.paged = paged;
    report.steps.code = code;
    await page.goto(base + 'search.html?q=' + encodeURIComponent('gen/f'));
    await page.waitForFunction(() => /result|Nothing/.test(document.getElementById('search-status').textContent));
    const files = {
      rows: await page.locator('#search-results li').count(),
      status: await page.textContent('#search-status'),
    };
    await Promise.all([page.waitForNavigation(), page.locator('#search-pages a').first().click()]);
    await page.waitForFunction(() => /result|Nothing/.test(document.getElementById('search-status').textContent));
    files.page2_rows = await page.locator('#search-results li').count();
    files.page2_first = await page.locator('#search-results li a').first().textContent();
    report.steps.paged_files = files;
  } finally {
    await ctx.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }

  // Without JavaScript: the search page says so and plain links still work.
  const noJsData = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-chromium-'));
  const noJs = await chromium.launchPersistentContext(noJsData, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    javaScriptEnabled: false,
  });
  try {
    noJs.on('request', (r) => report.requests.push(r.url()));
    noJs.on('requestfailed', (r) => report.failed.push(r.url() + ' ' + ((r.failure() || {}).errorText || '')));
    const page = noJs.pages()[0] || (await noJs.newPage());
    await page.goto(base + 'search.html?q=main');
    report.steps.nojs_note = await page.locator('p.alert').first().innerText();
    await page.screenshot({ path: path.join(shotDir, 'search-nojs.png'), fullPage: true });
    await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: project, exact: true }).last().click()]);
    report.steps.nojs_browse = page.url().slice(base.length);
  } finally {
    await noJs.close();
    fs.rmSync(noJsData, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write('browse.js: ' + (e && e.stack ? e.stack : String(e)) + '\n');
  process.stderr.write('steps done: ' + Object.keys(report.steps).join(', ') + '\n');
  process.stderr.write('script errors: ' + JSON.stringify(report.errors) + '\n');
  process.exit(1);
});
