// End-to-end tests of the map page: campusd built from this repository, a
// staff account made with the CLI, Debian's chromium (headless) driven by
// playwright-core. Screenshots of each state go to artifacts/.
//
//   npm ci && node --test e2e.test.mjs       (or: bash run.sh)
//
// Environment: CHROMIUM (default /usr/bin/chromium), E2E_KEEP=1 keeps the
// temporary folder (binaries, data, server log).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync, writeFileSync, existsSync, createWriteStream } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, extname, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const artifacts = join(here, 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STAFF = { email: 'e2e-staff@hkust-gz.edu.cn', password: 'correct horse battery staple' };
const INDOOR_LAYERS = ['levels', 'units', 'unit-outlines', 'openings', 'amenities', 'labels'];

let tmp;
let server; // campusd
let serverLog;
let proxy; // only while campusd does not serve the page itself
let base; // where the browser goes
let api; // campusd itself
let browser;
const started = Date.now();
const shots = [];

// ---- Helpers ---------------------------------------------------------------

function freePort() {
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

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(fn, what, ms = 60000) {
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

async function getJSON(path, token) {
  const r = await fetch(api + path, { headers: token ? { Authorization: 'Bearer ' + token } : {} });
  if (!r.ok) throw new Error(`GET ${path}: ${r.status}`);
  return r.json();
}

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'], ...opts }).toString();
}

// serveFromDisk stands in front of campusd when campusd does not yet serve
// the page (web.Assets not wired): the page from web/assets, the rest
// proxied. The page is then the same files, not the embedded copy.
function serveFromDisk(port, target) {
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

async function newPage(t, { viewport = { width: 1280, height: 800 }, mobile = false } = {}) {
  const ctx = await browser.newContext({
    viewport, deviceScaleFactor: mobile ? 2 : 1, isMobile: mobile, hasTouch: mobile, locale: 'en-GB',
  });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') console.log(`  [browser] ${m.text()}`); });
  t.after(async () => {
    await ctx.close();
    assert.deepEqual(errors, [], 'uncaught errors in the page');
  });
  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
  return page;
}

async function idle(page) {
  await page.evaluate(() => new Promise((res, rej) => {
    const m = window.campusMap;
    const h = setTimeout(() => rej(new Error('the map did not settle in 30 s')), 30000);
    m.once('idle', () => { clearTimeout(h); res(); });
    m.triggerRepaint();
  }));
}

async function shot(page, name) {
  await idle(page).catch(() => {});
  const file = join(artifacts, name + '.png');
  await page.screenshot({ path: file });
  shots.push(file);
}

async function signIn(page) {
  await page.evaluate(() => { document.getElementById('account-block').open = true; });
  await page.getByTestId('login-email').fill(STAFF.email);
  await page.getByTestId('login-password').fill(STAFF.password);
  await page.getByTestId('login-submit').click();
  await page.waitForSelector('body[data-role="staff"]');
  assert.match(await page.getByTestId('role-badge').textContent(), /staff/);
}

async function floorOf(page) {
  return page.evaluate(() => window.campusApp.state.floor);
}

async function route(page, from, to) {
  await page.getByTestId('route-from').fill(from);
  await page.getByTestId('route-to').fill(to);
  await page.getByTestId('route-go').click();
  await page.waitForSelector('body[data-routing="0"]');
}

async function steps(page) {
  return page.$$eval('[data-testid="route-step"]', (ls) => ls.map((l) => ({ type: l.dataset.type, text: l.textContent, ordinal: Number(l.dataset.ordinal) })));
}

// The rendered features of the indoor layers (in their source layers) whose
// own centre lies inside a polygon, shrunk by 1.5 m so that a door on the
// building's outline does not count as inside.
async function renderedInside(page, ring) {
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
async function routeInSight(page) {
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

async function view(page, centre, zoom, floor) {
  await page.evaluate(({ centre, zoom, floor }) => {
    window.campusMap.jumpTo({ center: centre, zoom, pitch: 0, bearing: 0 });
    window.campusApp.setFloor(floor);
  }, { centre, zoom, floor });
  await idle(page);
}

// ---- The server and the browser ---------------------------------------------

let c1; // {ring, centre, ordinals}
let c3;

before(async () => {
  mkdirSync(artifacts, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'campus-e2e-'));
  const t0 = Date.now();
  run('go', ['build', '-o', join(tmp, 'campusd'), './cmd/campusd']);
  const data = join(tmp, 'data');
  run('go', ['run', './cmd/campus', 'users', 'add', '--role', 'staff', '--email', STAFF.email, '--data-dir', data], { input: STAFF.password + '\n' });
  console.log(`# built campusd and added the staff account in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const port = await freePort();
  api = `http://127.0.0.1:${port}`;
  serverLog = createWriteStream(join(tmp, 'campusd.log'));
  server = spawn(join(tmp, 'campusd'), ['--addr', `127.0.0.1:${port}`, '--data-dir', data, '--venue', join(repo, 'data/floorplans/hkust-gz')], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
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
});

after(async () => {
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
});

// ---- The tests ---------------------------------------------------------------

test('desktop, staff: 3D campus, floors, search, route, wheelchair, Chinese, saved place, demo position', async (t) => {
  const page = await newPage(t);

  await t.test('the page loads with the 3D campus', async () => {
    assert.equal(await page.evaluate(() => document.body.dataset.styleMode), 'vector');
    const fp = await page.evaluate(() => {
      const m = window.campusMap;
      return { type: m.getLayer('footprints') && m.getLayer('footprints').type, pitch: m.getPitch() };
    });
    assert.equal(fp.type, 'fill-extrusion');
    assert.ok(fp.pitch > 30, 'the campus is seen in 3D');
    await idle(page);
    const n = await page.evaluate(() => window.campusMap.queryRenderedFeatures({ layers: ['footprints'] }).length);
    assert.ok(n > 0, 'extruded buildings are rendered');
    await shot(page, '01-desktop-campus-3d');
  });

  await t.test('sign in as staff', async () => {
    await signIn(page);
  });

  await t.test('zoom into C3 and switch floors', async () => {
    await page.evaluate((c) => window.campusMap.jumpTo({ center: c, zoom: 19, pitch: 0, bearing: 0 }), c3.centre);
    await page.waitForFunction(() => /C3/.test(document.querySelector('[data-testid="floor-building"]').textContent));
    await page.getByTestId('floor-5').click();
    assert.equal(await floorOf(page), 5);
    const filter = await page.evaluate(() => JSON.stringify(window.campusMap.getFilter('units')));
    assert.match(filter, /"level"\],"5"/, `the units are filtered to the 6th floor: ${filter}`);
    await idle(page);
    const levels = await page.evaluate(() => [...new Set(window.campusMap.queryRenderedFeatures({ layers: ['units'] }).map((f) => f.properties.level))]);
    assert.deepEqual(levels, ['5'], 'only 6/F units are drawn');
    await shot(page, '02-desktop-C3-floor-6F');
    await page.getByTestId('floor-0').click();
    await idle(page);
    const ground = await page.evaluate(() => [...new Set(window.campusMap.queryRenderedFeatures({ layers: ['units'] }).map((f) => f.properties.level))]);
    assert.deepEqual(ground, ['0']);
  });

  await t.test('room names on the current floor, in English and Chinese', async () => {
    await page.evaluate((c) => window.campusMap.jumpTo({ center: c, zoom: 20.8, pitch: 0, bearing: 0 }), c3.centre);
    await page.waitForFunction(() => /C3/.test(document.querySelector('[data-testid="floor-building"]').textContent));
    await page.getByTestId('floor-5').click();
    await idle(page);
    await page.waitForFunction(() => Number(document.body.dataset.roomLabels || 0) > 0);
    const en = await page.evaluate(() => [...document.querySelectorAll('[data-testid="room-label"]')].map((e) => e.textContent));
    assert.ok(en.some((s) => /^C3-6\d\d \S/.test(s)), `6/F rooms are labelled with their names: ${en.slice(0, 5)}`);
    assert.ok(en.every((s) => !/^C3-[1-57-9]\d\d/.test(s)), `only the current floor: ${en.slice(0, 8)}`);
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="room-label"]')].some((e) => /[\u4e00-\u9fff]/.test(e.textContent)));
    await shot(page, '02b-desktop-room-labels-zh');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="room-label"]')].every((e) => !/[\u4e00-\u9fff]/.test(e.textContent)));
    await page.getByTestId('floor-0').click();
    await idle(page);
  });

  await t.test('staff see inside C1 (the control for the tourist test)', async () => {
    await view(page, c1.centre, 19, 2);
    const inside = await renderedInside(page, c1.ring);
    assert.ok(inside.some((f) => f.layer === 'units'), 'C1 units are rendered for staff');
  });

  await t.test('search C3-607', async () => {
    await page.getByTestId('search-input').fill('C3-607');
    const first = page.getByTestId('search-result').first();
    await first.waitFor();
    assert.equal(await first.getAttribute('data-ref'), 'C3-607');
    await first.locator('button.pick').click();
    await page.getByTestId('search-marker').waitFor();
    assert.equal(await floorOf(page), 5, 'the result is shown on its floor');
    assert.equal(await page.getByTestId('route-to').inputValue(), 'C3-607');
    await shot(page, '03-desktop-search-C3-607');
  });

  await t.test('route from Gate 2 to C3-607, with the steps', async () => {
    await route(page, 'Gate 2', 'C3-607');
    const s = await steps(page);
    assert.ok(s.length >= 4, `steps: ${JSON.stringify(s)}`);
    assert.match(s[0].text, /Gate 2/);
    assert.match(s.at(-1).text, /C3-607/);
    assert.ok(s.some((x) => x.type === 'stairs'), 'on foot: by the stairs');
    const lc = await page.$$eval('[data-testid="level-change"]', (b) => b.map((x) => ({ via: x.dataset.via, from: x.dataset.from, to: x.dataset.to })));
    assert.deepEqual(lc, [{ via: 'stairs', from: '0', to: '5' }]);
    const drawn = await page.evaluate(() => window.campusMap.getSource('route').serialize().data.features.map((f) => f.properties.ordinal));
    assert.ok(drawn.includes(0) && drawn.includes(5), `the route is drawn on both floors: ${drawn}`);
    assert.ok(await page.getByTestId('route-summary').isVisible());
    await idle(page);
    const current = await page.evaluate(() => window.campusMap.queryRenderedFeatures({ layers: ['route-current'] }).length);
    assert.ok(current > 0, 'the route is rendered on the floor shown');
    assert.deepEqual(await routeInSight(page), [], 'the whole route is in sight');
    await shot(page, '04-desktop-route-walk');
    // The marker where the route changes floor switches floors.
    const before = await floorOf(page);
    await page.getByTestId('level-change').click();
    assert.notEqual(await floorOf(page), before);
    assert.equal(await floorOf(page), before === 5 ? 0 : 5);
    await shot(page, '05-desktop-route-after-floor-marker');
  });

  await t.test('wheelchair: the route changes to the elevator', async () => {
    await page.getByTestId('route-wheelchair').check();
    await page.waitForSelector('[data-testid="route-summary"][data-profile="wheelchair"]');
    const s = await steps(page);
    assert.ok(s.some((x) => x.type === 'elevator' && /elevator/i.test(x.text)), `an elevator step: ${JSON.stringify(s)}`);
    assert.ok(!s.some((x) => x.type === 'stairs'), 'no stairs in a wheelchair');
    const via = await page.$$eval('[data-testid="level-change"]', (b) => b.map((x) => x.dataset.via));
    assert.deepEqual(via, ['elevator']);
    assert.match(await page.getByTestId('route-steps').textContent(), /elevator/i);
    await shot(page, '06-desktop-route-wheelchair');
  });

  await t.test('Chinese', async () => {
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => /电梯/.test(document.querySelector('[data-testid="route-steps"]').textContent));
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    assert.equal(await page.getByTestId('route-go').textContent(), '出发');
    assert.match(await page.getByTestId('level-change').textContent(), /电梯/);
    const field = await page.evaluate(() => {
      const m = window.campusMap;
      return m.getLayer('labels') && m.getLayer('labels').type === 'symbol' ? JSON.stringify(m.getLayoutProperty('labels', 'text-field')) : 'no symbol labels';
    });
    assert.ok(field === 'no symbol labels' || field.includes('name_zh'), `labels in Chinese: ${field}`);
    await shot(page, '07-desktop-chinese');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => /elevator/i.test(document.querySelector('[data-testid="route-steps"]').textContent));
    await page.getByTestId('route-wheelchair').uncheck();
    await page.waitForSelector('[data-testid="route-summary"][data-profile="walk"]');
  });

  await t.test('nearest printer from the map centre', async () => {
    await view(page, c3.centre, 19, 0);
    await page.evaluate(() => { document.getElementById('nearby-block').open = true; });
    await page.getByTestId('nearest-copymachine').click();
    await page.getByTestId('nearby-result').first().waitFor();
    assert.match(await page.getByTestId('nearby-results').textContent(), /Printer/);
    await page.getByTestId('nearest-restroom').click();
    await page.waitForFunction(() => /toilet|restroom|washroom/i.test(document.querySelector('[data-testid="nearby-results"]').textContent));
    await page.getByTestId('nearby-result').first().locator('button.pick').click();
    await page.waitForSelector('body[data-routing="0"]');
    assert.ok((await steps(page)).length >= 1, 'a route to the nearest restroom');
  });

  await t.test('save where I parked (B1) and route back to it', async () => {
    await view(page, [113.4786, 22.8955], 19, -1);
    await page.evaluate(() => { document.getElementById('places-block').open = true; });
    await page.getByTestId('place-name').fill('Where I parked');
    await page.getByTestId('place-save').click();
    const place = page.getByTestId('place').first();
    await place.waitFor();
    assert.match(await place.textContent(), /Where I parked/);
    await page.getByTestId('route-from').fill('C3-607');
    await place.getByTestId('place-route').click();
    await page.waitForSelector('body[data-routing="0"]');
    assert.equal(await page.getByTestId('route-error').isVisible(), false, await page.getByTestId('route-error').textContent());
    const s = await steps(page);
    assert.ok(s.length > 2 && s.at(-1).type === 'arrive' && s.at(-1).ordinal === -1, `back to B1: ${JSON.stringify(s)}`);
    await shot(page, '08-desktop-route-to-parked');
  });

  await t.test('demo position: the blue dot, labelled as simulated', async () => {
    await page.evaluate(() => { document.getElementById('position-block').open = true; });
    await page.getByTestId('demo-toggle').click();
    await page.waitForSelector('body[data-fix="1"]', { timeout: 20000 });
    const label = page.getByTestId('demo-label');
    assert.ok(await label.isVisible());
    assert.equal((await label.textContent()).trim(), 'Demo: simulated position');
    const fixes = await page.evaluate(() => window.campusMap.getSource('position').serialize().data.features.length);
    assert.equal(fixes, 1);
    await sleep(2500); // a few more scans
    await idle(page);
    const dot = await page.evaluate(() => window.campusMap.queryRenderedFeatures({ layers: ['position-dot'] }).length);
    assert.equal(dot, 1, 'the blue dot is drawn');
    await shot(page, '09-desktop-demo-position');
    await page.getByTestId('demo-toggle').click();
    assert.equal(await label.isVisible(), false);
  });
});

