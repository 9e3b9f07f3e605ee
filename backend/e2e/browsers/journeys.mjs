// journeys.mjs walks the main journeys of the Identity and Task issues in
// one browser engine (ARCH-1: Chromium, Firefox and WebKit), through the
// running platform. backend/e2e's TestJourneysInEveryEngine starts the
// platform and runs it once per engine; it can also be run by hand against
// `make run`:
//
//   cd .tools && BROWSER=firefox BASE_URL=https://localhost:8443 \
//     EXPECT='{"EMAIL_TAKEN":"…"}' TAKEN_EMAIL=… node ../backend/e2e/browsers/journeys.mjs
//
// Every interaction is a small script run in the page (set a value and fire
// input/change events, element.click()), so the same journey runs unchanged
// on Chromium and Firefox (puppeteer-core: CDP and WebDriver BiDi) and on
// WebKit (W3C WebDriver through WebKitWebDriver). Environment:
//
//   BROWSER        chromium | firefox | webkit
//   BASE_URL       the edge, https://localhost:<port>
//   WEBDRIVER_URL  WebKitWebDriver's address (webkit only)
//   EXPECT         JSON: catalogue texts the journey expects (from webapp/ui)
//   TAKEN_EMAIL    an account that already exists
//   OUT_DIR        where screenshots go (on failure, and the layout shots)
//   PASSWORD       the password for TAKEN_EMAIL and new accounts
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const env = process.env;
const browserName = env.BROWSER || 'chromium';
const base = env.BASE_URL;
const expect = JSON.parse(env.EXPECT || '{}');
const outDir = env.OUT_DIR || '.';
const password = env.PASSWORD || 'a long enough password';
if (!base) throw new Error('BASE_URL is not set');

// puppeteer-core lives in .tools/node_modules, next to buf.
const require = createRequire(path.join(env.TOOLS_DIR || process.cwd(), 'package.json'));

// ---- drivers: goto, evaluate, screenshot, viewport, close ----------------

async function puppeteerDriver(kind) {
  const puppeteer = require('puppeteer-core');
  const opts = {
    headless: true,
    acceptInsecureCerts: true,
    args: [],
  };
  if (kind === 'firefox') {
    opts.browser = 'firefox';
    opts.executablePath = env.FIREFOX_PATH || '/usr/bin/firefox-esr';
    opts.extraPrefsFirefox = { 'intl.accept_languages': env.LANG_TAG || 'en-US' };
  } else {
    opts.executablePath = env.CHROMIUM_PATH || '/usr/bin/chromium';
    opts.args.push('--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--lang=' + (env.LANG_TAG || 'en-US'));
  }
  const browser = await puppeteer.launch(opts);
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const swSessions = new Map();
  return {
    async goto(url) { await page.goto(url, { waitUntil: 'load', timeout: 60000 }); },
    async evaluate(expr) { return page.evaluate(expr); },
    async screenshot(file) { await page.screenshot({ path: file, fullPage: true }); },
    async viewport(width, height) { await page.setViewport({ width, height }); },
    async close() { await browser.close(); },
    // offline cuts the page and its service worker off the network
    // (Chromium: CDP network emulation on both targets).
    offline: kind === 'firefox' ? undefined : async (on) => {
      const conditions = { offline: on, latency: 0, downloadThroughput: -1, uploadThroughput: -1 };
      // Emulation belongs to a CDP session on one worker: every running
      // service worker gets it (Chromium may have restarted the worker),
      // and the sessions that went offline come back online.
      await browser.waitForTarget((t) => t.type() === 'service_worker', { timeout: 30000 });
      for (const t of browser.targets().filter((t) => t.type() === 'service_worker')) {
        let session = swSessions.get(t);
        if (!session) {
          session = await t.createCDPSession();
          await session.send('Network.enable');
          swSessions.set(t, session);
        }
        await session.send('Network.emulateNetworkConditions', conditions).catch(() => {});
      }
      await page.setOfflineMode(on);
    },
  };
}

