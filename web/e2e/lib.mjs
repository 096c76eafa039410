// What the map page's browser tests share: campusd built from this
// repository, a staff account made with the CLI, Debian's chromium
// (headless) driven by playwright-core, and the helpers that drive the page.
// Each *.test.mjs calls before(setup) and after(teardown) and imports what
// it uses; run.sh runs them one file after another.
//
// (What follows was e2e.test.mjs's head.) Screenshots of each state go to artifacts/; those of the
// first view, a floor plan at its first zoom and a route across floors, at
// 390x844 and 1440x900, are compared with approved/ (approve.sh writes
// them); axe-core audits the page; the keyboard drives search, routes and
// the floor switcher.
//
//   npm ci && node --test e2e.test.mjs       (or: bash run.sh)
//
// Environment: CHROMIUM (default /usr/bin/chromium), E2E_KEEP=1 keeps the
// temporary folder (binaries, data, server log).
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync, writeFileSync, existsSync, createWriteStream } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import pixelmatch from 'pixelmatch';
import AxeBuilder from '@axe-core/playwright';
import jsQR from 'jsqr';

export const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const artifacts = join(here, 'artifacts');
export const approved = join(here, 'approved');
export const APPROVE = process.env.E2E_APPROVE === '1';
// Screenshots may differ from the approved ones by font hinting and
// anti-aliasing: a pixel counts as different past THRESHOLD (pixelmatch's
// colour distance), and a screenshot fails past MAX_DIFF of its pixels.
const THRESHOLD = 0.2;
const MAX_DIFF = 0.015;
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const STAFF = { email: 'e2e-staff@hkust-gz.edu.cn', password: 'correct horse battery staple' };
export const INDOOR_LAYERS = ['levels', 'units', 'unit-outlines', 'openings', 'amenities', 'labels'];

export let tmp;
let server; // campusd
let serverLog;
let proxy; // only while campusd does not serve the page itself
export let base; // where the browser goes
export let api; // campusd itself
export let browser;
export const started = Date.now();
export const shots = [];

// ---- Helpers ---------------------------------------------------------------

