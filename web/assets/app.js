// The campus map page: MapLibre GL JS over the server's style and vector
// tiles, and the API under /api/v1 for search, nearest, routes, positions
// and saved places. Plain ES modules, no build step. Every answer is the
// signed-in role's (or a tourist's): the page only shows what it is given.
import * as maplibregl from '/assets/maplibre-gl.mjs';
import { SCREENS } from '/assets/screens.js';

// ---- Text, in English and Simplified Chinese ----------------------------

const TEXT = {
  en: {
    title: 'HKUST(GZ) campus', panel: 'Panel', search: 'Search', searchPlaceholder: 'Room (C3-607), name or type (printer)',
    searchGo: 'Search', route: 'Route', from: 'From', to: 'To', fromPlaceholder: 'G2, C3-101, a building', toPlaceholder: 'C3-607',
    myLocation: 'My location', wheelchair: 'Wheelchair (step-free)', go: 'Go', clear: 'Clear', nearby: 'Nearest',
    printer: 'Printer', aed: 'AED', vending: 'Vending machine', restroom: 'Restroom', position: 'My location',
    positionHint: 'A browser cannot hear the campus beacons; the mini program sends them. The demo replays simulated scans through the positioning API.',
    demoStart: 'Start demo', demoStop: 'Stop demo', demoLabel: 'Demo: simulated position', places: 'Saved places',
    placesSignIn: 'Sign in to save places.', placeName: 'Where I parked', save: 'Save here', account: 'Account',
    publicMap: 'Without signing in you see the public map, as a visitor or tourist.', email: 'name@hkust-gz.edu.cn',
    password: 'Password', signIn: 'Sign in', signOut: 'Sign out', styleFallback: 'Basic map: the campus tiles are not available',
    noResults: 'Nothing found', routeTo: 'To', routeFrom: 'From', campus: 'Campus', noIndoor: 'indoors not shown',
    fromMyLocation: 'From my location', fromMapCentre: 'From the map centre, {floor}', myLocationLabel: 'My location',
    mapCentre: 'Map centre {floor}', needEnds: 'Give a start and a destination.', needFix: 'No position yet: start the demo, or use the map centre.',
    summary: '{dist} · {time}', floorChanges: '{n} floor change(s)', metres: '{m} m', underMinute: 'under a minute', minutes: '{n} min', via: { stairs: 'stairs', elevator: 'elevator', escalator: 'escalator', ramp: 'ramp' },
    kind: { unit: 'room', amenity: 'facility', gate: 'gate', building: 'building' }, saved: 'Saved: {name}', del: 'Delete',
    routeHere: 'Route here', placeFrom: 'Saves {where}', noPlaces: 'No saved places yet.', signedOut: 'Your session ended; you see the public map.',
    noFix: 'No position: {reason}', demoEnded: 'Demo restarted', accuracy: '±{m} m', outdoors: 'outdoors', sessionStart: 'Signed in as {role}',
    roles: { staff: 'staff', student: 'student', family: 'family', visitor: 'visitor', tourist: 'tourist (public map)', admin: 'admin' },
    levelChange: '{from} → {to} by {via}', levelVia: ' by {via}', routeLoaded: 'Route: {summary}', styleNote: '', langButton: '中文',
    routeFloors: 'Route', floorAria: 'Floor {floor}', legend: 'Legend', legendClose: 'Close the legend',
    notFound: 'Not found: {q}', codeSent: 'A code was texted to {phone}.', ssoUnavailable: 'Campus sign-in is not available here.',
    ssoFailed: 'Campus sign-in failed: {reason}', ssoButton: 'Staff and students: campus sign-in', phoneLabel: 'Visitors: your mobile number',
    phoneSend: 'Text me a code', codeLabel: 'The 6-digit code', verify: 'Sign in', passwordSignIn: 'Or with a password',
    legendItems: {
      'restroom-male': "Men's restroom", 'restroom-female': "Women's restroom", elevator: 'Elevator', stairs: 'Stairs',
      copymachine: 'Printer', drinkingfountain: 'Drinking water', firstaid: 'First aid', defibrillator: 'AED (defibrillator)',
      vendingmachine: 'Vending machine', information: 'Information', cashier: 'Cashier', atm: 'ATM', shower: 'Shower',
      gate: 'Campus gate', carpark: 'Car park entrance', entrance: 'Building entrance',
      covered: 'Covered walkway', footway: 'Footpath', steps: 'Steps', plaza: 'Plaza', lawn: 'Lawn',
    },
  },
  zh: {
    title: '港科大（广州）校园地图', panel: '面板', search: '搜索', searchPlaceholder: '房间（C3-607）、名称或类型（打印机）',
    searchGo: '搜索', route: '路线', from: '起点', to: '终点', fromPlaceholder: 'G2、C3-101、楼宇', toPlaceholder: 'C3-607',
    myLocation: '我的位置', wheelchair: '轮椅（无台阶）', go: '出发', clear: '清除', nearby: '最近',
    printer: '打印机', aed: 'AED', vending: '自动售货机', restroom: '洗手间', position: '我的位置',
    positionHint: '浏览器无法接收校园蓝牙信标；由小程序发送。演示模式通过定位接口回放模拟扫描。',
    demoStart: '开始演示', demoStop: '停止演示', demoLabel: '演示：模拟位置', places: '收藏地点',
    placesSignIn: '登录后可收藏地点。', placeName: '我停车的位置', save: '收藏此处', account: '账户',
    publicMap: '未登录时显示公开地图（访客、游客）。', email: 'name@hkust-gz.edu.cn',
    password: '密码', signIn: '登录', signOut: '退出登录', styleFallback: '基础地图：校园瓦片暂不可用',
    noResults: '没有找到', routeTo: '去这里', routeFrom: '从这里', campus: '校园', noIndoor: '室内不公开',
    fromMyLocation: '从我的位置', fromMapCentre: '从地图中心，{floor}', myLocationLabel: '我的位置',
    mapCentre: '地图中心 {floor}', needEnds: '请填写起点和终点。', needFix: '尚无定位：请开始演示，或使用地图中心。',
    summary: '{dist} · {time}', floorChanges: '换层 {n} 次', metres: '{m} 米', underMinute: '不到 1 分钟', minutes: '{n} 分钟', via: { stairs: '楼梯', elevator: '电梯', escalator: '扶梯', ramp: '坡道' },
    kind: { unit: '房间', amenity: '设施', gate: '校门', building: '楼宇' }, saved: '已收藏：{name}', del: '删除',
    routeHere: '导航到此', placeFrom: '收藏{where}', noPlaces: '还没有收藏地点。', signedOut: '登录已失效，显示公开地图。',
    noFix: '无定位：{reason}', demoEnded: '演示重新开始', accuracy: '±{m} 米', outdoors: '室外', sessionStart: '已登录：{role}',
    roles: { staff: '教职工', student: '学生', family: '家属', visitor: '访客', tourist: '游客（公开地图）', admin: '管理员' },
    levelChange: '{from} → {to}，经{via}', levelVia: '，经{via}', routeLoaded: '路线：{summary}', styleNote: '', langButton: 'English',
    routeFloors: '路线', floorAria: '{floor}', legend: '图例', legendClose: '关闭图例',
    notFound: '没有找到：{q}', codeSent: '验证码已发送至 {phone}。', ssoUnavailable: '此处未开通校园统一登录。',
    ssoFailed: '校园统一登录失败：{reason}', ssoButton: '教职工和学生：校园统一登录', phoneLabel: '访客：手机号码',
    phoneSend: '发送验证码', codeLabel: '6 位验证码', verify: '登录', passwordSignIn: '或使用密码登录',
    legendItems: {
      'restroom-male': '男洗手间', 'restroom-female': '女洗手间', elevator: '电梯', stairs: '楼梯',
      copymachine: '打印机', drinkingfountain: '饮水机', firstaid: '急救箱', defibrillator: '除颤仪',
      vendingmachine: '自动售货机', information: '服务台', cashier: '收银台', atm: '自动取款机', shower: '淋浴间',
      gate: '校门', carpark: '停车场入口', entrance: '楼宇入口',
      covered: '风雨连廊', footway: '步行道', steps: '台阶', plaza: '广场', lawn: '草坪',
    },
  },
};

