// The repairs screen: report a fault where I am (POST /repairs/locate with
// the demo position's last scans, or the page's origin as a point: the room
// it places me in and the rooms around, to pick from), its category from
// the server's tree, a description and photos (JPEG or PNG, each at most
// 5 MB, 6 a ticket); my tickets with their progress, and reopening and
// rating a completed one.
import { newKey } from '/assets/rooms.js';

const TEXT = {
  en: {
    repairs: {
      title: 'Report a repair', signIn: 'Sign in to report a fault and follow your tickets.', where: 'Where',
      locate: 'Locate me', locating: 'Locating…', located: 'Located from {how}', fromScans: 'your position (beacons)', fromPoint: 'the map centre, {floor}',
      pick: 'The room', noRoom: 'No room found here: the report keeps the point.', category: 'What is wrong', choose: 'Choose…',
      description: 'Describe the fault', photos: 'Photos (JPEG or PNG, up to 5 MB each, 6 at most)', send: 'Send the report',
      sent: 'Reported: {number}', photoSent: '{n} photo(s) added', photoFailed: 'Photo {name}: {reason}', tooBig: 'larger than 5 MB', tooMany: 'at most 6 photos',
      mine: 'My tickets', none: 'No tickets yet.', details: 'Details', photoCount: '{n} photo(s)', reopen: 'Reopen', reason: 'Why is it not fixed?',
      rate: 'Rate', stars: 'Stars', comment: 'Comment (optional)', rated: 'Rated {n} ★', reopened: 'Reopened: {number}', needWhere: 'Locate yourself first, or pick a room.',
      needCategory: 'Choose what is wrong.', history: 'History',
      status: { submitted: 'Submitted', dispatched: 'Dispatched', in_progress: 'In progress', on_hold: 'On hold', completed: 'Completed', closed: 'Closed' },
    },
  },
  zh: {
    repairs: {
      title: '报修', signIn: '登录后可报修并跟进工单。', where: '位置',
      locate: '定位', locating: '定位中…', located: '根据{how}定位', fromScans: '您的位置（蓝牙信标）', fromPoint: '地图中心（{floor}）',
      pick: '房间', noRoom: '此处没有房间：报修将记录该位置。', category: '故障类别', choose: '请选择…',
      description: '故障描述', photos: '照片（JPEG 或 PNG，每张不超过 5 MB，最多 6 张）', send: '提交报修',
      sent: '已报修：{number}', photoSent: '已添加 {n} 张照片', photoFailed: '照片 {name}：{reason}', tooBig: '超过 5 MB', tooMany: '最多 6 张照片',
      mine: '我的工单', none: '还没有工单。', details: '详情', photoCount: '{n} 张照片', reopen: '重新打开', reason: '哪里还没修好？',
      rate: '评价', stars: '星级', comment: '评语（可选）', rated: '已评价 {n} ★', reopened: '已重新打开：{number}', needWhere: '请先定位，或选择房间。',
      needCategory: '请选择故障类别。', history: '处理记录',
      status: { submitted: '已提交', dispatched: '已派单', in_progress: '处理中', on_hold: '暂停', completed: '已完成', closed: '已关闭' },
    },
  },
};

const STEPS = ['submitted', 'dispatched', 'in_progress', 'completed', 'closed'];
const MAX_PHOTO = 5 * 1024 * 1024;
const MAX_PHOTOS = 6;

let P = null;
let located = null; // the last answer of /repairs/locate
let categories = []; // the tree
let tickets = [];
const open = new Set(); // tickets whose details are shown
const details = new Map(); // id -> GET /repairs/{id}