test('tourist: nothing inside C1 is rendered, C1-301 cannot be found', async (t) => {
  const page = await newPage(t);
  assert.equal(await page.evaluate(() => document.body.dataset.role), 'tourist');

  await t.test('C3 is drawn inside for tourists (control)', async () => {
    await view(page, c3.centre, 19, 0);
    const inside = await renderedInside(page, c3.ring);
    assert.ok(inside.some((f) => f.layer === 'units'), 'C3 units are rendered for tourists');
  });

  await t.test('no unit, door, amenity or label inside C1 at any zoom and floor', async () => {
    const found = [];
    let checks = 0;
    for (let z = 15; z <= 22; z++) {
      for (let floor = -1; floor <= 7; floor++) {
        await view(page, c1.centre, z, floor);
        const inside = await renderedInside(page, c1.ring);
        checks++;
        for (const f of inside) found.push({ z, floor, ...f });
      }
    }
    assert.deepEqual(found, [], 'features rendered inside C1 for a tourist');
    // Nor anything in the tiles loaded (drawn or not) with a C1 reference.
    const refs = await page.evaluate(() => {
      const m = window.campusMap;
      const out = [];
      for (const sl of ['units', 'openings', 'amenities', 'labels', 'levels']) {
        for (const f of m.querySourceFeatures('campus', { sourceLayer: sl })) if (/^C1-/.test(f.properties.ref || '')) out.push(f.properties.ref);
      }
      return out;
    });
    assert.deepEqual(refs, []);
    console.log(`# tourist: ${checks} views of C1 (zoom 15-22, floors B1-8F) with nothing inside`);
    // C1 (outline only) beside C2 and C3 (public inside) on 3F.
    await view(page, [c1.centre[0], (c1.centre[1] + c3.centre[1]) / 2], 18.4, 2);
    await shot(page, '10-tourist-C1-nothing-inside');
  });

  await t.test('search and route cannot find C1-301', async () => {
    await page.getByTestId('search-input').fill('C1-301');
    await page.getByTestId('search-empty').waitFor();
    assert.equal(await page.getByTestId('search-result').count(), 0);
    await route(page, 'Gate 2', 'C1-301');
    assert.ok(await page.getByTestId('route-error').isVisible());
    assert.equal(await page.getByTestId('route-step').count(), 0);
    await shot(page, '11-tourist-C1-301-not-found');
  });
});