// addText adds a screen's own text ({en: {...}, zh: {...}}) to the page's.
function addText(dict) {
  for (const lang of Object.keys(TEXT)) Object.assign(TEXT[lang], dict[lang] || {});
}

function t(key, vars) {
  let s = key.split('.').reduce((o, k) => (o == null ? o : o[k]), TEXT[state.lang]);
  if (s == null) s = key.split('.').reduce((o, k) => (o == null ? o : o[k]), TEXT.en) ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ''));
  return s;
}

// ---- State --------------------------------------------------------------

const FLOOR_LAYER_IDS = ['units', 'unit-outlines', 'openings', 'amenities', 'labels'];
const UNKNOWN_ORDINAL = -999; // a fix with no floor (a building seen from outside)
const $ = (id) => document.getElementById(id);

const state = {
  token: localStorage.getItem('campus.token') || null,
  role: 'tourist',
  email: null,
  lang: localStorage.getItem('campus.lang') || (navigator.language && navigator.language.startsWith('zh') ? 'zh' : 'en'),
  floor: 0,
  venue: null,
  buildings: new Map(), // id -> building of /venue
  levels: new Map(), // level id -> {name, ordinal, building}
  allOrdinals: [0],
  centreBuilding: null,
  styleMode: 'loading', // 'vector' (the server's style) or 'fallback'
  tileTemplates: null, // the campus source's tile URLs, as the style gives them
  floorLayers: [],
  baseFilters: {},
  textFields: {}, // symbol layer id -> the style's own text-field
  route: null,
  fix: null,
  demo: null,
  places: [],
  markers: { route: [], search: null, places: [] },
  step: null, // the route step shown
  stepAt: null, // where each step is: [{at, ordinal}]
  lastResults: [],
};

// ---- The API ------------------------------------------------------------

function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  return u.toString();
}

async function api(path, opts = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': state.lang };
  if (opts.headers) Object.assign(headers, opts.headers); // e.g. an Idempotency-Key
  if (state.token) headers.Authorization = 'Bearer ' + state.token;
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  const r = await fetch('/api/v1' + path, { method: opts.method || 'GET', headers, body });
  if (r.status === 204) return null;
  let data = null;
  try { data = await r.json(); } catch { /* not JSON */ }
  if (!r.ok) {
    if (r.status === 401 && state.token && path !== '/auth/login') {
      forgetSession();
      showStatus(t('signedOut'));
    }
    const e = new Error((data && (data.detail || data.title)) || `HTTP ${r.status}`);
    e.status = r.status;
    e.problem = data;
    throw e;
  }
  return data;
}

// ---- Small helpers --------------------------------------------------------

// A walk's time as people say it: "under a minute", "1 min", "2 min"
// (minutes rounded, never "0 min" and never "1 min" for 7 s).
function duration(seconds) {
  if (!(seconds >= 60)) return t('underMinute');
  return t('minutes', { n: Math.round(seconds / 60) });
}

// A distance in the page's language: "50 m", "50 米" (rounded to 5 m past 100 m).
function distance(m) {
  const v = m >= 100 ? Math.round(m / 5) * 5 : Math.max(1, Math.round(m));
  return t('metres', { m: v });
}

// A floor as people say it, in the page's language: 6F, B1; 6楼, 负1楼.
function floorLabel(n) {
  if (n === null || n === undefined || n === UNKNOWN_ORDINAL) return '';
  if (state.lang === 'zh') return n >= 0 ? `${n + 1}楼` : `负${-n}楼`;
  return n >= 0 ? `${n + 1}F` : `B${-n}`;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

let statusTimer = null;
function showStatus(msg, ms = 3500) {
  const s = $('status');
  s.textContent = msg;
  s.hidden = false;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { s.hidden = true; }, ms);
}

function debounce(fn, ms) {
  let h = null;
  return (...a) => { clearTimeout(h); h = setTimeout(() => fn(...a), ms); };
}

function buildingRef(id) {
  const b = id && state.buildings.get(id);
  return b ? (b.ref || b.name) : '';
}

function isPhone() { return window.matchMedia('(max-width: 760px)').matches; }

// The map's own padding keeps what is shown clear of the bottom sheet on a
// phone (MapLibre adds it to the padding of every fit, so fits pass only
// their margin).
function basePadding() {
  if (!isPhone()) return { top: 0, bottom: 0, left: 0, right: 0 };
  const panel = $('panel').getBoundingClientRect();
  return { top: 0, bottom: Math.max(0, Math.round(window.innerHeight - panel.top)), left: 0, right: 0 };
}

function fitMargin() {
  return isPhone() ? { top: 50, bottom: 30, left: 70, right: 50 } : { top: 60, bottom: 50, left: 50, right: 90 };
}

function updatePadding() {
  if (map) map.setPadding(basePadding());
}

// ---- Language --------------------------------------------------------------

function applyText() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  document.title = t('title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-placeholder]')) e.placeholder = t(e.dataset.i18nPlaceholder);
  $('lang-toggle').textContent = t('langButton');
  $('demo-toggle').textContent = state.demo ? t('demoStop') : t('demoStart');
  renderLegend();
  renderRole();
  renderFloors();
  renderNearbyOrigin();
}

async function setLang(lang) {
  state.lang = lang;
  localStorage.setItem('campus.lang', lang);
  applyText();
  applyLabelLanguage();
  await loadVenue().catch(() => {});
  renderFloors();
  if ($('search-input').value.trim()) runSearch();
  if (state.route) computeRoute({ fit: false });
  if (state.places.length) renderPlaces();
  for (const f of langHooks) f(state.lang);
}

// Labels show name_en or name_zh: every name the style's text-field reads
// becomes the chosen language's, falling back to the plain name.
function localizeField(expr) {
  if (typeof expr === 'string') {
    return expr.includes('{name') ? localizeField(['get', 'name']) : expr;
  }
  if (!Array.isArray(expr)) return expr;
  if (expr[0] === 'get' && typeof expr[1] === 'string' && /^name(_en|_zh)?$/.test(expr[1])) {
    return ['coalesce', ['get', 'name_' + state.lang], ['get', 'name']];
  }
  return expr.map((x, i) => (i === 0 ? x : localizeField(x)));
}

function applyLabelLanguage() {
  if (!map) return;
  for (const [id, field] of Object.entries(state.textFields)) {
    if (map.getLayer(id)) map.setLayoutProperty(id, 'text-field', localizeField(field));
  }
}

// ---- Floors ----------------------------------------------------------------

function mentionsLevel(f) {
  if (!Array.isArray(f)) return false;
  if ((f[0] === 'get' || f[0] === 'has') && f[1] === 'level') return true;
  if (typeof f[1] === 'string' && f[1] === 'level' && ['==', '!=', 'in', '!in', 'has', '!has'].includes(f[0])) return true;
  return f.some(mentionsLevel);
}

// stripLevel removes the style's own floor clause from a filter, keeping
// the rest, so that the page's floor replaces the style's.
function stripLevel(f) {
  if (!Array.isArray(f)) return f ?? null;
  if (f[0] === 'all') {
    const rest = f.slice(1).map(stripLevel).filter((x) => x !== null);
    if (rest.length === 0) return null;
    return rest.length === 1 ? rest[0] : ['all', ...rest];
  }
  return mentionsLevel(f) ? null : f;
}

function isLegacyFilter(f) {
  return Array.isArray(f) && typeof f[1] === 'string' && ['==', '!=', '<', '<=', '>', '>=', 'in', '!in', 'has', '!has'].includes(f[0]);
}

function floorFilter(id) {
  const base = state.baseFilters[id];
  const n = String(state.floor);
  if (base && isLegacyFilter(base)) return ['all', base, ['==', 'level', n]];
  const f = ['==', ['get', 'level'], n];
  return base ? ['all', base, f] : f;
}

function setFloor(n, { quiet = false } = {}) {
  state.floor = Number(n);
  document.body.dataset.floor = String(state.floor);
  if (map) {
    for (const id of state.floorLayers) if (map.getLayer(id)) map.setFilter(id, floorFilter(id));
    applyFloorToOverlays();
  }
  renderFloors();
  renderStepsFloor();
  renderNearbyOrigin();
  writeURL();
  if (!quiet) document.dispatchEvent(new CustomEvent('campus:floor', { detail: state.floor }));
}

