// The rooms (bookings) and repairs screens of the map page, driven in the
// browser against the real campusd: a free room for N people near the map's
// centre, now and at a later time, booked, in my bookings, checked into; a
// second booking of a slot refused with the server's message; a repair
// reported at the located room with a photo, completed by the desk through
// the API, reopened and rated on the page. Screenshots at 390x844 and
// 1440x900 against approved/, axe-core, and the keyboard.
//
// The campus is the repository's, but for its meeting rooms: open all day
// and booked in 5-minute slots, so that a booking made "now" starts at most
// 5 minutes ago and is inside its check-in window (10 minutes before the
// start to 15 after) whenever the test runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import {
  setup, teardown, repo, tmp, api, run, STAFF, newPage, looksApproved, axe, tabTo, idle, view, waitFor,
} from './lib.mjs';

const STUDENT = { role: 'student', email: 'e2e-rooms-student@connect.hkust-gz.edu.cn', password: 'rooms student passphrase' };
const OTHER = { role: 'student', email: 'e2e-rooms-other@connect.hkust-gz.edu.cn', password: 'rooms other passphrase' };
const FAMILY = { role: 'family', email: 'e2e-rooms-family@example.com', password: 'rooms family passphrase' };
const LOOK = { role: 'student', email: 'e2e-rooms-look@connect.hkust-gz.edu.cn', password: 'rooms look passphrase' };
const PHONE = { viewport: { width: 390, height: 844 }, mobile: true };
const DESKTOP = { viewport: { width: 1440, height: 900 } };

const venue = mkdtempSync(join(tmpdir(), 'campus-rooms-venue-'));
let room607; // C3-607 from /search: {lon, lat, ordinal}

before(async () => {
  cpSync(join(repo, 'data/floorplans/hkust-gz'), venue, { recursive: true });
  const rules = JSON.parse(readFileSync(join(venue, 'booking.json'), 'utf8'));
  const meeting = rules.kinds.find((k) => k.type === 'meeting');
  meeting.hours = [{ from: '00:00', to: '24:00' }];
  meeting.slot_min = 5;
  writeFileSync(join(venue, 'booking.json'), JSON.stringify(rules, null, 2));
  await setup({ users: [STUDENT, OTHER, LOOK, FAMILY], args: ['--venue', venue] });
  run(join(tmp, 'campus'), ['users', 'grant', STAFF.email, 'desk', '--data-dir', join(tmp, 'data')]);
  const hits = await (await fetch(api + '/api/v1/search?q=C3-607&limit=5')).json();
  room607 = hits.find((h) => h.ref === 'C3-607');
  assert.ok(room607, 'C3-607 is found');
});
after(async () => {
  await teardown();
  rmSync(venue, { recursive: true, force: true });
});

// ---- Helpers -------------------------------------------------------------------

async function token(u) {
  const r = await fetch(api + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: u.email, password: u.password }) });
  assert.equal(r.status, 200, `login ${u.email}`);
  return (await r.json()).token;
}