test('phone-sized screen (390x844): search, route, wheelchair', async (t) => {
  const page = await newPage(t, { viewport: { width: 390, height: 844 }, mobile: true });
  const layout = await page.evaluate(() => {
    const r = (id) => document.getElementById(id).getBoundingClientRect();
    return { scrollW: document.documentElement.scrollWidth, map: r('map'), panel: r('panel'), floors: r('floors') };
  });
  assert.ok(layout.scrollW <= 390, `no sideways scrolling: ${layout.scrollW}`);
  assert.equal(Math.round(layout.map.width), 390);
  assert.ok(layout.panel.top > 844 / 3 && Math.round(layout.panel.bottom) === 844, 'the panel is a bottom sheet');
  assert.ok(layout.floors.width > 0 && layout.floors.bottom < layout.panel.top, 'the floor switcher is above the sheet');
  await shot(page, '12-phone-campus');

  await page.getByTestId('search-input').fill('C3-607');
  await page.getByTestId('search-result').first().waitFor();
  await page.getByTestId('search-result').first().locator('button.pick').click();
  await route(page, 'G2', 'C3-607');
  assert.ok((await steps(page)).some((x) => x.type === 'stairs'));
  await idle(page);
  assert.deepEqual(await routeInSight(page), [], 'the whole route is in sight above the sheet');
  await shot(page, '13-phone-route');
  await page.getByTestId('route-wheelchair').check();
  await page.waitForSelector('[data-testid="route-summary"][data-profile="wheelchair"]');
  assert.ok((await steps(page)).some((x) => x.type === 'elevator'));
  await page.getByTestId('route-summary').scrollIntoViewIfNeeded();
  await shot(page, '14-phone-route-wheelchair');
  await page.getByTestId('panel-handle').click();
  await shot(page, '15-phone-sheet-collapsed');
});