export function freePort() {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(fn, what, ms = 60000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
}

export async function getJSON(path, token) {
  const r = await fetch(api + path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
  return r.json();
}

export function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'], ...opts }).toString();
}

// serveFromDisk stands in front of campusd when campusd does not yet serve
// the page (web.Assets not wired): the page from web/assets, the rest
// proxied. The page is then the same files, not the embedded copy.
export function serveFromDisk(port, target) {
  const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.jsonl': 'application/jsonl', '.txt': 'text/plain' };
  const assets = join(repo, 'web/assets');
  const s = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    let file = null;
    if (path === '/' || path === '/index.html') file = 'index.html';
    else if (path.startsWith('/assets/')) file = normalize(path.slice(8));
    if (file !== null) {
      const f = join(assets, file);
      if (!f.startsWith(assets) || !existsSync(f)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': types[extname(f)] || 'text/plain' }).end(readFileSync(f));
      return;
    }
    const up = httpRequest({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  return new Promise((r) => s.listen(port, '127.0.0.1', () => r(s)));
}

export async function newPage(t, { viewport = { width: 1280, height: 800 }, mobile = false, url = '/', dpr } = {}) {
  const ctx = await browser.newContext({
    viewport, deviceScaleFactor: dpr ?? (mobile ? 2 : 1), isMobile: mobile, hasTouch: mobile, locale: 'en-GB',
  });
  const page = await ctx.newPage();
  const errors = [];
  const failed = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`  [browser] ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`); });
  t.after(async () => {
    await ctx.close();
    assert.deepEqual(errors, [], 'uncaught errors in the page');
  });
  await page.goto(base + url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
  await idle(page);
  // Loading the page asks for nothing that is not there (no 404 at each load).
  assert.deepEqual(failed, [], 'failed requests while the page loaded');
  return page;
}

// settled waits for the map to be idle and its labels to have faded in.
export async function settled(page) {
  await idle(page);
  await sleep(450);
  await idle(page);
}

// looksApproved compares a screenshot with the approved one in approved/
// (E2E_APPROVE=1 writes it instead: web/e2e/approve.sh). opts.mask: what
// changes from run to run (a QR code, a clock, a date), painted over: locators
// or CSS selectors.
export async function looksApproved(page, name, opts = {}) {
  await settled(page);
  const file = join(artifacts, name + '.png');
  const mask = (opts.mask || []).map((m) => (typeof m === 'string' ? page.locator(m) : m));
  await page.screenshot({ path: file, ...(mask.length ? { mask, maskColor: '#c8ccd2' } : {}) });
  shots.push(file);
  const want = join(approved, name + '.png');
  if (APPROVE) {
    mkdirSync(approved, { recursive: true });
    writeFileSync(want, readFileSync(file));
    return;
  }
  assert.ok(existsSync(want), `${want} is missing: run web/e2e/approve.sh and look at what it wrote`);
  const a = PNG.sync.read(readFileSync(want));
  const b = PNG.sync.read(readFileSync(file));
  assert.deepEqual([b.width, b.height], [a.width, a.height], `${name}: size`);
  const diff = new PNG({ width: a.width, height: a.height });
  const n = pixelmatch(a.data, b.data, diff.data, a.width, a.height, { threshold: THRESHOLD });
  const ratio = n / (a.width * a.height);
  if (ratio > MAX_DIFF) writeFileSync(join(artifacts, name + '.diff.png'), PNG.sync.write(diff));
  assert.ok(ratio <= MAX_DIFF, `${name}: ${(ratio * 100).toFixed(2)}% of the pixels differ from approved/${name}.png (see artifacts/${name}.diff.png)`);
}

// signInByPhone signs the page in as a visitor, as a visitor does: a
// number (a new one unless opts.phone), the code texted (here: read from
// campusd's log), and answers the session's token. The account block is
// folded again unless opts.keepOpen.
let phones = 0;
export async function signInByPhone(page, opts = {}) {
  await page.evaluate(() => { document.getElementById('account-block').open = true; });
  const phone = opts.phone || '+86 139 ' + String(Date.now() % 10000).padStart(4, '0') + ' ' + String(1000 + phones++);
  await page.getByTestId('phone-number').fill(phone);
  await page.getByTestId('phone-send').click();
  await page.getByTestId('phone-code').waitFor();
  const sent = await page.getByTestId('phone-number').inputValue(); // as the server wrote it
  let code = null;
  await waitFor(() => {
    const log = readFileSync(join(tmp, 'campusd.log'), 'utf8').split('\n').filter((l) => l.includes('sign-in code') && l.includes(sent));
    code = log.length ? JSON.parse(log.at(-1)).code : null;
    return code;
  }, 'the sign-in code in the server log', 20000);
  await page.getByTestId('phone-code').fill(code);
  await page.getByTestId('phone-verify').click();
  await page.waitForSelector('body[data-role="visitor"]');
  if (!opts.keepOpen) await page.evaluate(() => { document.getElementById('account-block').open = false; });
  return page.evaluate(() => localStorage.getItem('campus.token'));
}

// decodeQR reads the QR code in a screenshot of the element, as a
// scanner would.
export async function decodeQR(locator) {
  const png = PNG.sync.read(await locator.screenshot());
  const r = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.ok(r, 'a QR code is on the screen');
  return r.data;
}

// axe runs axe-core on the page as it is and fails on serious or critical
// violations.
export async function axe(page, what) {
  const r = await new AxeBuilder({ page }).exclude('.maplibregl-canvas').analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')})`);
  assert.deepEqual(bad, [], `axe-core on ${what}`);
  return r.violations.length;
}

// tabTo presses Tab until the element with data-testid (or matching sel)
// has the focus, and fails after max presses.
export async function tabTo(page, sel, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((q) => document.activeElement && document.activeElement.matches(q), sel)) return i + 1;
  }
  throw new Error(`${sel} was not reached with ${max} Tabs`);
}

export async function idle(page) {
  await page.evaluate(() => new Promise((res, rej) => {
    const m = window.campusMap;
    const h = setTimeout(() => rej(new Error('the map did not settle in 30 s')), 30000);
    m.once('idle', () => { clearTimeout(h); res(); });
    m.triggerRepaint();
  }));
}