export async function mount(page) {
  P = page;
  const { el } = page;
  page.addText(TEXT);
  const block = el('details', { class: 'block repairs', id: 'repairs-block', 'data-testid': 'repairs' },
    el('summary', { 'data-i18n': 'repairs.title' }),
    el('p', { class: 'hint', id: 'repairs-signin', 'data-i18n': 'repairs.signIn' }),
    el('form', { id: 'repairs-form', class: 'stack', autocomplete: 'off', onsubmit: (ev) => { ev.preventDefault(); send(); } },
      el('fieldset', { class: 'repairs-where' }, el('legend', { 'data-i18n': 'repairs.where' }),
        el('div', { class: 'row' },
          el('button', { type: 'button', class: 'chip', id: 'repairs-locate', 'data-testid': 'repairs-locate', 'data-i18n': 'repairs.locate', onclick: locate }),
          el('span', { class: 'hint', id: 'repairs-located', 'data-testid': 'repairs-located', 'aria-live': 'polite' })),
        el('div', { id: 'repairs-rooms', class: 'repairs-rooms', 'data-testid': 'repairs-rooms', role: 'radiogroup' })),
      el('label', {}, el('span', { 'data-i18n': 'repairs.category' }),
        el('select', { id: 'repairs-category', 'data-testid': 'repairs-category' })),
      el('label', {}, el('span', { 'data-i18n': 'repairs.description' }),
        el('textarea', { id: 'repairs-description', 'data-testid': 'repairs-description', maxlength: '2000', rows: '3' })),
      el('label', {}, el('span', { 'data-i18n': 'repairs.photos' }),
        el('input', { id: 'repairs-photos', 'data-testid': 'repairs-photos', type: 'file', accept: 'image/jpeg,image/png', multiple: true })),
      el('button', { type: 'submit', class: 'primary', 'data-testid': 'repairs-send', 'data-i18n': 'repairs.send' })),
    el('p', { class: 'error', id: 'repairs-error', 'data-testid': 'repairs-error', role: 'alert', hidden: true }),
    el('h3', { class: 'rooms-h', id: 'repairs-mine-h', 'data-i18n': 'repairs.mine' }),
    el('ul', { class: 'results repairs-list', id: 'repairs-mine', 'data-testid': 'repairs-mine', 'aria-labelledby': 'repairs-mine-h' }));
  page.panelBlock(block);
  block.addEventListener('toggle', () => {
    if (!block.open || !P.state.token) return;
    if (!categories.length) loadCategories();
    loadMine();
  });
  page.onRole(onRole);
  page.onLang(() => { renderCategories(); if (located) locate(); renderMine(); });
}

function onRole() {
  const signed = !!P.state.token;
  for (const id of ['repairs-form', 'repairs-mine-h', 'repairs-mine']) P.$(id).hidden = !signed;
  P.$('repairs-signin').hidden = signed;
  tickets = [];
  details.clear();
  open.clear();
  renderMine();
  if (signed && P.$('repairs-block').open) { loadCategories(); loadMine(); }
}

function showError(msg) {
  const e = P.$('repairs-error');
  e.textContent = msg || '';
  e.hidden = !msg;
}

// ---- Categories ---------------------------------------------------------------

async function loadCategories() {
  try {
    categories = await P.api('/repairs/categories');
    if (!Array.isArray(categories)) categories = categories.items || [];
  } catch (e) {
    showError(e.message);
  }
  renderCategories();
}

function name(c) {
  return (c.name && (P.state.lang === 'zh' ? c.name.zh : c.name.en)) || c.id;
}

function categoryName(id) {
  for (const c of categories) {
    if (c.id === id) return name(c);
    for (const k of c.children || []) if (k.id === id) return name(k);
  }
  return id;
}

function renderCategories() {
  const sel = P.$('repairs-category');
  const was = sel.value;
  const { el } = P;
  sel.replaceChildren(el('option', { value: '', text: P.t('repairs.choose') }), ...categories.map((c) => (c.children && c.children.length
    ? el('optgroup', { label: name(c) }, ...c.children.map((k) => el('option', { value: k.id, text: name(k) })))
    : el('option', { value: c.id, text: name(c) }))));
  sel.value = was;
}

// ---- Where --------------------------------------------------------------------

// demoScans are the demo position's last few scans (what a phone would
// send), or null when the demo is not running.
function demoScans() {
  const d = P.state.demo;
  if (!d || !d.lines || !d.i) return null;
  const out = [];
  for (let i = Math.max(0, d.i - 8); i < d.i; i++) {
    const s = JSON.parse(d.lines[i]);
    s.device = d.device;
    delete s.truth;
    out.push(s);
  }
  return out.length ? out : null;
}

async function locate() {
  showError('');
  const scans = demoScans();
  const o = P.origin();
  const body = scans ? { scans } : { at: { lon: o.lon, lat: o.lat, ordinal: o.ordinal } };
  P.$('repairs-located').textContent = P.t('repairs.locating');
  try {
    located = await P.api('/repairs/locate?' + P.qs({ lang: P.state.lang }), { method: 'POST', body });
    located.how = scans ? P.t('repairs.fromScans') : P.t('repairs.fromPoint', { floor: P.floorLabel(o.ordinal) });
    located.source = scans ? 'scans' : 'at';
    located.at = body.at || null;
  } catch (e) {
    located = null;
    P.$('repairs-located').textContent = '';
    showError(e.message);
  }
  renderRooms();
}

