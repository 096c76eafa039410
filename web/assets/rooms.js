// The rooms screen: a free room near me for N people, now or at a time
// (GET /spaces with capacity, start, end, near and available: the server
// answers, nearest first by walking time), each with its day's timeline;
// booking one, my bookings, checking in and cancelling. "Near me" is the
// page's origin: my position while the demo runs, else the map's centre on
// the floor shown. A room is shown on the map (its floor, a marker) and
// routed to.
import * as maplibregl from '/assets/maplibre-gl.mjs';

const TEXT = {
  en: {
    rooms: {
      title: 'Rooms', signIn: 'Sign in to find and book a room.', notYours: 'Rooms are booked by staff and students.', people: 'People', when: 'When', now: 'Now', at: 'At a time',
      time: 'Start', length: 'For', type: 'Kind', types: { meeting: 'Meeting room', discussion: 'Discussion room', study: 'Study room', classroom: 'Classroom' },
      find: 'Find a free room', near: 'Nearest to {where}', myLoc: 'my location', centre: 'the map centre, {floor}', none: 'No free room fits: try fewer people, another time or kind.',
      seats: '{n} seats', walk: '{time} walk', show: 'Show', route: 'Route', book: 'Book', booked: 'Booked {name}, {time}',
      mine: 'My bookings', noBookings: 'No bookings yet.', checkin: 'Check in', checkedIn: 'Checked in', cancel: 'Cancel',
      checkinFrom: 'Check in from {time}', checkinMissed: 'Check-in closed at {time}', cancelled: 'Cancelled: {name}',
      didCheckIn: 'Checked in: {name}', timeline: 'The day of {name}: {free}', freeAt: 'free {spans}', noFree: 'no free time',
      status: { confirmed: 'Confirmed', pending: 'Waiting for approval', cancelled: 'Cancelled', released: 'Released (no-show)', rejected: 'Rejected' },
      minutes: '{n} min', hours: '{n} h', needTime: 'Pick a start time.', results: 'Free rooms',
    },
  },
  zh: {
    rooms: {
      title: '房间预约', signIn: '登录后可查找并预约房间。', notYours: '房间仅供教职工和学生预约。', people: '人数', when: '时间', now: '现在', at: '指定时间',
      time: '开始', length: '时长', type: '类型', types: { meeting: '会议室', discussion: '讨论室', study: '自习室', classroom: '教室' },
      find: '查找空闲房间', near: '离{where}最近', myLoc: '我的位置', centre: '地图中心（{floor}）', none: '没有合适的空闲房间：请减少人数，或换个时间、类型。',
      seats: '{n} 座', walk: '步行 {time}', show: '查看', route: '导航', book: '预约', booked: '已预约 {name}，{time}',
      mine: '我的预约', noBookings: '还没有预约。', checkin: '签到', checkedIn: '已签到', cancel: '取消',
      checkinFrom: '{time} 起可签到', checkinMissed: '签到已于 {time} 截止', cancelled: '已取消：{name}',
      didCheckIn: '已签到：{name}', timeline: '{name} 当天：{free}', freeAt: '空闲 {spans}', noFree: '没有空闲时段',
      status: { confirmed: '已确认', pending: '待审批', cancelled: '已取消', released: '已释放（未签到）', rejected: '已拒绝' },
      minutes: '{n} 分钟', hours: '{n} 小时', needTime: '请选择开始时间。', results: '空闲房间',
    },
  },
};

const ZONE = 'Asia/Shanghai'; // the campus's days and hours
const LENGTHS = [30, 60, 90, 120, 180, 240];

let P = null; // the page
let marker = null;
let found = []; // the last answer's rooms
let asked = null; // {start, end} of the last search
let mine = [];