export async function shot(page, name) {
  await idle(page).catch(() => {});
  const file = join(artifacts, name + '.png');
  await page.screenshot({ path: file });
  shots.push(file);
}

export async function signIn(page) {
  await page.evaluate(() => { document.getElementById('account-block').open = true; });
  await page.getByTestId('login-email').fill(STAFF.email);
  await page.getByTestId('login-password').fill(STAFF.password);
  await page.getByTestId('login-submit').click();
  await page.waitForSelector('body[data-role="staff"]');
  assert.match(await page.getByTestId('role-badge').textContent(), /staff/);
}

export async function floorOf(page) {
  return page.evaluate(() => window.campusApp.state.floor);
}

export async function route(page, from, to) {
  await page.getByTestId('route-from').fill(from);
  await page.getByTestId('route-to').fill(to);
  await page.getByTestId('route-go').click();
  await page.waitForSelector('body[data-routing="0"]');
}

export async function steps(page) {
  return page.$$eval('[data-testid="route-step"]', (ls) => ls.map((l) => ({ type: l.dataset.type, text: l.textContent, ordinal: Number(l.dataset.ordinal) })));
}

// The rendered features of the indoor layers (in their source layers) whose
// own centre lies inside a polygon, shrunk by 1.5 m so that a door on the
// building's outline does not count as inside.
export async function renderedInside(page, ring) {
  return page.evaluate(({ ring, layers }) => {
    const m = window.campusMap;
    const ids = layers.filter((id) => m.getLayer(id));
    const lons = ring.map((c) => c[0]);
    const lats = ring.map((c) => c[1]);
    const a = m.project([Math.min(...lons), Math.min(...lats)]);
    const b = m.project([Math.max(...lons), Math.max(...lats)]);
    const feats = m.queryRenderedFeatures([[Math.min(a.x, b.x) - 2, Math.min(a.y, b.y) - 2], [Math.max(a.x, b.x) + 2, Math.max(a.y, b.y) + 2]], { layers: ids });
    const kx = 111320 * Math.cos((ring[0][1] * Math.PI) / 180);
    const ky = 110540;
    const inside = ([x, y]) => {
      let c = false;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) c = !c;
      }
      if (!c) return false;
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const ax = ring[j][0] * kx; const ay = ring[j][1] * ky; const bx = ring[i][0] * kx; const by = ring[i][1] * ky;
        const px = x * kx; const py = y * ky;
        const dx = bx - ax; const dy = by - ay;
        const u = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy || 1)));
        if (Math.hypot(ax + u * dx - px, ay + u * dy - py) < 1.5) return false;
      }
      return true;
    };
    const centre = (g) => {
      const pts = [];
      const walk = (c) => (typeof c[0] === 'number' ? pts.push(c) : c.forEach(walk));
      walk(g.type === 'Polygon' ? g.coordinates[0] : g.type === 'MultiPolygon' ? g.coordinates[0][0] : g.coordinates);
      return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
    };
    return feats.filter((f) => inside(centre(f.geometry)))
      .map((f) => ({ layer: f.layer.id, level: f.properties.level, ref: f.properties.ref ?? null, name: f.properties.name ?? null, category: f.properties.category ?? null }));
  }, { ring, layers: INDOOR_LAYERS });
}

// Whether the whole route is in sight: on the map, clear of the panel.
export async function routeInSight(page) {
  return page.evaluate(() => {
    const m = window.campusMap;
    const c = m.getCanvas().getBoundingClientRect();
    const panel = document.getElementById('panel').getBoundingClientRect();
    const sheet = panel.left <= c.left + 10 && panel.right >= c.right - 10; // a phone's bottom sheet over the map
    const bottom = sheet ? Math.min(c.bottom, panel.top) : c.bottom;
    const out = [];
    for (const f of m.getSource('route').serialize().data.features) {
      for (const p of f.geometry.coordinates) {
        const q = m.project(p);
        const x = c.left + q.x;
        const y = c.top + q.y;
        if (x < c.left || x > c.right || y < c.top || y > bottom) out.push([x, y]);
      }
    }
    return out;
  });
}

