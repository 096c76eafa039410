// The visitor's screen on the map page (issue 20): a visitor signed in by
// phone registers a visit (POST /visits), follows it in "My visits" (GET
// /me/visits), shows the pass of an approved one (GET /visits/{id}/pass)
// and draws the route from the gate to the meeting place (GET
// /visits/{id}/route) as the page draws its routes (page.showRoute).
// Only a visitor sees the block: staff and students host, they do not
// register.

import { drawQR } from '/assets/qr.js';

const TYPES = ['business', 'academic', 'interview', 'personal', 'delivery', 'other'];

const TEXT = {
  en: {
    visits: {
      title: 'My visits', register: 'Register a visit', host: "Host's email", hostPlaceholder: 'name@hkust-gz.edu.cn',
      type: 'Type', reason: 'Reason', date: 'Date', from: 'From', to: 'To', name: 'Visitor name', idNumber: 'ID card or passport number',
      phone: 'Phone (optional)', mode: 'Coming', foot: 'On foot', car: 'By car', plate: 'Plate', place: 'Meeting place (optional)',
      placePlaceholder: 'C1 or C1-201', submit: 'Register', registered: 'Visit registered: waiting for the host.',
      none: 'No visits yet.', refresh: 'Refresh', pass: 'Show pass', hidePass: 'Hide pass', route: 'Route from the gate',
      withdraw: 'Withdraw', withdrawn: 'Visit withdrawn.', passFor: 'Pass for {name}',
      passValid: 'Valid {from} to {to}', passHint: 'Show this code at gate 2 or 5.', routeShown: 'Route from {gate} to {place}',
      noPlace: 'meeting place to be given by the host', placeIs: 'at {place}', hostIs: 'host {host}', list: 'Your visits',
      types: { business: 'Business', academic: 'Academic', interview: 'Interview', personal: 'Personal', delivery: 'Delivery', other: 'Other' },
      status: { pending: 'Pending', approved: 'Approved', rejected: 'Rejected', withdrawn: 'Withdrawn', expired: 'Expired', cancelled: 'Cancelled' },
      note: 'Note: {note}',
    },
  },
  zh: {
    visits: {
      title: '我的来访', register: '登记来访', host: '接待人邮箱', hostPlaceholder: 'name@hkust-gz.edu.cn',
      type: '类型', reason: '事由', date: '日期', from: '开始', to: '结束', name: '来访人姓名', idNumber: '身份证或护照号码',
      phone: '手机（选填）', mode: '到访方式', foot: '步行', car: '驾车', plate: '车牌', place: '会面地点（选填）',
      placePlaceholder: 'C1 或 C1-201', submit: '提交登记', registered: '已登记，等待接待人审批。',
      none: '还没有来访记录。', refresh: '刷新', pass: '出示通行码', hidePass: '收起通行码', route: '从校门到会面地点',
      withdraw: '撤回', withdrawn: '已撤回该来访。', passFor: '{name}的通行码',
      passValid: '有效时间 {from} 至 {to}', passHint: '在 2 号或 5 号校门出示此码。', routeShown: '路线：{gate} → {place}',
      noPlace: '会面地点待接待人确认', placeIs: '地点 {place}', hostIs: '接待人 {host}', list: '您的来访',
      types: { business: '商务', academic: '学术', interview: '面试', personal: '私人', delivery: '送货', other: '其他' },
      status: { pending: '待审批', approved: '已批准', rejected: '未批准', withdrawn: '已撤回', expired: '已过期', cancelled: '已取消' },
      note: '备注：{note}',
    },
  },
};

// today is the date on campus (Shanghai), as an input[type=date] wants it.
// passQR is the pass's code as a QR code, for the gate's scanner.
function passQR(code) {
  const c = document.createElement('canvas');
  c.className = 'pass-qr';
  c.dataset.testid = 'visit-pass-qr';
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', code);
  drawQR(c, code, 200);
  return c;
}

// visitDay is the day a new visit's form offers: today, or tomorrow once
// today's default window (to 17:00) is nearly over.
function visitDay() {
  const now = new Date();
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', hour12: false }).format(now));
  return hour >= 16 ? dayOf(new Date(now.getTime() + 864e5)) : today();
}

function dayOf(d) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

function today() {
  return dayOf(new Date());
}