// FLOORS_ZOOM is where the floor switcher appears: below it the map is the
// campus, with no floors to pick (the style's plans come at 18).
const FLOORS_ZOOM = 17.5;
const LOCATE_ZOOM = 16;

function routeOrdinals() {
  const feats = (state.route && state.route.geometry && state.route.geometry.features) || [];
  return [...new Set(feats.map((f) => f.properties.ordinal).filter((o) => typeof o === 'number'))];
}

function renderFloors() {
  const box = document.querySelector('#floors .floors-buttons');
  const title = document.querySelector('#floors .floors-building');
  const atCampus = !map || map.getZoom() < FLOORS_ZOOM;
  const b = atCampus ? null : state.centreBuilding;
  const routeOrds = routeOrdinals();
  const set = new Set(routeOrds.length > 1 ? routeOrds : []);
  let heading = '';
  if (set.size) {
    // A route across floors: its floors, wherever the map is.
    heading = t('routeFloors');
  } else if (b && b.levels && b.levels.length) {
    for (const l of b.levels) set.add(l.ordinal);
    heading = b.ref || b.name;
  } else if (b) {
    heading = `${b.ref || b.name}: ${t('noIndoor')}`;
  }
  if (set.size) set.add(state.floor);
  const sorted = [...set].sort((a, c) => c - a);
  const focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
  title.textContent = heading;
  const floors = $('floors');
  floors.hidden = !heading && !sorted.length;
  floors.dataset.building = b ? (b.ref || '') : '';
  box.replaceChildren(...sorted.map((o) => el('button', {
    type: 'button', text: floorLabel(o), 'data-testid': `floor-${o}`, 'aria-pressed': String(o === state.floor),
    'aria-label': t('floorAria', { floor: floorLabel(o) }),
    class: routeOrds.includes(o) && routeOrds.length > 1 ? 'on-route' : null,
    onclick: () => setFloor(o),
  })));
  if (focused) { // keep the keyboard's place across the redraw
    const again = box.querySelector(`[data-testid="${focused}"]`);
    if (again) again.focus();
  }
}

// The building in view: the floor switcher's, and the one highlighted (the
// building of my position when I have one).
function highlightBuilding() {
  if (!map || !map.getLayer('footprint-highlight')) return;
  const fixB = state.fix && state.fix.building;
  const id = fixB || (map.getZoom() >= LOCATE_ZOOM && state.centreBuilding ? state.centreBuilding.id : '');
  map.setFilter('footprint-highlight', ['==', ['get', 'id'], id || '']);
}

let locateSeq = 0;
const updateCentreBuilding = debounce(async () => {
  if (!map) return;
  const seq = ++locateSeq;
  if (map.getZoom() < LOCATE_ZOOM) {
    state.centreBuilding = null;
    renderFloors();
    highlightBuilding();
    return;
  }
  const c = map.getCenter();
  try {
    const r = await api('/locate?' + qs({ lon: c.lng.toFixed(7), lat: c.lat.toFixed(7), ordinal: state.floor, lang: state.lang }));
    if (seq !== locateSeq) return;
    state.centreBuilding = r && r.building ? (state.buildings.get(r.building.id) || { ...r.building, levels: [] }) : nearestBuilding();
  } catch {
    state.centreBuilding = nearestBuilding();
  }
  renderFloors();
  highlightBuilding();
}, 250);

// nearestBuilding is the building drawn nearest the centre of the map (a
// building whose floors the viewer sees first), when the centre is
// outdoors: its floors are the ones on the screen.
function nearestBuilding() {
  if (!map || map.getZoom() < FLOORS_ZOOM || !map.getLayer('footprints-flat')) return null;
  const c = map.project(map.getCenter());
  let best = null;
  let bestD = Infinity;
  for (const f of map.queryRenderedFeatures({ layers: ['footprints-flat'] })) {
    const b = state.buildings.get(f.properties.id);
    if (!b) continue;
    const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates[0][0] : [];
    let d = Infinity;
    for (const p of ring) {
      const q = map.project(p);
      d = Math.min(d, Math.hypot(q.x - c.x, q.y - c.y));
    }
    if (!(b.levels && b.levels.length)) d += 1e6; // a building seen only from outside comes last
    if (d < bestD) {
      bestD = d;
      best = b;
    }
  }
  return best;
}

// ---- The legend ----------------------------------------------------------

const LEGEND_ICONS = ['restroom-male', 'restroom-female', 'elevator', 'stairs', 'copymachine', 'drinkingfountain', 'firstaid',
  'defibrillator', 'vendingmachine', 'information', 'atm', 'shower', 'gate', 'carpark', 'entrance'];
const LEGEND_SWATCHES = { covered: 'sw-covered', footway: 'sw-footway', steps: 'sw-steps', plaza: 'sw-plaza', lawn: 'sw-lawn' };
let spriteIndex = null;

async function loadSpriteIndex() {
  if (spriteIndex) return spriteIndex;
  try {
    const r = await fetch('/assets/sprite/sprite@2x.json');
    spriteIndex = r.ok ? await r.json() : {};
  } catch {
    spriteIndex = {};
  }
  return spriteIndex;
}

async function renderLegend() {
  const list = $('legend-list');
  if (!list) return;
  const idx = await loadSpriteIndex();
  let w = 0;
  let h = 0;
  for (const e of Object.values(idx)) {
    w = Math.max(w, e.x + e.width);
    h = Math.max(h, e.y + e.height);
  }
  const items = [];
  for (const name of LEGEND_ICONS) {
    const e = idx[name];
    if (!e) continue;
    const r = e.pixelRatio || 1;
    const icon = el('span', { class: 'legend-icon', 'aria-hidden': 'true' });
    icon.style.backgroundPosition = `${-e.x / r}px ${-e.y / r}px`;
    icon.style.backgroundSize = `${w / r}px ${h / r}px`;
    items.push(el('li', { dataset: { icon: name } }, icon, el('span', { text: t('legendItems.' + name) })));
  }
  for (const [name, cls] of Object.entries(LEGEND_SWATCHES)) {
    items.push(el('li', { dataset: { swatch: name } }, el('span', { class: 'legend-swatch ' + cls, 'aria-hidden': 'true' }), el('span', { text: t('legendItems.' + name) })));
  }
  list.replaceChildren(...items);
}

// ---- The map ---------------------------------------------------------------

let map = null;

function sameOrigin(url) {
  try { return new URL(url, location.href).origin === location.origin; } catch { return false; }
}

function absolute(u) {
  return typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? location.origin + u : u;
}

// The role goes into the tile URLs only to keep each role's tiles apart in
// the browser's cache (the server reads the role from the token alone).
function tileURL(template) {
  const u = absolute(template);
  return u + (u.includes('?') ? '&' : '?') + 'view=' + encodeURIComponent(state.role);
}

async function loadStyle() {
  const headers = state.token ? { Authorization: 'Bearer ' + state.token } : {};
  const r = await fetch('/style.json', { headers });
  if (!r.ok) throw new Error(`style: HTTP ${r.status}`);
  const style = await r.json();
  if (style.version !== 8 || !style.sources) throw new Error('style: not a MapLibre style v8');
  const src = style.sources.campus;
  if (src && src.url && !src.tiles) {
    // A TileJSON source: read it here, so the tile URLs are ours to key.
    const tj = await (await fetch(absolute(src.url), { headers })).json();
    src.tiles = tj.tiles;
    for (const k of ['minzoom', 'maxzoom', 'bounds']) if (tj[k] !== undefined && src[k] === undefined) src[k] = tj[k];
    delete src.url;
  }
  if (src && src.tiles) {
    state.tileTemplates = src.tiles.slice();
    src.tiles = src.tiles.map(tileURL);
  }
  if (typeof style.glyphs === 'string') style.glyphs = absolute(style.glyphs);
  if (typeof style.sprite === 'string') style.sprite = absolute(style.sprite);
  for (const s of Object.values(style.sources)) if (s.data && typeof s.data === 'string') s.data = absolute(s.data);
  return style;
}

function fallbackStyle() {
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0e8' } }],
  };
}

function transformRequest(url, resourceType) {
  if (state.token && sameOrigin(url) && new URL(url, location.href).pathname.startsWith('/tiles/')) {
    return { url, headers: { Authorization: 'Bearer ' + state.token } };
  }
  return { url };
}

