// Time from opening search.html?q=QUERY (file://) to the first code result
// shown, in headless Chromium, for each query given; a fresh browser
// profile each time, so nothing is cached between queries.
//
//   NODE_PATH=target/test-node/node_modules node bench/search-latency.js SITE_DIR QUERY...
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [siteDir, ...queries] = process.argv.slice(2);
const base = 'file://' + path.resolve(siteDir) + '/';

async function once(q) {
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'vouch-latency-'));
  const ctx = await chromium.launchPersistentContext(userData, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    const loaded = [];
    ctx.on('request', (r) => { if (r.url().indexOf('/search/') >= 0) loaded.push(r.url()); });
    const t0 = Date.now();
    await page.goto(base + 'search.html?q=' + encodeURIComponent(q));
    await page.waitForFunction(() => /line|No line/.test(document.getElementById('code-status').textContent), null, { timeout: 30000 });
    const ms = Date.now() - t0;
    const hits = await page.$$eval('#code-results li', (ls) => ls.length);
    const status = await page.textContent('#code-status');
    let bytes = 0;
    for (const u of loaded) { try { bytes += fs.statSync(decodeURIComponent(u.replace('file://', ''))).size; } catch (e) { /* gone */ } }
    return { query: q, ms, hits, status: status.trim(), scripts: loaded.length, bytes };
  } finally {
    await ctx.close();
    fs.rmSync(userData, { recursive: true, force: true });
  }
}

(async () => {
  for (const q of queries) {
    console.log(JSON.stringify(await once(q)));
  }
})().catch((e) => { console.error(e); process.exit(1); });
