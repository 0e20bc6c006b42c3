// Measures the Studio served by a running Slipway (bench/studio/run.sh starts one):
//   1. the initial JavaScript and CSS index.html loads, raw and gzipped;
//   2. Lighthouse performance and accessibility, signed in on the endpoints list, mobile and desktop;
//   3. how long the endpoints list takes to be on screen with its search box, empty cache, in
//      Chromium (9 runs; DETAIL=1 prints each run's resource timings).
// Env: STUDIO_URL, STUDIO_COOKIE (slipway_session=...), CHROMIUM (default /usr/bin/chromium).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';

const url = process.env.STUDIO_URL;
const cookie = process.env.STUDIO_COOKIE;
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
const require = createRequire(new URL('../../studio/package.json', import.meta.url));
const { chromium: browsers } = require('@playwright/test');
const flags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function initialBytes() {
  const page = await (await fetch(url + '/')).text();
  const files = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  let raw = 0;
  let gzipped = 0;
  const rows = [];
  for (const file of files) {
    const body = Buffer.from(await (await fetch(url + file)).arrayBuffer());
    raw += body.length;
    const gz = gzipSync(body).length;
    gzipped += gz;
    rows.push(`${file} ${body.length} B, ${gz} B gzipped`);
  }
  return { files: rows, raw, gzipped };
}

async function timeToList(runs = 9) {
  const browser = await browsers.launch({ executablePath: chromium, headless: true, args: flags });
  const [name, value] = cookie.split('=');
  const times = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    await context.addCookies([{ name, value, url }]);
    // the page notes, by its own clock (from the navigation's start), when the first row appears
    await context.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('table.list tbody tr') && document.getElementById('endpoint-search')) {
          window.__listAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const page = await context.newPage();
    await page.goto(url + '/', { waitUntil: 'commit' });
    await page.locator('table.list tbody tr').first().waitFor();
    times.push(await page.evaluate(() => Math.round(window.__listAt)));
    if (process.env.DETAIL)
      console.log(await page.evaluate(() => performance.getEntriesByType('resource').map((e) => `${e.name.replace(location.origin, '')} ${Math.round(e.startTime)}-${Math.round(e.responseEnd)}`).join(' | ')));
    await context.close();
  }
  await browser.close();
  times.sort((a, b) => a - b);
  return { runs: times, median: times[Math.floor(times.length / 2)], max: times[times.length - 1] };
}

function lighthouse(preset) {
  const headers = new URL('./headers.json', import.meta.url).pathname;
  writeFileSync(headers, JSON.stringify({ Cookie: cookie }));
  const out = new URL(`./lighthouse-${preset}.json`, import.meta.url).pathname;
  const args = [url + '/', '--quiet', '--only-categories=performance,accessibility', '--output=json', `--output-path=${out}`, `--extra-headers=${headers}`, `--chrome-flags=--headless=new ${flags.join(' ')}`];
  if (preset === 'desktop') args.push('--preset=desktop');
  execFileSync(new URL('./node_modules/.bin/lighthouse', import.meta.url).pathname, args, { env: { ...process.env, CHROME_PATH: chromium }, stdio: 'inherit' });
  const report = JSON.parse(readFileSync(out, 'utf8'));
  const audit = (id) => report.audits[id]?.displayValue ?? '';
  return {
    performance: Math.round(report.categories.performance.score * 100),
    accessibility: Math.round(report.categories.accessibility.score * 100),
    fcp: audit('first-contentful-paint'),
    lcp: audit('largest-contentful-paint'),
    tti: audit('interactive'),
    tbt: audit('total-blocking-time'),
    failedAccessibility: report.categories.accessibility.auditRefs
      .filter((r) => report.audits[r.id].score !== null && report.audits[r.id].score < 1)
      .map((r) => r.id),
  };
}

const bytes = await initialBytes();
console.log(`initial JS+CSS: ${bytes.raw} B, ${bytes.gzipped} B gzipped`);
bytes.files.forEach((f) => console.log('  ' + f));
for (const preset of ['mobile', 'desktop']) {
  const r = lighthouse(preset);
  console.log(`lighthouse ${preset}: performance ${r.performance}, accessibility ${r.accessibility} (FCP ${r.fcp}, LCP ${r.lcp}, TTI ${r.tti}, TBT ${r.tbt})${r.failedAccessibility.length ? '; accessibility audits not passed: ' + r.failedAccessibility.join(', ') : ''}`);
}
// after Lighthouse, so that the server's first minute (its start-up caches are made in the
// background after a new build) is not what is timed
const list = await timeToList();
console.log(`endpoints list on screen, empty cache: median ${list.median} ms, max ${list.max} ms (runs ${list.runs.join(', ')})`);