export async function mount(page) {
  P = page;
  const { el, t } = page;
  page.addText(TEXT);
  const lengthSel = el('select', { id: 'rooms-length', 'data-testid': 'rooms-length' },
    ...LENGTHS.map((m) => el('option', { value: String(m), selected: m === 60 })));
  const typeSel = el('select', { id: 'rooms-type', 'data-testid': 'rooms-type' },
    ...Object.keys(TEXT.en.rooms.types).map((k) => el('option', { value: k, 'data-i18n': 'rooms.types.' + k })));
  const block = el('details', { class: 'block rooms', id: 'rooms-block', 'data-testid': 'rooms' },
    el('summary', { 'data-i18n': 'rooms.title' }),
    el('p', { class: 'hint', id: 'rooms-signin', 'data-i18n': 'rooms.signIn' }),
    el('form', { id: 'rooms-form', class: 'stack', autocomplete: 'off', onsubmit: (ev) => { ev.preventDefault(); find(); } },
      el('div', { class: 'rooms-grid' },
        el('label', {}, el('span', { 'data-i18n': 'rooms.people' }),
          el('input', { id: 'rooms-people', 'data-testid': 'rooms-people', type: 'number', min: '1', value: '4', inputmode: 'numeric', required: true })),
        el('label', {}, el('span', { 'data-i18n': 'rooms.type' }), typeSel),
        el('label', {}, el('span', { 'data-i18n': 'rooms.length' }), lengthSel)),
      el('fieldset', { class: 'rooms-when' }, el('legend', { 'data-i18n': 'rooms.when' }),
        el('label', { class: 'check' }, el('input', { type: 'radio', name: 'rooms-when', value: 'now', checked: true, 'data-testid': 'rooms-now', onchange: whenChanged }), el('span', { 'data-i18n': 'rooms.now' })),
        el('label', { class: 'check' }, el('input', { type: 'radio', name: 'rooms-when', value: 'at', 'data-testid': 'rooms-at', onchange: whenChanged }), el('span', { 'data-i18n': 'rooms.at' })),
        el('input', { id: 'rooms-time', type: 'datetime-local', step: '1800', 'data-testid': 'rooms-time', 'aria-label': 'Start', hidden: true })),
      el('p', { class: 'hint', id: 'rooms-near', 'data-testid': 'rooms-near' }),
      el('button', { type: 'submit', class: 'primary', 'data-testid': 'rooms-find', 'data-i18n': 'rooms.find' })),
    el('p', { class: 'error', id: 'rooms-error', 'data-testid': 'rooms-error', role: 'alert', hidden: true }),
    el('ul', { class: 'results rooms-list', id: 'rooms-results', 'data-testid': 'rooms-results', 'aria-label': t('rooms.results') }),
    el('h3', { class: 'rooms-h', id: 'rooms-mine-h', 'data-i18n': 'rooms.mine' }),
    el('ul', { class: 'results rooms-list', id: 'rooms-mine', 'data-testid': 'rooms-mine', 'aria-labelledby': 'rooms-mine-h' }));
  page.panelBlock(block);
  block.addEventListener('toggle', () => { if (block.open) { renderNear(); loadMine(); } });
  page.onRole(onRole);
  page.onLang(() => { renderLengths(); renderNear(); renderFound(); renderMine(); });
  document.addEventListener('campus:floor', renderNear);
  renderLengths();
}

// BOOKERS are the roles the campus's rooms (meeting, discussion, study
// rooms, classrooms: booking.json) are booked by; others are told so.
const BOOKERS = new Set(['staff', 'student']);

function onRole() {
  const signed = !!P.state.token && BOOKERS.has(P.state.role);
  const hint = P.$('rooms-signin');
  hint.hidden = signed;
  hint.dataset.i18n = P.state.token ? 'rooms.notYours' : 'rooms.signIn';
  hint.textContent = P.t(hint.dataset.i18n);
  P.$('rooms-form').hidden = !signed;
  P.$('rooms-mine-h').hidden = !signed;
  P.$('rooms-results').hidden = !signed;
  P.$('rooms-mine').hidden = !signed;
  found = [];
  mine = [];
  renderFound();
  renderMine();
  if (signed && P.$('rooms-block').open) loadMine();
  if (!signed && marker) { marker.remove(); marker = null; }
}