// webdriverDriver speaks W3C WebDriver (classic) over HTTP to
// WebKitWebDriver, which runs MiniBrowser in automation mode.
async function webdriverDriver() {
  const wd = env.WEBDRIVER_URL;
  if (!wd) throw new Error('WEBDRIVER_URL is not set');
  async function call(method, p, body) {
    const res = await fetch(wd + p, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`webdriver ${method} ${p}: ${res.status} ${JSON.stringify(json.value)}`);
    return json.value;
  }
  const session = await call('POST', '/session', {
    capabilities: {
      alwaysMatch: {
        browserName: 'MiniBrowser',
        acceptInsecureCerts: true,
        'webkitgtk:browserOptions': {
          binary: env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
          args: ['--automation'],
        },
      },
    },
  });
  const s = '/session/' + session.sessionId;
  await call('POST', s + '/window/rect', { width: 1280, height: 900 });
  return {
    async goto(url) { await call('POST', s + '/url', { url }); },
    async evaluate(expr) { return call('POST', s + '/execute/sync', { script: 'return (' + expr + ');', args: [] }); },
    async screenshot(file) { fs.writeFileSync(file, Buffer.from(await call('GET', s + '/screenshot'), 'base64')); },
    async viewport(width, height) { await call('POST', s + '/window/rect', { width, height }); },
    async close() { await call('DELETE', s); },
  };
}

// ---- page helpers, the same as backend/e2e's chromedp helpers ------------

const q = JSON.stringify;

async function poll(d, what, expr, timeoutMs = 45000) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await d.evaluate(expr);
      if (last) return last;
    } catch (e) {
      last = e.message; // navigation in progress
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not so after ${timeoutMs} ms (last: ${q(last)})`);
}

// A public page starts the app on first use (webapp/site/boot.go): talentStartNow stands in for it.
const appReady = (d) => poll(d, 'app ready', `(window.talentStartNow && talentStartNow(), document.documentElement.dataset.app === "ready")`);
const fill = (d, sel, value) => d.evaluate(`(() => {
  const el = document.querySelector(${q(sel)});
  if (!el) throw new Error("no element " + ${q(sel)});
  el.focus(); el.value = ${q(value)};
  el.dispatchEvent(new Event("input", {bubbles: true}));
  el.dispatchEvent(new Event("change", {bubbles: true}));
  return true;
})()`);
const click = (d, sel) => poll(d, 'click ' + sel, `(() => {
  const el = document.querySelector(${q(sel)});
  if (!el || el.disabled) return false;
  el.scrollIntoView({block: "center"}); el.click(); return true;
})()`);
const textOf = (d, sel) => d.evaluate(`(document.querySelector(${q(sel)})?.textContent || "").trim()`);
const waitText = (d, sel) => poll(d, 'text in ' + sel, `(document.querySelector(${q(sel)})?.textContent || "").trim() !== ""`);
const waitTextIs = (d, sel, want) => poll(d, `${sel} says ${q(want)}`, `(document.querySelector(${q(sel)})?.textContent || "").trim() === ${q(want)}`);
const waitPath = (d, p) => poll(d, 'path ' + p, `location.pathname === ${q(p)}`);
const waitVisible = (d, sel, timeoutMs) => poll(d, sel + ' visible', `(() => { const el = document.querySelector(${q(sel)}); return !!el && el.getClientRects().length > 0; })()`, timeoutMs);
const waitTaskTitle = (d, title) => poll(d, 'task ' + title + ' listed',
  `Array.from(document.querySelectorAll("#task-list .task-item .task-title")).some(e => e.textContent.trim() === ${q(title)})`);

// axeCheck runs axe-core in the page and fails on any serious or critical
// violation, naming the rule and the elements.
let axeSource;
async function axeCheck(d, page) {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated as a script by the driver, not by the page's eval, which the
  // CSP forbids.
  if (!(await d.evaluate('!!window.axe'))) await d.evaluate(axeSource + '\n;true');
  await d.evaluate(`(() => { window.__axe = null; axe.run(document, {resultTypes: ["violations"]}).then(r => { window.__axe = r.violations; }, e => { window.__axe = String(e); }); return true; })()`);
  const result = await poll(d, 'axe results', `window.__axe && JSON.stringify(window.__axe)`);
  const violations = JSON.parse(result);
  if (typeof violations === 'string') throw new Error('axe: ' + violations);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  axeReport.push({ page, violations: violations.map((v) => `${v.impact} ${v.id} (${v.nodes.length})`) });
  if (bad.length) {
    throw new Error(`axe on ${page}: ` + bad.map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`).join('; '));
  }
}
const axeReport = [];

function assertEq(what, got, want) {
  if (got !== want) throw new Error(`${what}: got ${q(got)}, want ${q(want)}`);
}

// ---- the journeys ---------------------------------------------------------

const steps = [];
async function step(d, what, fn) {
  const t0 = Date.now();
  try {
    await fn();
  } catch (e) {
    const shot = path.join(outDir, `${browserName}-failed.png`);
    try { await d.screenshot(shot); } catch { /* the browser may be gone */ }
    throw new Error(`${browserName}: ${what}: ${e.message} (screenshot: ${shot})`);
  }
  steps.push({ step: what, ms: Date.now() - t0 });
}

