// The wallet screen: the card's balance and records (each payment with the
// place of its till), a top-up through the payment provider (its checkout
// opens in a new tab; this page polls the top-up until the provider's
// notification settles it, and shows the new balance), password-free
// payments on and off (on needs an external account linked at the
// provider), and the dormitory's bills, paid here. Staff and students keep
// money on the card (the tills take them); others do not see this.
// Every request that moves money carries an Idempotency-Key, one per thing
// the person asked for, so a retry never pays twice.

const PAYERS = new Set(['staff', 'student']);
const PROVIDER = 'sandbox';
const POLL_MS = 1500;
const POLL_FOR_MS = 15 * 60 * 1000;
const PENDING = 'campus.wallet.topup'; // sessionStorage: a top-up being paid, across a reload

const TEXT = {
  en: {
    wallet: {
      title: 'Wallet', balance: 'Balance', topUp: 'Top up', amount: 'Amount (yuan, 1 to 1,000)', pay: 'Pay {amount} at the provider',
      waiting: 'Waiting for the payment of {amount}. Pay in the tab that opened; this page updates itself.', toppedUp: 'Topped up {amount}.',
      failed: 'The payment of {amount} failed; nothing was charged.',
      passwordFree: 'Password-free payments', pfHint: 'When the balance is short, tills charge your linked account, up to {limit} a payment and {daily} a day.',
      pfLimit: 'Limit a payment (yuan, at most 200)', pfOn: 'Password-free payments are on.', pfOff: 'Password-free payments are off.',
      linked: 'Linked account: {provider}', notLinked: 'No external account linked.', link: 'Link an external account',
      sign: 'Authorise at the provider', linking: 'Waiting for the provider to confirm the link…', linkedNow: 'Your external account is linked.',
      records: 'Records', noRecords: 'No records yet.', more: 'More',
      kinds: { topup: 'Top-up', payment: 'Payment', bill: 'Bill', refund: 'Refund' }, external: 'linked account', via: ' ({source})',
      bills: 'Bills', noBills: 'No bills.', billName: '{room} · {period}', billUse: 'Water {water} m³ · electricity {power} kWh',
      unpaid: 'Unpaid', paid: 'Paid', payBill: 'Pay {amount}', payExternal: 'Pay from the linked account', billPaid: 'Bill {room} {period} paid.',
    },
  },
  zh: {
    wallet: {
      title: '钱包', balance: '余额', topUp: '充值', amount: '金额（元，1 至 1000）', pay: '前往支付机构支付 {amount}',
      waiting: '等待支付 {amount}。请在新打开的页面中完成支付，本页会自动更新。', toppedUp: '已充值 {amount}。',
      failed: '{amount} 支付未成功，未扣款。',
      passwordFree: '小额免密支付', pfHint: '余额不足时，收银台从绑定账户扣款：每笔最多 {limit}，每天最多 {daily}。',
      pfLimit: '每笔限额（元，最多 200）', pfOn: '小额免密支付已开通。', pfOff: '小额免密支付已关闭。',
      linked: '已绑定账户：{provider}', notLinked: '尚未绑定外部账户。', link: '绑定外部账户',
      sign: '前往支付机构授权', linking: '等待支付机构确认绑定…', linkedNow: '外部账户已绑定。',
      records: '消费记录', noRecords: '暂无记录。', more: '更多',
      kinds: { topup: '充值', payment: '消费', bill: '缴费', refund: '退款' }, external: '绑定账户', via: '（{source}）',
      bills: '账单', noBills: '暂无账单。', billName: '{room} · {period}', billUse: '用水 {water} 立方米 · 用电 {power} 千瓦时',
      unpaid: '未缴', paid: '已缴', payBill: '缴费 {amount}', payExternal: '从绑定账户缴费', billPaid: '{room} {period} 账单已缴。',
    },
  },
};

let page;
let ui;
let wallet = null; // GET /wallet
let records = [];
let recordsNext = null;
let bills = [];
let poll = null; // the timer polling a top-up or a link
let topupKey = null; // the Idempotency-Key of the top-up being asked for

export async function mount(p) {
  page = p;
  page.addText(TEXT);
  ui = build();
  page.panelBlock(ui.block);
  page.onRole(onRole);
  page.onLang(() => { if (mine()) render(); });
  // Back from the provider's tab: look again at once.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && mine() && pending()) checkTopUp();
  });
}

const mine = () => PAYERS.has(page.state.role);