function renderLengths() {
  for (const o of P.$('rooms-length').options) {
    const m = Number(o.value);
    o.textContent = m % 60 === 0 ? P.t('rooms.hours', { n: m / 60 }) : m > 60 ? P.t('rooms.hours', { n: m / 60 }) : P.t('rooms.minutes', { n: m });
  }
  P.$('rooms-time').setAttribute('aria-label', P.t('rooms.time'));
  P.$('rooms-results').setAttribute('aria-label', P.t('rooms.results'));
}

function renderNear() {
  const o = P.origin();
  P.$('rooms-near').textContent = P.t('rooms.near', { where: o.mine ? P.t('rooms.myLoc') : P.t('rooms.centre', { floor: P.floorLabel(o.ordinal) }) });
}

function whenChanged() {
  const at = document.querySelector('input[name="rooms-when"]:checked').value === 'at';
  const input = P.$('rooms-time');
  input.hidden = !at;
  if (at && !input.value) input.value = localInput(nextHalfHour(new Date()));
}

// ---- Times: the campus's (Asia/Shanghai), whatever the browser's zone ----

function parts(d) {
  const f = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const o = {};
  for (const p of f.formatToParts(d)) o[p.type] = p.value;
  return o;
}

// localInput is a datetime-local value of the campus's clock.
function localInput(d) {
  const p = parts(d);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// fromInput reads a datetime-local value as the campus's time (+08:00, no
// summer time).
function fromInput(v) {
  return v ? new Date(v + ':00+08:00') : null;
}

function nextHalfHour(d) {
  const ms = 30 * 60000;
  return new Date(Math.ceil(d.getTime() / ms) * ms);
}

// floorTo is d at the start of its slot of slotMin minutes from the
// campus's midnight (+08:00 keeps whole hours, so from the epoch's).
function floorTo(d, slotMin) {
  const ms = slotMin * 60000;
  const off = 8 * 3600000;
  return new Date(Math.floor((d.getTime() + off) / ms) * ms - off);
}

function hm(d) {
  const p = parts(new Date(d));
  return `${p.hour}:${p.minute}`;
}

function dayAndTime(d) {
  const lang = P.state.lang === 'zh' ? 'zh-CN' : 'en-GB';
  return new Intl.DateTimeFormat(lang, { timeZone: ZONE, weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(d));
}

function span(a, b) {
  return `${dayAndTime(a)} ${hm(a)}–${hm(b)}`;
}

// ---- Finding a room ----------------------------------------------------------

async function find() {
  const err = P.$('rooms-error');
  err.hidden = true;
  const at = document.querySelector('input[name="rooms-when"]:checked').value === 'at';
  const minutes = Number(P.$('rooms-length').value);
  let start = at ? fromInput(P.$('rooms-time').value) : new Date(Math.floor(Date.now() / 60000) * 60000);
  if (!start || Number.isNaN(start.getTime())) {
    err.textContent = P.t('rooms.needTime');
    err.hidden = false;
    return;
  }
  const end = new Date(start.getTime() + minutes * 60000);
  const o = P.origin();
  renderNear();
  document.body.dataset.rooms = 'loading';
  try {
    const r = await P.api('/spaces?' + P.qs({
      type: P.$('rooms-type').value, capacity: P.$('rooms-people').value, start: start.toISOString(), end: end.toISOString(),
      near: `${o.lon},${o.lat},${o.ordinal}`, available: true, limit: 5, lang: P.state.lang,
    }));
    asked = { start, end, now: !at, minutes };
    found = r.items;
  } catch (e) {
    found = [];
    err.textContent = e.message;
    err.hidden = false;
  } finally {
    renderFound();
    document.body.dataset.rooms = 'ready';
  }
}

function renderFound() {
  const list = P.$('rooms-results');
  if (!asked) return list.replaceChildren();
  if (!found.length) {
    list.replaceChildren(P.el('li', { class: 'empty', 'data-testid': 'rooms-none', text: P.t('rooms.none') }));
    return;
  }
  const { el, t } = P;
  list.replaceChildren(...found.map((s) => el('li', { class: 'room', 'data-testid': 'room', dataset: { id: s.id, ref: s.ref } },
    el('div', { class: 'room-head' },
      el('span', { class: 'name', text: `${s.ref} · ${s.name}` }),
      el('span', { class: 'meta', text: [s.place, t('rooms.seats', { n: s.capacity }), s.walk_s !== null ? t('rooms.walk', { time: P.duration(s.walk_s) }) : null].filter(Boolean).join(' · ') })),
    timeline(s, asked),
    el('div', { class: 'row room-actions' },
      el('button', { type: 'button', class: 'chip', 'data-testid': 'room-show', text: t('rooms.show'), onclick: () => showRoom(s) }),
      el('button', { type: 'button', class: 'chip', 'data-testid': 'room-route', text: t('rooms.route'), onclick: () => { showRoom(s, { fly: false }); P.routeTo(s.ref, s.unit); } }),
      el('button', { type: 'button', class: 'primary', 'data-testid': 'room-book', text: t('rooms.book'), onclick: (ev) => book(s, ev.currentTarget) })))));
}

// timeline draws the day of a room (00:00-24:00): free, booked, locked,
// not bookable, with the interval asked about outlined; its label says the
// free stretches in words.
function timeline(s, want) {
  const { el, t } = P;
  const tl = s.timeline || [];
  if (!tl.length) return null;
  const d0 = new Date(tl[0].start).getTime();
  const d1 = new Date(tl[tl.length - 1].end).getTime();
  const pct = (x) => `${(((new Date(x).getTime() - d0) / (d1 - d0)) * 100).toFixed(3)}%`;
  const free = tl.filter((g) => g.state === 'available').map((g) => `${hm(g.start)}–${hm(g.end) === '00:00' ? '24:00' : hm(g.end)}`);
  const label = t('rooms.timeline', { name: s.ref, free: free.length ? t('rooms.freeAt', { spans: free.join(', ') }) : t('rooms.noFree') });
  const bar = el('div', { class: 'tl', role: 'img', 'aria-label': label, title: label, 'data-testid': 'room-timeline' },
    ...tl.map((g) => {
      const seg = el('span', { class: 'tl-seg tl-' + g.state, dataset: { state: g.state } });
      seg.style.left = pct(g.start);
      seg.style.width = `calc(${pct(g.end)} - ${pct(g.start)})`;
      return seg;
    }));
  if (want) {
    const w = el('span', { class: 'tl-want' });
    w.style.left = pct(want.start.toISOString());
    w.style.width = `calc(${pct(want.end.toISOString())} - ${pct(want.start.toISOString())})`;
    bar.append(w);
  }
  return el('div', { class: 'tl-wrap' }, bar, el('div', { class: 'tl-hours', 'aria-hidden': 'true' },
    ...['00', '06', '12', '18', '24'].map((h) => el('span', { text: h }))));
}

// showRoom puts a room on the map: its floor, a marker, the map flown to it.
function showRoom(s, { fly = true } = {}) {
  const map = P.map;
  if (!map) return;
  P.setFloor(s.ordinal);
  if (marker) marker.remove();
  marker = new maplibregl.Marker({ element: P.el('div', { class: 'mk mk-room', 'data-testid': 'room-marker', text: `${s.ref} · ${P.floorLabel(s.ordinal)}` }), anchor: 'bottom' })
    .setLngLat([s.lon, s.lat]).addTo(map);
  marker.getElement().style.zIndex = '3';
  if (fly) map.flyTo({ center: [s.lon, s.lat], zoom: 19.3, pitch: 20, duration: 800 });
  document.body.dataset.room = s.ref;
}

// The booking of s for what was asked: now is from the start of the
// current slot of the room's kind, for the length asked.
function interval(s) {
  let start = asked.start;
  if (asked.now) start = floorTo(new Date(), s.slot_min || 30);
  return { start, end: new Date(start.getTime() + asked.minutes * 60000) };
}

async function book(s, button) {
  const err = P.$('rooms-error');
  err.hidden = true;
  const { start, end } = interval(s);
  button.disabled = true;
  try {
    const b = await P.api('/bookings', { method: 'POST', headers: { 'Idempotency-Key': newKey() }, body: { space: s.id, start: start.toISOString(), end: end.toISOString(), title: '' } });
    P.showStatus(P.t('rooms.booked', { name: b.space_ref || b.space_name, time: span(b.start, b.end) }), 5000);
    showRoom(s, { fly: true });
    await loadMine();
    found = found.filter((x) => x.id !== s.id);
    renderFound();
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
    err.dataset.code = (e.problem && e.problem.code) || '';
  } finally {
    button.disabled = false;
  }
}

// newKey is an Idempotency-Key for one attempt (a request repeated by the
// network is answered once).
export function newKey() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

// ---- My bookings ---------------------------------------------------------------

async function loadMine() {
  if (!P.state.token || !BOOKERS.has(P.state.role)) return;
  try {
    const r = await P.api('/me/bookings?limit=20');
    mine = r.items;
  } catch (e) {
    mine = [];
    P.$('rooms-error').textContent = e.message;
    P.$('rooms-error').hidden = false;
  }
  renderMine();
}

const LIVE = new Set(['confirmed', 'pending']);

function renderMine() {
  const list = P.$('rooms-mine');
  if (!P.state.token) return list.replaceChildren();
  const { el, t } = P;
  const now = Date.now();
  const shown = mine.filter((b) => LIVE.has(b.status) || new Date(b.end).getTime() > now - 86400000).slice(0, 10);
  if (!shown.length) {
    list.replaceChildren(el('li', { class: 'empty', text: t('rooms.noBookings') }));
    return;
  }
  list.replaceChildren(...shown.map((b) => {
    const live = LIVE.has(b.status) && new Date(b.end).getTime() > now;
    const ci = b.checkin;
    let check = null;
    if (live && ci) {
      if (ci.checked_in) check = el('span', { class: 'ok', 'data-testid': 'booking-checked-in', text: '✓ ' + t('rooms.checkedIn') });
      else if (now < new Date(ci.from).getTime()) check = el('span', { class: 'meta', text: t('rooms.checkinFrom', { time: hm(ci.from) }) });
      else if (now > new Date(ci.until).getTime()) check = el('span', { class: 'meta', text: t('rooms.checkinMissed', { time: hm(ci.until) }) });
      else check = el('button', { type: 'button', class: 'primary', 'data-testid': 'booking-checkin', text: t('rooms.checkin'), onclick: (ev) => checkIn(b, ev.currentTarget) });
    }
    return el('li', { class: 'room booking', 'data-testid': 'booking', dataset: { id: String(b.id), status: b.status } },
      el('div', { class: 'room-head' },
        el('span', { class: 'name', text: `${b.space_ref} · ${b.space_name}` }),
        el('span', { class: 'meta', 'data-testid': 'booking-when', text: span(b.start, b.end) }),
        el('span', { class: 'meta', text: [b.place, t('rooms.status.' + b.status)].join(' · ') })),
      el('div', { class: 'row room-actions' },
        check,
        live ? el('button', { type: 'button', class: 'chip', 'data-testid': 'booking-cancel', text: t('rooms.cancel'), onclick: (ev) => cancel(b, ev.currentTarget) }) : null));
  }));
}

async function checkIn(b, button) {
  button.disabled = true;
  try {
    await P.api(`/bookings/${b.id}/checkin`, { method: 'POST' });
    P.showStatus(P.t('rooms.didCheckIn', { name: b.space_ref }));
  } catch (e) {
    P.showStatus(e.message, 6000);
  }
  await loadMine();
}

async function cancel(b, button) {
  button.disabled = true;
  try {
    await P.api(`/bookings/${b.id}`, { method: 'DELETE' });
    P.showStatus(P.t('rooms.cancelled', { name: b.space_ref }));
  } catch (e) {
    P.showStatus(e.message, 6000);
  }
  await loadMine();
}
