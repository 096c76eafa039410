// The campus card screen: the card's QR code, drawn here from the code
// GET /card/code answers (a server-signed, single-use code, byte mode) and
// fetched again before it expires and after refresh_after_s; tapped, it is
// shown large (and fresh). Below it the card's status and the physical
// card's, which its holder reports lost and found. Staff, students and
// family carry a card (services/access HasCard); others do not see this.
import qrcode from '/assets/qrcode-generator.mjs';

const HOLDERS = new Set(['staff', 'student', 'family']);

const TEXT = {
  en: {
    card: {
      title: 'Campus card', qrAria: 'Your campus card code: tap to enlarge', qrHint: 'Hold the code to the reader. Tap it to enlarge it and get a new one; it changes by itself every few seconds, and each code opens once.',
      noCapture: 'Do not screenshot, record or forward the code: a captured code freezes the card.',
      status: 'Card', physical: 'Physical card', valid: 'Valid', frozen: 'Frozen: {reason}', lost: 'Reported lost: it opens and pays for nothing',
      reasons: { replayed: 'a code was used twice', impossible_travel: 'used in two places too far apart', screen_capture: 'the code was captured', admin: 'by the service desk' },
      frozenHint: 'A frozen card opens nothing. To unfreeze it, report it (Repairs: IT, campus card) or call the IT service line 020-88330101.',
      reportLost: 'Report the physical card lost', reportFound: 'Found it: use the physical card again',
      reportedLost: 'The physical card is reported lost.', reportedFound: 'The physical card works again.',
      close: 'Close', zoomTitle: 'Campus card code', loading: 'Getting a code…',
    },
  },
  zh: {
    card: {
      title: '校园卡', qrAria: '校园卡二维码：点击放大', qrHint: '将二维码靠近读卡器。点击可放大并刷新；二维码每隔几秒自动更新，每个只能使用一次。',
      noCapture: '请勿截屏、录屏或转发二维码，否则校园卡会被冻结。',
      status: '校园卡', physical: '实体卡', valid: '有效', frozen: '已冻结：{reason}', lost: '已挂失（无效）：不能开门或支付',
      reasons: { replayed: '二维码被重复使用', impossible_travel: '短时间内在相距过远的两处使用', screen_capture: '二维码被截屏或录屏', admin: '由服务台冻结' },
      frozenHint: '冻结的校园卡无法使用。如需解冻，请在“报事报修-IT-校园卡”中提单，或致电 IT 服务热线 020-88330101。',
      reportLost: '挂失实体卡', reportFound: '解挂：恢复使用实体卡',
      reportedLost: '实体卡已挂失。', reportedFound: '实体卡已解挂。',
      close: '关闭', zoomTitle: '校园卡二维码', loading: '正在获取二维码…',
    },
  },
};

let page;
let ui; // the block's elements
let card = null; // GET /card
let code = null; // GET /card/code, with when it came
let timer = null;
let lastFocus = null;
let fetched = 0; // codes fetched: the card's status is read again every CARD_EVERY
const CARD_EVERY = 6;

export async function mount(p) {
  page = p;
  page.addText(TEXT);
  ui = build();
  page.panelBlock(ui.block);
  document.body.append(ui.zoom);
  page.onRole(onRole);
  page.onLang(renderCard);
  document.addEventListener('visibilitychange', schedule);
}

function build() {
  const { el } = page;
  const qrCanvas = el('canvas', { class: 'card-qr-canvas', 'data-testid': 'card-qr-canvas' });
  const qr = el('button', { type: 'button', class: 'card-qr', 'data-testid': 'card-qr', 'aria-describedby': 'card-qr-hint', onclick: openZoom }, qrCanvas,
    el('span', { class: 'card-qr-wait', 'data-i18n': 'card.loading' }));
  const status = el('dd', { 'data-testid': 'card-status' });
  const number = el('span', { class: 'card-number', 'data-testid': 'card-number' });
  const physical = el('span', { 'data-testid': 'card-physical-status' });
  const frozenHint = el('p', { class: 'hint card-frozen', 'data-testid': 'card-frozen-hint', 'data-i18n': 'card.frozenHint', hidden: true });
  const lost = el('button', { type: 'button', class: 'svc-action', 'data-testid': 'card-lost', 'data-i18n': 'card.reportLost', onclick: () => physicalCard(true) });
  const found = el('button', { type: 'button', class: 'svc-action primary', 'data-testid': 'card-found', 'data-i18n': 'card.reportFound', hidden: true, onclick: () => physicalCard(false) });
  const error = el('p', { class: 'error', 'data-testid': 'card-error', role: 'alert', hidden: true });
  const block = el('details', { class: 'block svc', id: 'card-block', 'data-testid': 'card-block', hidden: true },
    el('summary', { 'data-i18n': 'card.title' }),
    el('div', { class: 'card-qr-wrap' }, qr),
    el('p', { class: 'hint', id: 'card-qr-hint', 'data-i18n': 'card.qrHint' }),
    el('p', { class: 'hint card-warn', 'data-i18n': 'card.noCapture' }),
    el('dl', { class: 'card-facts' },
      el('dt', { 'data-i18n': 'card.status' }), status,
      el('dt', { 'data-i18n': 'card.physical' }), el('dd', {}, number, ' ', physical)),
    frozenHint, lost, found, error);
  block.addEventListener('toggle', () => {
    if (block.open) loadCard();
    schedule();
  });

  const zoomCanvas = el('canvas', { class: 'card-zoom-canvas', 'data-testid': 'card-zoom-canvas' });
  const close = el('button', { type: 'button', class: 'svc-action', 'data-testid': 'card-zoom-close', 'data-i18n': 'card.close', onclick: closeZoom });
  const zoom = el('div', { class: 'card-zoom', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'card-zoom-h', 'data-testid': 'card-zoom', hidden: true },
    el('h2', { id: 'card-zoom-h', class: 'sr-only', 'data-i18n': 'card.zoomTitle' }),
    el('div', { class: 'card-zoom-body', onclick: (ev) => ev.stopPropagation() }, zoomCanvas, close));
  zoom.addEventListener('click', closeZoom); // a tap beside the code
  zoom.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') closeZoom();
    if (ev.key === 'Tab') { ev.preventDefault(); close.focus(); } // the dialog's one control keeps the focus
  });
  return { block, qr, qrCanvas, status, number, physical, frozenHint, lost, found, error, zoom, zoomCanvas, close };
}

