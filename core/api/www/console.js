/* atsbridge console: plain JavaScript on the /v1 API, no framework, no
 * build step.  Every value from the server is inserted as text (never as
 * HTML), so a job title or an ATS error message cannot inject markup.  The
 * token lives in sessionStorage (this tab only) and travels in the
 * Authorization header, so the API needs no cookies and a forged
 * cross-site form cannot act with it. */
'use strict';

const TOKEN_KEY = 'atsbridge.token';
const PAGE = 50;
let me = null;          /* {name, org, read_only} of the signed-in token */
let feedTimer = null;   /* the live feed's long-poll, stopped on navigation */
let feedAbort = null;

/* ---------- DOM helpers ---------- */

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return el;
}

function $(id) { return document.getElementById(id); }

function say(msg) { $('status').textContent = msg || ''; }

/* A time in the viewer's zone, with the exact UTC instant on hover. */
function when(ts) {
  if (!ts) return h('span', { class: 'muted' }, 'never');
  const d = new Date(typeof ts === 'number' ? ts * 1000 : ts);
  if (isNaN(d)) return h('span', {}, String(ts));
  return h('time', { datetime: d.toISOString(), title: d.toISOString().replace('.000Z', 'Z') + ' (UTC)' },
           d.toLocaleString());
}

/* One word for a connection's health, as the overview filters it. */
function healthOf(conn) {
  if (!conn) return 'not_connected';
  if (conn.health) return conn.health;
  if (conn.state !== 'ok') return 'needs_attention';
  if (conn.circuit === 'open') return 'circuit_open';
  return 'ok';
}

function badge(health) {
  const text = { ok: 'ok', needs_attention: 'needs attention', paused: 'paused',
                 circuit_open: 'circuit open', not_connected: 'not connected' }[health] || health || 'unknown';
  const cls = { ok: 'ok', needs_attention: 'attention', paused: 'attention', circuit_open: 'circuit' }[health] || 'none';
  return h('span', { class: 'badge ' + cls }, text);
}

function td(label, ...kids) { return h('td', { 'data-label': label }, ...kids); }
function tdn(label, n) { return h('td', { 'data-label': label, class: 'num' }, n === undefined || n === null ? '–' : String(n)); }

/* ---------- the API ---------- */

class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || ('HTTP ' + status));
    this.status = status;
    this.problem = problem;
  }
}

async function api(method, path, body, signal) {
  const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(TOKEN_KEY), Accept: 'application/json' };
  const init = { method, headers, cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  let data = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) data = await res.json();
  if (res.status === 401) {
    signOut('Your token was refused (revoked or expired). Sign in again.');
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}

const enc = encodeURIComponent;

/* ---------- sign in / out ---------- */

async function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  try {
    me = await api('GET', '/v1/token');
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    me = null;
    throw e;
  }
}

function signOut(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  me = null;
  stopFeed();
  $('nav').hidden = true;
  $('logout').hidden = true;
  $('who').textContent = '';
  $('view').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = why || '';
  $('token').value = '';
  $('token').focus();
}

function showApp() {
  $('login').hidden = true;
  $('view').hidden = false;
  $('nav').hidden = false;
  $('logout').hidden = false;
  $('who').textContent = 'Signed in as ' + me.name + (me.org ? ' (org ' + me.org + ')' : '') +
                         (me.read_only ? ', read-only' : '');
  document.body.classList.toggle('read-only', !!me.read_only);
}

/* ---------- views ---------- */

function render(...kids) {
  const v = $('view');
  v.replaceChildren(...kids);
  $('main').focus({ preventScroll: true });
}

function failed(e) {
  say('');
  render(h('p', { class: 'error', role: 'alert' }, 'Could not load: ' + e.message));
}

