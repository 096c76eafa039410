// Live location sharing on the map page (issue 19): start and end a share
// with a person or a group, accept one, make and join groups by code, set
// arrival alerts; friends' live locations as markers on the map (on their
// floor; faint, with their floor's name, when on another; a building seen
// from outside when that is all the server tells), alerts as an in-page
// toast and, when the user allowed it, a system notification.
//
// The socket: POST /live/ticket, then /api/v1/live?ticket= (a new ticket
// at each connection, reconnecting with backoff). The page sends its
// position as {"type":"fix"} while one of my shares is live: the demo's
// (or any) position the page has, or the map centre on the floor shown
// when the user says "I am here".
import * as maplibregl from '/assets/maplibre-gl.mjs';

const TEXT = {
  en: {
    live: {
      title: 'Live location', start: 'Share my location', with: 'With', withPerson: 'A person (email)', group: 'Group: {name}',
      email: 'name@hkust-gz.edu.cn', minutes: 'For', min: '{n} min', hours: '{n} h', startButton: 'Start sharing',
      mine: 'My shares', shown: 'Shared with me', none: 'Nothing shared.', end: 'End', stop: 'Stop seeing', accept: 'Accept',
      pending: 'waiting for {name} to accept', pendingMe: '{name} wants to share their location', active: 'live until {t}',
      toGroup: 'to group {name}', toPerson: 'to {name}', showOnMap: 'Show {name} on the map', here: 'I am here (map centre, {floor})',
      sent: 'Sent your position to your viewers.', noLive: 'Start a share first.', hereHint: 'While a share is live, the page sends the position it has (the demo) or the map centre when you say so.',
      alert: 'Tell me when they', enter: 'arrive at', leave: 'leave', placePlaceholder: 'C3 or C3-607', addAlert: 'Add alert',
      alertSet: 'Alert set: {name} {on} {place}.', alertFired: { enter: '{name} arrived at {place}', leave: '{name} left {place}' },
      groups: 'Groups', newGroup: 'New group', groupName: 'Group name', create: 'Create', join: 'Join a group',
      code: 'Invite code', joinButton: 'Join', joined: 'Joined {name}.', created: 'Group {name}: invite code {code}',
      members: '{n} member(s)', codeIs: 'code {code}', leaveGroup: 'Leave', notify: 'Allow notifications',
      connected: 'Connected: live locations appear on the map.', connecting: 'Connecting…', retry: 'Disconnected; retrying in {s} s.',
      closed4003: 'The live connection was closed: this account is disabled.', closed4008: 'The live connection was closed: the page fell behind.',
      reason: 'Reason: {reason}', ended: '{name} stopped sharing.', started: 'Sharing with {name} started.',
      outside: '{building} (outside)', markerOther: '{name} · {floor}',
    },
  },
  zh: {
    live: {
      title: '实时位置', start: '共享我的位置', with: '共享给', withPerson: '某人（邮箱）', group: '群组：{name}',
      email: 'name@hkust-gz.edu.cn', minutes: '时长', min: '{n} 分钟', hours: '{n} 小时', startButton: '开始共享',
      mine: '我的共享', shown: '共享给我的', none: '暂无共享。', end: '结束', stop: '不再查看', accept: '接受',
      pending: '等待{name}接受', pendingMe: '{name}想与您共享位置', active: '共享至 {t}',
      toGroup: '共享给群组{name}', toPerson: '共享给{name}', showOnMap: '在地图上显示{name}', here: '我在这里（地图中心，{floor}）',
      sent: '已将您的位置发送给查看者。', noLive: '请先开始共享。', hereHint: '共享期间，页面会发送已有的位置（演示），或在您确认时发送地图中心。',
      alert: '提醒我，当对方', enter: '到达', leave: '离开', placePlaceholder: 'C3 或 C3-607', addAlert: '添加提醒',
      alertSet: '已设置提醒：{name}{on}{place}。', alertFired: { enter: '{name}已到达{place}', leave: '{name}已离开{place}' },
      groups: '群组', newGroup: '新建群组', groupName: '群组名称', create: '创建', join: '加入群组',
      code: '邀请码', joinButton: '加入', joined: '已加入{name}。', created: '群组{name}：邀请码 {code}',
      members: '{n} 位成员', codeIs: '邀请码 {code}', leaveGroup: '退出', notify: '允许通知',
      connected: '已连接：实时位置显示在地图上。', connecting: '正在连接…', retry: '连接已断开，{s} 秒后重试。',
      closed4003: '实时连接已关闭：该账户已停用。', closed4008: '实时连接已关闭：页面处理不及。',
      reason: '原因：{reason}', ended: '{name}已停止共享。', started: '已开始与{name}共享。',
      outside: '{building}（室外）', markerOther: '{name} · {floor}',
    },
  },
};