function shanghaiDate(days) {
  const d = new Date(Date.now() + 8 * 3600e3 + days * 86400e3);
  return d.toISOString().slice(0, 10);
}

async function journeys(d) {
  const suffix = Math.random().toString(16).slice(2, 10);
  const name = `${browserName} client ${suffix}`;
  const email = `${browserName}-${suffix}@example.com`;

  // ID-1: sign up (a taken email is refused on the form, input kept).
  await step(d, 'open sign-up', async () => { await d.goto(base + '/signup'); await appReady(d); });
  await step(d, 'taken email refused', async () => {
    await fill(d, '#display-name', name);
    await fill(d, '#email', env.TAKEN_EMAIL);
    await fill(d, '#password', password);
    await click(d, '#consent');
    await click(d, '#signup-submit');
    await waitText(d, '#error-email');
    assertEq('#error-email', await textOf(d, '#error-email'), expect.EMAIL_TAKEN);
    assertEq('display name kept', await d.evaluate(`document.querySelector("#display-name").value`), name);
  });
  await step(d, 'sign up', async () => {
    await fill(d, '#email', email);
    await poll(d, 'error cleared', `(document.querySelector("#error-email")?.textContent || "").trim() === ""`);
    await click(d, '#signup-submit');
    await waitPath(d, '/tasks');
    await waitTextIs(d, '#current-user', name);
  });
  await step(d, 'reload stays signed in', async () => {
    await d.goto(base + '/tasks'); await appReady(d); await waitTextIs(d, '#current-user', name);
  });
  await step(d, 'log out', async () => { await click(d, '#logout'); await waitVisible(d, '#nav-login'); });
  await step(d, 'wrong password refused', async () => {
    await d.goto(base + '/login'); await appReady(d);
    await fill(d, '#email', email); await fill(d, '#password', 'not the password');
    await click(d, '#login-submit');
    await waitText(d, '#form-error');
    assertEq('#form-error', await textOf(d, '#form-error'), expect.BAD_CREDENTIALS);
  });
  await step(d, 'log in', async () => {
    await fill(d, '#password', password);
    await click(d, '#login-submit');
    await waitPath(d, '/tasks');
    await waitTextIs(d, '#current-user', name);
  });

  // TASK-1: bad input refused field by field; a good task is posted.
  const title = `${browserName} task ${suffix} 数据看板`;
  let taskPath = '';
  await step(d, 'bad task refused', async () => {
    await d.goto(base + '/tasks/new'); await appReady(d);
    await fill(d, '#title', '');
    await fill(d, '#description', 'A dashboard for our sales data.');
    await fill(d, '#budget-min', '5000'); await fill(d, '#budget-max', '3000');
    await fill(d, '#delivery-date', shanghaiDate(-3));
    await fill(d, '#skill-tags', 'go, postgresql');
    await click(d, '#task-submit');
    await waitText(d, '#error-title');
    await waitText(d, '#error-budget_min_fen');
    await waitText(d, '#error-delivery_date');
    assertEq('#error-title', await textOf(d, '#error-title'), expect.REQUIRED);
    assertEq('#error-budget_min_fen', await textOf(d, '#error-budget_min_fen'), expect.BUDGET_MIN_ABOVE_MAX);
    assertEq('#error-delivery_date', await textOf(d, '#error-delivery_date'), expect.DATE_IN_PAST);
    assertEq('description kept', await d.evaluate(`document.querySelector("#description").value`), 'A dashboard for our sales data.');
  });
  await step(d, 'post the task', async () => {
    await fill(d, '#title', title);
    await fill(d, '#task-type', 'TASK_TYPE_DATA_ANALYSIS');
    await fill(d, '#budget-min', '3000'); await fill(d, '#budget-max', '5000');
    await fill(d, '#delivery-date', shanghaiDate(7));
    await click(d, '#task-submit');
    await waitPath(d, '/tasks');
    await waitTaskTitle(d, title);
  });

  // Failure (issue 7): the session ends while a form is being filled in;
  // sending it says so, logging in again returns to the form as typed.
  await step(d, 'session ends mid-form', async () => {
    await d.goto(base + '/tasks/new'); await appReady(d);
    await fill(d, '#title', 'Kept ' + suffix);
    await fill(d, '#description', 'Typed before the session ended.');
    await fill(d, '#task-type', 'TASK_TYPE_BACK_END');
    await fill(d, '#budget-min', '1000'); await fill(d, '#budget-max', '2000');
    await fill(d, '#delivery-date', shanghaiDate(10));
    await fill(d, '#skill-tags', 'go');
    await d.evaluate(`fetch("/talent.identity.v1.IdentityService/LogOut", {method: "POST", headers: {"Content-Type": "application/json"}, body: "{}"}).then(r => r.ok)`);
    await click(d, '#task-submit');
    await waitVisible(d, '#login-again');
    await click(d, '#login-again');
    await waitPath(d, '/login');
    await fill(d, '#email', email); await fill(d, '#password', password);
    await click(d, '#login-submit');
    await waitPath(d, '/tasks/new');
    await poll(d, 'form restored', `document.querySelector("#title")?.value === ${q('Kept ' + suffix)} && document.querySelector("#description")?.value === "Typed before the session ended." && document.querySelector("#skill-tags")?.value === "go"`);
  });

  // Finding work: a two-character Chinese word finds the task.
  await step(d, 'search a Chinese word', async () => {
    await d.goto(base + '/tasks'); await appReady(d);
    await fill(d, '#search-query', '看板 ' + suffix);
    await click(d, '#search-submit');
    await waitTaskTitle(d, title);
  });
  await step(d, 'open the task page', async () => {
    await click(d, '#task-list .task-item a.task-link');
    await waitVisible(d, '#task-close');
    taskPath = await d.evaluate(`location.pathname`);
    await waitTextIs(d, '#task-detail > .status', expect['status.open']);
    await waitVisible(d, '#task-timeline .timeline-item');
  });
  await step(d, 'close the task', async () => {
    await click(d, '#task-close');
    await waitTextIs(d, '#task-detail > .status', expect['status.closed']);
  });

  // Offline (issue 7): the task just viewed opens without a network, from
  // the service worker's cached app and the copy the app kept.
  if (d.offline) {
    await step(d, 'read a viewed task offline', async () => {
      // Up to three tries: Chromium may swap the service worker for a new
      // instance between our emulation and the page load, which then
      // loads online (the check fails rather than passing wrongly).
      for (let attempt = 1; ; attempt++) {
        try {
          await d.goto(base + taskPath); await appReady(d);
          await waitTextIs(d, '#task-detail .task-title', title);
          await poll(d, 'service worker in control', `!!navigator.serviceWorker.controller`);
          await d.offline(true);
          try {
            await d.goto(base + taskPath); await appReady(d);
            await waitVisible(d, '#offline-copy', 15000);
            await waitTextIs(d, '#task-detail .task-title', title);
            await d.goto(base + '/tasks'); await appReady(d);
            await waitVisible(d, '#recent-tasks', 15000);
          } finally {
            await d.offline(false);
          }
          return;
        } catch (e) {
          if (attempt === 3) throw e;
        }
      }
    });
  }

  // Accessibility (ARCH-1): axe-core finds no serious or critical
  // violation on the main pages, signed in and out.
  if (env.RUN_AXE) {
    const task = taskPath;
    for (const page of ['/tasks', '/tasks/new', task, '/account/security']) {
      await step(d, `axe ${page}`, async () => {
        await d.goto(base + page); await appReady(d);
        await axeCheck(d, page);
      });
    }
    await step(d, 'log out for axe', async () => { await click(d, '#logout'); await waitVisible(d, '#nav-login'); });
    for (const page of ['/', '/tasks', '/login', '/signup', task]) {
      await step(d, `axe ${page} signed out`, async () => {
        await d.goto(base + page); await appReady(d);
        await axeCheck(d, page);
      });
    }
  }

  // Responsive layouts (ARCH-1): phone, tablet and desktop screenshots of
  // the task list; the page must not scroll sideways on a phone.
  for (const [label, w, h] of [['phone', 360, 740], ['tablet', 768, 1024], ['desktop', 1280, 900]]) {
    await step(d, `layout ${label}`, async () => {
      await d.viewport(w, h);
      await d.goto(base + '/tasks'); await appReady(d);
      await waitVisible(d, '#task-list');
      const overflow = await d.evaluate(`document.documentElement.scrollWidth - document.documentElement.clientWidth`);
      if (overflow > 1) throw new Error(`the page is ${overflow}px wider than a ${w}px screen`);
      await d.screenshot(path.join(outDir, `${browserName}-${label}.png`));
    });
  }
}

const driver = browserName === 'webkit' ? await webdriverDriver() : await puppeteerDriver(browserName);
let code = 0;
try {
  await journeys(driver);
  if (axeReport.length) console.error(JSON.stringify({ axe: axeReport }));
  console.log(JSON.stringify({ browser: browserName, ok: true, steps }));
} catch (e) {
  console.error(e.message);
  console.log(JSON.stringify({ browser: browserName, ok: false, error: e.message, steps }));
  code = 1;
} finally {
  await driver.close().catch(() => {});
}
process.exit(code);
