// The campus card and wallet screens (card.js, wallet.js) against the real
// campusd, with its sandbox payment provider: the QR code decodes (jsQR,
// from a screenshot of what is on the screen) to the code the API answered
// and is replaced before it expires; the physical card is reported lost and
// found; a top-up is paid at the sandbox's checkout and raises the balance;
// password-free payments need a linked account and toggle; a bill is paid;
// a till's payment names its place. Only card holders see the card, only
// staff and students the wallet. Screenshots at 390x844 and 1440x900.
//
//   E2E_FILES=card.test.mjs bash web/e2e/run.sh
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jsQR from 'jsqr';
import { setup, teardown, tmp, api, run, waitFor, newPage, looksApproved, axe, tabTo } from './lib.mjs';

const PASSWORD = 'correct horse battery staple';
const STUDENT = { role: 'student', email: 'e2e-card-student@connect.hkust-gz.edu.cn', password: PASSWORD };
const SHOWN = { role: 'student', email: 'e2e-card-shown@connect.hkust-gz.edu.cn', password: PASSWORD }; // the screenshots'
const FAMILY = { role: 'family', email: 'e2e-card-family@hkust-gz.edu.cn', password: PASSWORD };
const ADMIN = { role: 'admin', email: 'e2e-card-admin@hkust-gz.edu.cn', password: PASSWORD }; // issues bills (finance)
const SIZES = [
  { name: 'phone', viewport: { width: 390, height: 844 }, mobile: true },
  { name: 'desktop', viewport: { width: 1440, height: 900 }, mobile: false },
];

before(() => setup({ users: [STUDENT, SHOWN, FAMILY, ADMIN], env: { CAMPUS_PAY_SANDBOX_SECRET: 'e2e0'.repeat(16) } }));
after(() => teardown());

// ---- Helpers ------------------------------------------------------------------

const tokens = new Map();
async function tokenOf(u) {
  if (!tokens.has(u.email)) {
    const r = await fetch(api + '/api/v1/auth/login', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: u.email, password: u.password }) });
    assert.equal(r.status, 200, `login ${u.email}`);
    tokens.set(u.email, (await r.json()).token);
  }
  return tokens.get(u.email);
}

