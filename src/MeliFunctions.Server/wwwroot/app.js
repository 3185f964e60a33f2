// The operator's page: plain JS over the MeliFunctions API, no build step, no outside requests.
// Every value from the API is written with textContent (never as HTML).
// It talks only to the origin that served it: no API address is read from the URL, the fragment or
// storage (a link could set those and send the key elsewhere), and the Content-Security-Policy
// (connect-src 'self') would refuse another origin anyway. The key lives in sessionStorage: this
// tab only, gone when it closes; never in localStorage.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const state = { sellers: [] };

  $('key').value = sessionStorage.getItem('meli.key') ?? '';

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs ?? {})) {
      // style through the CSSOM: the CSP has no 'unsafe-inline', so a style attribute would be refused.
      if (k === 'class') node.className = v; else if (k === 'style') Object.assign(node.style, v); else if (k.startsWith('on')) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
    }
    for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(c ?? ''));
    return node;
  }
  const svg = (tag, attrs) => { const n = document.createElementNS('http://www.w3.org/2000/svg', tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); return n; };
  const badge = (text) => el('span', { class: 'badge ' + String(text ?? '').replace(/[^a-z_]/g, '') }, text ?? '?');
  const none = (text) => el('p', { class: 'none' }, text);
  const when = (iso) => iso ? new Date(iso).toLocaleString() : '';
  const ago = (seconds) => seconds == null ? 'empty' : seconds < 90 ? `${Math.round(seconds)} s` : seconds < 5400 ? `${Math.round(seconds / 60)} min` : `${(seconds / 3600).toFixed(1)} h`;
  const fill = (id, ...rows) => $(id).replaceChildren(...rows);

  async function api(path, options = {}) {
    // A path on this origin only: new URL(path, location.origin) cannot leave it for a path that starts with '/api/'.
    if (!path.startsWith('/api/')) throw new Error('not an API path: ' + path);
    const url = new URL(path, location.origin);
    const response = await fetch(url, { ...options, credentials: 'same-origin', referrerPolicy: 'no-referrer', headers: { 'x-functions-key': sessionStorage.getItem('meli.key') ?? '' } });
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = { message: text }; }
    return { status: response.status, body };
  }

  function status(text, error) { $('status').textContent = text; $('status').className = error ? 'error' : ''; }

  function chart(hours, width) {
    const height = 180, left = 28, bottom = 18, top = 8;
    const max = Math.max(1, ...hours.map((h) => h.count));
    const step = (width - left) / hours.length;
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'orders per hour' });
    for (const tick of max % 2 === 0 ? [0, max / 2, max] : [0, max]) {
      const y = top + (height - top - bottom) * (1 - tick / max);
      root.append(svg('line', { x1: left, x2: width, y1: y, y2: y, stroke: '#e3e7ec' }));
      const label = svg('text', { x: 0, y: y + 3 }); label.textContent = String(tick); root.append(label);
    }
    hours.forEach((h, i) => {
      const barHeight = (height - top - bottom) * h.count / max;
      const bar = svg('rect', { class: 'bar', x: left + i * step + 1, y: height - bottom - barHeight, width: Math.max(1, step - 2), height: barHeight, 'data-count': h.count });
      const title = svg('title', {}); title.textContent = `${new Date(h.hour).toLocaleString()}: ${h.count}`; bar.append(title);
      root.append(bar);
      if (i % 3 === 0) {
        const label = svg('text', { x: left + i * step, y: height - 4 }); label.textContent = new Date(h.hour).getHours() + 'h'; root.append(label);
      }
    });
    return root;
  }

  function renderOverview(o) {
    const perHour = o.orders_per_hour;
    $('per-hour-total').textContent = `${perHour.total} in the last ${perHour.hours.length} h${perHour.seller ? ' · seller ' + perHour.seller : ' · all sellers'}`;
    fill('per-hour', chart(perHour.hours, Math.max(360, $('per-hour').clientWidth || 720)));

    const deepest = Math.max(1, ...o.queues.map((q) => q.depth));
    fill('queues', ...o.queues.map((q) => el('div', { class: 'queue' + (q.name.endsWith('-poison') ? ' poison' : ''), 'data-queue': q.name },
      el('strong', {}, q.name), el('span', { class: 'num', 'data-testid': 'depth-' + q.name }, String(q.depth)),
      el('div', { class: 'meter' }, el('div', { style: { width: `${100 * q.depth / deepest}%` } })),
      el('small', {}, 'oldest: ' + ago(q.oldest_age_seconds)))));

    state.sellers = o.sellers;
    fill('sellers', ...(o.sellers.length ? o.sellers.map((s) => el('tr', {},
      el('td', {}, s.seller_id), el('td', {}, badge(s.status), s.status_reason ? el('div', {}, el('small', {}, s.status_reason)) : ''),
      el('td', {}, badge(s.token_state)), el('td', {}, when(s.access_token_expires_at)))) : [el('tr', {}, el('td', { colspan: 4, class: 'none' }, 'No seller connected yet.'))]));

    const select = $('seller'), chosen = select.value;
    select.replaceChildren(el('option', { value: '' }, '(all)'), ...o.sellers.map((s) => el('option', { value: s.seller_id }, s.seller_id)));
    select.value = o.sellers.some((s) => s.seller_id === chosen) ? chosen : '';
  }

  async function renderOrders(seller) {
    if (!seller) { fill('orders', el('tr', {}, el('td', { colspan: 6, class: 'none' }, 'No seller.'))); return; }
    const { status: code, body } = await api(`/api/orders?seller=${encodeURIComponent(seller)}&sort=date_desc&limit=15`);
    if (code !== 200) { fill('orders', el('tr', {}, el('td', { colspan: 6, class: 'none' }, body?.message ?? `HTTP ${code}`))); return; }
    fill('orders', ...(body.results.length ? body.results.map((o) => el('tr', { 'data-order-id': o.id },
      el('td', {}, el('code', {}, String(o.id))), el('td', {}, badge(o.status)), el('td', {}, when(o.date_created)),
      el('td', {}, o.buyer?.nickname ?? ''), el('td', {}, (o.order_items ?? []).map((i) => `${i.quantity} × ${i.item?.title ?? i.item?.id}`).join(', ')),
      el('td', { class: 'num' }, `${o.total_amount ?? ''} ${o.currency_id ?? ''}`))) : [el('tr', {}, el('td', { colspan: 6, class: 'none' }, `No orders stored for seller ${seller}.`))]));
  }

  async function renderFraud(seller) {
    if (!seller) { fill('fraud', none('No seller.')); return; }
    const { status: code, body } = await api(`/api/fraud-cases?seller=${encodeURIComponent(seller)}`);
    const cases = code === 200 ? (Array.isArray(body) ? body : body?.results ?? body?.cases ?? []) : [];
    if (!cases.length) { fill('fraud', none(code === 200 || code === 404 ? 'None.' : `Not available (HTTP ${code}).`)); return; }
    fill('fraud', ...cases.map((c) => el('div', { 'data-order-id': c.order_id },
      el('div', {}, el('code', {}, String(c.order_id)), ' ', badge(c.state)),
      el('ol', { class: 'steps' }, ...(c.steps ?? []).map((s) => el('li', {}, typeof s === 'string' ? s : [s.name ?? s.step ?? s.action ?? '', s.at ?? s.time ?? s.date ?? '', s.detail ?? s.reason ?? ''].filter(Boolean).join(' · ')))))));
  }

  async function renderReconcile(seller) {
    if (!seller) { fill('reconcile', none('No seller.')); return; }
    const { status: code, body: r } = await api(`/api/admin/reconcile/last?seller=${encodeURIComponent(seller)}`);
    if (code !== 200) { fill('reconcile', none(code === 404 ? `No reconcile has run for seller ${seller} yet.` : `Not available (HTTP ${code}).`)); return; }
    fill('reconcile',
      el('p', {}, `${when(r.finished_at ?? r.started_at)} · ${r.mode ?? ''}${r.dry_run ? ' (dry run)' : ''}`),
      el('table', {}, el('tbody', {}, ...[['listings', r.listings], ['in sync', r.in_sync], ['differed', r.differed], ['pushed', r.pushed], ['failed', r.failed], ['deferred', r.deferred], ['MeLi calls', r.meli_calls]]
        .map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', { class: 'num' }, String(v ?? 0)))))),
      ...(r.entries ?? []).filter((e) => e.outcome !== 'in_sync').slice(0, 8).map((e) => el('div', {}, el('small', {}, `${e.item_id}${e.variation_id ? '/' + e.variation_id : ''}: ${e.outcome} (ours ${e.ledger}, MeLi ${e.meli})${e.reason ? ' · ' + e.reason : ''}`))));
  }

  async function renderPoison() {
    const { status: code, body } = await api('/api/admin/poison');
    if (code !== 200) { fill('poison', el('tr', {}, el('td', { colspan: 4, class: 'none' }, body?.message ?? `HTTP ${code}`))); return; }
    $('poison-count').textContent = `${body.count} in ${body.queue}${body.count > body.shown ? ` (the ${body.shown} oldest shown)` : ''}`;
    fill('poison', ...(body.messages.length ? body.messages.map((m) => el('tr', { 'data-message-id': m.message_id },
      el('td', {}, when(m.parked_at ?? m.inserted_on), el('div', {}, el('small', {}, `taken ${m.dequeue_count ?? '?'}×`))),
      el('td', {}, el('code', {}, m.notification?.resource ?? JSON.stringify(m.notification)), el('div', {}, el('small', {}, `seller ${m.notification?.seller_id ?? '?'} · ${m.notification?.topic ?? ''}`))),
      el('td', {}, m.reason, m.error ? el('div', {}, el('small', {}, m.error)) : ''),
      el('td', {}, el('button', { class: 'small', 'data-testid': 'requeue', onclick: (e) => requeue(m.message_id, e.target) }, 'Requeue')))) : [el('tr', {}, el('td', { colspan: 4, class: 'none' }, 'None.'))]));
  }

  async function requeue(messageId, button) {
    button.disabled = true;
    const { status: code, body } = await api(`/api/admin/poison/${encodeURIComponent(messageId)}/requeue`, { method: 'POST' });
    status(code === 200 ? `Message ${messageId} requeued to ${body.queue}.` : `Requeue failed: ${body?.message ?? 'HTTP ' + code}`, code !== 200);
    await load(false);
  }

  async function load(announce = true) {
    if (!sessionStorage.getItem('meli.key')) { status('Enter the management key to load the page.', true); return; }
    if (announce) status('Loading…');
    const seller = $('seller').value;
    const { status: code, body } = await api('/api/admin/overview' + (seller ? `?seller=${encodeURIComponent(seller)}` : ''));
    if (code === 401) { status('The key was refused: ' + (body?.message ?? ''), true); return; }
    if (code !== 200) { status(`The API answered HTTP ${code}: ${body?.message ?? ''}`, true); return; }
    renderOverview(body);
    const focus = $('seller').value || state.sellers[0]?.seller_id || '';
    await Promise.all([renderOrders(focus), renderFraud(focus), renderReconcile(focus), renderPoison()]);
    document.body.dataset.loaded = String(Date.now());
    if (announce) status(`Updated ${new Date().toLocaleTimeString()}${focus ? ' · orders, fraud and reconcile of seller ' + focus : ''}.`);
  }

  $('settings').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem('meli.key', $('key').value);
    load().catch((err) => status('Could not reach the API: ' + err.message, true));
  });
  $('seller').addEventListener('change', () => load().catch((err) => status(err.message, true)));
  load().catch((err) => status('Could not reach the API: ' + err.message, true));
})();