async function createMap() {
  let style;
  try {
    style = await loadStyle();
    state.styleMode = 'vector';
  } catch (e) {
    console.warn('campus map: no vector style, a basic map instead:', e.message);
    style = fallbackStyle();
    state.styleMode = 'fallback';
  }
  document.body.dataset.styleMode = state.styleMode;
  $('style-note').hidden = state.styleMode !== 'fallback';
  const dp = state.venue && state.venue.display_point;
  const centre = Array.isArray(dp) ? dp : (dp && dp.coordinates) || [113.4787, 22.8958];
  map = new maplibregl.Map({
    // a phone sees the whole campus above its bottom sheet
    container: 'map', style, center: centre, zoom: isPhone() ? 15.5 : 16.3, pitch: 50, bearing: -17, maxZoom: 22, maxPitch: 70,
    transformRequest, attributionControl: { compact: true },
    // Chinese labels: the browser's own CJK font (the style's glyphs are Latin).
    localIdeographFontFamily: "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', 'PingFang SC', 'Microsoft YaHei', sans-serif",
  });
  window.campusMap = map;
  map.addControl(new maplibregl.NavigationControl({ visualizePitch: true }), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  updatePadding();
  window.addEventListener('resize', updatePadding);
  map.on('style.load', onStyleLoad);
  map.on('moveend', updateCentreBuilding);
  map.on('error', (e) => console.warn('map error:', e && e.error && e.error.message));
  await new Promise((resolve) => map.once('load', resolve));
}

function onStyleLoad() {
  const style = map.getStyle();
  state.floorLayers = [];
  state.baseFilters = {};
  for (const l of style.layers) {
    const srcLayer = l['source-layer'];
    const isFloor = FLOOR_LAYER_IDS.includes(l.id) ||
      (l.source === 'campus' && l.id !== 'footprints' && srcLayer !== 'footprints' && srcLayer !== 'venue' && mentionsLevel(l.filter));
    if (!isFloor || l.type === 'background') continue;
    state.floorLayers.push(l.id);
    state.baseFilters[l.id] = stripLevel(l.filter);
  }
  state.textFields = {};
  for (const l of style.layers) {
    if (l.type === 'symbol' && l.layout && l.layout['text-field'] !== undefined) state.textFields[l.id] = l.layout['text-field'];
  }
  if (state.styleMode === 'fallback') addFallbackFootprints();
  highlightBuilding();
  addOverlays();
  applyLabelLanguage();
  setFloor(state.floor, { quiet: true });
}

async function addFallbackFootprints() {
  try {
    const fc = await api('/collections/footprints/items?limit=1000');
    if (!map.getSource('fallback-footprints')) {
      map.addSource('fallback-footprints', { type: 'geojson', data: fc });
      map.addLayer({
        id: 'fallback-footprints', type: 'fill-extrusion', source: 'fallback-footprints',
        paint: { 'fill-extrusion-color': '#d9d4c7', 'fill-extrusion-height': 24, 'fill-extrusion-opacity': 0.8 },
      }, map.getLayer('route-other') ? 'route-other' : undefined);
    }
  } catch (e) {
    console.warn('footprints:', e.message);
  }
}

const EMPTY = { type: 'FeatureCollection', features: [] };

function addOverlays() {
  if (!map.getSource('route')) map.addSource('route', { type: 'geojson', data: state.route ? state.route.geometry : EMPTY });
  if (!map.getSource('position')) map.addSource('position', { type: 'geojson', data: positionData() });
  if (!map.getSource('route-step')) map.addSource('route-step', { type: 'geojson', data: EMPTY });
  const add = (layer) => { if (!map.getLayer(layer.id)) map.addLayer(layer); };
  add({
    id: 'route-other', type: 'line', source: 'route', layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': '#7a8794', 'line-width': 4, 'line-opacity': 0.55, 'line-dasharray': [1.5, 1.5] },
  });
  add({
    id: 'route-casing', type: 'line', source: 'route', layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': '#ffffff', 'line-width': 9 },
  });
  add({
    id: 'route-current', type: 'line', source: 'route', layout: { 'line-cap': 'round', 'line-join': 'round' },
    paint: { 'line-color': '#0b63ce', 'line-width': 5 },
  });
  add({
    id: 'route-step', type: 'circle', source: 'route-step',
    paint: { 'circle-radius': 11, 'circle-color': 'rgba(11,99,206,0.15)', 'circle-stroke-color': '#0b63ce', 'circle-stroke-width': 3 },
  });
  // The accuracy circle, in metres: pixels per metre double with each zoom.
  const mPerPx22 = (40075016.686 * Math.cos((22.9 * Math.PI) / 180)) / (512 * 2 ** 22);
  add({
    id: 'position-accuracy', type: 'circle', source: 'position',
    paint: {
      'circle-color': '#1a73e8', 'circle-opacity': 0.12, 'circle-stroke-color': '#1a73e8', 'circle-stroke-width': 1, 'circle-stroke-opacity': 0.3,
      'circle-radius': ['interpolate', ['exponential', 2], ['zoom'], 12, ['/', ['get', 'acc'], mPerPx22 * 1024], 22, ['/', ['get', 'acc'], mPerPx22]],
    },
  });
  add({
    id: 'position-dot', type: 'circle', source: 'position',
    paint: { 'circle-color': '#1a73e8', 'circle-radius': 7, 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2.5 },
  });
  applyFloorToOverlays();
}

function applyFloorToOverlays() {
  if (!map || !map.getLayer('route-current')) return;
  const here = ['==', ['get', 'ordinal'], state.floor];
  map.setFilter('route-current', here);
  map.setFilter('route-casing', here);
  map.setFilter('route-other', ['!', here]);
  const onFloor = ['any', here, ['==', ['get', 'ordinal'], UNKNOWN_ORDINAL]];
  map.setPaintProperty('position-dot', 'circle-opacity', ['case', onFloor, 1, 0.35]);
  map.setPaintProperty('position-dot', 'circle-stroke-opacity', ['case', onFloor, 1, 0.35]);
}

// When the role changes, the same tile URLs must give other tiles: new
// URLs (keyed by role) reload them and keep them apart in the cache.
function reloadTiles() {
  const src = map && map.getSource('campus');
  if (src && state.tileTemplates && typeof src.setTiles === 'function') src.setTiles(state.tileTemplates.map(tileURL));
}

// ---- Venue -------------------------------------------------------------------

async function loadVenue() {
  const v = await api('/venue?' + qs({ lang: state.lang }));
  state.venue = v;
  state.buildings = new Map();
  state.levels = new Map();
  const ords = new Set([0]);
  for (const b of v.buildings || []) {
    state.buildings.set(b.id, b);
    for (const l of b.levels || []) {
      state.levels.set(l.id, { ...l, building: b });
      ords.add(l.ordinal);
    }
  }
  state.allOrdinals = [...ords].sort((a, b) => a - b);
  if (state.centreBuilding) state.centreBuilding = state.buildings.get(state.centreBuilding.id) || null;
}

// ---- Search --------------------------------------------------------------------

let searchSeq = 0;
async function runSearch() {
  const q = $('search-input').value.trim();
  const list = $('search-results');
  const seq = ++searchSeq;
  if (!q) {
    list.replaceChildren();
    return;
  }
  let results;
  try {
    results = await api('/search?' + qs({ q, lang: state.lang, limit: 10 }));
  } catch (e) {
    if (seq === searchSeq) list.replaceChildren(el('li', { class: 'empty', 'data-testid': 'search-empty', text: e.message }));
    return;
  }
  if (seq !== searchSeq) return;
  state.lastResults = results;
  if (!results.length) {
    list.replaceChildren(el('li', { class: 'empty', 'data-testid': 'search-empty', text: t('noResults') }));
    return;
  }
  list.replaceChildren(...results.map((r) => {
    const where = [buildingRef(r.building), floorLabel(r.level ? r.ordinal : null)].filter(Boolean).join(' ');
    const meta = [r.ref && r.ref !== r.name ? r.ref : null, t('kind.' + r.kind), where].filter(Boolean).join(' · ');
    return el('li', { 'data-testid': 'search-result', dataset: { ref: r.ref || '', id: r.id } },
      el('button', { type: 'button', class: 'pick', onclick: () => showResult(r) },
        el('span', { class: 'name', text: r.name || r.ref }), el('span', { class: 'meta', text: meta })),
      el('button', { type: 'button', class: 'chip', 'data-testid': 'search-route-from', text: t('routeFrom'), onclick: () => { setEnd('from', r); } }),
      el('button', { type: 'button', class: 'chip', 'data-testid': 'search-route-to', text: t('routeTo'), onclick: () => { setEnd('to', r); if (placeValue('from')) computeRoute(); } }));
  }));
}

function placeLabel(r) {
  return r.ref && r.kind !== 'amenity' ? r.ref : r.name || r.ref || r.id;
}

function showResult(r, { fly = true } = {}) {
  if (r.level && r.ordinal !== null && r.ordinal !== undefined) setFloor(r.ordinal);
  if (state.markers.search) state.markers.search.remove();
  state.markers.search = new maplibregl.Marker({ element: el('div', { class: 'mk mk-search', 'data-testid': 'search-marker', text: placeLabel(r) }), anchor: 'bottom' })
    .setLngLat([r.lon, r.lat]).addTo(map);
  state.markers.search.getElement().style.zIndex = '3';
  if (fly) map.flyTo({ center: [r.lon, r.lat], zoom: r.kind === 'building' ? 18 : 19.3, pitch: r.kind === 'building' ? 50 : 20, duration: 800 });
  if (!placeValue('to')) setEnd('to', r);
  state.shown = r.ref || r.id;
  writeURL();
}

// ---- Routes ----------------------------------------------------------------------

function setEnd(which, r) {
  const input = $('route-' + which);
  const label = typeof r === 'string' ? r : placeLabel(r);
  input.value = label;
  input.dataset.label = label;
  input.dataset.place = typeof r === 'string' ? r : r.id;
  input.dataset.ref = typeof r === 'string' ? '' : (r.kind !== 'amenity' && r.ref) || '';
}

// linkEnd is how a route's end is written in a link: a reference people
// read (C3-607, G2) where there is one, else what the API is asked.
function linkEnd(which) {
  const input = $('route-' + which);
  const v = placeValue(which);
  return input.dataset.ref && v === input.dataset.place ? input.dataset.ref : v;
}

function setEndPoint(which, label, place) {
  const input = $('route-' + which);
  input.value = label;
  input.dataset.label = label;
  input.dataset.place = place;
  input.dataset.ref = '';
}

function placeValue(which) {
  const input = $('route-' + which);
  const v = input.value.trim();
  if (input.dataset.place && input.value === input.dataset.label) return input.dataset.place;
  return v;
}

function profile() { return $('route-wheelchair').checked ? 'wheelchair' : 'walk'; }

let routeSeq = 0;
async function computeRoute({ fit = true } = {}) {
  const from = placeValue('from');
  const to = placeValue('to');
  const err = $('route-error');
  if (!from || !to) {
    err.textContent = t('needEnds');
    err.hidden = false;
    return;
  }
  const seq = ++routeSeq;
  const prof = profile();
  document.body.dataset.routing = '1';
  try {
    const r = await api('/route?' + qs({ from, to, profile: prof, lang: state.lang }));
    if (seq !== routeSeq) return;
    err.hidden = true;
    r.profile = prof;
    r.from = linkEnd('from');
    r.to = linkEnd('to');
    state.route = r;
    state.shown = null;
    drawRoute(fit);
    writeURL();
  } catch (e) {
    if (seq !== routeSeq) return;
    clearRoute();
    err.textContent = e.message;
    err.hidden = false;
  } finally {
    if (seq === routeSeq) document.body.dataset.routing = '0';
  }
}

function clearRoute() {
  state.route = null;
  for (const m of state.markers.route) m.remove();
  state.markers.route = [];
  if (map && map.getSource('route')) map.getSource('route').setData(EMPTY);
  state.step = null;
  state.stepAt = null;
  showStep(null);
  delete document.body.dataset.step;
  renderFloors();
  writeURL();
  $('route-steps').replaceChildren();
  $('route-summary').hidden = true;
  delete document.body.dataset.route;
}

function coordsOf(fc) {
  const out = [];
  for (const f of fc.features || []) {
    const g = f.geometry;
    if (!g) continue;
    if (g.type === 'LineString') out.push(...g.coordinates);
    else if (g.type === 'MultiLineString') for (const l of g.coordinates) out.push(...l);
  }
  return out;
}

function drawRoute(fit) {
  const r = state.route;
  for (const m of state.markers.route) m.remove();
  state.markers.route = [];
  if (state.markers.search) { // the route's own markers take over
    state.markers.search.remove();
    state.markers.search = null;
  }
  if (map.getSource('route')) map.getSource('route').setData(r.geometry);
  const feats = r.geometry.features || [];
  const coords = coordsOf(r.geometry);
  if (coords.length) {
    const first = feats[0].properties.ordinal;
    const lastF = feats[feats.length - 1].properties.ordinal;
    // The ends stay above everything else on the map (floor chips too).
    const start = new maplibregl.Marker({ element: el('div', { class: 'mk mk-start', 'data-testid': 'route-start', text: `${t('from')} ${floorLabel(first)}` }), anchor: 'bottom' })
      .setLngLat(coords[0]).addTo(map);
    const end = new maplibregl.Marker({ element: el('div', { class: 'mk mk-end', 'data-testid': 'route-end', text: `${t('to')} ${floorLabel(lastF)}` }), anchor: 'bottom' })
      .setLngLat(coords[coords.length - 1]).addTo(map);
    start.getElement().style.zIndex = '3';
    end.getElement().style.zIndex = '4';
    state.markers.route.push(start, end);
    setFloor(first);
    if (fit) {
      const b = coords.reduce((bb, c) => bb.extend(c), new maplibregl.LngLatBounds(coords[0], coords[0]));
      map.fitBounds(b, { padding: fitMargin(), maxZoom: 19, pitch: 30, duration: 700 });
    }
  }
  for (const lc of r.level_changes || []) {
    const via = t('via.' + lc.via) || lc.via;
    const text = t('levelChange', { from: floorLabel(lc.from_ordinal), to: floorLabel(lc.to_ordinal), via });
    // On a phone the chip says only the floors (the steps say how).
    const b = el('button', {
      type: 'button', class: 'mk mk-level', 'data-testid': 'level-change', 'aria-label': text, title: text,
      dataset: { from: String(lc.from_ordinal), to: String(lc.to_ordinal), via: lc.via },
      onclick: (ev) => { ev.stopPropagation(); setFloor(state.floor === lc.to_ordinal ? lc.from_ordinal : lc.to_ordinal); },
    }, `${floorLabel(lc.from_ordinal)} → ${floorLabel(lc.to_ordinal)}`, el('span', { class: 'via', text: t('levelVia', { via }) }));
    const chip = new maplibregl.Marker({ element: b, anchor: 'top', offset: [0, 4] }).setLngLat(lc.at).addTo(map);
    chip.getElement().style.zIndex = '2';
    state.markers.route.push(chip);
  }
  state.stepAt = stepLocations(r);
  state.step = null;
  showStep(null);
  renderSteps();
  document.body.dataset.route = r.profile;
}

const LEVEL_STEP = new Set(['stairs', 'elevator', 'escalator', 'ramp']);

function renderSteps() {
  const r = state.route;
  if (!r) return;
  const changes = (r.level_changes || []).length;
  const parts = [t('summary', { dist: distance(r.distance_m), time: duration(r.duration_s) })];
  if (changes) parts.push(t('floorChanges', { n: changes }));
  const sum = $('route-summary');
  sum.textContent = parts.join(' · ');
  sum.dataset.profile = r.profile;
  sum.hidden = false;
  $('route-steps').replaceChildren(...(r.instructions || []).map((s, i) => el('li', {
    'data-testid': 'route-step', class: LEVEL_STEP.has(s.type) ? 'level-change' : null,
    dataset: { type: s.type, ordinal: String(s.ordinal), index: String(i) },
  }, el('button', { type: 'button', class: 'step', onclick: () => goToStep(i) },
    s.text, s.distance_m ? el('span', { class: 'dist', text: distance(s.distance_m) }) : null))));
  renderStepsFloor();
}

function renderStepsFloor() {
  for (const li of document.querySelectorAll('#route-steps li')) {
    li.classList.toggle('current-floor', Number(li.dataset.ordinal) === state.floor);
    const cur = state.step !== null && Number(li.dataset.index) === state.step;
    li.classList.toggle('current-step', cur);
    const b = li.querySelector('button.step');
    if (b) { if (cur) b.setAttribute('aria-current', 'step'); else b.removeAttribute('aria-current'); }
  }
}

// Where each step of a route is: a floor change at its stairs or lift, any
// other step where the walk has come to by then (its distances, in order,
// along the drawn line).
function stepLocations(r) {
  const segs = [];
  for (const f of (r.geometry && r.geometry.features) || []) {
    const g = f.geometry;
    const lines = !g ? [] : g.type === 'LineString' ? [g.coordinates] : g.type === 'MultiLineString' ? g.coordinates : [];
    for (const l of lines) for (let i = 1; i < l.length; i++) segs.push([l[i - 1], l[i]]);
  }
  const len = ([a, b]) => Math.hypot((b[0] - a[0]) * 111320 * Math.cos((a[1] * Math.PI) / 180), (b[1] - a[1]) * 110574);
  const along = (d) => {
    for (const sg of segs) {
      const l = len(sg);
      if (d <= l) {
        const k = l ? d / l : 0;
        return [sg[0][0] + k * (sg[1][0] - sg[0][0]), sg[0][1] + k * (sg[1][1] - sg[0][1])];
      }
      d -= l;
    }
    return segs.length ? segs[segs.length - 1][1] : null;
  };
  const changes = [...(r.level_changes || [])];
  let walked = 0;
  return (r.instructions || []).map((s) => {
    let at = null;
    if (LEVEL_STEP.has(s.type) && changes.length) at = changes.shift().at;
    else at = along(walked);
    walked += s.distance_m || 0;
    return at ? { at, ordinal: s.ordinal } : null;
  });
}

// goToStep shows step i: its floor, the map on it, a ring where it is.
function goToStep(i) {
  const loc = state.stepAt && state.stepAt[i];
  state.step = i;
  if (!loc) return renderStepsFloor();
  if (loc.ordinal !== null && loc.ordinal !== undefined && loc.ordinal !== state.floor) setFloor(loc.ordinal);
  showStep(loc.at);
  renderStepsFloor();
  map.easeTo({ center: loc.at, zoom: Math.max(map.getZoom(), 19), duration: 600 });
  document.body.dataset.step = String(i);
}

function showStep(at) {
  const src = map && map.getSource('route-step');
  if (src) src.setData(at ? { type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: at }, properties: {} }] } : EMPTY);
}