async function overview(params) {
  const q = params.get('q') || '';
  const health = params.get('health') || '';
  const after = params.get('after') || '';
  say('Loading organisations…');
  let page;
  try {
    page = await api('GET', '/v1/orgs' + qs({ limit: PAGE, q, health, cursor: after, totals: 1 }));
  } catch (e) { return failed(e); }
  say('');

  const search = h('input', { id: 'q', type: 'search', value: q, placeholder: 'slug or name' });
  const sel = h('select', { id: 'health' },
    ['', 'ok', 'needs_attention', 'paused', 'circuit_open', 'not_connected'].map(v =>
      h('option', { value: v, selected: v === health }, v ? v.replace('_', ' ') : 'any')));
  const form = h('form', { class: 'toolbar', role: 'search', onsubmit: ev => {
      ev.preventDefault();
      location.hash = '#/' + qs({ q: search.value.trim(), health: sel.value });
    } },
    h('div', {}, h('label', { for: 'q' }, 'Search'), search),
    h('div', {}, h('label', { for: 'health' }, 'Health'), sel),
    h('button', { type: 'submit' }, 'Filter'));

  const t = page.totals || {};
  const tiles = h('ul', { class: 'tiles', 'aria-label': 'Totals' },
    h('li', { id: 'total-orgs' }, h('b', {}, t.orgs ?? '–'), 'organisations'),
    h('li', { id: 'total-attention' }, h('b', {}, t.needs_attention ?? '–'), 'need attention'),
    h('li', { id: 'total-circuit' }, h('b', {}, t.circuit_open ?? '–'), 'circuit open'),
    h('li', { id: 'total-outbox' }, h('b', {}, t.outbox_pending ?? '–'), 'in the outbox'),
    h('li', { id: 'total-dead' }, h('b', {}, t.dead_letters ?? '–'), 'dead letters'));

  const rows = page.items.map(o => {
    const c = o.connection || {};
    const j = o.jobs || {};
    const ob = o.outbox || {};
    return h('tr', { 'data-org': o.slug },
      td('Organisation', h('a', { href: '#/org/' + enc(o.slug) }, o.name || o.slug),
         h('div', { class: 'muted' }, o.slug)),
      td('ATS', c.connector || '–'),
      td('Health', badge(o.health || healthOf(o.connection))),
      td('Last sync', when(c.last_sync_at)),
      td('Next sync', when(c.next_sync_at)),
      tdn('Active jobs', j.active), tdn('Disabled jobs', j.disabled), tdn('Archived jobs', j.archived),
      tdn('Outbox', ob.pending), tdn('Dead letters', ob.dead));
  });
  const table = h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'orgs' },
    h('caption', { class: 'skip' }, 'Organisations'),
    h('thead', {}, h('tr', {}, ['Organisation', 'ATS', 'Health', 'Last sync', 'Next sync'].map(x => h('th', { scope: 'col' }, x)),
      ['Active', 'Disabled', 'Archived', 'Outbox', 'Dead'].map(x => h('th', { scope: 'col', class: 'num' }, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 10 }, 'No organisation matches.')))));

  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' },
    after ? h('a', { href: '#/' + qs({ q, health }) }, 'First page') : null,
    page.next_cursor ? h('a', { href: '#/' + qs({ q, health, after: page.next_cursor }), rel: 'next' }, 'Next page') : null,
    h('span', { class: 'muted' }, page.items.length + ' shown'));
  render(h('h1', {}, 'Organisations'), tiles, form, table, pager);
}