function onRole(role) {
  const mine = HOLDERS.has(role);
  ui.block.hidden = !mine;
  if (!mine) {
    ui.block.open = false;
    card = null;
    code = null;
    closeZoom();
    draw();
  }
  schedule();
}

// active: the code is on the screen, so it is kept fresh.
function active() {
  return !ui.block.hidden && (ui.block.open || !ui.zoom.hidden) && document.visibilityState !== 'hidden' && HOLDERS.has(page.state.role);
}

// schedule fetches a code now if the one shown is gone, else when it is
// due: after refresh_after_s, and at least a second before it expires.
function schedule() {
  clearTimeout(timer);
  timer = null;
  if (!active()) {
    if (code) {
      code = null; // never show an old code when the block opens again
      draw();
    }
    return;
  }
  const due = code ? Math.min(code.at + code.refresh_after_s * 1000, Date.parse(code.expires_at) - 1000) - Date.now() : 0;
  timer = setTimeout(fetchCode, Math.max(due, 0));
}

async function fetchCode() {
  timer = null;
  try {
    const c = await page.api('/card/code');
    code = { ...c, at: Date.now() };
    hideError();
    if (++fetched % CARD_EVERY === 0) loadCard(); // a freeze shows within half a minute
  } catch (e) {
    code = null;
    showError(e);
  }
  draw();
  if (!code) {
    clearTimeout(timer);
    if (active()) timer = setTimeout(fetchCode, 5000);
    return;
  }
  schedule();
}

// draw paints the code as a QR code (byte mode, error correction M, a
// quiet zone of 4 modules) on the block's canvas and the enlarged one.
function draw() {
  ui.qr.classList.toggle('waiting', !code);
  ui.qr.dataset.code = code ? code.code : '';
  paint(ui.qrCanvas, 200);
  paint(ui.zoomCanvas, Math.min(window.innerWidth * 0.9, window.innerHeight * 0.7, 480));
}

function paint(canvas, cssSize) {
  const ctx = canvas.getContext('2d');
  if (!code) {
    canvas.width = canvas.height = 1;
    ctx.clearRect(0, 0, 1, 1);
    return;
  }
  const qr = qrcode(0, 'M');
  qr.addData(code.code, 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const dpr = window.devicePixelRatio || 1;
  const cell = Math.max(2, Math.floor((cssSize * dpr) / (n + 8)));
  const size = cell * (n + 8);
  canvas.width = canvas.height = size;
  canvas.style.width = canvas.style.height = `${size / dpr}px`;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size, size);
  ctx.fillStyle = '#000';
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) ctx.fillRect((c + 4) * cell, (r + 4) * cell, cell, cell);
  }
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', page.t('card.zoomTitle'));
}

// openZoom shows the code large, and a fresh one (as the mini program's
// card does: a tap enlarges and refreshes).
function openZoom() {
  lastFocus = document.activeElement;
  ui.zoom.hidden = false;
  ui.close.focus();
  clearTimeout(timer);
  fetchCode();
}

function closeZoom() {
  if (ui.zoom.hidden) return;
  ui.zoom.hidden = true;
  if (lastFocus && document.contains(lastFocus)) lastFocus.focus();
  schedule();
}

async function loadCard() {
  try {
    card = await page.api('/card');
    hideError();
  } catch (e) {
    showError(e);
  }
  renderCard();
}

function renderCard() {
  if (!ui || !card) return;
  const { t } = page;
  const frozen = card.status === 'frozen';
  ui.status.textContent = frozen ? t('card.frozen', { reason: t('card.reasons.' + card.frozen_reason) }) : t('card.valid');
  ui.status.dataset.status = card.status;
  ui.frozenHint.hidden = !frozen;
  const lost = card.physical && card.physical.status === 'lost';
  ui.number.textContent = card.physical ? `№ ${card.physical.number}` : '';
  ui.physical.textContent = lost ? t('card.lost') : t('card.valid');
  ui.physical.dataset.status = lost ? 'lost' : 'valid';
  ui.lost.hidden = lost;
  ui.found.hidden = !lost;
  if (code) paint(ui.qrCanvas, 200); // its label's language
}

async function physicalCard(lost) {
  const button = lost ? ui.lost : ui.found;
  button.disabled = true;
  try {
    card = await page.api(lost ? '/card/physical/lost' : '/card/physical/found', { method: 'POST' });
    hideError();
    renderCard();
    page.showStatus(page.t(lost ? 'card.reportedLost' : 'card.reportedFound'));
    (lost ? ui.found : ui.lost).focus();
  } catch (e) {
    showError(e);
  } finally {
    button.disabled = false;
  }
}

function showError(e) {
  ui.error.textContent = e.message;
  ui.error.hidden = false;
}

function hideError() {
  ui.error.hidden = true;
}
