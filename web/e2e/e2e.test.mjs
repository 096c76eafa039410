// End-to-end tests of the map page (lib.mjs has the server, the browser
// and the helpers). Screenshots of each state go to artifacts/; those of the
// first view, a floor plan at its first zoom and a route across floors, at
// 390x844 and 1440x900, are compared with approved/ (approve.sh writes
// them); axe-core audits the page; the keyboard drives search, routes and
// the floor switcher.
//
//   npm ci && node --test e2e.test.mjs       (or: bash run.sh, every *.test.mjs)
//
// Environment: CHROMIUM (default /usr/bin/chromium), E2E_KEEP=1 keeps the
// temporary folder (binaries, data, server log).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, signInByPhone, here, approved, STAFF, base, api, browser, sleep, waitFor, newPage, looksApproved, axe, tabTo, idle, shot, signIn, floorOf, route, steps, renderedInside, routeInSight, view, c1, c3,
} from './lib.mjs';

before(() => setup());
after(() => teardown());

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
    await page.evaluate((c) => window.campusMap.jumpTo({ center: c, zoom: 20.3, pitch: 0, bearing: 0 }), c3.centre);
    await page.waitForFunction(() => /C3/.test(document.querySelector('[data-testid="floor-building"]').textContent));
    await page.getByTestId('floor-5').click();
    await idle(page);
    const labels = await page.evaluate(() => window.campusMap.queryRenderedFeatures({ layers: ['labels'] }).map((f) => ({ ref: f.properties.ref, level: f.properties.level, name: f.properties.name_en })));
    assert.ok(labels.length > 5 && labels.every((l) => l.level === '5'), `labels of 6/F only: ${JSON.stringify(labels.slice(0, 4))}`);
    assert.ok(labels.some((l) => /^C3-6\d\d$/.test(l.ref)), 'room references');
    const field = () => page.evaluate(() => JSON.stringify(window.campusMap.getLayoutProperty('labels', 'text-field')));
    assert.match(await field(), /name_en/);
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => JSON.stringify(window.campusMap.getLayoutProperty('labels', 'text-field')).includes('name_zh'));
    assert.doesNotMatch(await field(), /name_en/, 'one language at a time');
    const floors = await page.$$eval('#floors .floors-buttons button', (b) => b.map((x) => x.textContent));
    assert.ok(floors.length && floors.every((f) => /^(负)?\d+楼$/.test(f)), `floor names in Chinese: ${floors}`);
    await shot(page, '02b-desktop-room-labels-zh');
    await page.getByTestId('lang-toggle').click();
    await page.waitForFunction(() => !JSON.stringify(window.campusMap.getLayoutProperty('labels', 'text-field')).includes('name_zh'));
    await page.getByTestId('floor-0').click();
    await idle(page);
  });

  await t.test("every room's reference at the floor plan's first zoom, the 3D buildings gone", async () => {
    await view(page, c3.centre, 18, 5);
    const r = await page.evaluate(() => {
      const m = window.campusMap;
      const b = m.getBounds();
      const drawn = new Set(m.queryRenderedFeatures({ layers: ['labels'] }).map((f) => f.properties.id));
      const want = new Map();
      for (const f of m.querySourceFeatures('campus', { sourceLayer: 'labels' })) {
        const p = f.properties;
        const [lon, lat] = f.geometry.coordinates;
        if (p.level === '5' && p.kind === 'unit' && p.category !== 'walkway' && /^C3-/.test(p.ref || '') && b.contains([lon, lat])) want.set(p.id, p.ref);
      }
      const missing = [...want].filter(([id]) => !drawn.has(id)).map(([, ref]) => ref);
      return { want: want.size, missing, has607: [...want.values()].includes('C3-607'), extruded: m.queryRenderedFeatures({ layers: ['footprints'] }).length };
    });
    assert.ok(r.want > 40 && r.has607, `rooms of C3 6/F in view: ${r.want}`);
    assert.deepEqual(r.missing, [], 'rooms without a label');
    assert.equal(r.extruded, 0, 'no 3D buildings over the floor plan');
    await shot(page, '02c-desktop-C3-6F-first-zoom');
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
    // A step shows where it is; a floor change switches the floor.
    await page.getByTestId('route-step').first().locator('button').click();
    assert.equal(await floorOf(page), 0);
    const stairs = s.findIndex((x) => x.type === 'stairs');
    await page.getByTestId('route-step').nth(stairs).locator('button').click();
    assert.equal(await floorOf(page), 5, 'the stairs step shows the floor it goes to');
    assert.equal(await page.evaluate(() => document.body.dataset.step), String(stairs));
    const ring = await page.evaluate(() => window.campusMap.getSource('route-step').serialize().data.features.length);
    assert.equal(ring, 1, 'the step is marked on the map');
    // The address says what is on the screen.
    const u = new URL(page.url());
    assert.equal(u.searchParams.get('route'), 'Gate 2,C3-607');
    assert.match(u.hash, /floor=5/);
    // Times as people say them, and distances in the same language.
    assert.match(await page.getByTestId('route-summary').textContent(), /^\d+ m · (under a minute|\d+ min)/);
    const said = await page.evaluate(() => [7, 59, 65, 100, 150].map((x) => window.campusApp.duration(x)));
    assert.deepEqual(said, ['under a minute', 'under a minute', '1 min', '2 min', '3 min']);
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
    const dists = await page.$$eval('#route-steps .dist', (d) => d.map((x) => x.textContent));
    assert.ok(dists.length && dists.every((d) => /^\d+ 米$/.test(d)), `distances in Chinese: ${dists}`);
    assert.doesNotMatch(await page.getByTestId('route-summary').textContent(), /\bm\b|min/);
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

  await t.test('the floor switcher says C1 is not shown inside, and lists no floors', async () => {
    await view(page, c1.centre, 19, 0);
    await page.waitForFunction(() => /C1/.test(document.querySelector('[data-testid="floor-building"]').textContent));
    assert.match(await page.getByTestId('floor-building').textContent(), /C1: indoors not shown/);
    assert.equal(await page.locator('#floors .floors-buttons button').count(), 0);
    await view(page, c1.centre, 16.5, 0);
    await page.waitForFunction(() => document.getElementById('floors').hidden, null, { timeout: 5000 });
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

  await t.test('a link to C1-301 finds nothing for a tourist', async () => {
    const p = await page.context().newPage();
    await p.goto(base + '/?room=C1-301');
    await p.waitForSelector('body[data-ready="1"]');
    assert.match(await p.getByTestId('status').textContent(), /Not found: C1-301/);
    assert.equal(await p.getByTestId('search-marker').count(), 0);
    await p.close();
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
  assert.equal(layout.floors.width, 0, 'no floors to pick at campus zoom');
  await shot(page, '12-phone-campus');

  await page.getByTestId('search-input').fill('C3-607');
  await page.getByTestId('search-result').first().waitFor();
  await page.getByTestId('search-result').first().locator('button.pick').click();
  await route(page, 'G2', 'C3-607');
  assert.ok((await steps(page)).some((x) => x.type === 'stairs'));
  await idle(page);
  assert.deepEqual(await routeInSight(page), [], 'the whole route is in sight above the sheet');
  const phone = await page.evaluate(() => {
    const r = (e) => e.getBoundingClientRect();
    const panel = r(document.getElementById('panel'));
    const floors = r(document.getElementById('floors'));
    const end = r(document.querySelector('[data-testid="route-end"]'));
    const chip = document.querySelector('[data-testid="level-change"]');
    const top = document.elementFromPoint((end.left + end.right) / 2, (end.top + end.bottom) / 2);
    return { floors: [...document.querySelectorAll('#floors .floors-buttons button')].map((b) => b.textContent), above: floors.bottom < panel.top,
      endOnTop: !!top && !!top.closest('[data-testid="route-end"]'), chip: !!chip };
  });
  assert.deepEqual(phone.floors, ['6F', '1F'], "the route's floors");
  assert.ok(phone.above, 'the floor switcher is above the sheet');
  assert.ok(phone.endOnTop, 'the destination marker is not hidden (by the floor-change chip or anything else)');
  await shot(page, '13-phone-route');
  await page.getByTestId('route-wheelchair').check();
  await page.waitForSelector('[data-testid="route-summary"][data-profile="wheelchair"]');
  assert.ok((await steps(page)).some((x) => x.type === 'elevator'));
  await page.getByTestId('route-summary').scrollIntoViewIfNeeded();
  await shot(page, '14-phone-route-wheelchair');
  await page.getByTestId('panel-handle').click();
  await shot(page, '15-phone-sheet-collapsed');
});

test('links: a room, a route, the view and floor open as they were shared', async (t) => {
  await t.test('/?route=G2,C3-607&profile=wheelchair', async (tt) => {
    const page = await newPage(tt, { url: '/?route=G2,C3-607&profile=wheelchair' });
    await page.waitForSelector('[data-testid="route-summary"][data-profile="wheelchair"]');
    assert.ok(await page.getByTestId('route-wheelchair').isChecked());
    assert.ok((await steps(page)).some((x) => x.type === 'elevator'), 'by the elevator');
    assert.equal(await page.getByTestId('route-to').inputValue(), 'C3-607');
    const u = new URL(page.url());
    assert.equal(u.searchParams.get('route'), 'G2,C3-607');
    assert.equal(u.searchParams.get('profile'), 'wheelchair');
    assert.match(u.hash, /^#view=[\d.]+\/[\d.]+\/[\d.]+\/-?\d+\/\d+&floor=-?\d+$/);
  });

  await t.test('/?room=C3-607 with a view and floor in the hash', async (tt) => {
    const page = await newPage(tt, { url: '/?room=C3-607#view=19.40/22.895980/113.478630/10/0&floor=5' });
    await page.getByTestId('search-marker').waitFor();
    assert.equal(await page.getByTestId('search-marker').textContent(), 'C3-607');
    const v = await page.evaluate(() => { const m = window.campusMap; const c = m.getCenter(); return [m.getZoom(), c.lat, c.lng, m.getBearing(), window.campusApp.state.floor]; });
    assert.deepEqual(v.map((x) => Math.round(x * 1000) / 1000), [19.4, 22.896, 113.479, 10, 5]);
    // moving the map changes the address, not the history
    const before = await page.evaluate(() => history.length);
    await page.evaluate(() => window.campusMap.jumpTo({ zoom: 18.5 }));
    await page.waitForFunction(() => location.hash.startsWith('#view=18.50/'));
    assert.equal(await page.evaluate(() => history.length), before);
    assert.equal(new URL(page.url()).searchParams.get('room'), 'C3-607');
  });
});

test('sign-in on the page: a visitor by phone code, staff by campus SSO back to the page left', async (t) => {
  await t.test('phone code', async (tt) => {
    const page = await newPage(tt);
    await signInByPhone(page, { phone: '+86 138 0013 8' + String(Date.now() % 1000).padStart(3, '0'), keepOpen: true });
    assert.ok(await page.locator('#account-info').isVisible());
    assert.match(await page.getByTestId('role-badge').textContent(), /visitor/);
  });

  await t.test('campus SSO returns to the page with its room and view', async (tt) => {
    const r = await fetch(api + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(STAFF) });
    const session = await r.json();
    const page = await newPage(tt, { url: '/?room=C3-607#view=19.00/22.895980/113.478630/0/0&floor=5' });
    // The campus issuer, played here: /auth/oidc/login sends the browser
    // to the issuer, which sends it back to the page with a code; the
    // page's call to /auth/oidc/callback answers the session.
    await page.route('**/api/v1/auth/oidc/login', (route) => route.fulfill({ status: 302, headers: { Location: base + '/?code=c0de&state=5tate' } }));
    await page.route('**/api/v1/auth/oidc/callback?*', (route) => {
      const u = new URL(route.request().url());
      assert.equal(u.searchParams.get('code'), 'c0de');
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ token: session.token, role: session.role, expires_at: session.expires_at }) });
    });
    await page.evaluate(() => { document.getElementById('account-block').open = true; });
    await page.getByTestId('sso-login').click();
    await page.waitForURL((u) => u.searchParams.get('room') === 'C3-607' && !u.searchParams.has('code'));
    await page.waitForSelector('body[data-ready="1"][data-role="staff"]');
    await page.getByTestId('search-marker').waitFor();
    assert.equal(await page.evaluate(() => window.campusApp.state.floor), 5);
  });
});