// ---- Where I am -------------------------------------------------------------------

function positionData() {
  const f = state.fix;
  if (!f || f.lon === null || f.lon === undefined) return EMPTY;
  return {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [f.lon, f.lat] },
      properties: { ordinal: f.ordinal ?? UNKNOWN_ORDINAL, acc: f.accuracy_m ?? 0 } }],
  };
}

function setFix(fix) {
  const txt = $('position-text');
  if (!fix || fix.lon === null || fix.lon === undefined) {
    txt.textContent = t('noFix', { reason: (fix && fix.reason) || '' });
    return;
  }
  const first = !state.fix;
  state.fix = fix;
  if (map && map.getSource('position')) map.getSource('position').setData(positionData());
  const lvl = fix.level && state.levels.get(fix.level);
  const where = [fix.unit_ref, lvl ? lvl.name : (fix.ordinal === null || fix.ordinal === undefined ? buildingRef(fix.building) : floorLabel(fix.ordinal))]
    .filter(Boolean).join(', ');
  txt.textContent = `${where || t('outdoors')} ${fix.accuracy_m ? t('accuracy', { m: Math.round(fix.accuracy_m) }) : ''}`.trim();
  document.body.dataset.fix = '1';
  if (first) {
    if (fix.ordinal !== null && fix.ordinal !== undefined) setFloor(fix.ordinal);
    map.flyTo({ center: [fix.lon, fix.lat], zoom: Math.max(map.getZoom(), 18), duration: 800 });
  }
  renderNearbyOrigin();
  renderPlaceWhere();
  highlightBuilding();
}