function renderRooms() {
  const box = P.$('repairs-rooms');
  if (!located) {
    box.replaceChildren();
    return;
  }
  const { el, t } = P;
  const pl = located.place;
  P.$('repairs-located').textContent = t('repairs.located', { how: located.how });
  const rooms = [];
  if (pl.unit) rooms.push({ unit: pl.unit, ref: pl.ref, name: pl.name, floor: pl.floor });
  for (const c of located.candidates || []) rooms.push({ unit: c.unit, ref: c.ref, name: c.name, distance: c.distance_m });
  if (!rooms.length) {
    box.replaceChildren(el('p', { class: 'hint', 'data-testid': 'repairs-noroom', text: [pl.building_ref, t('repairs.noRoom')].filter(Boolean).join(' · ') }));
    return;
  }
  box.setAttribute('aria-label', t('repairs.pick'));
  box.replaceChildren(...rooms.map((r, i) => el('label', { class: 'check repairs-room', 'data-testid': 'repairs-room', dataset: { unit: r.unit, ref: r.ref || '' } },
    el('input', { type: 'radio', name: 'repairs-room', value: r.unit, checked: i === 0 }),
    el('span', { text: [r.ref, r.name && r.name !== r.ref ? r.name : null, r.floor, r.distance !== undefined ? P.distance(r.distance) : null].filter(Boolean).join(' · ') }))));
}

// ---- Reporting ------------------------------------------------------------------

async function send() {
  showError('');
  const category = P.$('repairs-category').value;
  if (!category) return showError(P.t('repairs.needCategory'));
  const pick = document.querySelector('input[name="repairs-room"]:checked');
  const body = { category, description: P.$('repairs-description').value.trim() };
  if (pick) body.unit = pick.value;
  else if (located && located.at) body.at = located.at;
  else if (located) body.at = { lon: located.place.lon, lat: located.place.lat, ordinal: located.place.ordinal ?? P.state.floor };
  else return showError(P.t('repairs.needWhere'));
  const files = [...P.$('repairs-photos').files];
  if (files.length > MAX_PHOTOS) return showError(P.t('repairs.tooMany'));
  const big = files.find((f) => f.size > MAX_PHOTO);
  if (big) return showError(P.t('repairs.photoFailed', { name: big.name, reason: P.t('repairs.tooBig') }));
  const button = P.$('repairs-form').querySelector('[type="submit"]');
  button.disabled = true;
  document.body.dataset.repairs = 'sending';
  try {
    const tk = await P.api('/repairs?' + P.qs({ lang: P.state.lang }), { method: 'POST', headers: { 'Idempotency-Key': newKey() }, body });
    let n = 0;
    for (const f of files) {
      try {
        await upload(tk.id, f);
        n++;
      } catch (e) {
        showError(P.t('repairs.photoFailed', { name: f.name, reason: e.message }));
      }
    }
    P.showStatus(P.t('repairs.sent', { number: tk.number }) + (n ? ' · ' + P.t('repairs.photoSent', { n }) : ''), 6000);
    P.$('repairs-description').value = '';
    P.$('repairs-photos').value = '';
    open.add(tk.id);
    await loadMine();
  } catch (e) {
    showError(e.message);
  } finally {
    button.disabled = false;
    document.body.dataset.repairs = 'ready';
  }
}

// upload sends one photo as multipart/form-data, part "photo".
async function upload(id, file) {
  const fd = new FormData();
  fd.append('photo', file, file.name);
  const headers = { Accept: 'application/json', 'Accept-Language': P.state.lang };
  if (P.state.token) headers.Authorization = 'Bearer ' + P.state.token;
  const r = await fetch(`/api/v1/repairs/${id}/photos`, { method: 'POST', headers, body: fd });
  let data = null;
  try { data = await r.json(); } catch { /* not JSON */ }
  if (!r.ok) throw new Error((data && (data.detail || data.title)) || `HTTP ${r.status}`);
  return data;
}

// ---- My tickets -------------------------------------------------------------------

async function loadMine() {
  if (!P.state.token) return;
  try {
    const r = await P.api('/me/repairs?' + P.qs({ limit: 20, lang: P.state.lang }));
    tickets = r.items || [];
    for (const id of open) details.set(id, await P.api(`/repairs/${id}?` + P.qs({ lang: P.state.lang })));
  } catch (e) {
    showError(e.message);
  }
  renderMine();
}

function progress(status) {
  const { el, t } = P;
  const at = STEPS.indexOf(status === 'on_hold' ? 'in_progress' : status);
  return el('ol', { class: 'progress', 'aria-label': t('repairs.status.' + status) },
    ...STEPS.map((s, i) => el('li', {
      class: i < at ? 'done' : i === at ? 'now' : null, 'aria-current': i === at ? 'step' : null,
      text: i === at && status === 'on_hold' ? t('repairs.status.on_hold') : t('repairs.status.' + s),
    })));
}