export async function view(page, centre, zoom, floor) {
  await page.evaluate(({ centre, zoom, floor }) => {
    window.campusMap.jumpTo({ center: centre, zoom, pitch: 0, bearing: 0 });
    window.campusApp.setFloor(floor);
  }, { centre, zoom, floor });
  await idle(page);
}

// ---- The server and the browser ---------------------------------------------

export let c1; // {ring, centre, ordinals}
export let c3;

// setup builds campusd, adds the staff account and the accounts of
// opts.users ([{role, email, password}]), starts campusd (with opts.env
// and opts.args beside its own) and chromium.
export async function setup(opts = {}) {
  mkdirSync(artifacts, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'campus-e2e-'));
  const t0 = Date.now();
  run('go', ['build', '-o', join(tmp, 'campusd'), './cmd/campusd']);
  const data = join(tmp, 'data');
  run('go', ['build', '-o', join(tmp, 'campus'), './cmd/campus']);
  for (const u of [{ role: 'staff', ...STAFF }, ...(opts.users || [])]) {
    run(join(tmp, 'campus'), ['users', 'add', '--role', u.role, '--email', u.email, '--data-dir', data], { input: u.password + '\n' });
  }
  console.log(`# built campusd and added the staff account in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  serverLog = createWriteStream(join(tmp, 'campusd.log'));
  server = spawn(join(tmp, 'campusd'), ['--addr', `127.0.0.1:${port}`, '--data-dir', data, '--venue', join(repo, 'data/floorplans/hkust-gz'), ...(opts.args || [])],
    { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...(opts.env || {}) } });
  server.stdout.pipe(serverLog);
  server.stderr.pipe(serverLog);
  let exited = null;
  server.on('exit', (code) => { exited = code; });
  await waitFor(async () => {
    if (exited !== null) throw new Error(`campusd exited with ${exited}; see ${join(tmp, 'campusd.log')}`);
    return (await fetch(api + '/readyz')).ok;
  }, 'campusd to be ready');

  const page = await fetch(api + '/');
  const ctype = page.headers.get('content-type') || '';
  if (page.ok && ctype.startsWith('text/html')) {
    base = api;
    console.log('# campusd serves the page (embedded assets)');
  } else {
    const pport = await freePort();
    proxy = await serveFromDisk(pport, port);
    base = `http://127.0.0.1:${pport}`;
    console.log(`# NOTE: campusd answers / with ${page.status}: web.Assets() is not wired in web/server.go yet; serving web/assets from disk in front of it`);
  }
  const style = await fetch(api + '/style.json');
  assert.equal(style.status, 200, 'GET /style.json: the vector style must be there');

  // C1 (hidden inside from tourists) and C3 (public), from the API.
  const venue = await getJSON('/api/v1/venue');
  const fps = await getJSON('/api/v1/collections/footprints/items?limit=1000');
  const building = (ref) => {
    const b = venue.buildings.find((x) => x.ref === ref);
    const fp = fps.features.find((f) => (f.properties.building_ids || []).includes(b.id));
    const ring = fp.geometry.type === 'Polygon' ? fp.geometry.coordinates[0] : fp.geometry.coordinates[0][0];
    const lons = ring.map((c) => c[0]);
    const lats = ring.map((c) => c[1]);
    return { id: b.id, ring, centre: [(Math.min(...lons) + Math.max(...lons)) / 2, (Math.min(...lats) + Math.max(...lats)) / 2] };
  };
  c1 = building('C1');
  c3 = building('C3');

  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (run.sh does)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader', '--use-angle=swiftshader'],
    // A fresh profile: playwright-core's launch() makes a new temporary
    // --user-data-dir itself (and refuses one given here), removed on close.
  });
}

export async function teardown() {
  console.log(`# tests done at ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (browser) await browser.close();
  if (proxy) {
    proxy.closeAllConnections();
    proxy.close();
  }
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => {
      const h = setTimeout(() => { server.kill('SIGKILL'); r(); }, 15000);
      server.once('exit', () => { clearTimeout(h); r(); });
    });
  }
  if (tmp && !process.env.E2E_KEEP) rmSync(tmp, { recursive: true, force: true });
  else if (tmp) console.log(`# kept ${tmp}`);
  console.log(`# screenshots (${shots.length}) in ${artifacts}`);
  console.log(`# e2e wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

