// bench-repeat.mjs times a repeat visit (issue 7, ARCH-1): how long from
// the start of navigation until the web app is interactive (go-app has
// taken over: <html data-app="ready">), when app.wasm and the shell come
// from the service-worker cache of an earlier visit. `make bench-web` runs
// it after Lighthouse:
//
//   node deploy/dev/bench-repeat.mjs https://localhost:8443 [runs]
//
// One Chromium profile per run: a first visit to /tasks starts the app,
// waits for the service worker to control the page and for app.wasm to be
// cached; then the device is marked signed in ("talent.signed-in", as the
// app does at log-in, so the app starts at once rather than on first use)
// and /tasks is opened again. Timed twice per run: with no throttling, and
// under Lighthouse's mobile conditions (4x CPU slowdown, 150 ms RTT,
// 1.6 Mbit/s down) applied to the repeat visit only. Prints each run and
// the median of each.
import path from 'node:path';
import { createRequire } from 'node:module';

const base = process.argv[2] || 'https://localhost:8443';
const runs = Number(process.argv[3] || 5);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const require = createRequire(path.join(root, '.tools', 'package.json'));
const puppeteer = require('puppeteer-core');

const ready = `document.documentElement.dataset.app === "ready"`;

async function visit(throttled) {
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    headless: true, acceptInsecureCerts: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--ignore-certificate-errors'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 412, height: 823, isMobile: true });
    // First visit: start the app, let the service worker install and cache.
    await page.goto(base + '/tasks', { waitUntil: 'load' });
    await page.evaluate(`window.talentStartNow && talentStartNow()`);
    await page.waitForFunction(ready, { timeout: 60000 });
    await page.waitForFunction(`navigator.serviceWorker && navigator.serviceWorker.controller !== null`, { timeout: 60000 }).catch(async () => {
      await page.reload({ waitUntil: 'load' }); // the first load is not controlled yet
    });
    await page.waitForFunction(`caches.keys().then(async (ks) => { for (const k of ks) { const c = await caches.open(k); for (const r of await c.keys()) if (r.url.includes('.wasm')) return true; } return false; })`, { timeout: 60000, polling: 200 });
    await page.evaluate(`localStorage.setItem("talent.signed-in", "1")`);
    const cdp = await page.createCDPSession();
    if (throttled) {
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: 1.6 * 1024 * 1024 / 8, uploadThroughput: 750 * 1024 / 8 });
    }
    // The repeat visit.
    await page.goto(base + '/tasks', { waitUntil: 'domcontentloaded' });
    await page.waitForFunction(ready, { timeout: 60000, polling: 'raf' });
    const ms = await page.evaluate(`performance.now()`);
    const fromSW = await page.evaluate(`performance.getEntriesByType("resource").filter((e) => e.name.includes(".wasm")).map((e) => e.workerStart > 0 || e.transferSize === 0)`);
    return { ms, fromSW: fromSW.length === 0 || fromSW.every(Boolean) };
  } finally {
    await browser.close();
  }
}

const median = (v) => { const s = [...v].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
for (const throttled of [false, true]) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = await visit(throttled);
    times.push(r.ms);
    if (process.env.VERBOSE) console.log(`  run ${i + 1}: ${Math.round(r.ms)} ms${r.fromSW ? '' : ' (app.wasm NOT from the cache)'}`);
    if (!r.fromSW) console.error('bench-repeat: app.wasm did not come from the service-worker cache');
  }
  console.log(`repeat visit to /tasks, interactive (app taken over) ${throttled ? 'under mobile throttling (4x CPU, 150 ms RTT, 1.6 Mbit/s)' : 'without throttling'}: median ${Math.round(median(times))} ms over ${runs} runs (${times.map((t) => Math.round(t)).join(', ')} ms)`);
}