function renderMine() {
  const list = P.$('repairs-mine');
  if (!P.state.token) return list.replaceChildren();
  const { el, t } = P;
  if (!tickets.length) {
    list.replaceChildren(el('li', { class: 'empty', text: t('repairs.none') }));
    return;
  }
  list.replaceChildren(...tickets.map((tk) => {
    const d = details.get(tk.id);
    const shown = open.has(tk.id) && d;
    const where = [tk.location && tk.location.ref, tk.location && tk.location.floor].filter(Boolean).join(' · ');
    return el('li', { class: 'ticket', 'data-testid': 'ticket', dataset: { id: String(tk.id), status: tk.status, number: tk.number } },
      el('div', { class: 'room-head' },
        el('span', { class: 'name', text: `${tk.number} · ${categoryName(tk.category)}` }),
        el('span', { class: 'meta', 'data-testid': 'ticket-status', text: [t('repairs.status.' + tk.status), where].filter(Boolean).join(' · ') })),
      progress(tk.status),
      el('div', { class: 'row room-actions' },
        el('button', { type: 'button', class: 'chip', 'aria-expanded': String(!!shown), 'data-testid': 'ticket-details', text: t('repairs.details'), onclick: () => toggle(tk.id) })),
      shown ? ticketDetails(d) : null);
  }));
}

async function toggle(id) {
  if (open.has(id)) {
    open.delete(id);
    return renderMine();
  }
  open.add(id);
  try {
    details.set(id, await P.api(`/repairs/${id}?` + P.qs({ lang: P.state.lang })));
  } catch (e) {
    showError(e.message);
  }
  renderMine();
}

function ticketDetails(d) {
  const { el, t } = P;
  const parts = [
    d.description ? el('p', { class: 'ticket-text', text: d.description }) : null,
    el('p', { class: 'meta', 'data-testid': 'ticket-photos', text: t('repairs.photoCount', { n: (d.photos || []).length }) }),
    el('h4', { class: 'rooms-h', text: t('repairs.history') }),
    el('ul', { class: 'history', 'data-testid': 'ticket-history' }, ...(d.history || []).map((e) => el('li', { dataset: { to: e.to } },
      el('span', { class: 'when', text: when(e.at) }), ' ', t('repairs.status.' + e.to) || e.to, e.note ? ` — ${e.note}` : ''))),
  ];
  if (d.stars) parts.push(el('p', { class: 'ok', 'data-testid': 'ticket-rated', text: t('repairs.rated', { n: d.stars }) }));
  if (d.status === 'completed') {
    parts.push(el('form', { class: 'stack', 'data-testid': 'ticket-reopen', onsubmit: (ev) => { ev.preventDefault(); act(d, 'reopen', { reason: ev.target.elements.reason.value.trim() }); } },
      el('label', {}, el('span', { text: t('repairs.reason') }), el('input', { name: 'reason', maxlength: '500', required: true, 'data-testid': 'ticket-reason' })),
      el('button', { type: 'submit', 'data-testid': 'ticket-reopen-go', text: t('repairs.reopen') })));
    if (!d.stars) {
      parts.push(el('form', { class: 'stack', 'data-testid': 'ticket-rate', onsubmit: (ev) => { ev.preventDefault(); const f = ev.target.elements; act(d, 'rate', { stars: Number(f.stars.value), comment: f.comment.value.trim() }); } },
        el('fieldset', { class: 'stars' }, el('legend', { text: t('repairs.stars') }),
          ...[1, 2, 3, 4, 5].map((n) => el('label', { class: 'star' }, el('input', { type: 'radio', name: 'stars', value: String(n), required: true, 'data-testid': `ticket-star-${n}` }), el('span', { text: `${n}★` })))),
        el('label', {}, el('span', { text: t('repairs.comment') }), el('input', { name: 'comment', maxlength: '500', 'data-testid': 'ticket-comment' })),
        el('button', { type: 'submit', class: 'primary', 'data-testid': 'ticket-rate-go', text: t('repairs.rate') })));
    }
  }
  return el('div', { class: 'ticket-details', 'data-testid': 'ticket-open' }, ...parts);
}

function when(x) {
  const lang = P.state.lang === 'zh' ? 'zh-CN' : 'en-GB';
  return new Intl.DateTimeFormat(lang, { timeZone: 'Asia/Shanghai', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(x));
}

async function act(d, action, body) {
  showError('');
  try {
    const r = await P.api(`/repairs/${d.id}/${action}?` + P.qs({ lang: P.state.lang }), { method: 'POST', body });
    if (action === 'reopen') P.showStatus(P.t('repairs.reopened', { number: r.number || d.number }));
    else P.showStatus(P.t('repairs.rated', { n: body.stars }));
  } catch (e) {
    showError(e.message);
  }
  await loadMine();
}