async function call(tok, method, path, body) {
  const r = await fetch(api + '/api/v1' + path, {
    method, headers: { Authorization: 'Bearer ' + tok, 'Content-Type': 'application/json', Accept: 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function signInAs(page, u) {
  await page.evaluate(() => { document.getElementById('account-block').open = true; });
  await page.getByTestId('login-email').fill(u.email);
  await page.getByTestId('login-password').fill(u.password);
  await page.getByTestId('login-submit').click();
  await page.waitForSelector(`body[data-role="${u.role}"]`);
}

async function openBlock(page, id) {
  await page.evaluate((x) => { const b = document.getElementById(x); b.open = true; b.scrollIntoView(); }, id);
}

// atC3: the map centred on C3-607, on its floor (the page's origin).
async function atC3(page) {
  await view(page, [room607.lon, room607.lat], 19.5, room607.ordinal);
}

async function findRooms(page) {
  await page.getByTestId('rooms-find').click();
  await page.waitForSelector('body[data-rooms="ready"]');
}

// smallTargets lists the controls of a block (its buttons, selects, inputs;
// a radio button by its label) less than 44 px high.
async function smallTargets(page, block) {
  return page.$$eval(`${block} button, ${block} select, ${block} input:not([type="radio"]), ${block} label:has(> input[type="radio"])`, (es) => es
    .filter((e) => e.offsetParent).map((e) => [e.dataset.testid || e.id || e.textContent, Math.round(e.getBoundingClientRect().height)]).filter(([, h]) => h < 44));
}

// A datetime-local value of the campus's clock, days ahead at hh:00.
function campusDay(days, hh) {
  const d = new Date(Date.now() + 8 * 3600000 + days * 86400000);
  return `${d.toISOString().slice(0, 10)}T${String(hh).padStart(2, '0')}:00`;
}

// ---- Rooms ---------------------------------------------------------------------

test('rooms: a free room for 4 near me, now and later, booked, checked in; a taken slot refused', async (t) => {
  const page = await newPage(t, DESKTOP);
  await openBlock(page, 'rooms-block');
  assert.ok(await page.getByTestId('rooms').getByText('Sign in to find and book a room.').isVisible(), 'a tourist is told to sign in');
  assert.equal(await page.locator('#rooms-form').isVisible(), false, 'and sees no form');
  await signInAs(page, FAMILY);
  await openBlock(page, 'rooms-block');
  assert.equal(await page.locator('#rooms-signin').textContent(), 'Rooms are booked by staff and students.', 'family are told who books rooms');
  assert.equal(await page.locator('#rooms-form').isVisible(), false, 'and see no form');
  await page.getByTestId('logout').click();
  await page.waitForSelector('body[data-role="tourist"]');
  await signInAs(page, STUDENT);
  const tok = await token(STUDENT);
  await atC3(page);
  await openBlock(page, 'rooms-block');
  assert.equal(await page.getByTestId('rooms-near').textContent(), 'Nearest to the map centre, 6F');

  await t.test('now: the nearest free meeting rooms for 4, with their day', async () => {
    await page.getByTestId('rooms-people').fill('4');
    await findRooms(page);
    const rooms = await page.$$eval('[data-testid="room"]', (ls) => ls.map((l) => l.dataset.ref));
    assert.ok(rooms.length >= 2, `rooms found: ${rooms}`);
    // What the server answers for the same question, nearest first.
    const now = new Date(Math.floor(Date.now() / 60000) * 60000);
    const q = new URLSearchParams({ type: 'meeting', capacity: '4', available: 'true', limit: '5', start: now.toISOString(), end: new Date(now.getTime() + 3600000).toISOString(), near: `${room607.lon},${room607.lat},${room607.ordinal}` });
    const want = (await call(tok, 'GET', '/spaces?' + q)).body.items;
    assert.deepEqual(rooms, want.map((s) => s.ref), 'the page lists what the server answers');
    assert.ok(want.every((s) => s.capacity >= 4 && s.available));
    assert.equal(await page.locator('[data-testid="room-timeline"]').count(), rooms.length, 'each with its timeline');
    // Show it: its floor and a marker on the map.
    await page.getByTestId('room-show').first().click();
    await page.waitForSelector('[data-testid="room-marker"]');
    assert.equal(await page.evaluate(() => window.campusApp.state.floor), want[0].ordinal);
  });

  let first;
  await t.test('book the nearest now; it is in my bookings and checked into', async () => {
    first = await page.locator('[data-testid="room"]').first().getAttribute('data-ref');
    await page.getByTestId('room-book').first().click();
    await page.waitForSelector('[data-testid="booking"]');
    const mine = (await call(tok, 'GET', '/me/bookings')).body.items;
    assert.equal(mine.length, 1);
    assert.equal(mine[0].space_ref, first);
    assert.equal(mine[0].status, 'confirmed');
    assert.ok(Date.now() - new Date(mine[0].start).getTime() < 5 * 60000 + 5000, 'it starts within the current slot');
    assert.equal(new Date(mine[0].end) - new Date(mine[0].start), 3600000, 'for an hour');
    const li = page.locator(`[data-testid="booking"][data-id="${mine[0].id}"]`);
    await li.getByTestId('booking-checkin').click();
    await li.getByTestId('booking-checked-in').waitFor();
    const b = (await call(tok, 'GET', `/bookings/${mine[0].id}`)).body;
    assert.ok(b.checkin && b.checkin.checked_in, `the server holds the check-in: ${JSON.stringify(b.checkin)}`);
  });

  await t.test('a slot taken meanwhile is refused with the server\'s message', async () => {
    await findRooms(page);
    const second = await page.locator('[data-testid="room"]').first().getAttribute('data-id');
    assert.notEqual(await page.locator('[data-testid="room"]').first().getAttribute('data-ref'), first, 'the booked room is no longer free');
    // Another student books it for the hour first.
    const other = await token(OTHER);
    const start = new Date(Math.floor(Date.now() / 300000) * 300000);
    const r = await call(other, 'POST', '/bookings', { space: second, start: start.toISOString(), end: new Date(start.getTime() + 3600000).toISOString() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await page.getByTestId('room-book').first().click();
    const err = page.getByTestId('rooms-error');
    await err.waitFor({ state: 'visible' });
    assert.equal(await err.getAttribute('data-code'), 'booked');
    const refused = await call(tok, 'POST', '/bookings', { space: second, start: start.toISOString(), end: new Date(start.getTime() + 3600000).toISOString() });
    assert.equal(refused.status, 409);
    assert.equal(await err.textContent(), refused.body.detail, 'the page shows the server\'s detail');
    assert.equal((await call(tok, 'GET', '/me/bookings')).body.items.length, 1, 'nothing more is held');
  });

  await t.test('later: tomorrow at 10:00, booked, in my bookings', async () => {
    await page.getByTestId('rooms-at').check();
    await page.getByTestId('rooms-time').fill(campusDay(1, 10));
    await page.getByTestId('rooms-length').selectOption('90');
    await findRooms(page);
    const ref = await page.locator('[data-testid="room"]').first().getAttribute('data-ref');
    assert.equal(ref, first, 'tomorrow the room booked now is the nearest free one again');
    await page.getByTestId('room-book').first().click();
    await waitFor(async () => (await page.locator('[data-testid="booking"]').count()) === 2, 'two bookings listed');
    const mine = (await call(tok, 'GET', '/me/bookings')).body.items;
    const later = mine.find((b) => new Date(b.start).getTime() > Date.now() + 3600000);
    assert.ok(later, JSON.stringify(mine));
    assert.equal(later.start.slice(11, 16), '10:00', 'at 10:00 campus time');
    assert.equal(new Date(later.end) - new Date(later.start), 90 * 60000);
    const text = await page.locator(`[data-testid="booking"][data-id="${later.id}"]`).textContent();
    assert.match(text, /10:00–11:30/);
    assert.match(text, /Check in from 09:50/, 'not yet: the page says when');
  });

  await t.test('route to a room', async () => {
    const ref = await page.locator('[data-testid="room"]').first().getAttribute('data-ref');
    await page.getByTestId('room-route').first().click();
    await page.waitForSelector('body[data-routing="0"]');
    assert.equal(await page.getByTestId('route-to').inputValue(), ref);
    await page.getByTestId('route-end').waitFor();
    assert.ok(await page.getByTestId('route-summary').isVisible());
  });
});

// ---- Repairs -------------------------------------------------------------------

test('repairs: reported at the located room with a photo; completed by the desk, reopened and rated', async (t) => {
  const page = await newPage(t, PHONE);
  await signInAs(page, STUDENT);
  const tok = await token(STUDENT);
  await atC3(page);
  await openBlock(page, 'repairs-block');
  let ticket;

  await t.test('locate, choose a neighbour, a category, a photo: sent', async () => {
    await page.getByTestId('repairs-locate').click();
    await page.waitForSelector('[data-testid="repairs-room"]');
    const rooms = await page.$$eval('[data-testid="repairs-room"]', (ls) => ls.map((l) => l.dataset.ref));
    assert.equal(rooms[0], 'C3-607', `located at the map centre: ${rooms}`);
    assert.ok(rooms.length >= 2, 'with its neighbours');
    await page.locator('[data-testid="repairs-room"]').nth(1).click();
    const chosen = await page.locator('[data-testid="repairs-room"]').nth(1).getAttribute('data-unit');
    await page.getByTestId('repairs-category').selectOption('ventilation');
    await page.getByTestId('repairs-description').fill('The air conditioning drips on the desk.');
    const png = new PNG({ width: 8, height: 6 });
    png.data.fill(200);
    const file = join(tmp, 'drip.png');
    writeFileSync(file, PNG.sync.write(png));
    await page.getByTestId('repairs-photos').setInputFiles(file);
    await page.getByTestId('repairs-send').click();
    await page.waitForSelector('body[data-repairs="ready"]');
    const mine = (await call(tok, 'GET', '/me/repairs')).body.items;
    assert.equal(mine.length, 1);
    ticket = (await call(tok, 'GET', `/repairs/${mine[0].id}`)).body;
    assert.equal(ticket.location.unit, chosen, 'the room chosen');
    assert.equal(ticket.category, 'ventilation');
    assert.equal(ticket.photos.length, 1, 'the photo is kept');
    assert.equal(ticket.photos[0].width, 8);
    const li = page.locator(`[data-testid="ticket"][data-id="${ticket.id}"]`);
    await li.waitFor();
    assert.match(await li.textContent(), new RegExp(ticket.number));
    assert.match(await li.getByTestId('ticket-photos').textContent(), /1 photo/);
    assert.equal(await li.getAttribute('data-status'), 'submitted');
  });

  await t.test('the desk completes it; the reporter reopens it, then rates the second repair', async () => {
    const desk = await token(STAFF);
    for (const [a, body] of [['dispatch', { assignee: 'HVAC team' }], ['start', {}], ['complete', { note: 'Drain cleared' }]]) {
      const r = await call(desk, 'POST', `/repairs/${ticket.id}/${a}`, body);
      assert.equal(r.status, 200, `${a}: ${JSON.stringify(r.body)}`);
    }
    await page.evaluate(() => { document.getElementById('repairs-block').open = false; });
    await openBlock(page, 'repairs-block');
    const li = page.locator(`[data-testid="ticket"][data-id="${ticket.id}"]`);
    await page.waitForSelector(`[data-testid="ticket"][data-id="${ticket.id}"][data-status="completed"]`);
    if (!(await li.getByTestId('ticket-open').count())) await li.getByTestId('ticket-details').click();
    assert.match(await li.getByTestId('ticket-history').textContent(), /Drain cleared/);
    await li.getByTestId('ticket-reason').fill('Still dripping after the rain.');
    await li.getByTestId('ticket-reopen-go').click();
    await page.waitForSelector(`[data-testid="ticket"][data-id="${ticket.id}"][data-status="dispatched"]`);
    assert.equal((await call(tok, 'GET', `/repairs/${ticket.id}`)).body.status, 'dispatched');

    for (const a of ['start', 'complete']) assert.equal((await call(desk, 'POST', `/repairs/${ticket.id}/${a}`, a === 'complete' ? { note: 'Pipe replaced' } : {})).status, 200);
    await page.evaluate(() => { document.getElementById('repairs-block').open = false; });
    await openBlock(page, 'repairs-block');
    await page.waitForSelector(`[data-testid="ticket"][data-id="${ticket.id}"][data-status="completed"]`);
    if (!(await li.getByTestId('ticket-open').count())) await li.getByTestId('ticket-details').click();
    await li.getByTestId('ticket-star-4').check();
    await li.getByTestId('ticket-comment').fill('Quick, thanks');
    await li.getByTestId('ticket-rate-go').click();
    await li.getByTestId('ticket-rated').waitFor();
    const done = (await call(tok, 'GET', `/repairs/${ticket.id}`)).body;
    assert.equal(done.stars, 4);
    assert.equal(done.comment, 'Quick, thanks');
    assert.deepEqual(done.history.map((e) => e.to).slice(0, 7), ['submitted', 'dispatched', 'in_progress', 'completed', 'dispatched', 'in_progress', 'completed']);
  });
});

// ---- Looks, accessibility, keyboard, Chinese ---------------------------------------

test('rooms and repairs: looks as approved, is accessible', async (t) => {
  for (const [kind, opts] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await t.test(kind, async (tt) => {
      const page = await newPage(tt, opts);
      await signInAs(page, LOOK);
      await page.evaluate(() => { document.getElementById('account-block').open = false; document.getElementById('route-block').open = false; });
      await atC3(page);
      await openBlock(page, 'rooms-block');
      await page.getByTestId('rooms-at').check();
      // Three days ahead: a day no other test books, whole and free.
      await page.getByTestId('rooms-time').fill(campusDay(3, 10));
      // The keyboard finds rooms: Tab to the button, Enter.
      await page.getByTestId('rooms-time').focus();
      await tabTo(page, '[data-testid="rooms-find"]');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
      assert.equal(outline, 'solid', 'the focus is visible');
      await page.keyboard.press('Enter');
      await page.waitForSelector('body[data-rooms="ready"]');
      assert.ok(await page.locator('[data-testid="room"]').count() >= 2);
      assert.deepEqual(await smallTargets(page, '#rooms-block'), [], 'touch targets of 44 px or more');
      await axe(page, `the rooms screen (${kind})`);
      await page.locator('[data-testid="room"]').first().scrollIntoViewIfNeeded();
      await looksApproved(page, `rooms-${kind}-free-rooms`, { mask: [page.getByTestId('rooms-time')] });

      await page.evaluate(() => { document.getElementById('rooms-block').open = false; });
      await openBlock(page, 'repairs-block');
      await page.getByTestId('repairs-locate').click();
      await page.waitForSelector('[data-testid="repairs-room"]');
      await page.getByTestId('repairs-category').selectOption('water');
      assert.deepEqual(await smallTargets(page, '#repairs-block'), [], 'touch targets of 44 px or more');
      await axe(page, `the repairs screen (${kind})`);
      await page.evaluate(() => document.getElementById('repairs-block').scrollIntoView());
      await looksApproved(page, `repairs-${kind}-form`);

      // Chinese: the screens' own words and the server's.
      await page.getByTestId('lang-toggle').click();
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
      assert.equal(await page.locator('#repairs-block > summary').textContent(), '报修');
      assert.equal(await page.locator('#rooms-block > summary').textContent(), '房间预约');
      await page.getByTestId('repairs-category').selectOption('');
      await page.getByTestId('repairs-send').click();
      await waitFor(async () => (await page.getByTestId('repairs-error').textContent()) === '请选择故障类别。', 'the form says what is missing, in Chinese');
      // The server's refusal, in Chinese (Accept-Language): more people than any room may ask about.
      await openBlock(page, 'rooms-block');
      await page.getByTestId('rooms-people').fill('10001');
      await findRooms(page);
      assert.match(await page.getByTestId('rooms-error').textContent(), /capacity 的值 10001 超出范围/);
      await page.getByTestId('lang-toggle').click();
      await idle(page);
    });
  }
});