// yuan formats fen as people read money: ¥12.34; signed: +¥50.00, −¥3.50.
export function yuan(fen, signed = false) {
  const s = `¥${(Math.abs(fen) / 100).toFixed(2)}`;
  if (fen < 0) return '−' + s;
  return signed && fen > 0 ? '+' + s : s;
}

function build() {
  const { el } = page;
  const i = (key, attrs = {}) => ({ 'data-i18n': key, ...attrs });
  const balance = el('strong', { class: 'wallet-balance', 'data-testid': 'wallet-balance', tabindex: '-1' });
  const amount = el('input', { id: 'wallet-amount', type: 'number', inputmode: 'decimal', step: 'any', value: '50', 'data-testid': 'wallet-topup-amount' });
  const topupForm = el('form', { class: 'stack', 'data-testid': 'wallet-topup-form', autocomplete: 'off', novalidate: true },
    el('label', { for: 'wallet-amount' }, el('span', i('wallet.amount'))),
    el('div', { class: 'row' }, amount, el('button', i('wallet.topUp', { type: 'submit', class: 'primary svc-action', 'data-testid': 'wallet-topup' }))));
  topupForm.addEventListener('submit', (ev) => { ev.preventDefault(); topUp(); });
  const payLink = el('a', { class: 'button primary svc-action', target: '_blank', rel: 'noopener', 'data-testid': 'wallet-pay-link', hidden: true });
  const topupStatus = el('p', { class: 'hint', 'data-testid': 'wallet-topup-status', 'aria-live': 'polite' });

  const pf = el('input', { id: 'wallet-pf', type: 'checkbox', role: 'switch', 'data-testid': 'wallet-pf' });
  pf.addEventListener('change', () => setPasswordFree(pf.checked));
  const pfLimit = el('input', { id: 'wallet-pf-limit', type: 'number', inputmode: 'decimal', step: 'any', value: '50', 'data-testid': 'wallet-pf-limit' });
  const pfHint = el('p', { class: 'hint', 'data-testid': 'wallet-pf-hint' });
  const linked = el('p', { class: 'hint', 'data-testid': 'wallet-linked' });
  const link = el('button', i('wallet.link', { type: 'button', class: 'svc-action', 'data-testid': 'wallet-link', onclick: linkAccount }));
  const signLink = el('a', i('wallet.sign', { class: 'button primary svc-action', target: '_blank', rel: 'noopener', 'data-testid': 'wallet-sign-link', hidden: true }));

  const recordList = el('ul', { class: 'results wallet-list', 'data-testid': 'wallet-records' });
  const more = el('button', i('wallet.more', { type: 'button', class: 'svc-action', 'data-testid': 'wallet-more', hidden: true, onclick: () => loadRecords(true) }));
  const billList = el('ul', { class: 'results wallet-list', 'data-testid': 'wallet-bills' });
  const error = el('p', { class: 'error', 'data-testid': 'wallet-error', role: 'alert', hidden: true });

  const block = el('details', { class: 'block svc', id: 'wallet-block', 'data-testid': 'wallet-block', hidden: true },
    el('summary', i('wallet.title')),
    el('p', { class: 'wallet-head' }, el('span', i('wallet.balance')), ' ', balance),
    topupForm, payLink, topupStatus, error,
    el('div', { class: 'stack svc-group' },
      el('label', { class: 'switch', for: 'wallet-pf' }, pf, el('span', i('wallet.passwordFree'))),
      el('label', { for: 'wallet-pf-limit' }, el('span', i('wallet.pfLimit'))), pfLimit),
    pfHint, linked, link, signLink,
    el('h3', i('wallet.records', { class: 'svc-h' })), recordList, more,
    el('h3', i('wallet.bills', { class: 'svc-h' })), billList);
  block.addEventListener('toggle', () => { if (block.open) load(); });
  return { block, balance, amount, payLink, topupStatus, pf, pfLimit, pfHint, linked, link, signLink, recordList, more, billList, error };
}

function onRole() {
  ui.block.hidden = !mine();
  if (!mine()) {
    ui.block.open = false;
    wallet = null;
    records = [];
    bills = [];
    stopPoll();
    return;
  }
  if (pending()) {
    ui.block.open = true; // back from a checkout that replaced this page
    checkTopUp();
  }
}

async function load() {
  await Promise.all([loadWallet(), loadRecords(false), loadBills()]);
}