async function startDemo() {
  const r = await fetch('/assets/demo-scans.jsonl');
  const lines = (await r.text()).split('\n').filter((l) => l.trim());
  state.demo = { lines, i: 0, device: newDemoDevice(), busy: false, timer: null };
  $('demo-label').hidden = false;
  $('demo-toggle').textContent = t('demoStop');
  $('demo-toggle').setAttribute('aria-pressed', 'true');
  document.body.dataset.demo = '1';
  await demoStep();
  if (state.demo) state.demo.timer = setInterval(demoStep, 1000);
}

function newDemoDevice() {
  return 'demo-' + Math.random().toString(36).slice(2, 10);
}

function stopDemo() {
  if (state.demo) clearInterval(state.demo.timer);
  state.demo = null;
  $('demo-label').hidden = true;
  $('demo-toggle').textContent = t('demoStart');
  $('demo-toggle').setAttribute('aria-pressed', 'false');
  document.body.dataset.demo = '0';
}

async function demoStep() {
  const d = state.demo;
  if (!d || d.busy) return;
  if (d.i >= d.lines.length) {
    d.i = 0;
    d.device = newDemoDevice(); // a new walk: a new track
    showStatus(t('demoEnded'));
  }
  const scan = JSON.parse(d.lines[d.i++]);
  scan.device = d.device;
  delete scan.truth; // the simulator's answer key: a real phone has none
  d.busy = true;
  try {
    const fix = await api('/position', { method: 'POST', body: scan });
    if (state.demo === d) setFix(fix);
  } catch (e) {
    $('position-text').textContent = e.message;
  } finally {
    d.busy = false;
  }
}

// origin is where "nearest" and "route back" start: my position, else the
// centre of the map on the floor shown.
function origin() {
  const f = state.fix;
  if (f && f.lon !== null && f.ordinal !== null && f.ordinal !== undefined) {
    return { lon: f.lon, lat: f.lat, ordinal: f.ordinal, mine: true, label: t('myLocationLabel') };
  }
  const c = map ? map.getCenter() : { lng: 113.4787, lat: 22.8958 };
  return { lon: +c.lng.toFixed(7), lat: +c.lat.toFixed(7), ordinal: state.floor, mine: false, label: t('mapCentre', { floor: floorLabel(state.floor) }) };
}

function renderNearbyOrigin() {
  const o = origin();
  $('nearby-origin').textContent = o.mine ? t('fromMyLocation') : t('fromMapCentre', { floor: floorLabel(o.ordinal) });
}

// ---- Nearest ------------------------------------------------------------------

async function nearest(category) {
  const o = origin();
  const cats = category === 'restroom' ? ['restroom.male', 'restroom.female'] : [category];
  const list = $('nearby-results');
  try {
    const lists = await Promise.all(cats.map((c) => api('/nearest?' + qs({ category: c, lon: o.lon, lat: o.lat, ordinal: o.ordinal, k: 3, profile: profile(), lang: state.lang }))));
    const res = lists.flat().sort((a, b) => a.duration_s - b.duration_s || a.distance_m - b.distance_m).slice(0, 3);
    if (!res.length) {
      list.replaceChildren(el('li', { class: 'empty', text: t('noResults') }));
      return;
    }
    list.replaceChildren(...res.map((r) => el('li', { 'data-testid': 'nearby-result' },
      el('button', {
        type: 'button', class: 'pick',
        onclick: () => {
          setEndPoint('from', o.label, `${o.lon},${o.lat},${o.ordinal}`);
          setEndPoint('to', r.name, r.id);
          $('route-block').open = true;
          computeRoute();
        },
      },
      el('span', { class: 'name', text: r.name }),
      el('span', { class: 'meta', text: [buildingRef(r.building), floorLabel(r.level ? r.ordinal : null), distance(r.distance_m), duration(r.duration_s)].filter(Boolean).join(' · ') })))));
  } catch (e) {
    list.replaceChildren(el('li', { class: 'empty', text: e.message }));
  }
}

// ---- Saved places -------------------------------------------------------------

function renderPlaceWhere() {
  const o = origin();
  $('place-where').textContent = state.token ? t('placeFrom', { where: o.mine ? t('myLocationLabel') : o.label }) : '';
}