function runsChart(runs) {
  /* Created / archived / skipped per run as grouped bars, oldest left; the
   * duration is in each bar's tooltip and in the table below. */
  const W = 720, H = 160, pad = 24;
  /* Skipped: outside the US, unplaceable, or frozen (an active job's ATS
   * edit that was not pulled). */
  const data = runs.slice().reverse().map(r => {
    const c = r.counts || {};
    return { id: r.id, outcome: r.status, duration_ms: r.duration_ms, created: c.created || 0,
             archived: c.archived || 0,
             skipped: (c.non_us || 0) + (c.unknown_location || 0) + (c.frozen_skipped || 0) };
  });
  const max = Math.max(1, ...data.map(r => Math.max(r.created, r.archived, r.skipped)));
  const svgNS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Jobs created, archived and skipped in the last ' + data.length + ' runs');
  const slot = (W - pad) / Math.max(1, data.length);
  const bw = Math.max(2, Math.min(14, slot / 4));
  const colours = { created: '#1f5fbf', archived: '#a3111d', skipped: '#8a94a0' };
  data.forEach((r, i) => {
    ['created', 'archived', 'skipped'].forEach((k, j) => {
      const v = r[k] || 0;
      const bh = Math.round((H - pad) * v / max);
      const rect = document.createElementNS(svgNS, 'rect');
      rect.setAttribute('x', String(pad + i * slot + j * bw));
      rect.setAttribute('y', String(H - pad - bh));
      rect.setAttribute('width', String(bw - 1));
      rect.setAttribute('height', String(Math.max(bh, v ? 1 : 0)));
      rect.setAttribute('fill', colours[k]);
      const title = document.createElementNS(svgNS, 'title');
      title.textContent = `run ${r.id}: ${v} ${k}, ${r.outcome || ''}, ${(r.duration_ms ?? 0) / 1000} s`;
      rect.append(title);
      svg.append(rect);
    });
  });
  const axis = document.createElementNS(svgNS, 'text');
  axis.setAttribute('x', '0'); axis.setAttribute('y', '12'); axis.setAttribute('font-size', '11');
  axis.textContent = String(max);
  svg.append(axis);
  const legend = h('div', { class: 'legend', 'aria-hidden': 'true' },
    Object.entries(colours).map(([k, c]) => h('span', {}, h('i', { style: null, 'data-c': c }), k)));
  legend.querySelectorAll('i').forEach(i => { i.style.background = i.dataset.c; });
  return h('figure', { id: 'runs-chart' }, svg, legend);
}