async function call(u, method, path, body, headers = {}) {
  const r = await fetch(api + '/api/v1' + path, {
    method, headers: { Authorization: 'Bearer ' + await tokenOf(u), 'Content-Type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data = null;
  try { data = JSON.parse(text); } catch { /* not JSON */ }
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return data;
}

async function signInAs(page, u) {
  await page.evaluate(() => { document.getElementById('account-block').open = true; });
  await page.getByTestId('login-email').fill(u.email);
  await page.getByTestId('login-password').fill(u.password);
  await page.getByTestId('login-submit').click();
  await page.waitForSelector(`body[data-role="${u.role}"]`);
  await page.evaluate(() => { document.getElementById('account-block').open = false; });
}

async function openBlock(page, id) {
  await page.evaluate((id) => {
    document.getElementById('route-block').open = false;
    const b = document.getElementById(id);
    b.open = true;
    b.scrollIntoView({ block: 'start' });
  }, id);
}

// decodeQR reads the QR code in a screenshot of the element, as a
// scanner would.
async function decodeQR(locator) {
  const png = PNG.sync.read(await locator.screenshot());
  const r = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  assert.ok(r, 'a QR code is on the screen');
  return r.data;
}

const isCodeAnswer = (r) => new URL(r.url()).pathname === '/api/v1/card/code' && r.status() === 200;

async function issueBill(u, room, amount) {
  const csv = `email,room,period,water_from,water_to,electricity_from,electricity_to,amount_fen\n${u.email},${room},2026-11,12.5,16,1030,1142,${amount}\n`;
  return call(ADMIN, 'POST', '/admin/bills', { csv }, { 'Idempotency-Key': `e2e-bill-${u.email}-${room}` });
}

// topUpByAPI tops u's wallet up through the sandbox as a program would,
// and waits for the provider's notification.
async function topUpByAPI(u, fen) {
  const before = (await call(u, 'GET', '/wallet')).balance_fen;
  const t = await call(u, 'POST', '/wallet/topups', { amount_fen: fen, provider: 'sandbox' }, { 'Idempotency-Key': `e2e-topup-${u.email}-${before}-${fen}` });
  await call(u, 'POST', `/payments/sandbox/checkout/${t.topup_id}`, { outcome: 'succeeded' });
  await waitFor(async () => (await call(u, 'GET', '/wallet')).balance_fen === before + fen, 'the top-up to arrive', 20000);
}

// ---- The tests ---------------------------------------------------------------------

test('card: only card holders see it, only staff and students the wallet', async (t) => {
  const page = await newPage(t);
  assert.equal(await page.getByTestId('card-block').isHidden(), true, 'a tourist has no card');
  assert.equal(await page.getByTestId('wallet-block').isHidden(), true, 'a tourist has no wallet');
  await signInAs(page, FAMILY);
  await page.getByTestId('card-block').waitFor({ state: 'visible' });
  assert.equal(await page.getByTestId('wallet-block').isHidden(), true, 'family carry a card but keep no money on it');
  await page.evaluate(() => { document.getElementById('account-block').open = true; });
  await page.getByTestId('logout').click();
  await page.waitForSelector('body[data-role="tourist"]');
  assert.equal(await page.getByTestId('card-block').isHidden(), true, 'signed out, the card is gone');
  await signInAs(page, ADMIN);
  assert.equal(await page.getByTestId('card-block').isHidden(), true, 'an admin account has no card');
  assert.equal(await page.getByTestId('wallet-block').isHidden(), true);
});

test('card: the QR code is the code the API answered, replaced before it expires, enlarged on tap', async (t) => {
  const page = await newPage(t, { viewport: { width: 390, height: 844 }, mobile: true });
  await signInAs(page, STUDENT);
  const first = page.waitForResponse(isCodeAnswer);
  await openBlock(page, 'card-block');
  const r1 = await first;
  const a = await r1.json();
  const t1 = Date.now();
  assert.equal(a.code.length, 120, 'a server code is 120 characters');
  assert.ok(a.refresh_after_s >= 1 && a.refresh_after_s <= 5, `refresh_after_s ${a.refresh_after_s}`);
  await page.waitForFunction((c) => document.querySelector('[data-testid="card-qr"]').dataset.code === c, a.code);
  assert.equal(await decodeQR(page.getByTestId('card-qr-canvas')), a.code, 'the QR code decodes to the code the API answered');

  // The next code comes by itself, before the first expires.
  const r2 = await page.waitForResponse(isCodeAnswer, { timeout: (a.refresh_after_s + 5) * 1000 });
  const t2 = Date.now();
  const b = await r2.json();
  assert.ok(t2 < Date.parse(a.expires_at), `the code was replaced ${t2 - Date.parse(a.expires_at)} ms after it expired`);
  assert.ok(t2 - t1 <= (a.refresh_after_s + 1.5) * 1000, `replaced after ${t2 - t1} ms, refresh_after_s was ${a.refresh_after_s}`);
  assert.notEqual(b.code, a.code);
  await page.waitForFunction((c) => document.querySelector('[data-testid="card-qr"]').dataset.code === c, b.code);
  assert.equal(await decodeQR(page.getByTestId('card-qr-canvas')), b.code, 'the new code is on the screen');

  // A tap enlarges it, with a fresh code.
  const fresh = page.waitForResponse(isCodeAnswer);
  await page.getByTestId('card-qr').tap();
  const c = await (await fresh).json();
  await page.getByTestId('card-zoom').waitFor({ state: 'visible' });
  await page.waitForFunction((c) => document.querySelector('[data-testid="card-qr"]').dataset.code === c, c.code);
  const big = await page.getByTestId('card-zoom-canvas').boundingBox();
  const small = await page.getByTestId('card-qr-canvas').boundingBox();
  assert.ok(big.width > small.width * 1.3, `enlarged: ${big.width} px against ${small.width} px`);
  assert.ok(big.width >= 300, `the enlarged code fills the phone: ${big.width} px`);
  assert.equal(await decodeQR(page.getByTestId('card-zoom-canvas')), c.code, 'the enlarged code is the fresh one');
  await page.getByTestId('card-zoom-close').tap();
  await page.getByTestId('card-zoom').waitFor({ state: 'hidden' });

  // Closed, the block stops asking for codes and shows none.
  await page.evaluate(() => { document.getElementById('card-block').open = false; });
  await page.waitForFunction(() => document.querySelector('[data-testid="card-qr"]').dataset.code === '');
  let asked = 0;
  page.on('response', (r) => { if (isCodeAnswer(r)) asked++; });
  await new Promise((r) => setTimeout(r, (a.refresh_after_s + 1) * 1000));
  assert.equal(asked, 0, 'no code is fetched while the card is out of sight');
});

test('card: the keyboard enlarges the code and reports the physical card lost, then found', async (t) => {
  const page = await newPage(t, { viewport: { width: 1440, height: 900 } });
  await signInAs(page, STUDENT);
  await openBlock(page, 'card-block');
  await page.waitForFunction(() => document.querySelector('[data-testid="card-qr"]').dataset.code !== '');
  await page.getByTestId('card-status').filter({ hasText: 'Valid' }).waitFor();

  await page.locator('#search-input').focus();
  await tabTo(page, '[data-testid="card-qr"]', 150);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused code shows its focus');
  await page.keyboard.press('Enter');
  await page.getByTestId('card-zoom').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'card-zoom-close');
  await page.keyboard.press('Escape');
  await page.getByTestId('card-zoom').waitFor({ state: 'hidden' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'card-qr', 'the focus comes back to the code');

  await tabTo(page, '[data-testid="card-lost"]', 10);
  await page.keyboard.press('Enter');
  await page.getByTestId('card-physical-status').filter({ hasText: 'Reported lost' }).waitFor();
  assert.equal((await call(STUDENT, 'GET', '/card')).physical.status, 'lost', 'the server holds the card lost');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'card-found');
  await page.keyboard.press('Enter');
  await page.getByTestId('card-physical-status').filter({ hasText: 'Valid' }).waitFor();
  assert.equal((await call(STUDENT, 'GET', '/card')).physical.status, 'valid', 'found, the server holds it valid');
  assert.equal(await page.getByTestId('card-lost').isVisible(), true);
});

test('card: a frozen card says so, and how to have it unfrozen (in Chinese)', async (t) => {
  const { card_id: id } = await call(FAMILY, 'GET', '/card');
  await call(ADMIN, 'POST', `/admin/cards/${id}/freeze`);
  t.after(() => call(ADMIN, 'POST', `/admin/cards/${id}/unfreeze`));
  const page = await newPage(t, { viewport: { width: 390, height: 844 }, mobile: true });
  await signInAs(page, FAMILY);
  await page.getByTestId('lang-toggle').tap();
  await openBlock(page, 'card-block');
  await page.getByTestId('card-status').filter({ hasText: '已冻结：由服务台冻结' }).waitFor();
  assert.equal(await page.getByTestId('card-status').getAttribute('data-status'), 'frozen');
  assert.equal(await page.getByTestId('card-frozen-hint').isVisible(), true);
  assert.match(await page.getByTestId('card-frozen-hint').textContent(), /报事报修/);
});

test('wallet: a top-up paid at the sandbox checkout raises the balance', async (t) => {
  const page = await newPage(t, { viewport: { width: 390, height: 844 }, mobile: true });
  await signInAs(page, STUDENT);
  await openBlock(page, 'wallet-block');
  await page.getByTestId('wallet-balance').filter({ hasText: '¥0.00' }).waitFor();

  // Out of bounds: the server's refusal, shown.
  await page.getByTestId('wallet-topup-amount').fill('0.5');
  await page.getByTestId('wallet-topup').tap();
  await page.getByTestId('wallet-error').waitFor({ state: 'visible' });
  const en = await page.getByTestId('wallet-error').textContent();
  assert.match(en, /amount_fen|yuan|fen/i, `the server's detail names the amount: ${en}`);
  await page.getByTestId('lang-toggle').tap();
  await page.getByTestId('wallet-topup').tap();
  await page.waitForFunction((en) => document.querySelector('[data-testid="wallet-error"]').textContent !== en, en);
  assert.match(await page.getByTestId('wallet-error').textContent(), /[\u4e00-\u9fff]/, 'in Chinese, the server\'s Chinese detail');
  await page.getByTestId('lang-toggle').tap();

  await page.getByTestId('wallet-topup-amount').fill('50');
  await page.getByTestId('wallet-topup-amount').press('Enter');
  const link = page.getByTestId('wallet-pay-link');
  await link.waitFor({ state: 'visible' });
  assert.match(await link.textContent(), /¥50\.00/);
  assert.match(await page.getByTestId('wallet-topup-status').textContent(), /Waiting/);
  const [checkout] = await Promise.all([page.context().waitForEvent('page'), link.tap()]);
  await checkout.waitForLoadState();
  assert.match(await checkout.locator('h1').textContent(), /¥50\.00/);
  await checkout.getByRole('button', { name: 'Pay' }).click();
  await checkout.waitForLoadState();
  await checkout.close();

  await page.getByTestId('wallet-balance').filter({ hasText: '¥50.00' }).waitFor({ timeout: 20000 });
  assert.match(await page.getByTestId('wallet-topup-status').textContent(), /Topped up ¥50\.00/);
  assert.equal(await link.isHidden(), true);
  assert.equal((await call(STUDENT, 'GET', '/wallet')).balance_fen, 5000, 'the server holds the new balance');
  const rec = page.getByTestId('wallet-record').first();
  assert.equal(await rec.getAttribute('data-kind'), 'topup');
  assert.equal(await rec.getByTestId('wallet-record-amount').textContent(), '+¥50.00');
});

test('wallet: password-free payments need a linked account, then toggle', async (t) => {
  const page = await newPage(t, { viewport: { width: 1440, height: 900 } });
  await signInAs(page, STUDENT);
  await openBlock(page, 'wallet-block');
  await page.getByTestId('wallet-linked').filter({ hasText: 'No external account' }).waitFor();

  await page.getByTestId('wallet-pf').click();
  await page.getByTestId('wallet-error').waitFor({ state: 'visible' });
  assert.match(await page.getByTestId('wallet-error').textContent(), /account/i, 'the server\'s detail');
  assert.equal(await page.getByTestId('wallet-pf').isChecked(), false);
  assert.equal((await call(STUDENT, 'GET', '/wallet')).password_free.enabled, false);

  await page.getByTestId('wallet-link').click();
  const sign = page.getByTestId('wallet-sign-link');
  await sign.waitFor({ state: 'visible' });
  const [checkout] = await Promise.all([page.context().waitForEvent('page'), sign.click()]);
  await checkout.waitForLoadState();
  await checkout.getByRole('button', { name: 'Pay' }).click();
  await checkout.waitForLoadState();
  await checkout.close();
  await page.getByTestId('wallet-linked').filter({ hasText: 'Linked account: sandbox' }).waitFor({ timeout: 20000 });

  await page.getByTestId('wallet-pf-limit').fill('80');
  await page.getByTestId('wallet-pf').focus();
  await page.keyboard.press('Space');
  await page.getByTestId('wallet-pf-hint').filter({ hasText: '¥80.00 a payment' }).waitFor();
  let w = await call(STUDENT, 'GET', '/wallet');
  assert.equal(w.password_free.enabled, true, 'on at the server');
  assert.equal(w.password_free.limit_fen, 8000);
  await page.keyboard.press('Space');
  await waitFor(async () => !(await call(STUDENT, 'GET', '/wallet')).password_free.enabled, 'password-free off at the server', 10000);
  assert.equal(await page.getByTestId('wallet-pf').isChecked(), false);
  w = await call(STUDENT, 'GET', '/wallet');
  assert.equal(w.password_free.enabled, false);
});

test('wallet: a bill is paid from the wallet; a till\'s payment names its place', async (t) => {
  await issueBill(STUDENT, 'D1-302', 3120);
  // A till charges the card with its code, as at a canteen.
  const till = JSON.parse(run(join(tmp, 'campus'), ['readers', 'list', '--kind', 'pos']))[0];
  const { token } = JSON.parse(run(join(tmp, 'campus'), ['readers', 'token', till.id, '--data-dir', join(tmp, 'data')]));
  const { code } = await call(STUDENT, 'GET', '/card/code');
  const r = await fetch(api + '/api/v1/pos/charge', {
    method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json', 'Idempotency-Key': 'e2e-till-1' },
    body: JSON.stringify({ reader: till.id, code, amount_fen: 350, description: 'coffee' }),
  });
  assert.equal(r.status, 200, await r.clone().text());
  const recs = await call(STUDENT, 'GET', '/wallet/transactions?lang=en');
  const paid = recs.items.find((x) => x.kind === 'payment');
  assert.ok(paid && paid.place, `the payment has a place: ${JSON.stringify(paid)}`);

  const page = await newPage(t, { viewport: { width: 390, height: 844 }, mobile: true });
  await signInAs(page, STUDENT);
  await openBlock(page, 'wallet-block');
  await page.getByTestId('wallet-balance').filter({ hasText: '¥46.50' }).waitFor();
  const payment = page.locator('[data-testid="wallet-record"][data-kind="payment"]');
  assert.match(await payment.getByTestId('wallet-record-place').textContent(), new RegExp(paid.place.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(await payment.getByTestId('wallet-record-amount').textContent(), '−¥3.50');

  const bill = page.getByTestId('wallet-bill').first();
  assert.equal(await bill.getAttribute('data-status'), 'unpaid');
  const pay = bill.getByTestId('wallet-bill-pay');
  assert.ok((await pay.boundingBox()).height >= 44, 'a big enough button');
  await pay.tap();
  await page.locator('[data-testid="wallet-bill"][data-status="paid"]').waitFor();
  await page.getByTestId('wallet-balance').filter({ hasText: '¥15.30' }).waitFor();
  const bills = await call(STUDENT, 'GET', '/bills');
  assert.equal(bills.items[0].status, 'paid', 'the server holds the bill paid');
  assert.equal(bills.items[0].paid_source, 'wallet');
  assert.equal((await call(STUDENT, 'GET', '/wallet')).balance_fen, 1530);
  assert.equal(await page.locator('[data-testid="wallet-record"][data-kind="bill"] [data-testid="wallet-record-amount"]').textContent(), '−¥31.20');
});

test('card: looks as approved, is accessible', async (t) => {
  // SHOWN's wallet: ¥100 topped up, one bill paid, one not.
  if ((await call(SHOWN, 'GET', '/wallet')).balance_fen === 0) {
    await topUpByAPI(SHOWN, 10000);
    const issued = await issueBill(SHOWN, 'D1-302', 3120);
    await call(SHOWN, 'POST', `/bills/${issued.items[0].id}/pay`, { source: 'wallet' }, { 'Idempotency-Key': 'e2e-shown-bill' });
    await issueBill(SHOWN, 'D1-303', 2480);
  }
  for (const sz of SIZES) {
    await t.test(sz.name, async (t) => {
      const page = await newPage(t, { viewport: sz.viewport, mobile: sz.mobile });
      await signInAs(page, SHOWN);
      await openBlock(page, 'card-block');
      await page.waitForFunction(() => document.querySelector('[data-testid="card-qr"]').dataset.code !== '');
      await page.getByTestId('card-status').filter({ hasText: 'Valid' }).waitFor();
      const targets = await page.$$eval('#card-block button, #card-block summary', (bs) => bs.filter((b) => b.offsetParent).map((b) => [b.dataset.testid || b.tagName, b.getBoundingClientRect().height]));
      for (const [what, h] of targets) assert.ok(h >= 44, `${what}: ${h} px tall`);
      await axe(page, `${sz.name}: the card`);
      await looksApproved(page, `card-${sz.name}-card`, { mask: [page.getByTestId('card-qr-canvas'), page.getByTestId('card-number')] });

      await page.getByTestId('card-qr').click();
      await page.getByTestId('card-zoom').waitFor({ state: 'visible' });
      await axe(page, `${sz.name}: the enlarged code`);
      await page.getByTestId('card-zoom-close').click();

      // The wallet, in Chinese.
      await page.evaluate(() => { document.getElementById('card-block').open = false; });
      await page.getByTestId('lang-toggle').click();
      await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
      await openBlock(page, 'wallet-block');
      await page.getByTestId('wallet-balance').filter({ hasText: '¥68.80' }).waitFor();
      await page.locator('[data-testid="wallet-bill"][data-status="unpaid"]').waitFor();
      assert.match(await page.getByTestId('wallet-block').locator('summary').textContent(), /钱包/);
      assert.match(await page.locator('[data-testid="wallet-bill"][data-status="unpaid"] [data-testid="wallet-bill-status"]').textContent(), /未缴/);
      const small = await page.$$eval('#wallet-block button, #wallet-block a.button, #wallet-block input:not([type="checkbox"]), #wallet-block label.switch', (bs) => bs.filter((b) => b.offsetParent).map((b) => [b.dataset.testid || b.tagName, b.getBoundingClientRect().height]).filter(([, h]) => h < 44));
      assert.deepEqual(small, [], 'every control of the wallet is at least 44 px tall');
      await axe(page, `${sz.name}: the wallet, in Chinese`);
      await looksApproved(page, `card-${sz.name}-wallet-zh`, { mask: [page.getByTestId('wallet-record-time')] });
    });
  }
});
