// The live page's actions: pause and resume the fleet, requeue or delete one error entry, requeue
// all errors. Each is a JSON POST to this node (docs/HTTP-API.md, "The page's actions"), under the
// rules of POST /messages: with httpToken set it carries "Authorization: Bearer <token>". The
// token is asked for once, kept in this tab's sessionStorage only, and never written to the page,
// the URL or the console. Entry text is always put in the page with textContent, never as HTML.
'use strict';

const Actions = (() => {
  const TOKEN_KEY = 'redfleet-http-token';
  const BODY_CHARS = 80;
  const el = (id) => document.getElementById(id);
  let info = {tokenRequired: false, open: true};
  let paused = false;
  let busy = false;
  let pending = null;        // the action waiting for the token
  let shownKey = null;       // what the table was last drawn from
  let armed = null;          // the entry whose delete waits for a second click
  let armedTimer = null;
  let afterAction = () => {};

  const token = () => sessionStorage.getItem(TOKEN_KEY);

  function say(message, failed) {
    const out = el('action-result');
    out.textContent = message;
    out.className = failed ? 'failed' : '';
  }

  function done(path, status) {
    const body = document.body.dataset;
    body.lastAction = path;
    body.lastStatus = status;
    body.actionsDone = Number(body.actionsDone || 0) + 1;
  }

  async function post(path, payload) {
    const headers = {'Content-Type': 'application/json'};
    if (info.tokenRequired) headers.Authorization = 'Bearer ' + token();
    const response = await fetch(path, {method: 'POST', headers, body: JSON.stringify(payload || {}),
      cache: 'no-store', credentials: 'omit'});
    let json = {};
    try {
      json = await response.json();
    } catch (notJson) {
      json = {error: 'HTTP ' + response.status};
    }
    return {status: response.status, json};
  }

  // runs an action: asks for the token first when one is needed and none is kept
  async function run(path, payload, describe) {
    if (busy) return;
    if (info.tokenRequired && !token()) {
      pending = () => run(path, payload, describe);
      showTokenBox('this node needs its HTTP token for actions');
      return;
    }
    busy = true;
    let status = 0;
    try {
      let r = await post(path, payload);
      status = r.status;
      let total = r.json.requeued || 0;
      for (let rounds = 1; r.status === 200 && path === 'api/errors/requeue-all' && r.json.more && rounds < 100; rounds++) {
        r = await post(path, payload);
        status = r.status;
        total += r.json.requeued || 0;
      }
      if (r.status === 200) {
        say(describe(Object.assign({}, r.json, {requeued: path === 'api/errors/requeue-all' ? total : r.json.requeued})));
      } else if (r.status === 401) {
        sessionStorage.removeItem(TOKEN_KEY);
        pending = () => run(path, payload, describe);
        showTokenBox('refused (401): ' + r.json.error + '; enter the token again');
      } else {
        say('refused (' + r.status + '): ' + r.json.error, true);
      }
    } catch (e) {
      say('the node did not answer: ' + e.message, true);
    } finally {
      busy = false;
      done(path, status);
      afterAction();
    }
  }

  function showTokenBox(message) {
    el('token-box').hidden = false;
    el('token-input').focus();
    say(message, true);
  }

  function saveToken() {
    const input = el('token-input');
    const value = input.value.trim();
    input.value = '';
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    el('token-box').hidden = true;
    el('token-forget').hidden = false;
    say('token kept for this tab');
    const next = pending;
    pending = null;
    if (next) next();
  }

  function forgetToken() {
    sessionStorage.removeItem(TOKEN_KEY);
    el('token-forget').hidden = true;
    say('token forgotten');
  }

  function td(row, value, className) {
    const cell = document.createElement('td');
    cell.textContent = value;
    if (className) cell.className = className;
    row.appendChild(cell);
    return cell;
  }

  function button(cell, label, className, onClick) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.className = className;
    b.disabled = !info.open;
    b.addEventListener('click', onClick);
    cell.appendChild(b);
  }

  const shorten = (text) => text.length > BODY_CHARS ? text.substring(0, BODY_CHARS - 1) + '\u2026' : text;

  // the entry as an action names it: its exact text, and its shard in a sharded namespace
  const named = (entry) => entry.shard === undefined ? {entry: entry.entry} : {entry: entry.entry, shard: entry.shard};
  // the fleet-wide id (a sharded namespace's entries hold their shard's own id)
  const idOf = (entry) => entry.id !== undefined ? entry.id : (entry.fields || {}).id;

  function requeueOne(entry) {
    run('api/errors/requeue', named(entry),
        (r) => 'requeued message ' + r.from + ' as message ' + r.id);
  }

  function deleteOne(entry, b) {
    if (armed !== entry.entry) {
      armed = entry.entry;
      b.textContent = 'really delete?';
      b.classList.add('armed');
      clearTimeout(armedTimer);
      armedTimer = setTimeout(() => { armed = null; shownKey = null; afterAction(); }, 5000);
      return;
    }
    armed = null;
    clearTimeout(armedTimer);
    run('api/errors/delete', named(entry), () => 'deleted the error entry'
        + (idOf(entry) !== undefined ? ' of message ' + idOf(entry) : ''));
  }

  // the errors table, redrawn only when its entries change (so a button is not replaced under a click)
  function renderErrors(latest) {
    const key = JSON.stringify([latest, info]);
    if (key === shownKey) return;
    shownKey = key;
    const body = el('latest').tBodies[0];
    body.replaceChildren();
    for (const e of latest) {
      const f = e.fields || {};
      const failed = typeof f.body === 'string' && f.id !== undefined
          && f.error !== 'malformed' && f.error !== 'duplicate';
      const text = typeof f.body === 'string' ? f.body : (typeof f.raw === 'string' ? f.raw : (e.fields ? '' : e.entry));
      const row = document.createElement('tr');
      const id = idOf(e);
      if (id !== undefined) row.dataset.id = id;
      td(row, id === undefined ? '-' : id, 'num');
      td(row, shorten(text), 'body').title = text.length > BODY_CHARS ? shorten(text.substring(0, 2000)) : '';
      td(row, failed ? (f.attempts || 1) : '', 'num attempts');
      td(row, typeof f.error === 'string' ? f.error : '', 'reason');
      td(row, typeof f.node === 'string' ? f.node : '');
      td(row, typeof f.at === 'number' ? new Date(f.at).toISOString().replace('T', ' ').substring(0, 23) : '');
      const actions = td(row, '', 'row-actions');
      if (e.exact) {
        if (failed) button(actions, 'requeue', 'requeue', () => requeueOne(e));
        button(actions, armed === e.entry ? 'really delete?' : 'delete', 'delete', (ev) => deleteOne(e, ev.target));
      }
      body.appendChild(row);
    }
  }

  function render(s) {
    info = s.actions || info;
    paused = !!s.paused;
    el('pause').disabled = !info.open || paused;
    el('resume').disabled = !info.open || !paused;
    el('requeue-all').disabled = !info.open || s.errors === 0;
    const closed = 'this port is not bound to loopback and has no httpToken: actions are refused (403)';
    for (const id of ['pause', 'resume', 'requeue-all']) el(id).title = info.open ? '' : closed;
    el('token-forget').hidden = !info.tokenRequired || !token();
    renderErrors(s.latestErrors || []);
  }

  function init(refresh) {
    afterAction = refresh;
    el('pause').addEventListener('click', () => run('api/pause', {}, (r) => r.changed
        ? 'paused the fleet: workers take nothing new' : 'the fleet was paused already'));
    el('resume').addEventListener('click', () => run('api/resume', {}, (r) => r.changed
        ? 'resumed the fleet' : 'the fleet was not paused'));
    el('requeue-all').addEventListener('click', () => run('api/errors/requeue-all', {}, (r) => 'requeued '
        + r.requeued + ' error entr' + (r.requeued === 1 ? 'y' : 'ies') + ' as new messages'
        + (Object.keys(r.leftInPlace || {}).length ? '; left in place: '
            + Object.entries(r.leftInPlace).map(([k, v]) => v + ' ' + k).join(', ') : '')));
    el('token-save').addEventListener('click', saveToken);
    el('token-input').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') saveToken(); });
    el('token-forget').addEventListener('click', forgetToken);
  }

  return {init, render};
})();
