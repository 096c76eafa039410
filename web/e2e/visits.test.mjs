// The visitor's screen (issue 20) in the browser, against the real campusd:
// a visitor signs in by a code texted to their phone (read from campusd's
// log), registers a visit, sees it pending; the host (staff) approves it
// through the API; the visitor sees it approved, shows the pass and draws
// the route from the gate to the meeting place.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  setup, teardown, api, STAFF, newPage, looksApproved, axe, tabTo, waitFor, settled, decodeQR, signInByPhone,
} from './lib.mjs';

before(() => setup());
after(() => teardown());

const PLACE = 'C1-101';
const ID_NUMBER = '11010519491231002X'; // a valid PRC resident identity card number (its checksum holds)

// The campus's date today (the visit's window is today, all day: open now).
function today() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

async function call(method, path, token, body) {
  const r = await fetch(api + path, {
    method,
    headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json', Accept: 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function staffToken() {
  const r = await fetch(api + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(STAFF) });
  return (await r.json()).token;
}


async function openVisits(page) {
  await page.getByTestId('visits-block').waitFor();
  await page.evaluate(() => { document.getElementById('visits-block').open = true; });
}

async function fillVisit(page, { idNumber = ID_NUMBER, place = PLACE } = {}) {
  await page.evaluate(() => { document.querySelector('[data-testid="visit-register"]').open = true; });
  await page.getByTestId('visit-host').fill(STAFF.email);
  await page.getByTestId('visit-type').selectOption('academic');
  await page.getByTestId('visit-reason').fill('Seminar on indoor maps');
  await page.getByTestId('visit-date').fill(today());
  await page.getByTestId('visit-from').fill('00:00');
  await page.getByTestId('visit-to').fill('23:59');
  await page.getByTestId('visit-name').fill('Li Lei');
  await page.getByTestId('visit-id-number').fill(idNumber);
  await page.getByTestId('visit-place').fill(place);
}

test('visits: a visitor signs in by phone, registers, is approved, shows the pass and the route from the gate', async (t) => {
  const page = await newPage(t, { viewport: { width: 390, height: 844 }, mobile: true });
  // Not signed in: no visitor screen.
  assert.equal(await page.getByTestId('visits-block').isVisible(), false, 'the visitor screen is hidden from the public map');
  const token = await signInByPhone(page);
  await openVisits(page);
  assert.match(await page.getByTestId('visit-list').textContent(), /No visits yet/);

  // A wrong ID number: the server's detail, the field marked and focused.
  await fillVisit(page, { idNumber: '110105194912310021' });
  await page.getByTestId('visit-submit').click();
  await page.getByTestId('visit-error').waitFor();
  assert.match(await page.getByTestId('visit-error').textContent(), /id_number.*check digit/);
  assert.equal(await page.getByTestId('visit-id-number').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'visit-id-number');
  assert.equal((await call('GET', '/api/v1/me/visits', token)).body.items.length, 0, 'nothing registered');

  // Registered with the keyboard: Enter in the form.
  await page.getByTestId('visit-id-number').fill(ID_NUMBER);
  await page.getByTestId('visit-id-number').press('Enter');
  await page.waitForSelector('[data-testid="visit"][data-status="pending"]');
  assert.equal(await page.getByTestId('visit-error').isVisible(), false);
  assert.match(await page.getByTestId('visit-status').textContent(), /Pending/);
  const mine = (await call('GET', '/api/v1/me/visits', token)).body.items;
  assert.equal(mine.length, 1);
  assert.deepEqual([mine[0].status, mine[0].type, mine[0].host, mine[0].date, mine[0].place.ref], ['pending', 'academic', STAFF.email, today(), PLACE]);
  const id = mine[0].id;
  // A pending visit has no pass and no route buttons yet.
  assert.equal(await page.getByTestId('visit-pass').count(), 0);

  // The host approves it (the API), the visitor looks again.
  const staff = await staffToken();
  const queue = await call('GET', '/api/v1/visits?as=host&status=pending', staff);
  assert.ok(queue.body.items.some((v) => v.id === id), "in the host's queue");
  const ok = await call('POST', `/api/v1/visits/${id}/approve`, staff, { note: 'Welcome', place: PLACE });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  await page.getByTestId('visit-refresh').click();
  await page.waitForSelector('[data-testid="visit"][data-status="approved"]');
  assert.match(await page.getByTestId('visit-status').textContent(), /Approved/);
  assert.match(await page.getByTestId('visit-list').textContent(), /Note: Welcome/);

  // The pass, with the keyboard.
  await page.getByTestId('visit-refresh').focus();
  await tabTo(page, '[data-testid="visit-pass"]');
  await page.keyboard.press('Enter');
  await page.getByTestId('visit-pass-card').waitFor();
  const code = await page.getByTestId('visit-pass-code').textContent();
  assert.ok(code.length >= 20, `a pass code: ${code}`);
  assert.equal(await decodeQR(page.getByTestId('visit-pass-qr')), code, "the pass's QR code is its code, for the gate's scanner");
  assert.match(await page.getByTestId('visit-pass-card').textContent(), /Pass for Li Lei/);
  const pass = await call('GET', `/api/v1/visits/${id}/pass`, token);
  assert.equal(pass.status, 200);
  assert.equal(pass.body.name, 'Li Lei');
  // The route from the gate, drawn as the page draws routes.
  await page.getByTestId('visit-route').click();
  await page.waitForSelector('body[data-route="walk"]');
  const want = (await call('GET', `/api/v1/visits/${id}/route?lang=en`, token)).body;
  const drawn = await page.evaluate(() => {
    const r = window.campusApp.state.route;
    const src = window.campusMap.getSource('route').serialize().data;
    return { from: r.from, to: r.to, distance: r.distance_m, features: src.features.length, url: location.search, steps: document.querySelectorAll('[data-testid="route-step"]').length };
  });
  assert.equal(drawn.from, want.gate);
  assert.equal(drawn.to, PLACE);
  assert.equal(drawn.distance, want.route.distance_m);
  assert.ok(drawn.features > 0 && drawn.steps > 0, 'the line and the steps');
  assert.equal(drawn.url, `?route=${want.gate},${PLACE}`, 'the address is the route (a link to it)');
  assert.match(await page.getByTestId('route-start').textContent(), /From/);
  assert.equal(await page.getByTestId('route-from').inputValue(), want.gate);

  // Withdrawn: the pass goes.
  await page.evaluate(() => { document.getElementById('visits-block').open = true; });
  await page.getByTestId('visit-withdraw').click();
  await page.waitForSelector('[data-testid="visit"][data-status="withdrawn"]');
  assert.equal((await call('GET', `/api/v1/visits/${id}`, token)).body.status, 'withdrawn');
  assert.equal(await page.getByTestId('visit-pass').count(), 0);
});

test('visits: errors in Chinese from the server; staff do not see the screen', async (t) => {
  const page = await newPage(t);
  await signInByPhone(page);
  await page.getByTestId('lang-toggle').click();
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  await openVisits(page);
  assert.match(await page.locator('#visits-block > summary').textContent(), /我的来访/);
  await fillVisit(page, { place: 'C1-101' });
  await page.getByTestId('visit-host').fill('nobody-here@hkust-gz.edu.cn');
  await page.getByTestId('visit-submit').click();
  await page.getByTestId('visit-error').waitFor();
  const msg = await page.getByTestId('visit-error').textContent();
  assert.match(msg, /[\u4e00-\u9fff]/, `a Chinese detail: ${msg}`);
  assert.equal(await page.getByTestId('visit-host').getAttribute('aria-invalid'), 'true');

  const staffPage = await newPage(t);
  await staffPage.evaluate(() => { document.getElementById('account-block').open = true; });
  await staffPage.getByTestId('login-email').fill(STAFF.email);
  await staffPage.getByTestId('login-password').fill(STAFF.password);
  await staffPage.getByTestId('login-submit').click();
  await staffPage.waitForSelector('body[data-role="staff"]');
  assert.equal(await staffPage.getByTestId('visits-block').isVisible(), false, 'staff host visits, they do not register them');
});

test('visits: looks as approved, is accessible', async (t) => {
  for (const sz of [
    { name: 'phone', viewport: { width: 390, height: 844 }, mobile: true },
    { name: 'desktop', viewport: { width: 1440, height: 900 } },
  ]) {
    await t.test(sz.name, async (tt) => {
      const page = await newPage(tt, { viewport: sz.viewport, mobile: sz.mobile });
      const token = await signInByPhone(page);
      const staff = await staffToken();
      const body = { type: 'business', reason: 'Meeting', host: STAFF.email, date: today(), from: '00:00', to: '23:59', people: [{ name: 'Han Meimei', id_number: ID_NUMBER }], mode: 'foot', place: PLACE };
      const a = await call('POST', '/api/v1/visits', token, body);
      assert.equal(a.status, 201, JSON.stringify(a.body));
      const b = await call('POST', '/api/v1/visits', token, { ...body, reason: 'Lunch', place: undefined });
      assert.equal(b.status, 201, JSON.stringify(b.body));
      assert.equal((await call('POST', `/api/v1/visits/${a.body.id}/approve`, staff, { note: '', place: PLACE })).status, 200);
      await openVisits(page);
      await page.getByTestId('visit-refresh').click();
      await page.waitForSelector('[data-testid="visit"][data-status="approved"]');
      await page.locator('[data-testid="visit"][data-status="approved"] [data-testid="visit-pass"]').click();
      await page.getByTestId('visit-pass-card').waitFor();
      await page.evaluate(() => { document.getElementById('status').hidden = true; });
      await page.getByTestId('visit-pass-card').scrollIntoViewIfNeeded();
      const mask = ['.visit-when', '[data-testid="visit-pass-qr"]', '[data-testid="visit-pass-code"]', '[data-testid="visit-pass-valid"]'];
      await axe(page, `the visitor's visits (${sz.name})`);
      await looksApproved(page, `visits-${sz.name}-list-pass`, { mask });
      // The registration form, in Chinese.
      await page.getByTestId('lang-toggle').click();
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
      await page.evaluate(() => { document.querySelector('[data-testid="visit-register"]').open = true; });
      await page.locator('[data-testid="visit-register"] > summary').scrollIntoViewIfNeeded();
      await settled(page);
      await page.evaluate(() => { document.getElementById('status').hidden = true; });
      await axe(page, `the registration form in Chinese (${sz.name})`);
      // Big enough to touch.
      const small = await page.evaluate(() => [...document.querySelectorAll('#visits-block button, #visits-block input, #visits-block select')]
        .filter((e) => e.offsetParent !== null).map((e) => [e.dataset.testid || e.tagName, e.getBoundingClientRect().height]).filter(([, h]) => h < 44));
      assert.deepEqual(small, [], 'touch targets of at least 44 px');
      await looksApproved(page, `visits-${sz.name}-register-zh`, { mask: ['[data-testid="visit-date"]', '.visit-when'] });
    });
  }
});