async function loadPlaces() {
  if (!state.token) {
    state.places = [];
    renderPlaces();
    return;
  }
  try {
    state.places = await api('/me/places');
  } catch {
    state.places = [];
  }
  renderPlaces();
}

function renderPlaces() {
  const signed = !!state.token;
  $('places-signin').hidden = signed;
  $('place-form').hidden = !signed;
  renderPlaceWhere();
  for (const m of state.markers.places) m.remove();
  state.markers.places = [];
  const list = $('places-list');
  if (!signed) {
    list.replaceChildren();
    return;
  }
  if (!state.places.length) {
    list.replaceChildren(el('li', { class: 'empty', text: t('noPlaces') }));
    return;
  }
  list.replaceChildren(...state.places.map((p) => el('li', { 'data-testid': 'place', dataset: { id: String(p.id) } },
    el('button', { type: 'button', class: 'pick', onclick: () => { setFloor(p.ordinal); map.flyTo({ center: [p.lon, p.lat], zoom: 19 }); } },
      el('span', { class: 'name', text: p.name }), el('span', { class: 'meta', text: floorLabel(p.ordinal) })),
    el('button', { type: 'button', class: 'chip', 'data-testid': 'place-route', text: t('routeHere'), onclick: () => routeToPlace(p) }),
    el('button', { type: 'button', class: 'chip', 'data-testid': 'place-delete', text: t('del'), onclick: () => deletePlace(p) }))));
  if (map) {
    for (const p of state.places) {
      state.markers.places.push(new maplibregl.Marker({ element: el('div', { class: 'mk mk-place', 'data-testid': 'place-marker', text: `${p.name} · ${floorLabel(p.ordinal)}` }), anchor: 'bottom' }).setLngLat([p.lon, p.lat]).addTo(map));
    }
  }
}

async function savePlace(ev) {
  ev.preventDefault();
  const o = origin();
  const name = $('place-name').value.trim() || t('placeName');
  try {
    const p = await api('/me/places', { method: 'POST', body: { name, lon: o.lon, lat: o.lat, ordinal: o.ordinal } });
    state.places.push(p);
    renderPlaces();
    showStatus(t('saved', { name: p.name }));
  } catch (e) {
    showStatus(e.message);
  }
}

async function deletePlace(p) {
  try {
    await api('/me/places/' + p.id, { method: 'DELETE' });
    state.places = state.places.filter((x) => x.id !== p.id);
    renderPlaces();
  } catch (e) {
    showStatus(e.message);
  }
}

function routeToPlace(p) {
  const o = origin();
  if (o.mine || !placeValue('from')) setEndPoint('from', o.label, `${o.lon},${o.lat},${o.ordinal}`);
  setEndPoint('to', p.name, 'place:' + p.id);
  $('route-block').open = true;
  computeRoute();
}

// ---- Signing in ----------------------------------------------------------------

function renderRole() {
  document.body.dataset.role = state.role;
  $('role-badge').textContent = t('roles.' + state.role) || state.role;
  $('login-form').hidden = !!state.token;
  $('signin').hidden = !!state.token;
  $('account-info').hidden = !state.token;
  $('account-email').textContent = state.email || '';
  $('account-role').textContent = t('roles.' + state.role) || state.role;
}

function forgetSession() {
  state.token = null;
  state.role = 'tourist';
  state.email = null;
  localStorage.removeItem('campus.token');
  onRoleChanged();
}

async function onRoleChanged() {
  renderRole();
  for (const f of roleHooks) f(state.role);
  reloadTiles();
  await loadVenue().catch(() => {});
  renderFloors();
  updateCentreBuilding();
  await loadPlaces();
  if ($('search-input').value.trim()) runSearch();
  if (state.route) computeRoute({ fit: false });
}

async function signIn(ev) {
  ev.preventDefault();
  const err = $('login-error');
  err.hidden = true;
  try {
    const r = await api('/auth/login', { method: 'POST', body: { email: $('login-email').value.trim(), password: $('login-password').value } });
    state.token = r.token;
    state.role = r.role;
    localStorage.setItem('campus.token', r.token);
    $('login-password').value = '';
    try { state.email = (await api('/me')).email; } catch { /* keep going */ }
    await onRoleChanged();
    showStatus(t('sessionStart', { role: t('roles.' + state.role) }));
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
  }
}

async function signOut() {
  try { await api('/auth/logout', { method: 'POST' }); } catch { /* gone already */ }
  forgetSession();
}

async function restoreSession() {
  if (!state.token) return;
  try {
    const me = await api('/me');
    state.role = me.role;
    state.email = me.email;
  } catch {
    state.token = null;
    state.role = 'tourist';
    localStorage.removeItem('campus.token');
  }
}

// ---- Start -----------------------------------------------------------------------

function wire() {
  $('lang-toggle').addEventListener('click', () => setLang(state.lang === 'zh' ? 'en' : 'zh'));
  $('search-form').addEventListener('submit', (ev) => { ev.preventDefault(); runSearch(); });
  $('search-input').addEventListener('input', debounce(runSearch, 250));
  $('route-form').addEventListener('submit', (ev) => { ev.preventDefault(); computeRoute(); });
  $('route-wheelchair').addEventListener('change', () => { if (state.route || (placeValue('from') && placeValue('to'))) computeRoute({ fit: false }); });
  $('route-clear').addEventListener('click', () => { clearRoute(); $('route-error').hidden = true; });
  $('route-from-me').addEventListener('click', () => {
    const o = origin();
    if (!o.mine) showStatus(t('needFix'));
    setEndPoint('from', o.label, `${o.lon},${o.lat},${o.ordinal}`);
  });
  for (const b of document.querySelectorAll('[data-category]')) b.addEventListener('click', () => nearest(b.dataset.category));
  $('demo-toggle').addEventListener('click', () => (state.demo ? stopDemo() : startDemo()));
  $('place-form').addEventListener('submit', savePlace);
  $('login-form').addEventListener('submit', signIn);
  $('phone-form').addEventListener('submit', phoneStart);
  $('code-form').addEventListener('submit', phoneVerify);
  $('sso-login').addEventListener('click', ssoLogin);
  $('logout').addEventListener('click', signOut);
  $('panel-handle').addEventListener('click', () => {
    const p = $('panel');
    p.classList.toggle('collapsed');
    $('panel-handle').setAttribute('aria-expanded', String(!p.classList.contains('collapsed')));
    updatePadding();
  });
}

// ---- Links: the address says what is on the screen ----------------------------
//
//   /?room=C3-607                          a room (or gate, building: its reference)
//   /?route=G2,C3-607&profile=wheelchair   a route (its ends as typed; profile walk is left out)
//   #view=ZOOM/LAT/LON/BEARING/PITCH&floor=ORDINAL   the view and the floor
//
// Opening one shows exactly that, as the opener's role sees it (a room the
// role may not see is not found). The address is replaced, not pushed.

let urlReady = false; // not before the address has been read and applied

function routeParam(from, to) {
  return `${from},${to}`;
}

// parseRouteParam splits "A,B" into its ends; an end may be a point
// "lon,lat,ordinal", so numbers come in threes.
function parseRouteParam(v) {
  const parts = v.split(',');
  if (parts.length === 2) return parts.map((x) => x.trim());
  const ends = [];
  for (let i = 0; i < parts.length;) {
    if (/^-?\d+(\.\d+)?$/.test(parts[i].trim()) && i + 2 < parts.length) {
      ends.push(parts.slice(i, i + 3).join(','));
      i += 3;
    } else {
      ends.push(parts[i].trim());
      i += 1;
    }
  }
  return ends.length === 2 ? ends : null;
}