const MINUTES = [15, 60, 240, 1440];
const BACKOFF_MS = [1000, 2000, 4000, 8000, 16000, 30000];
const TOAST_MS = 8000;

export function mount(page) {
  const { el, t, api, state } = page;
  page.addText(TEXT);
  const tx = (key, vars) => t('live.' + key, vars);
  const label = (key, attrs = {}) => el('span', { 'data-i18n': 'live.' + key, text: tx(key), ...attrs });

  // ---- The block ----------------------------------------------------------
  const conn = el('p', { class: 'hint live-conn', 'data-testid': 'live-conn' });
  const target = el('select', { 'data-testid': 'live-target', 'aria-label': tx('with') });
  const email = el('input', { type: 'email', 'data-testid': 'live-email', autocomplete: 'off', 'data-i18n-placeholder': 'live.email', placeholder: tx('email'), 'aria-label': tx('withPerson') });
  const minutes = el('select', { 'data-testid': 'live-minutes', 'aria-label': tx('minutes') });
  const startErr = el('p', { class: 'error', role: 'alert', 'data-testid': 'live-error', hidden: true });
  const startForm = el('form', { class: 'stack', 'data-testid': 'live-start-form' },
    el('label', {}, label('with'), target), email,
    el('label', {}, label('minutes'), minutes),
    el('button', { type: 'submit', class: 'primary', 'data-testid': 'live-start', 'data-i18n': 'live.startButton', text: tx('startButton') }),
    startErr);
  const here = el('button', { type: 'button', 'data-testid': 'live-here' });
  const mineList = el('ul', { class: 'results live-list', 'data-testid': 'live-mine' });
  const shownList = el('ul', { class: 'results live-list', 'data-testid': 'live-shown' });
  const notify = el('button', { type: 'button', class: 'chip', 'data-testid': 'live-notify', 'data-i18n': 'live.notify', text: tx('notify'), hidden: true });
  const groupName = el('input', { 'data-testid': 'live-group-name', maxlength: '60', 'aria-label': tx('groupName'), 'data-i18n-placeholder': 'live.groupName', placeholder: tx('groupName') });
  const joinCode = el('input', { 'data-testid': 'live-join-code', maxlength: '20', autocomplete: 'off', 'aria-label': tx('code'), 'data-i18n-placeholder': 'live.code', placeholder: tx('code') });
  const groupErr = el('p', { class: 'error', role: 'alert', 'data-testid': 'live-group-error', hidden: true });
  const groupList = el('ul', { class: 'results live-list', 'data-testid': 'live-groups' });
  const newGroupForm = el('form', { class: 'row', 'data-testid': 'live-group-form' }, groupName,
    el('button', { type: 'submit', 'data-testid': 'live-group-create', 'data-i18n': 'live.create', text: tx('create') }));
  const joinForm = el('form', { class: 'row', 'data-testid': 'live-join-form' }, joinCode,
    el('button', { type: 'submit', 'data-testid': 'live-join', 'data-i18n': 'live.joinButton', text: tx('joinButton') }));
  const block = el('details', { class: 'block live-block', id: 'live-block', 'data-testid': 'live-block', hidden: true },
    el('summary', { 'data-i18n': 'live.title', text: tx('title') }),
    conn, notify,
    el('h2', { class: 'live-h', 'data-i18n': 'live.start', text: tx('start') }), startForm,
    el('h2', { class: 'live-h', 'data-i18n': 'live.mine', text: tx('mine') }), mineList,
    el('p', { class: 'hint', 'data-i18n': 'live.hereHint', text: tx('hereHint') }), here,
    el('h2', { class: 'live-h', 'data-i18n': 'live.shown', text: tx('shown') }), shownList,
    el('h2', { class: 'live-h', 'data-i18n': 'live.groups', text: tx('groups') }), groupList,
    el('h3', { class: 'live-h3', 'data-i18n': 'live.newGroup', text: tx('newGroup') }), newGroupForm,
    el('h3', { class: 'live-h3', 'data-i18n': 'live.join', text: tx('join') }), joinForm, groupErr);
  page.panelBlock(block);
  const toasts = el('div', { class: 'live-toasts', role: 'status', 'aria-live': 'polite', 'data-testid': 'live-toasts' });
  document.body.append(toasts);

  // ---- What the page knows ------------------------------------------------
  let shares = []; // GET /shares
  let groups = []; // GET /groups
  const last = new Map(); // share id -> its last location message
  const markers = new Map(); // share id -> maplibregl.Marker
  const alertPlaces = new Map(); // place id -> what the viewer typed
  let ws = null;
  let connecting = false;
  let attempt = 0;
  let retryTimer = null;
  let refreshTimer = null;
  let sendTimer = null;
  let sentFix = null;
  let closeNote = '';

  const person = (p) => (p && p.name) || '';
  const shareName = (id) => {
    const s = shares.find((x) => x.id === id);
    if (s) return person(s.sharer);
    const m = last.get(id);
    return m ? person(m.person) : '';
  };
  const live = (s) => s.status === 'active' && new Date(s.ends) > new Date();
  const mineLive = () => shares.some((s) => s.mine && live(s));
  const signedIn = () => !!state.token && state.role !== 'tourist';

  function fail(box, e) {
    box.textContent = e ? e.message : '';
    box.hidden = !e;
  }

  function timeOf(s) {
    const d = new Date(s);
    return new Intl.DateTimeFormat(state.lang === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Shanghai' }).format(d);
  }

  // ---- Rendering ----------------------------------------------------------
  function renderForm() {
    const v = target.value || 'person';
    target.replaceChildren(el('option', { value: 'person', text: tx('withPerson') }),
      ...groups.map((g) => el('option', { value: 'group:' + g.id, text: tx('group', { name: g.name }) })));
    target.value = [...target.options].some((o) => o.value === v) ? v : 'person';
    email.hidden = target.value !== 'person';
    const m = minutes.value || '60';
    minutes.replaceChildren(...MINUTES.map((n) => el('option', { value: String(n), text: n < 60 ? tx('min', { n }) : tx('hours', { n: n / 60 }) })));
    minutes.value = m;
    here.textContent = tx('here', { floor: page.floorLabel(state.floor) });
  }

  function renderShares() {
    const mine = shares.filter((s) => s.mine);
    const shown = shares.filter((s) => !s.mine);
    mineList.replaceChildren(...(mine.length ? mine.map((s) => el('li', { 'data-testid': 'live-share', dataset: { id: String(s.id), status: s.status } },
      el('span', { class: 'pick' },
        el('span', { class: 'name', text: s.group ? tx('toGroup', { name: s.group.name }) : tx('toPerson', { name: person(s.with) }) }),
        el('span', { class: 'meta', text: s.status === 'pending' ? tx('pending', { name: person(s.with) }) : tx('active', { t: timeOf(s.ends) }) })),
      el('button', { type: 'button', 'data-testid': 'live-end', text: tx('end'), onclick: () => end(s) })))
      : [el('li', { class: 'empty', text: tx('none') })]));
    shownList.replaceChildren(...(shown.length ? shown.map(renderShown) : [el('li', { class: 'empty', text: tx('none') })]));
    here.hidden = !mineLive();
  }

  function renderShown(s) {
    const name = person(s.sharer);
    const li = el('li', { class: 'live-shown', 'data-testid': 'live-shown-share', dataset: { id: String(s.id), status: s.status } });
    const head = el('div', { class: 'row' },
      el('button', { type: 'button', class: 'pick', 'data-testid': 'live-show', title: tx('showOnMap', { name }), onclick: () => flyTo(s.id) },
        el('span', { class: 'name', text: name }),
        el('span', { class: 'meta', text: s.status === 'pending' ? tx('pendingMe', { name }) : [s.group ? s.group.name : '', tx('active', { t: timeOf(s.ends) })].filter(Boolean).join(' · ') })));
    if (s.status === 'pending') head.append(el('button', { type: 'button', class: 'primary', 'data-testid': 'live-accept', text: tx('accept'), onclick: () => accept(s) }));
    if (!s.group) head.append(el('button', { type: 'button', 'data-testid': 'live-stop', text: tx('stop'), onclick: () => end(s) }));
    li.append(head);
    if (s.status === 'active') {
      const place = el('input', { 'data-testid': 'live-alert-place', maxlength: '40', 'aria-label': tx('placePlaceholder'), placeholder: tx('placePlaceholder') });
      const on = el('select', { 'data-testid': 'live-alert-on', 'aria-label': tx('alert') },
        el('option', { value: 'enter', text: tx('enter') }), el('option', { value: 'leave', text: tx('leave') }));
      const err = el('p', { class: 'error', role: 'alert', 'data-testid': 'live-alert-error', hidden: true });
      li.append(el('form', {
        class: 'row wrap live-alert', 'data-testid': 'live-alert-form',
        onsubmit: (ev) => { ev.preventDefault(); addAlert(s, place.value.trim(), on.value, err); },
      }, el('span', { class: 'hint', text: tx('alert') }), on, place,
      el('button', { type: 'submit', 'data-testid': 'live-alert-add', text: tx('addAlert') })), err);
    }
    return li;
  }

  function renderGroups() {
    groupList.replaceChildren(...(groups.length ? groups.map((g) => el('li', { 'data-testid': 'live-group', dataset: { id: String(g.id) } },
      el('span', { class: 'pick' },
        el('span', { class: 'name', text: g.name }),
        el('span', { class: 'meta', text: [tx('members', { n: (g.members || []).length }), g.code ? tx('codeIs', { code: g.code }) : ''].filter(Boolean).join(' · ') })),
      el('button', { type: 'button', 'data-testid': 'live-leave', text: tx('leaveGroup'), onclick: () => leaveGroup(g) })))
      : [el('li', { class: 'empty', text: tx('none') })]));
    renderForm();
  }

  function renderConn(text) {
    conn.textContent = text;
    notify.hidden = !(typeof Notification !== 'undefined' && Notification.permission === 'default' && signedIn());
  }

  // ---- Markers on the map ---------------------------------------------------
  // A location message: on the floor shown, a marker with the name; on
  // another floor, a faint one with that floor's name; with no floor (a
  // building seen from outside), the building's name.
  function placeMarker(m) {
    const map = page.map;
    if (!map || m.lon === null || m.lon === undefined) return;
    const name = person(m.person);
    const lvl = m.level && state.levels.get(m.level);
    let text = name;
    let where = 'here';
    if (m.ordinal === null || m.ordinal === undefined) {
      where = 'outside';
      text = `${name} · ${tx('outside', { building: page.buildingRef(m.building) || '' })}`;
    } else if (m.ordinal !== state.floor) {
      where = 'other';
      text = tx('markerOther', { name, floor: lvl ? lvl.name : page.floorLabel(m.ordinal) });
    }
    let mk = markers.get(m.share);
    if (!mk) {
      const e = el('div', { class: 'mk mk-live', 'data-testid': 'live-marker', role: 'img' });
      mk = new maplibregl.Marker({ element: e, anchor: 'bottom' }).setLngLat([m.lon, m.lat]).addTo(map);
      markers.set(m.share, mk);
    }
    const e = mk.getElement();
    e.textContent = text;
    e.setAttribute('aria-label', text);
    e.dataset.share = String(m.share);
    e.dataset.where = where;
    e.dataset.ordinal = m.ordinal === null || m.ordinal === undefined ? '' : String(m.ordinal);
    e.classList.toggle('mk-live-other', where === 'other');
    e.classList.toggle('mk-live-outside', where === 'outside');
    e.style.zIndex = where === 'here' ? '3' : '1';
    mk.setLngLat([m.lon, m.lat]);
  }

  function dropMarker(id) {
    const mk = markers.get(id);
    if (mk) mk.remove();
    markers.delete(id);
    last.delete(id);
  }

  function flyTo(id) {
    const m = last.get(id);
    if (!m || !page.map) return;
    if (m.ordinal !== null && m.ordinal !== undefined) page.setFloor(m.ordinal);
    page.map.flyTo({ center: [m.lon, m.lat], zoom: Math.max(page.map.getZoom(), 18.5), duration: 700 });
  }

  document.addEventListener('campus:floor', () => {
    for (const m of last.values()) placeMarker(m);
    renderForm();
  });

  // ---- Notifications ------------------------------------------------------
  function toast(text) {
    const n = el('div', { class: 'live-toast', 'data-testid': 'live-toast', text });
    toasts.append(n);
    setTimeout(() => n.remove(), TOAST_MS);
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
      try { new Notification(t('title'), { body: text, tag: 'campus-live' }); } catch { /* a page without the API's constructor */ }
    }
  }

  function placeName(id) {
    const b = state.buildings.get(id);
    if (b) return b.ref || b.name;
    const l = state.levels.get(id);
    if (l) return `${l.building.ref || l.building.name} ${l.name}`;
    return alertPlaces.get(id) || id;
  }

  notify.addEventListener('click', async () => {
    try { await Notification.requestPermission(); } catch { /* refused */ }
    renderConn(conn.textContent);
  });

  // ---- The socket -----------------------------------------------------------
  function onMessage(ev) {
    let m;
    try { m = JSON.parse(ev.data); } catch { return; }
    switch (m.type) {
      case 'location':
        last.set(m.share, m);
        placeMarker(m);
        document.body.dataset.liveLocations = String(last.size);
        break;
      case 'share_started':
        if (!shares.some((s) => s.id === m.share && s.status === 'active')) refresh();
        break;
      case 'share_ended': {
        const name = shareName(m.share);
        const had = shares.some((s) => s.id === m.share);
        dropMarker(m.share);
        shares = shares.filter((s) => s.id !== m.share);
        renderShares();
        if (had && name) toast(tx('ended', { name }));
        document.body.dataset.liveLocations = String(last.size);
        break;
      }
      case 'alert':
        if (m.id) seenAlert(m.id);
        toast(tx('alertFired.' + m.event, { name: shareName(m.share), place: placeName(m.place) }));
        break;
      case 'error':
        page.showStatus(state.lang === 'zh' && m.detail_zh ? m.detail_zh : m.detail);
        break;
      default:
    }
  }

  // The id of the last alert this browser was told, per person: the
  // socket tells those fired since (the app closed, the phone asleep).
  const alertKey = () => 'campus.live.lastAlert.' + (state.email || '');
  const lastAlert = () => Number(localStorage.getItem(alertKey())) || 0;
  const seenAlert = (id) => { if (id > lastAlert()) localStorage.setItem(alertKey(), String(id)); };

  async function connect() {
    if (ws || connecting || !signedIn()) return;
    clearTimeout(retryTimer);
    connecting = true;
    renderConn(tx('connecting'));
    try {
      const tk = await api('/live/ticket', { method: 'POST' });
      const u = new URL(tk.url, location.href);
      u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
      // The alerts fired while this page was away come first.
      u.searchParams.set('alerts_after', String(lastAlert()));
      const sock = new WebSocket(u);
      ws = sock;
      sock.onopen = () => {
        attempt = 0;
        closeNote = '';
        renderConn(tx('connected'));
        document.body.dataset.live = 'open';
        sentFix = null;
      };
      sock.onmessage = onMessage;
      sock.onclose = (ev) => {
        if (ws !== sock) return;
        ws = null;
        document.body.dataset.live = 'closed';
        if (ev.code === 4003 || ev.code === 4008) {
          closeNote = tx('closed' + ev.code) + (ev.reason ? ' ' + tx('reason', { reason: ev.reason }) : '');
          page.showStatus(closeNote, 8000);
        }
        retry();
      };
    } catch (e) {
      renderConn(e.message);
      if (e.status !== 401 && e.status !== 403 && e.status !== 404) retry();
    } finally {
      connecting = false;
    }
  }

  function retry() {
    if (!signedIn()) return;
    const ms = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    attempt++;
    renderConn([closeNote, tx('retry', { s: Math.round(ms / 1000) })].filter(Boolean).join(' '));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, ms);
  }

  function disconnect() {
    clearTimeout(retryTimer);
    attempt = 0;
    if (ws) {
      const sock = ws;
      ws = null;
      sock.close(1000, 'signed out');
    }
    for (const id of [...markers.keys()]) dropMarker(id);
    document.body.dataset.live = 'closed';
  }

  function send(fix) {
    if (!ws || ws.readyState !== WebSocket.OPEN || !mineLive()) return false;
    ws.send(JSON.stringify({ type: 'fix', lon: fix.lon, lat: fix.lat, ordinal: fix.ordinal, accuracy_m: fix.accuracy_m ?? 10 }));
    return true;
  }

  // The page's own position (the demo's), sent when it changes.
  function sendPageFix() {
    const f = state.fix;
    if (!f || f === sentFix || f.lon === null || f.lon === undefined || f.ordinal === null || f.ordinal === undefined) return;
    if (send(f)) sentFix = f;
  }

  here.addEventListener('click', () => {
    if (!page.map) return;
    const c = page.map.getCenter();
    if (send({ lon: +c.lng.toFixed(7), lat: +c.lat.toFixed(7), ordinal: state.floor, accuracy_m: 5 })) page.showStatus(tx('sent'));
    else page.showStatus(tx('noLive'));
  });

  // ---- The API --------------------------------------------------------------
  async function refresh() {
    if (!signedIn()) return;
    try {
      const [s, g] = await Promise.all([api('/shares'), api('/groups')]);
      shares = (s && s.items) || [];
      groups = (g && g.items) || [];
    } catch (e) {
      renderConn(e.message);
      return;
    }
    for (const id of [...markers.keys()]) if (!shares.some((s) => s.id === id)) dropMarker(id);
    renderShares();
    renderGroups();
    if (shares.length || groups.length) connect();
  }

  startForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = { minutes: Number(minutes.value) };
    if (target.value === 'person') body.with = email.value.trim();
    else body.group = Number(target.value.slice(6));
    try {
      const s = await api('/shares', { method: 'POST', body });
      fail(startErr, null);
      email.value = '';
      shares = [s, ...shares.filter((x) => x.id !== s.id)];
      renderShares();
      connect();
      mineList.querySelector(`[data-id="${s.id}"] button`)?.focus();
    } catch (e) {
      fail(startErr, e);
      if (target.value === 'person') email.focus();
    }
  });

  async function end(s) {
    try {
      await api('/shares/' + s.id, { method: 'DELETE' });
      shares = shares.filter((x) => x.id !== s.id);
      dropMarker(s.id);
      renderShares();
    } catch (e) {
      page.showStatus(e.message);
    }
  }

  async function accept(s) {
    try {
      const v = await api(`/shares/${s.id}/accept`, { method: 'POST' });
      shares = shares.map((x) => (x.id === s.id ? v : x));
      renderShares();
      connect();
      toast(tx('started', { name: person(v.sharer) }));
      shownList.querySelector(`[data-id="${s.id}"] [data-testid="live-alert-place"]`)?.focus();
    } catch (e) {
      page.showStatus(e.message);
    }
  }

  async function addAlert(s, place, on, err) {
    try {
      const a = await api(`/shares/${s.id}/alerts`, { method: 'POST', body: { place, on } });
      alertPlaces.set(a.place, place);
      fail(err, null);
      page.showStatus(tx('alertSet', { name: person(s.sharer), on: tx(on), place }));
      document.body.dataset.liveAlerts = String(Number(document.body.dataset.liveAlerts || 0) + 1);
    } catch (e) {
      fail(err, e);
    }
  }

  newGroupForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const g = await api('/groups', { method: 'POST', body: { name: groupName.value.trim() } });
      fail(groupErr, null);
      groupName.value = '';
      groups = [...groups.filter((x) => x.id !== g.id), g];
      renderGroups();
      page.showStatus(tx('created', { name: g.name, code: g.code }), 8000);
      connect();
    } catch (e) {
      fail(groupErr, e);
      groupName.focus();
    }
  });

  joinForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const g = await api('/groups/join', { method: 'POST', body: { code: joinCode.value.trim() } });
      fail(groupErr, null);
      joinCode.value = '';
      groups = [...groups.filter((x) => x.id !== g.id), g];
      renderGroups();
      page.showStatus(tx('joined', { name: g.name }));
      refresh();
    } catch (e) {
      fail(groupErr, e);
      joinCode.focus();
    }
  });

  async function leaveGroup(g) {
    try {
      await api(`/groups/${g.id}/leave`, { method: 'POST' });
      groups = groups.filter((x) => x.id !== g.id);
      renderGroups();
      refresh();
    } catch (e) {
      fail(groupErr, e);
    }
  }

  target.addEventListener('change', () => { email.hidden = target.value !== 'person'; });
  block.addEventListener('toggle', () => { if (block.open) refresh(); });

  // ---- Language and role ------------------------------------------------------
  page.onLang(() => {
    for (const e of [...block.querySelectorAll('[aria-label]')]) {
      if (e === target) e.setAttribute('aria-label', tx('with'));
      if (e === minutes) e.setAttribute('aria-label', tx('minutes'));
      if (e === email) e.setAttribute('aria-label', tx('withPerson'));
      if (e === groupName) e.setAttribute('aria-label', tx('groupName'));
      if (e === joinCode) e.setAttribute('aria-label', tx('code'));
    }
    renderShares();
    renderGroups();
    for (const m of last.values()) placeMarker(m);
    renderConn(ws && ws.readyState === WebSocket.OPEN ? tx('connected') : conn.textContent);
  });

  page.onRole(() => {
    const on = signedIn();
    block.hidden = !on;
    disconnect();
    clearInterval(refreshTimer);
    clearInterval(sendTimer);
    shares = [];
    groups = [];
    renderShares();
    renderGroups();
    renderConn('');
    if (!on) return;
    refresh();
    // A share asked of me, or a group's, is learnt by looking now and then.
    refreshTimer = setInterval(() => { if (!document.hidden) refresh(); }, 30000);
    sendTimer = setInterval(sendPageFix, 1000);
  });
}