async function loadWallet() {
  try {
    wallet = await page.api('/wallet');
  } catch (e) {
    showError(e);
  }
  render();
}

async function loadRecords(more) {
  try {
    const r = await page.api('/wallet/transactions?' + page.qs({ limit: 20, lang: page.state.lang, cursor: more ? recordsNext : null }));
    records = more ? records.concat(r.items) : r.items;
    recordsNext = r.next;
  } catch (e) {
    showError(e);
  }
  renderRecords();
}

async function loadBills() {
  try {
    bills = (await page.api('/bills?limit=50')).items;
  } catch (e) {
    showError(e);
  }
  renderBills();
}

function render() {
  if (!wallet) return;
  const { t } = page;
  ui.balance.textContent = yuan(wallet.balance_fen);
  const p = wallet.password_free;
  ui.pf.checked = p.enabled;
  if (p.enabled) ui.pfLimit.value = (p.limit_fen / 100).toFixed(2);
  ui.pfHint.textContent = t('wallet.pfHint', { limit: yuan(p.enabled ? p.limit_fen : Math.round(Number(ui.pfLimit.value) * 100) || 0), daily: yuan(p.daily_limit_fen) });
  ui.linked.textContent = p.provider ? t('wallet.linked', { provider: p.provider }) : t('wallet.notLinked');
  ui.link.hidden = !!p.provider;
  if (p.provider) ui.signLink.hidden = true;
  renderRecords();
  renderBills();
}