function readURL() {
  const q = new URLSearchParams(location.search);
  const h = new URLSearchParams(location.hash.replace(/^#/, ''));
  const out = { room: q.get('room'), route: null, profile: q.get('profile') === 'wheelchair' ? 'wheelchair' : 'walk', view: null, floor: null };
  if (q.get('route')) out.route = parseRouteParam(q.get('route'));
  const v = (h.get('view') || '').split('/').map(Number);
  if (v.length >= 3 && v.slice(0, 3).every(Number.isFinite)) {
    out.view = { zoom: v[0], center: [v[2], v[1]], bearing: Number.isFinite(v[3]) ? v[3] : 0, pitch: Number.isFinite(v[4]) ? v[4] : 0 };
  }
  if (h.get('floor') !== null && Number.isInteger(Number(h.get('floor')))) out.floor = Number(h.get('floor'));
  return out;
}

function currentURL() {
  const q = new URLSearchParams();
  if (state.route) {
    q.set('route', routeParam(state.route.from, state.route.to));
    if (state.route.profile === 'wheelchair') q.set('profile', 'wheelchair');
  } else if (state.shown) {
    q.set('room', state.shown);
  }
  let hash = '';
  if (map) {
    const c = map.getCenter();
    hash = `#view=${map.getZoom().toFixed(2)}/${c.lat.toFixed(6)}/${c.lng.toFixed(6)}/${Math.round(map.getBearing())}/${Math.round(map.getPitch())}&floor=${state.floor}`;
  }
  const query = q.toString().replace(/%2C/g, ',');
  return location.pathname + (query ? '?' + query : '') + hash;
}

function writeURL() {
  if (!urlReady) return;
  const u = currentURL();
  if (u !== location.pathname + location.search + location.hash) history.replaceState(null, '', u);
}

async function applyURL() {
  const u = readURL();
  if (u.route) {
    setEndPoint('from', u.route[0], u.route[0]);
    setEndPoint('to', u.route[1], u.route[1]);
    $('route-wheelchair').checked = u.profile === 'wheelchair';
    $('route-block').open = true;
    await computeRoute({ fit: !u.view });
  } else if (u.room) {
    try {
      const res = await api('/search?' + qs({ q: u.room, lang: state.lang, limit: 5 }));
      const r = res.find((x) => (x.ref || '').toLowerCase() === u.room.toLowerCase()) || res.find((x) => x.id === u.room) || res[0];
      if (r) {
        $('search-input').value = u.room;
        showResult(r, { fly: !u.view });
      } else {
        showStatus(t('notFound', { q: u.room }), 6000);
      }
    } catch (e) {
      showStatus(e.message);
    }
  }
  if (u.view) map.jumpTo(u.view);
  if (u.floor !== null) setFloor(u.floor);
}

// ---- Signing in: visitors by a code texted to their phone; staff and
// students by the campus sign-in, back to the page they left ----------------

async function startSession(r) {
  state.token = r.token;
  state.role = r.role;
  localStorage.setItem('campus.token', r.token);
  try { state.email = (await api('/me')).email; } catch { /* keep going */ }
}

async function phoneStart(ev) {
  ev.preventDefault();
  const err = $('phone-error');
  err.hidden = true;
  try {
    const r = await api('/auth/phone/start', { method: 'POST', body: { phone: $('phone-number').value.trim() } });
    $('phone-number').value = r.phone;
    $('code-form').hidden = false;
    $('phone-sent').textContent = t('codeSent', { phone: r.phone });
    $('phone-code').focus();
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
  }
}

async function phoneVerify(ev) {
  ev.preventDefault();
  const err = $('phone-error');
  err.hidden = true;
  try {
    const r = await api('/auth/phone/verify', { method: 'POST', body: { phone: $('phone-number').value.trim(), code: $('phone-code').value.trim() } });
    await startSession(r);
    $('phone-code').value = '';
    $('code-form').hidden = true;
    await onRoleChanged();
    showStatus(t('sessionStart', { role: t('roles.' + state.role) }));
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
  }
}

// ssoLogin goes to the campus sign-in, remembering where the page was; the
// issuer sends the browser back to the page (CAMPUS_OIDC_REDIRECT_URL is
// the page's address), which finishes the sign-in (finishSSO).
async function ssoLogin(ev) {
  ev.preventDefault();
  const err = $('sso-error');
  err.hidden = true;
  try {
    const r = await fetch('/api/v1/auth/oidc/login', { redirect: 'manual', headers: { Accept: 'application/json', 'Accept-Language': state.lang } });
    if (r.type !== 'opaqueredirect' && !r.redirected) {
      let p = null;
      try { p = await r.json(); } catch { /* not JSON */ }
      throw new Error(t('ssoUnavailable') + (p && p.detail ? ` (${p.detail})` : ''));
    }
  } catch (e) {
    err.textContent = e.message;
    err.hidden = false;
    return;
  }
  sessionStorage.setItem('campus.return', currentURL());
  location.assign('/api/v1/auth/oidc/login');
}

// finishSSO completes a campus sign-in when the issuer has sent the
// browser back here with ?code=&state=, and puts back the address the
// page had before.
async function finishSSO() {
  const q = new URLSearchParams(location.search);
  if (!q.get('code') || !q.get('state')) return;
  const back = sessionStorage.getItem('campus.return') || '/';
  sessionStorage.removeItem('campus.return');
  try {
    const r = await api('/auth/oidc/callback?' + qs({ code: q.get('code'), state: q.get('state') }));
    await startSession(r);
    showStatus(t('sessionStart', { role: t('roles.' + state.role) }));
  } catch (e) {
    showStatus(t('ssoFailed', { reason: e.message }), 8000);
  }
  history.replaceState(null, '', back.startsWith('/') && !back.startsWith('//') ? back : '/');
}

async function main() {
  wire();
  applyText();
  await finishSSO();
  await restoreSession();
  renderRole();
  await mountScreens();
  await loadVenue().catch((e) => showStatus(e.message));
  await createMap();
  renderFloors();
  await loadPlaces();
  await applyURL();
  urlReady = true;
  writeURL();
  map.on('moveend', debounce(writeURL, 300));
  // A link opened in this tab with another view or floor (only the hash
  // changed): show it.
  window.addEventListener('hashchange', () => {
    const u = readURL();
    if (u.view) map.jumpTo(u.view);
    if (u.floor !== null) setFloor(u.floor);
  });
  updateCentreBuilding();
  document.body.dataset.ready = '1';
}

// ---- The campus services' screens (screens.js lists them) ---------------
//
// Each is a module whose mount(page) adds its block to the panel, its text
// with page.addText, and reacts to sign-in and sign-out through
// page.onRole; the page gives it what the map page itself uses.

const roleHooks = [];
const langHooks = [];
const page = {
  state, api, qs, t, el, $, addText, showStatus, floorLabel, duration, distance, buildingRef, setFloor,
  // onRole(f): f(role) after mounting and at each sign-in and sign-out;
  // onLang(f): f(lang) when the language changes (text marked with
  // data-i18n and data-i18n-placeholder changes by itself).
  onRole: (f) => roleHooks.push(f),
  onLang: (f) => langHooks.push(f),
  // panelBlock inserts a screen's block into the panel, above the account.
  panelBlock: (node) => $('account-block').before(node),
  // showRoute(r, {from, to, profile}) draws a route answered elsewhere
  // (GET /route's shape, e.g. a visit's from its gate) as the route form's,
  // its ends written in the form and the address.
  showRoute: (r, { from = '', to = '', profile: prof = 'walk', fit = true } = {}) => {
    routeSeq++; // a route still being asked for is not drawn over this one
    Object.assign(r, { profile: prof, from, to });
    setEndPoint('from', from, from);
    setEndPoint('to', to, to);
    $('route-wheelchair').checked = prof === 'wheelchair';
    $('route-error').hidden = true;
    $('route-block').open = true;
    state.route = r;
    state.shown = null;
    drawRoute(fit);
    writeURL();
  },
  get map() { return map; },
  // origin(): where "near me" is (my position, else the map centre on the
  // floor shown); routeTo(label, place): the route from there to a place
  // (an id or "lon,lat,ordinal").
  origin,
  routeTo: (label, place) => {
    const o = origin();
    setEndPoint('from', o.label, `${o.lon},${o.lat},${o.ordinal}`);
    setEndPoint('to', label, place);
    $('route-block').open = true;
    return computeRoute();
  },
};

async function mountScreens() {
  for (const s of SCREENS) {
    try {
      await s.mount(page);
    } catch (e) {
      console.error(e);
    }
  }
  applyText();
  for (const f of roleHooks) f(state.role);
}

window.campusApp = { state, setFloor, api, floorLabel, duration, distance, get map() { return map; } };
main().catch((e) => {
  console.error(e);
  showStatus(e.message, 10000);
  document.body.dataset.ready = 'error';
});