// clock is an RFC 3339 time as the campus's HH:MM (and its date when not
// today's).
function clock(s) {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s || '';
  const f = (o) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', ...o }).format(d);
  const hm = f({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const day = f({ year: 'numeric', month: '2-digit', day: '2-digit' });
  return day === today() ? hm : `${day} ${hm}`;
}

export function mount(page) {
  const { el, t, api, qs } = page;
  page.addText(TEXT);

  const field = (key, input) => el('label', {}, el('span', { 'data-i18n': 'visits.' + key, text: t('visits.' + key) }), input);
  const input = (name, attrs = {}) => el('input', { name, 'data-testid': 'visit-' + name, 'data-field': name, ...attrs });
  const typeSelect = el('select', { name: 'type', 'data-testid': 'visit-type', 'data-field': 'type' });
  const modeSelect = el('select', { name: 'mode', 'data-testid': 'visit-mode', 'data-field': 'mode' });
  const plate = input('plate', { maxlength: '12', autocomplete: 'off' });
  const plateRow = field('plate', plate);
  plateRow.hidden = true;
  modeSelect.addEventListener('change', () => { plateRow.hidden = modeSelect.value !== 'car'; });
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'visit-error', hidden: true });
  const form = el('form', { class: 'stack visits-form', 'data-testid': 'visit-form', novalidate: true },
    field('host', input('host', { type: 'email', required: true, autocomplete: 'off', 'data-i18n-placeholder': 'visits.hostPlaceholder' })),
    field('type', typeSelect),
    field('reason', input('reason', { maxlength: '200', required: true })),
    el('div', { class: 'visits-when' },
      field('date', input('date', { type: 'date', required: true, value: visitDay() })),
      field('from', input('from', { type: 'time', required: true, value: '09:00' })),
      field('to', input('to', { type: 'time', required: true, value: '17:00' }))),
    field('name', input('name', { maxlength: '50', required: true, autocomplete: 'name' })),
    field('idNumber', input('id_number', { maxlength: '20', required: true, autocomplete: 'off', 'data-testid': 'visit-id-number', 'data-field': 'people[0].id_number' })),
    field('phone', input('phone', { type: 'tel', autocomplete: 'tel', 'data-field': 'people[0].phone' })),
    field('mode', modeSelect),
    plateRow,
    field('place', input('place', { maxlength: '40', 'data-i18n-placeholder': 'visits.placePlaceholder' })),
    el('button', { type: 'submit', class: 'primary', 'data-testid': 'visit-submit', 'data-i18n': 'visits.submit', text: t('visits.submit') }),
    error);
  // The inputs' own names where the server's param differs.
  form.querySelector('[name="name"]').dataset.field = 'people[0].name';

  const registerBox = el('details', { class: 'visits-register', 'data-testid': 'visit-register' },
    el('summary', { 'data-i18n': 'visits.register', text: t('visits.register') }), form);
  const list = el('ul', { class: 'results visits-list', 'data-testid': 'visit-list', 'aria-live': 'polite' });
  const refresh = el('button', { type: 'button', class: 'chip', 'data-testid': 'visit-refresh', 'data-i18n': 'visits.refresh', text: t('visits.refresh') });
  const block = el('details', { class: 'block visits-block', id: 'visits-block', 'data-testid': 'visits-block', hidden: true },
    el('summary', { 'data-i18n': 'visits.title', text: t('visits.title') }),
    registerBox,
    el('div', { class: 'row visits-head' }, el('h2', { class: 'visits-h', 'data-i18n': 'visits.list', text: t('visits.list') }), refresh),
    list);
  page.panelBlock(block);

  let visits = [];
  const passes = new Map(); // visit id -> the pass shown
  let poll = null;

  function fillSelects() {
    const tv = typeSelect.value || 'business';
    typeSelect.replaceChildren(...TYPES.map((x) => el('option', { value: x, text: t('visits.types.' + x) })));
    typeSelect.value = tv;
    const mv = modeSelect.value || 'foot';
    modeSelect.replaceChildren(el('option', { value: 'foot', text: t('visits.foot') }), el('option', { value: 'car', text: t('visits.car') }));
    modeSelect.value = mv;
  }

  function showError(e) {
    for (const x of form.querySelectorAll('[aria-invalid]')) x.removeAttribute('aria-invalid');
    if (!e) {
      error.hidden = true;
      return;
    }
    error.textContent = e.message;
    error.hidden = false;
    const param = e.problem && e.problem.param;
    const bad = param && ([...form.querySelectorAll('[data-field]')].find((x) => x.dataset.field === param) ||
      [...form.querySelectorAll('[data-field]')].find((x) => param.startsWith(x.dataset.field) || x.dataset.field.endsWith('.' + param)));
    if (bad) {
      bad.setAttribute('aria-invalid', 'true');
      if (bad.closest('[hidden]') === null) bad.focus();
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const v = (n) => form.querySelector(`[name="${n}"]`).value.trim();
    const body = {
      type: typeSelect.value, reason: v('reason'), host: v('host'), date: v('date'), from: v('from'), to: v('to'),
      people: [{ name: v('name'), id_number: v('id_number'), phone: v('phone') }], mode: modeSelect.value,
    };
    if (body.mode === 'car') body.plate = v('plate');
    if (v('place')) body.place = v('place');
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      const made = await api('/visits', { method: 'POST', body });
      showError(null);
      registerBox.open = false;
      page.showStatus(t('visits.registered'));
      visits = [made, ...visits.filter((x) => x.id !== made.id)];
      render();
      await load();
      const item = list.querySelector(`[data-id="${made.id}"] button`);
      if (item) item.focus();
    } catch (e) {
      showError(e);
    } finally {
      submit.disabled = false;
    }
  });

  async function load() {
    try {
      const r = await api('/me/visits');
      visits = (r && r.items) || [];
    } catch (e) {
      list.replaceChildren(el('li', { class: 'empty', 'data-testid': 'visit-load-error', text: e.message }));
      return;
    }
    render();
  }

  function render() {
    clearInterval(poll);
    poll = null;
    if (!visits.length) {
      list.replaceChildren(el('li', { class: 'empty', text: t('visits.none') }));
      return;
    }
    list.replaceChildren(...visits.map(renderVisit));
    // A pending visit is decided by the host: look again now and then.
    if (visits.some((v) => v.status === 'pending')) poll = setInterval(() => { if (!document.hidden && block.open) load(); }, 15000);
  }

  function renderVisit(v) {
    const place = v.place && v.place.ref ? t('visits.placeIs', { place: v.place.ref }) : t('visits.noPlace');
    const li = el('li', { class: 'visit', 'data-testid': 'visit', dataset: { id: String(v.id), status: v.status } },
      el('div', { class: 'visit-head' },
        el('span', { class: 'name' }, el('span', { class: 'visit-when', text: `${v.date} ${v.from}–${v.to}` }), ' · ', t('visits.types.' + v.type) || v.type),
        el('span', { class: 'visit-status st-' + v.status, 'data-testid': 'visit-status', text: t('visits.status.' + v.status) || v.status })),
      el('span', { class: 'meta', text: [t('visits.hostIs', { host: v.host }), place].join(' · ') }),
      v.note ? el('span', { class: 'meta', text: t('visits.note', { note: v.note }) }) : null);
    const actions = el('div', { class: 'row wrap visit-actions' });
    if (v.status === 'approved') {
      const shown = passes.has(v.id);
      actions.append(el('button', {
        type: 'button', class: 'primary', 'data-testid': 'visit-pass', 'aria-expanded': String(shown),
        text: shown ? t('visits.hidePass') : t('visits.pass'), onclick: () => togglePass(v),
      }));
      if (v.place && v.place.ref) actions.append(el('button', { type: 'button', 'data-testid': 'visit-route', text: t('visits.route'), onclick: () => showRoute(v) }));
    }
    if (v.status === 'pending' || v.status === 'approved') {
      actions.append(el('button', { type: 'button', 'data-testid': 'visit-withdraw', text: t('visits.withdraw'), onclick: () => withdraw(v) }));
    }
    if (actions.childElementCount) li.append(actions);
    const p = passes.get(v.id);
    if (p) {
      li.append(el('div', { class: 'visit-pass', 'data-testid': 'visit-pass-card', role: 'group', 'aria-label': t('visits.passFor', { name: p.name }) },
        el('strong', { text: t('visits.passFor', { name: p.name }) }),
        passQR(p.code),
        el('code', { class: 'pass-code', 'data-testid': 'visit-pass-code', text: p.code }),
        el('span', { class: 'meta', 'data-testid': 'visit-pass-valid', text: t('visits.passValid', { from: clock(p.valid_from), to: clock(p.valid_until) }) }),
        el('span', { class: 'meta', text: t('visits.passHint') })));
    }
    return li;
  }

  function showItemError(v, e) {
    const li = list.querySelector(`[data-id="${v.id}"]`);
    if (!li) return page.showStatus(e.message);
    li.querySelector('.visit-error')?.remove();
    li.append(el('p', { class: 'error visit-error', role: 'alert', 'data-testid': 'visit-item-error', text: e.message }));
  }

  async function togglePass(v) {
    if (passes.has(v.id)) {
      passes.delete(v.id);
    } else {
      try {
        passes.set(v.id, await api(`/visits/${v.id}/pass`));
      } catch (e) {
        return showItemError(v, e);
      }
    }
    render();
    list.querySelector(`[data-id="${v.id}"] [data-testid="visit-pass"]`)?.focus();
  }

  async function showRoute(v) {
    try {
      const a = await api(`/visits/${v.id}/route?` + qs({ lang: page.state.lang }));
      page.showRoute(a.route, { from: a.gate, to: v.place.ref });
      page.showStatus(t('visits.routeShown', { gate: a.gate_name || a.gate, place: v.place.ref }));
      if (window.matchMedia('(max-width: 760px)').matches) block.open = false; // the map, above the sheet
    } catch (e) {
      showItemError(v, e);
    }
  }

  async function withdraw(v) {
    try {
      const w = await api(`/visits/${v.id}/withdraw`, { method: 'POST' });
      passes.delete(v.id);
      visits = visits.map((x) => (x.id === v.id ? w : x));
      render();
      page.showStatus(t('visits.withdrawn'));
    } catch (e) {
      showItemError(v, e);
    }
  }

  refresh.addEventListener('click', load);
  block.addEventListener('toggle', () => { if (block.open && !block.hidden) load(); });

  fillSelects();
  page.onLang(() => {
    fillSelects();
    for (const e of block.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
    render();
  });
  page.onRole((role) => {
    const mine = role === 'visitor' && !!page.state.token;
    block.hidden = !mine;
    passes.clear();
    visits = [];
    clearInterval(poll);
    poll = null;
    list.replaceChildren();
    if (mine) load();
  });
}
