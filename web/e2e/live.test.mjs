// Live location sharing on the map page (issue 19) with two signed-in
// pages (two browser contexts, two accounts) against the real campusd: A
// shares with B, B accepts, A's position moves and B's marker with it
// (faint, with the floor's name, when A is on another floor), an alert B
// set fires as a notification, A ends the share and B's marker goes;
// joining a group by code on the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  setup, teardown, api, tmp, run, newPage, signInByPhone, looksApproved, axe, tabTo, waitFor, view, c1, c3, sleep,
} from './lib.mjs';

const PASSWORD = 'correct horse battery staple';
const ANN = { role: 'student', email: 'ann@hkust-gz.edu.cn', password: PASSWORD };
const BOB = { role: 'student', email: 'bob@hkust-gz.edu.cn', password: PASSWORD };
const CAT = { role: 'staff', email: 'cat@hkust-gz.edu.cn', password: PASSWORD };
const DAN = { role: 'student', email: 'dan@hkust-gz.edu.cn', password: PASSWORD };
const EVE = { role: 'student', email: 'eve@hkust-gz.edu.cn', password: PASSWORD };

before(() => setup({ users: [ANN, BOB, CAT, DAN, EVE] }));
after(() => teardown());

async function call(method, path, token, body) {
  const r = await fetch(api + path, {
    method,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

// Notification, recorded: the page may use it only once the user allowed
// it (the "Allow notifications" button asks).
function recordNotifications() {
  window.__notes = [];
  let permission = 'default';
  window.Notification = class {
    static get permission() { return permission; }
    static requestPermission() { permission = 'granted'; return Promise.resolve(permission); }
    constructor(title, o) { window.__notes.push({ title, body: o && o.body }); }
  };
}

async function signInAs(page, u) {
  await page.evaluate(() => { document.getElementById('account-block').open = true; });
  await page.getByTestId('login-email').fill(u.email);
  await page.getByTestId('login-password').fill(u.password);
  await page.getByTestId('login-submit').click();
  await page.waitForSelector(`body[data-role="${u.role}"]`);
  await page.evaluate(() => { document.getElementById('account-block').open = false; });
  return page.evaluate(() => localStorage.getItem('campus.token'));
}

async function openLive(page) {
  await page.getByTestId('live-block').waitFor();
  await page.evaluate(() => { document.getElementById('live-block').open = true; });
}

// here sends the map centre on a floor as the page's position ("I am here").
async function here(page, lonlat, floor) {
  await view(page, lonlat, 19, floor);
  await page.getByTestId('live-here').click();
}

async function marker(page) {
  return page.evaluate(() => {
    const e = document.querySelector('[data-testid="live-marker"]');
    if (!e) return null;
    const m = window.campusMap;
    const r = e.getBoundingClientRect();
    const p = m.unproject([r.left + r.width / 2 - m.getCanvas().getBoundingClientRect().left, r.bottom - m.getCanvas().getBoundingClientRect().top]);
    return { text: e.textContent, where: e.dataset.where, ordinal: e.dataset.ordinal, faint: getComputedStyle(e).filter.includes('opacity'), lon: p.lng, lat: p.lat };
  });
}

// A point 1/3 of the way from a building's centre to its ring's first corner: inside.
function inside(b, k = 0.3) {
  return [b.centre[0] + (b.ring[0][0] - b.centre[0]) * k, b.centre[1] + (b.ring[0][1] - b.centre[1]) * k];
}

// share has A share with B on the pages and B accept; answers the share's id.
async function share(a, b, bEmail) {
  await openLive(a);
  await a.getByTestId('live-target').selectOption('person');
  await a.getByTestId('live-email').fill(bEmail);
  await a.getByTestId('live-start').click();
  await a.waitForSelector('[data-testid="live-mine"] [data-testid="live-share"][data-status="pending"]');
  const id = Number(await a.locator('[data-testid="live-mine"] [data-testid="live-share"]').first().getAttribute('data-id'));
  await openLive(b);
  await b.evaluate(() => { document.getElementById('live-block').open = false; });
  await openLive(b); // opening the block looks again
  await b.waitForSelector(`[data-testid="live-shown-share"][data-id="${id}"][data-status="pending"]`);
  await b.locator(`[data-testid="live-shown-share"][data-id="${id}"] [data-testid="live-accept"]`).click();
  await b.waitForSelector(`[data-testid="live-shown-share"][data-id="${id}"][data-status="active"]`);
  // A learns it started (the socket) and may send positions.
  await a.waitForSelector('[data-testid="live-here"]:not([hidden])');
  await b.waitForSelector('body[data-live="open"]');
  return id;
}

test('live: A shares with B, B sees A move, on another floor, an alert, and the end', async (t) => {
  const a = await newPage(t);
  const b = await newPage(t);
  await b.context().addInitScript(recordNotifications);
  await b.reload();
  await b.waitForSelector('body[data-ready="1"]');
  assert.equal(await a.getByTestId('live-block').isVisible(), false, 'nothing to share on the public map');
  const ta = await signInAs(a, ANN);
  const tb = await signInAs(b, BOB);

  // B allows notifications with the keyboard.
  await openLive(b);
  await b.locator('#live-block > summary').focus();
  await tabTo(b, '[data-testid="live-notify"]');
  await b.keyboard.press('Enter');
  await waitFor(() => b.evaluate(() => Notification.permission === 'granted'), 'the permission', 5000);
  await b.getByTestId('live-notify').waitFor({ state: 'hidden' });

  // A starts with the keyboard: the email, Enter.
  await openLive(a);
  await a.getByTestId('live-email').fill(BOB.email);
  await a.getByTestId('live-email').press('Enter');
  await a.waitForSelector('[data-testid="live-mine"] [data-testid="live-share"][data-status="pending"]');
  const mine = (await call('GET', '/api/v1/shares', ta)).body.items;
  assert.equal(mine.length, 1);
  assert.deepEqual([mine[0].status, mine[0].with.name, mine[0].mine], ['pending', 'bob', true]);
  const id = mine[0].id;
  assert.match(await a.getByTestId('live-mine').textContent(), /waiting for bob to accept/);

  // B accepts.
  await b.evaluate(() => { document.getElementById('live-block').open = false; });
  await openLive(b);
  await b.waitForSelector(`[data-testid="live-shown-share"][data-id="${id}"][data-status="pending"]`);
  assert.match(await b.getByTestId('live-shown').textContent(), /ann wants to share their location/);
  await b.locator(`[data-testid="live-shown-share"][data-id="${id}"] [data-testid="live-accept"]`).click();
  await b.waitForSelector(`[data-testid="live-shown-share"][data-id="${id}"][data-status="active"]`);
  assert.equal((await call('GET', '/api/v1/shares', tb)).body.items.find((s) => s.id === id).status, 'active');
  await a.waitForSelector('[data-testid="live-here"]:not([hidden])');
  await b.waitForSelector('body[data-live="open"]');

  // A is in C3 on 6F; B looks at the ground floor: a faint marker naming 6F.
  await view(b, c3.centre, 18.5, 0);
  const p1 = inside(c3);
  await here(a, p1, 5);
  await waitFor(async () => (await marker(b)) !== null, "A's marker on B's map", 5000);
  let m = await marker(b);
  assert.equal(m.where, 'other');
  assert.equal(m.ordinal, '5');
  assert.match(m.text, /^ann · \S.*6/, 'the name and the floor'); // the level's own name (C3 6/F)
  assert.ok(m.faint, 'faint');
  // B goes to 6F: A's marker, plainly, with the name.
  await b.evaluate(() => window.campusApp.setFloor(5));
  m = await marker(b);
  assert.deepEqual([m.where, m.text, m.faint], ['here', 'ann', false]);
  assert.ok(Math.abs(m.lon - p1[0]) < 2e-5 && Math.abs(m.lat - p1[1]) < 2e-5, `at A's position: ${JSON.stringify(m)} vs ${p1}`);
  // A moves: the marker follows.
  const p2 = inside(c3, -0.3);
  await here(a, p2, 5);
  await waitFor(async () => { const q = await marker(b); return Math.abs(q.lon - p2[0]) < 2e-5 && Math.abs(q.lat - p2[1]) < 2e-5; }, "A's marker moving", 5000);
  // Show on the map: B's page flies to A on their floor.
  await view(b, c1.centre, 17, 0);
  await b.locator(`[data-testid="live-shown-share"][data-id="${id}"] [data-testid="live-show"]`).click();
  await waitFor(() => b.evaluate(() => window.campusApp.state.floor === 5), "B's map on A's floor", 5000);

  // B: tell me when ann arrives at C1. A walks into C1.
  await b.locator(`[data-testid="live-shown-share"][data-id="${id}"] [data-testid="live-alert-place"]`).fill('C1');
  await b.locator(`[data-testid="live-shown-share"][data-id="${id}"] [data-testid="live-alert-add"]`).click();
  await b.waitForSelector('body[data-live-alerts="1"]');
  const bad = b.locator(`[data-testid="live-shown-share"][data-id="${id}"]`);
  await bad.getByTestId('live-alert-place').fill('Atlantis');
  await bad.getByTestId('live-alert-add').click();
  await bad.getByTestId('live-alert-error').waitFor();
  assert.match(await bad.getByTestId('live-alert-error').textContent(), /Atlantis/);
  await sleep(600); // the hub reads its change log every 250 ms
  await here(a, p2, 5); // outside C1
  const inC1 = inside(c1);
  for (let i = 0; i < 3; i++) {
    await sleep(300);
    await here(a, inC1, 0);
  }
  await b.getByTestId('live-toast').filter({ hasText: 'ann arrived at C1' }).waitFor({ timeout: 5000 });
  assert.equal(await b.getByTestId('live-toasts').getAttribute('role'), 'status');
  const notes = await b.evaluate(() => window.__notes);
  assert.ok(notes.some((n) => n.body === 'ann arrived at C1'), `a notification: ${JSON.stringify(notes)}`);

  // A ends the share: B's marker goes within a second or two.
  assert.ok(await marker(b));
  await a.locator(`[data-testid="live-mine"] [data-testid="live-share"][data-id="${id}"] [data-testid="live-end"]`).click();
  const t0 = Date.now();
  await waitFor(async () => (await marker(b)) === null, "A's marker gone from B's map", 2500);
  t.diagnostic(`marker gone ${Date.now() - t0} ms after A ended the share`);
  assert.equal((await call('GET', '/api/v1/shares', tb)).body.items.some((s) => s.id === id), false);
  await b.waitForFunction((sid) => !document.querySelector(`[data-testid="live-shown-share"][data-id="${sid}"]`), id);
});

test('live: joining a group by code on the page; a group share reaches its members', async (t) => {
  const a = await newPage(t);
  const b = await newPage(t);
  const ta = await signInAs(a, ANN);
  const tb = await signInAs(b, DAN);
  await openLive(a);
  await a.getByTestId('live-group-name').fill('Lab 4');
  await a.getByTestId('live-group-create').click();
  await a.waitForSelector('[data-testid="live-group"]');
  const owned = (await call('GET', '/api/v1/groups', ta)).body.items;
  assert.equal(owned.length, 1);
  const code = owned[0].code;
  assert.match(await a.getByTestId('live-groups').textContent(), new RegExp(`code ${code}`));

  await openLive(b);
  // A wrong code first: the server's word.
  await b.getByTestId('live-join-code').fill('NOPE000000');
  await b.getByTestId('live-join').click();
  await b.getByTestId('live-group-error').waitFor();
  assert.ok((await b.getByTestId('live-group-error').textContent()).length > 3);
  await b.getByTestId('live-join-code').fill(code);
  await b.getByTestId('live-join-code').press('Enter');
  await b.waitForSelector('[data-testid="live-group"]');
  assert.match(await b.getByTestId('live-groups').textContent(), /Lab 4/);
  assert.equal(await b.getByTestId('live-group-error').isVisible(), false);
  const joined = (await call('GET', '/api/v1/groups', tb)).body.items;
  assert.deepEqual(joined.map((g) => g.name), ['Lab 4']);
  assert.equal(joined[0].code, undefined, 'the code is the owner\'s only');
  await b.waitForSelector('body[data-live="open"]');

  // A shares with the group; B sees them (no accepting a group's share).
  await a.getByTestId('live-target').selectOption({ label: 'Group: Lab 4' });
  await a.getByTestId('live-start').click();
  await a.waitForSelector('[data-testid="live-mine"] [data-testid="live-share"][data-status="active"]');
  await a.waitForSelector('[data-testid="live-here"]:not([hidden])');
  await b.waitForSelector('[data-testid="live-shown-share"][data-status="active"]');
  await view(b, c3.centre, 18.5, 5);
  await here(a, inside(c3), 5);
  await waitFor(async () => (await marker(b)) !== null, "A's marker on B's map", 5000);
  assert.equal((await marker(b)).text, 'ann');

  // B leaves the group: the marker goes.
  await b.getByTestId('live-leave').click();
  await waitFor(async () => (await marker(b)) === null, 'the marker gone after leaving', 3000);
  assert.deepEqual((await call('GET', '/api/v1/groups', tb)).body.items, []);
  await a.locator('[data-testid="live-mine"] [data-testid="live-share"]', { hasText: 'Lab 4' }).getByTestId('live-end').click();
  await a.waitForFunction(() => ![...document.querySelectorAll('[data-testid="live-mine"] [data-testid="live-share"]')].some((e) => e.textContent.includes('Lab 4')));
});

test('live: looks as approved, is accessible', async (t) => {
  for (const sz of [
    { name: 'phone', viewport: { width: 390, height: 844 }, mobile: true },
    { name: 'desktop', viewport: { width: 1440, height: 900 } },
  ]) {
    await t.test(sz.name, async (tt) => {
      const a = await newPage(tt);
      const b = await newPage(tt, { viewport: sz.viewport, mobile: sz.mobile });
      await signInAs(a, CAT);
      await signInAs(b, BOB);
      const id = await share(a, b, BOB.email);
      await view(b, c3.centre, 19, 5);
      await here(a, c3.centre, 5);
      await waitFor(async () => (await marker(b)) !== null, "A's marker on B's map", 5000);
      await b.evaluate(() => { document.getElementById('status').hidden = true; });
      await b.locator(`[data-testid="live-shown-share"][data-id="${id}"]`).scrollIntoViewIfNeeded();
      await axe(b, `live sharing, the viewer (${sz.name})`);
      const small = await b.evaluate(() => [...document.querySelectorAll('#live-block button, #live-block input, #live-block select')]
        .filter((e) => e.offsetParent !== null).map((e) => [e.dataset.testid || e.tagName, e.getBoundingClientRect().height]).filter(([, h]) => h < 44));
      assert.deepEqual(small, [], 'touch targets of at least 44 px');
      await looksApproved(b, `live-${sz.name}-viewer`, { mask: ['[data-testid="live-shown"] .meta', '[data-testid="live-toasts"]'] });
      // In Chinese.
      await b.getByTestId('lang-toggle').click();
      await b.waitForFunction(() => document.documentElement.lang === 'zh-CN');
      await b.waitForFunction((sid) => /不再查看/.test(document.querySelector(`[data-testid="live-shown-share"][data-id="${sid}"]`)?.textContent || ''), id);
      await sleep(300); // the list is drawn again once the venue is read in Chinese
      await b.evaluate((sid) => {
        document.getElementById('status').hidden = true;
        document.querySelector(`[data-testid="live-shown-share"][data-id="${sid}"]`).scrollIntoView({ block: 'center' });
      }, id);
      await axe(b, `live sharing in Chinese (${sz.name})`);
      await looksApproved(b, `live-${sz.name}-viewer-zh`, { mask: ['[data-testid="live-shown"] .meta', '[data-testid="live-toasts"]'] });
      await a.locator(`[data-testid="live-share"][data-id="${id}"] [data-testid="live-end"]`).click();
      await waitFor(async () => (await marker(b)) === null, 'the marker gone', 3000);
    });
  }
});

test('live: a disabled account is told why its socket closed (4003) and is not reconnected', async (t) => {
  const page = await newPage(t);
  await signInAs(page, EVE);
  await openLive(page);
  await page.getByTestId('live-group-name').fill('Night shift');
  await page.getByTestId('live-group-create').click();
  await page.waitForSelector('body[data-live="open"]');
  // What the page says, as it says it (the status line changes quickly).
  await page.evaluate(() => {
    window.__said = [];
    new MutationObserver(() => window.__said.push(document.getElementById('status').textContent))
      .observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true });
  });
  run(join(tmp, 'campus'), ['users', 'disable', EVE.email, '--data-dir', join(tmp, 'data')]);
  await waitFor(() => page.evaluate(() => window.__said.some((s) => /account is disabled/.test(s))), 'the close reason shown', 10000);
  // It does not come back: the next ticket is refused.
  await sleep(3000);
  assert.equal(await page.evaluate(() => document.body.dataset.live), 'closed');
});

test('live: a viewer who may not see inside a building sees the sharer as that building, from outside', async (t) => {
  const a = await newPage(t);
  const v = await newPage(t);
  const ta = await signInAs(a, DAN);
  // A visitor, signed in by phone (the code from campusd's log).
  await signInByPhone(v);

  await openLive(a);
  await a.getByTestId('live-group-name').fill('Open day');
  await a.getByTestId('live-group-create').click();
  await a.waitForSelector('[data-testid="live-group"]');
  const groupCode = (await call('GET', '/api/v1/groups', ta)).body.items.find((g) => g.name === 'Open day').code;
  await openLive(v);
  await v.getByTestId('live-join-code').fill(groupCode);
  await v.getByTestId('live-join').click();
  await v.waitForSelector('[data-testid="live-group"]');
  await v.waitForSelector('body[data-live="open"]');
  await a.getByTestId('live-target').selectOption({ label: 'Group: Open day' });
  await a.getByTestId('live-start').click();
  await a.waitForSelector('[data-testid="live-here"]:not([hidden])');
  await v.waitForSelector('[data-testid="live-shown-share"][data-status="active"]');

  // dan inside C1, which a visitor does not see inside: the building, from outside.
  await view(v, c1.centre, 18, 0);
  await here(a, inside(c1), 0);
  await waitFor(async () => (await marker(v)) !== null, "dan's marker on the visitor's map", 5000);
  const m = await marker(v);
  assert.equal(m.where, 'outside');
  assert.equal(m.ordinal, '');
  assert.match(m.text, /^dan · C1 \(outside\)$/);
  // The control: dan in C3 (public) is dan on a floor.
  await here(a, inside(c3), 0);
  await waitFor(async () => (await marker(v)).where !== 'outside', 'the marker on a floor', 5000);
  assert.equal((await marker(v)).ordinal, '0');
  await a.locator('[data-testid="live-mine"] [data-testid="live-share"]', { hasText: 'Open day' }).getByTestId('live-end').click();
  await waitFor(async () => (await marker(v)) === null, 'the marker gone', 3000);
});
