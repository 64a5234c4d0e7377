// The live page: polls /api/status once a second and draws what `status` shows, plus a chart
// of handled and failed messages per second computed from the fleet's counters. The buttons and
// the errors table are in actions.js.
'use strict';

const $ = (id) => document.getElementById(id);
const fmt = (n) => (n === undefined || n === null) ? '-' : Number(n).toLocaleString('en-US');

function text(id, value) {
  $(id).textContent = value;
}

function cell(row, value, numeric) {
  const td = document.createElement('td');
  td.textContent = value;
  if (numeric) td.className = 'num';
  row.appendChild(td);
  return td;
}

function render(s) {
  if (!s.namespace) {
    text('updated', 'waiting for the first poll of Redis');
    return;
  }
  text('namespace', "'" + s.namespace + "'");
  // the whole fleet is paused (redfleet pause): nothing moves until redfleet resume
  const paused = $('paused');
  paused.hidden = !s.paused;
  paused.title = s.paused ? 'since ' + (s.pausedAt ? new Date(s.pausedAt).toISOString() : '(unknown)')
      + ' by ' + s.pausedBy + '; redfleet resume ends it' : '';
  text('generator', s.leader ? s.leader.node : 'none');
  $('generator').title = s.leader ? 'lease ' + s.leader.ttlMs + ' ms left' : 'no generator';
  text('epoch', fmt(s.epoch));
  text('live', fmt(s.liveNodes) + ' / ' + fmt(s.nodes.length));
  text('queue', fmt(s.queue));
  text('inflight', fmt(s.inFlight));
  text('errors', fmt(s.errors));
  text('produced', fmt(s.stats.produced));
  text('processed', fmt(s.stats.processed));
  text('failed', fmt(s.stats.failed));
  text('audit', 'audited ' + fmt(s.audit.audited) + ', duplicates ' + fmt(s.audit.duplicates)
      + ', unaccounted ' + fmt(s.audit.unaccounted));
  text('self', s.self);
  text('counters', Object.keys(s.stats).sort().map((k) => k + ' ' + fmt(s.stats[k])).join(', '));
  text('lastid', fmt(s.lastId));
  const updated = $('updated');
  updated.textContent = 'Redis time ' + new Date(s.redisTime).toISOString().replace('T', ' ').replace('Z', ' UTC');
  updated.className = s.ready ? '' : 'stale';

  const body = $('nodes').tBodies[0];
  body.replaceChildren();
  for (const n of s.nodes) {
    const row = document.createElement('tr');
    row.dataset.node = n.node;
    if (!n.alive) row.className = 'silent';
    const rate = s.nodeRates[n.node] || {};
    cell(row, n.node);
    cell(row, s.leader && s.leader.node === n.node ? 'generator' : 'worker');
    cell(row, n.alive ? 'alive' : 'SILENT');
    cell(row, n.silentMs + ' ms ago', true);
    cell(row, fmt(n.inFlight), true).className = 'num inflight';
    cell(row, rate.handledPerSec === undefined ? '-' : fmt(rate.handledPerSec), true);
    cell(row, rate.failedPerSec === undefined ? '-' : fmt(rate.failedPerSec), true);
    cell(row, rate.handled === undefined ? '-' : fmt(rate.handled), true).className = 'num handled';
    // one handler per namespace: a live node with another handler than the rest is marked
    const handler = cell(row, n.handler === undefined ? '-' : n.handler);
    handler.className = 'handler' + ((s.handlers || []).length > 1 && n.alive ? ' mismatch' : '');
    body.appendChild(row);
  }

  // the newest error entries, with their buttons, and the fleet-wide actions (actions.js)
  Actions.render(s);
  draw(s.history);
}

// history: [redisTimeMs, processed, failed, produced] once a second; rates from neighbours
function draw(history) {
  const canvas = $('chart');
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height, left = 60, bottom = 20, top = 10;
  ctx.clearRect(0, 0, w, h);
  const points = [];
  for (let i = 1; i < history.length; i++) {
    const dt = (history[i][0] - history[i - 1][0]) / 1000;
    if (dt <= 0) continue;
    points.push({t: history[i][0],
      handled: Math.max(0, (history[i][1] - history[i - 1][1]) / dt),
      failed: Math.max(0, (history[i][2] - history[i - 1][2]) / dt)});
  }
  canvas.dataset.points = points.length;
  canvas.dataset.lastHandled = points.length ? Math.round(points[points.length - 1].handled) : 0;
  const max = Math.max(1, ...points.map((p) => p.handled));
  const span = 5 * 60 * 1000;
  const end = points.length ? points[points.length - 1].t : Date.now();
  const x = (t) => left + (w - left - 10) * (1 - (end - t) / span);
  const y = (v) => h - bottom - (h - bottom - top) * v / max;
  ctx.strokeStyle = '#dde3ea';
  ctx.fillStyle = '#6b7785';
  ctx.font = '11px sans-serif';
  for (let i = 0; i <= 4; i++) {
    const v = max * i / 4;
    ctx.beginPath();
    ctx.moveTo(left, y(v));
    ctx.lineTo(w - 10, y(v));
    ctx.stroke();
    ctx.fillText(Math.round(v).toLocaleString('en-US'), 4, y(v) + 4);
  }
  for (let m = 0; m <= 5; m++) {
    ctx.fillText(m === 0 ? 'now' : '-' + m + ' min', x(end - m * 60000) - 12, h - 5);
  }
  for (const [field, color] of [['handled', '#1f77b4'], ['failed', '#d62728']]) {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let first = true;
    for (const p of points) {
      if (end - p.t > span) continue;
      if (first) ctx.moveTo(x(p.t), y(p[field])); else ctx.lineTo(x(p.t), y(p[field]));
      first = false;
    }
    ctx.stroke();
  }
}

async function refresh() {
  try {
    const response = await fetch('api/status', {cache: 'no-store'});
    render(await response.json());
    document.body.dataset.loaded = 'true';
    document.body.dataset.refreshes = Number(document.body.dataset.refreshes || 0) + 1;
  } catch (e) {
    const updated = $('updated');
    updated.textContent = 'node unreachable: ' + e.message;
    updated.className = 'stale';
  }
}

Actions.init(refresh);
refresh();
setInterval(refresh, 1000);