function when(iso) {
  return new Intl.DateTimeFormat(page.state.lang === 'zh' ? 'zh-CN' : 'en-GB', { timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

function renderRecords() {
  const { el, t } = page;
  ui.recordList.replaceChildren(...(records.length ? records.map((r) => {
    const what = [r.merchant, r.place].filter(Boolean).join(' · ');
    return el('li', { 'data-testid': 'wallet-record', dataset: { kind: r.kind } },
      el('span', { class: 'grow' },
        el('span', { class: 'name' }, t('wallet.kinds.' + r.kind) + (r.source === 'external' && r.kind !== 'topup' ? t('wallet.via', { source: t('wallet.external') }) : '')),
        what ? el('span', { class: 'meta', 'data-testid': 'wallet-record-place' }, what) : null,
        el('span', { class: 'meta wallet-when', 'data-testid': 'wallet-record-time' }, when(r.t))),
      el('span', { class: 'amount' + (r.amount_fen > 0 ? ' in' : ''), 'data-testid': 'wallet-record-amount' }, yuan(r.amount_fen, true)));
  }) : [el('li', { class: 'empty' }, t('wallet.noRecords'))]));
  ui.more.hidden = !recordsNext;
}

function renderBills() {
  const { el, t } = page;
  const linked = wallet && wallet.password_free.provider;
  ui.billList.replaceChildren(...(bills.length ? bills.map((b) => {
    const paid = b.status === 'paid';
    const name = t('wallet.billName', { room: b.room, period: b.period });
    return el('li', { 'data-testid': 'wallet-bill', dataset: { status: b.status, id: String(b.id) } },
      el('span', { class: 'grow' },
        el('span', { class: 'name' }, name),
        el('span', { class: 'meta' }, t('wallet.billUse', { water: b.water_m3.used, power: b.electricity_kwh.used })),
        el('span', { class: 'meta', 'data-testid': 'wallet-bill-status' }, `${yuan(b.amount_fen)} · ${t(paid ? 'wallet.paid' : 'wallet.unpaid')}`),
        paid ? null : el('span', { class: 'row wrap' },
          el('button', { type: 'button', class: 'primary svc-action', 'data-testid': 'wallet-bill-pay', 'aria-label': `${t('wallet.payBill', { amount: yuan(b.amount_fen) })}: ${name}`, onclick: (ev) => payBill(b, 'wallet', ev.currentTarget) }, t('wallet.payBill', { amount: yuan(b.amount_fen) })),
          linked ? el('button', { type: 'button', class: 'svc-action', 'data-testid': 'wallet-bill-pay-external', 'aria-label': `${t('wallet.payExternal')}: ${name}`, onclick: (ev) => payBill(b, 'external', ev.currentTarget) }, t('wallet.payExternal')) : null)));
  }) : [el('li', { class: 'empty' }, t('wallet.noBills'))]));
}

// ---- Top-ups ----------------------------------------------------------------

function pending() {
  try {
    const p = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
    return p && p.email === page.state.email ? p : null;
  } catch {
    return null;
  }
}

async function topUp() {
  hideError();
  // The server says what is wrong with an amount, in the page's language.
  const fen = Math.round(Number(ui.amount.value) * 100) || 0;
  topupKey = topupKey && topupKey.fen === fen ? topupKey : { fen, key: crypto.randomUUID() };
  try {
    const r = await page.api('/wallet/topups', { method: 'POST', body: { amount_fen: fen, provider: PROVIDER }, headers: { 'Idempotency-Key': topupKey.key } });
    topupKey = null;
    sessionStorage.setItem(PENDING, JSON.stringify({ id: r.topup_id, fen, url: r.pay_url, email: page.state.email }));
    showPending();
    ui.payLink.focus();
    startPoll(checkTopUp);
  } catch (e) {
    if (e.status && e.status < 500) topupKey = null; // refused: a new attempt is a new top-up
    showError(e);
  }
}

function showPending() {
  const p = pending();
  if (!p) return;
  ui.payLink.href = p.url;
  ui.payLink.textContent = page.t('wallet.pay', { amount: yuan(p.fen) });
  ui.payLink.hidden = false;
  ui.topupStatus.textContent = page.t('wallet.waiting', { amount: yuan(p.fen) });
}

async function checkTopUp() {
  const p = pending();
  if (!p) return stopPoll();
  showPending();
  let s;
  try {
    s = await page.api('/wallet/topups/' + encodeURIComponent(p.id));
  } catch (e) {
    if (e.status === 404 || e.status === 403) sessionStorage.removeItem(PENDING);
    showError(e);
    return stopPoll();
  }
  if (s.status === 'pending') {
    if (!poll) startPoll(checkTopUp);
    return;
  }
  stopPoll();
  sessionStorage.removeItem(PENDING);
  ui.payLink.hidden = true;
  ui.topupStatus.textContent = page.t(s.status === 'succeeded' ? 'wallet.toppedUp' : 'wallet.failed', { amount: yuan(p.fen) });
  await load();
}

// startPoll calls f every POLL_MS for at most POLL_FOR_MS (a checkout left
// unpaid is looked at again when the page is shown again, not forever).
function startPoll(f) {
  stopPoll();
  const end = Date.now() + POLL_FOR_MS;
  poll = setInterval(() => (Date.now() > end ? stopPoll() : f()), POLL_MS);
}

function stopPoll() {
  clearInterval(poll);
  poll = null;
}

// ---- Password-free payments and the linked account ---------------------------

async function setPasswordFree(on) {
  hideError();
  const fen = Math.round(Number(ui.pfLimit.value) * 100);
  try {
    wallet = await page.api('/wallet/password-free', { method: 'PUT', body: { enabled: on, limit_fen: on ? fen : 0 } });
    page.showStatus(page.t(on ? 'wallet.pfOn' : 'wallet.pfOff'));
  } catch (e) {
    showError(e);
    if (e.problem && /no_external_account/.test(JSON.stringify(e.problem))) ui.link.focus();
  }
  render();
}

async function linkAccount() {
  hideError();
  try {
    const m = await page.api('/wallet/external-account', { method: 'POST', body: { provider: PROVIDER }, headers: { 'Idempotency-Key': crypto.randomUUID() } });
    ui.signLink.href = m.sign_url;
    ui.signLink.hidden = false;
    ui.linked.textContent = page.t('wallet.linking');
    ui.signLink.focus();
    startPoll(async () => {
      try {
        const w = await page.api('/wallet');
        if (w.password_free.provider) {
          stopPoll();
          wallet = w;
          render();
          page.showStatus(page.t('wallet.linkedNow'));
        }
      } catch (e) {
        stopPoll();
        showError(e);
      }
    });
  } catch (e) {
    showError(e);
  }
}

// ---- Bills --------------------------------------------------------------------

async function payBill(b, source, button) {
  hideError();
  button.disabled = true;
  try {
    await page.api(`/bills/${b.id}/pay`, { method: 'POST', body: { source }, headers: { 'Idempotency-Key': `bill-${b.id}-${crypto.randomUUID()}` } });
    page.showStatus(page.t('wallet.billPaid', { room: b.room, period: b.period }));
    await load();
    ui.balance.focus();
  } catch (e) {
    button.disabled = false;
    showError(e);
  }
}

function showError(e) {
  ui.error.textContent = e.message;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
}