async function orgPage(slug, params) {
  say('Loading ' + slug + '…');
  const jobState = params.get('jobs') || '';
  const jobsAfter = params.get('after') || '';
  let org, health, runs, jobs, held, dead, audit;
  try {
    const base = '/v1/orgs/' + enc(slug);
    [org, health, runs, jobs, held, dead, audit] = await Promise.all([
      api('GET', base),
      api('GET', base + '/connection').catch(e => (e.status === 404 ? null : Promise.reject(e))),
      api('GET', base + '/runs' + qs({ limit: 20 })),
      api('GET', base + '/jobs' + qs({ limit: PAGE, state: jobState, cursor: jobsAfter })),
      api('GET', base + '/held' + qs({ limit: PAGE })),
      api('GET', base + '/outbox' + qs({ state: 'dead', limit: PAGE })),
      api('GET', base + '/audit' + qs({ limit: 20 })),
    ]);
  } catch (e) { return failed(e); }
  say('');
  const conn = health
    ? h('div', { class: 'card', id: 'health' }, h('dl', { class: 'facts' },
        h('dt', {}, 'ATS'), h('dd', {}, health.connector),
        h('dt', {}, 'Health'), h('dd', {}, badge(healthOf(health))),
        h('dt', {}, 'Last error'), h('dd', { id: 'last-error' }, health.last_error || '–'),
        h('dt', {}, 'Last check'), h('dd', { id: 'check' }, health.check || '–', ' ', health.checked_at ? when(health.checked_at) : ''),
        h('dt', {}, 'Missing permissions'), h('dd', { id: 'missing' },
          (health.missing_permissions || []).length ? health.missing_permissions.join(', ') : 'none reported'),
        h('dt', {}, 'Circuit'), h('dd', {}, health.circuit === 'open'
          ? h('span', {}, 'open after ' + health.failures + ' failures; next try ', when(health.retry_at))
          : 'closed'),
        h('dt', {}, 'Last sync'), h('dd', {}, when(health.last_sync_at)),
        h('dt', {}, 'Next sync'), h('dd', {}, when(health.next_sync_at)),
        h('dt', {}, 'Outbox'), h('dd', {}, `${health.outbox?.pending ?? 0} pending, ${health.outbox?.dead ?? 0} dead letters`)))
    : h('p', { class: 'card' }, 'No ATS is connected. Connect one with ', h('code', {}, 'atsbridge connect ' + slug + ' CONNECTOR'), '.');

  const ro = me.read_only;
  const jobRows = jobs.items.map(j => h('tr', { 'data-job': j.id },
    td('Job', h('b', {}, j.title), h('div', { class: 'muted' }, j.id)),
    td('Location', j.location || '–'),
    td('State', j.state),
    td('Updated', when(j.updated_at)),
    td('Action', ro || j.state === 'archived' ? '' :
      h('button', { type: 'button', 'data-action': j.state === 'active' ? 'deactivate' : 'activate',
                    onclick: ev => jobAction(ev.target, slug, j) },
        j.state === 'active' ? 'Deactivate' : 'Activate'))));
  const stateSel = h('select', { id: 'job-state', onchange: ev => {
      location.hash = '#/org/' + enc(slug) + qs({ jobs: ev.target.value });
    } }, ['', 'disabled', 'active', 'archived'].map(v => h('option', { value: v, selected: v === jobState }, v || 'any')));

  const outboxRows = (list, kind) => list.items.map(p => h('tr', { 'data-push': p.id ?? p.candidate },
    td('Candidate', [p.first_name, p.last_name].filter(Boolean).join(' ') || p.candidate,
       h('div', { class: 'muted' }, p.candidate)),
    td('Job', p.job),
    td('Attempts', p.attempts === undefined ? '–' : String(p.attempts)),
    td('Reason', p.last_error || p.reason || '–'),
    td('Action', kind === 'dead' && !ro
      ? h('button', { type: 'button', 'data-action': 'retry', onclick: ev => retry(ev.target, slug, p) }, 'Retry')
      : '')));
  const outboxTable = (list, kind, caption) => h('div', { class: 'table-wrap' },
    h('table', { class: 'responsive', id: 'outbox-' + kind },
      h('caption', { class: 'skip' }, caption),
      h('thead', {}, h('tr', {}, ['Candidate', 'Job', 'Attempts', 'Reason', ''].map(x => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, list.items.length ? outboxRows(list, kind) : h('tr', {}, h('td', { colspan: 5 }, 'None.')))));

  render(
    h('p', {}, h('a', { href: '#/' }, '← All organisations')),
    h('h1', {}, org.name || slug, ' ', h('span', { class: 'muted' }, slug)),
    h('h2', {}, 'Connection'), conn,
    h('h2', {}, 'Last runs'),
    runs.items.length ? runsChart(runs.items) : h('p', { class: 'muted' }, 'No sync has run yet.'),
    h('h2', { id: 'jobs-h' }, 'Jobs'),
    h('div', { class: 'toolbar' }, h('div', {}, h('label', { for: 'job-state' }, 'State'), stateSel)),
    h('div', { class: 'table-wrap' }, h('table', { class: 'responsive', id: 'jobs', 'aria-labelledby': 'jobs-h' },
      h('thead', {}, h('tr', {}, ['Job', 'Location', 'State', 'Updated', ''].map(x => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, jobRows.length ? jobRows : h('tr', {}, h('td', { colspan: 5 }, 'No jobs.'))))),
    h('nav', { class: 'pager', 'aria-label': 'Job pages' },
      jobs.next_cursor ? h('a', { href: '#/org/' + enc(slug) + qs({ jobs: jobState, after: jobs.next_cursor }) }, 'Next jobs') : null),
    h('h2', {}, 'Held candidates'), outboxTable(held, 'held', 'Held candidates'),
    h('h2', {}, 'Dead letters'), outboxTable(dead, 'dead', 'Dead letters'),
    h('h2', {}, 'Audit log'),
    h('ul', { class: 'feed', id: 'audit' }, audit.items.map(a =>
      h('li', {}, when(a.at), ' ', h('b', {}, a.action), ' ', a.detail || ''))));
}

async function jobAction(btn, slug, job) {
  const action = btn.dataset.action;
  btn.disabled = true;
  try {
    await api('POST', `/v1/orgs/${enc(slug)}/jobs/${enc(job.id)}/${action}`);
    say(`Job ${job.id} ${action}d.`);
    await route();
  } catch (e) {
    btn.disabled = false;
    say(`Could not ${action} ${job.id}: ${e.message}`);
  }
}

async function retry(btn, slug, push) {
  btn.disabled = true;
  try {
    await api('POST', `/v1/orgs/${enc(slug)}/outbox/${enc(push.id)}/retry`);
    say(`Push ${push.id} queued again.`);
    await route();
  } catch (e) {
    btn.disabled = false;
    say(`Could not retry push ${push.id}: ${e.message}`);
  }
}

function stopFeed() {
  if (feedTimer) clearTimeout(feedTimer);
  if (feedAbort) feedAbort.abort();
  feedTimer = feedAbort = null;
}

function feedPage() {
  const list = h('ol', { class: 'feed', id: 'feed', 'aria-live': 'polite', reversed: true });
  const state = h('p', { class: 'muted', id: 'feed-state' }, 'Connecting…');
  render(h('h1', {}, 'Change feed'), state, list);
  let cursor = '';
  let first = true;
  const poll = async () => {
    feedAbort = new AbortController();
    try {
      /* The first call reads the latest events; then it waits on the server
       * for new ones (long-poll), so an idle console costs one request per
       * wait period. */
      const page = await api('GET', '/v1/events' + qs({ after: cursor, limit: first ? 100 : 200, wait: first ? 0 : 25, tail: first ? 100 : null }),
                             undefined, feedAbort.signal);
      first = false;
      for (const ev of page.events) {
        list.prepend(h('li', { 'data-event': ev.id }, when(ev.time), ' ', h('b', {}, ev.type), ' ',
          h('a', { href: '#/org/' + enc(ev.org) }, ev.org), ' ',
          h('code', {}, ev.object ? (ev.object.id || '') : ''),
          ev.object && ev.object.title ? ' ' + ev.object.title : ''));
      }
      while (list.children.length > 500) list.lastChild.remove();
      cursor = page.next_cursor || cursor;
      state.textContent = 'Live: waiting for changes (last cursor ' + (cursor || 'start') + ').';
      feedTimer = setTimeout(poll, 0);
    } catch (e) {
      if (e.name === 'AbortError') return;
      state.textContent = 'Feed interrupted (' + e.message + '); retrying in 5 s.';
      feedTimer = setTimeout(poll, 5000);
    }
  };
  poll();
}

/* ---------- routing ---------- */

async function route() {
  stopFeed();
  if (!me) return;
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query || '');
  const m = path.match(/^\/org\/([^/]+)$/);
  if (m) return orgPage(decodeURIComponent(m[1]), params);
  if (path === '/feed') return feedPage();
  if (me.org) return orgPage(me.org, params); /* an org-scoped token sees one org */
  return overview(params);
}

async function start() {
  $('login-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    $('login-error').textContent = '';
    try {
      await signIn($('token').value.trim());
    } catch (e) {
      $('login-error').textContent = e.status === 401 ? 'That token was not accepted.' : 'Sign-in failed: ' + e.message;
      return;
    }
    $('token').value = '';
    showApp();
    route();
  });
  $('logout').addEventListener('click', () => signOut());
  window.addEventListener('hashchange', route);
  if (sessionStorage.getItem(TOKEN_KEY)) {
    try {
      await signIn(sessionStorage.getItem(TOKEN_KEY));
      showApp();
      return route();
    } catch (e) { /* fall through to the form */ }
  }
  signOut();
}

start();