test('looks as approved, is accessible and works by keyboard (390x844 and 1440x900)', async (t) => {
  const sizes = [
    { name: 'phone', viewport: { width: 390, height: 844 }, mobile: true },
    { name: 'desktop', viewport: { width: 1440, height: 900 }, mobile: false },
  ];
  for (const sz of sizes) {
    await t.test(`${sz.name}: the first view, a floor plan at its first zoom, a route across floors`, async (tt) => {
      const page = await newPage(tt, { viewport: sz.viewport, mobile: sz.mobile, dpr: 1 });
      await page.addStyleTag({ content: '*, *::before, *::after { transition: none !important; animation: none !important; caret-color: transparent !important; }' });
      await looksApproved(page, `${sz.name}-1-first-view`);
      const violations = await axe(page, `${sz.name}: the first view`);
      await page.goto('about:blank');
      await page.goto(base + '/#view=18.00/22.895980/113.478630/0/0&floor=5');
      await page.waitForSelector('body[data-ready="1"]');
      await looksApproved(page, `${sz.name}-2-floor-plan-first-zoom`);
      await page.goto('about:blank');
      await page.goto(base + '/?route=G2,C3-607');
      await page.waitForSelector('body[data-ready="1"]');
      await page.getByTestId('route-summary').waitFor();
      await looksApproved(page, `${sz.name}-3-route-across-floors`);
      await page.evaluate(() => { for (const d of document.querySelectorAll('details')) d.open = true; });
      await axe(page, `${sz.name}: a route, every section and the legend open`);
      console.log(`# ${sz.name}: axe-core, ${violations} minor or moderate violation kinds on the first view, none serious or critical`);
    });
  }

  await t.test('keyboard: search, route, steps and the floor switcher', async (tt) => {
    const page = await newPage(tt, { viewport: { width: 1440, height: 900 } });
    await page.locator('body').focus();
    await tabTo(page, '#search-input');
    await page.keyboard.type('C3-607');
    await page.keyboard.press('Enter');
    await page.getByTestId('search-result').first().waitFor();
    await tabTo(page, '[data-testid="search-result"] button.pick', 5);
    await page.keyboard.press('Enter');
    await page.getByTestId('search-marker').waitFor();
    assert.equal(await floorOf(page), 5);
    await tabTo(page, '#route-from');
    await page.keyboard.type('G2');
    await page.keyboard.press('Enter'); // submits the route form (To is C3-607 from the search)
    await page.waitForSelector('body[data-route="walk"]');
    await tabTo(page, '#route-steps li:nth-child(2) button.step', 30);
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.body.dataset.step), '1');
    await tabTo(page, '[data-testid="floor-5"]', 120);
    await page.keyboard.press('Enter');
    assert.equal(await floorOf(page), 5);
    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => document.activeElement.dataset.testid);
    assert.match(next, /^floor-/, 'Tab goes on to the next floor');
    await page.keyboard.press('Space');
    assert.equal(await floorOf(page), Number(next.slice('floor-'.length)), 'and Space picks it');
  });

  await t.test('the first view: load time on loopback and bytes transferred', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' });
    const page = await ctx.newPage();
    const cdp = await ctx.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let bytes = 0;
    let requests = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; requests++; });
    const t0 = Date.now();
    await page.goto(base + '/');
    await page.waitForSelector('body[data-ready="1"]');
    const ready = Date.now() - t0;
    await idle(page);
    const drawn = Date.now() - t0;
    console.log(`# first view (1440x900, empty cache, loopback): ready in ${ready} ms, map drawn (idle) in ${drawn} ms, ${(bytes / 1024).toFixed(0)} KiB in ${requests} requests`);
    await ctx.close();
    assert.ok(drawn < 20000, `the first view took ${drawn} ms`);
    assert.ok(bytes < 3 * 1024 * 1024, `the first view transferred ${bytes} bytes`);
  });
});
