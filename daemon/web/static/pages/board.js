// The machines board, live: one card per machine, updated in place from the server's event
// stream (/api/events, `event: machine`) without a reload. An offline gate's card turns grey.
import { get, post, can } from '../api.js';
import { h, clear, field, form, announce } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime } from '../fmt.js';

let stream = null;
let onMachine = null;

export function stopBoard() {
  if (stream) stream.close();
  stream = null;
  onMachine = null;
}

const keyOf = (m) => `${m.site}/${m.id}`;

function listen(handler, liveBadge) {
  onMachine = handler;
  stream = new EventSource('/api/events');
  stream.addEventListener('open', () => {
    liveBadge.textContent = t('board.live');
    liveBadge.dataset.live = 'yes';
  });
  stream.addEventListener('error', (event) => {
    liveBadge.textContent = t('board.reconnecting');
    liveBadge.dataset.live = 'no';
    // The server ends the stream with its session; the browser gives up once the session is
    // refused. Asking for the session then shows the login form (its 401 logs out the page).
    if (event.target.readyState === EventSource.CLOSED) get('/api/session').catch(() => {});
  });
  stream.addEventListener('machine', (event) => {
    let machine;
    try { machine = JSON.parse(event.data); } catch { return; }
    if (onMachine) onMachine(machine);
  });
}

function stateText(m) {
  return m.online === false ? t('state.offline') : t(`state.${m.state || 'unknown'}`);
}

function machineFacts(m) {
  const facts = [
    [t('board.state'), h('span', { class: 'state' }, stateText(m))],
    [t('board.member'), m.member ? (m.member_name ? `${m.member_name} (${m.member})` : m.member) : '—'],
    [t('board.since'), dateTime(m.since)],
    [t('board.acl'), m.acl_version ?? '—'],
    [t('board.lock'), m.lock ? t('board.locked', {
      reason: m.lock.reason || '', by: m.lock.by || '', since: dateTime(m.lock.since),
    }) : (m.locked ? t('board.locked.gate') : t('board.unlocked'))],
  ];
  return h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function card(m) {
  const el = h('li', {
    class: 'machine',
    dataset: {
      machine: keyOf(m), state: m.online === false ? 'offline' : (m.state || 'unknown'),
      online: m.online === false ? 'no' : 'yes', locked: m.lock || m.locked ? 'yes' : 'no',
    },
  },
  h('h2', {}, h('a', { href: `#/machine/${encodeURIComponent(m.site)}/${encodeURIComponent(m.id)}` },
    m.name || m.id)),
  h('p', { class: 'ident' }, `${keyOf(m)}${m.group ? ` · ${m.group}` : ''}`),
  machineFacts(m));
  return el;
}

export async function renderBoard(root) {
  const liveBadge = h('span', { class: 'live', dataset: { live: 'no' } }, t('board.connecting'));
  const list = h('ul', { class: 'board', id: 'board' });
  clear(root, h('div', { class: 'page-head' }, h('h1', {}, t('board.title')), liveBadge), list);
  const machines = await get('/api/machines');
  const cards = new Map();
  for (const m of machines) {
    const el = card(m);
    cards.set(keyOf(m), { el, data: m });
    list.append(el);
  }
  if (machines.length === 0) list.append(h('li', { class: 'empty' }, t('board.empty')));
  listen((m) => {
    const known = cards.get(keyOf(m));
    const merged = { ...(known ? known.data : {}), ...m };
    const el = card(merged);
    if (known) known.el.replaceWith(el); else list.append(el);
    cards.set(keyOf(m), { el, data: merged });
  }, liveBadge);
}

function commandResult(box, result) {
  const confirmed = result && result.confirmed;
  box.dataset.confirmed = confirmed ? 'yes' : 'no';
  clear(box, h('strong', {}, confirmed ? t('machine.confirmed') : t('machine.unconfirmed')),
    result && result.message ? ` — ${result.message}` : '');
  announce(box.textContent);
}

export async function renderMachine(root, site, id) {
  const machines = await get('/api/machines');
  let m = machines.find((x) => x.site === site && x.id === id);
  if (!m) {
    clear(root, h('h1', {}, t('machine.title', { name: id })),
      h('p', { class: 'form-error', role: 'alert' }, t('machine.unknown', { machine: `${site}/${id}` })));
    return;
  }
  const base = `/api/machines/${encodeURIComponent(site)}/${encodeURIComponent(id)}`;
  const liveBadge = h('span', { class: 'live', dataset: { live: 'no' } }, t('board.connecting'));
  const factsBox = h('div', { class: 'machine-detail', dataset: { machine: keyOf(m) } }, machineFacts(m));
  const result = h('p', { class: 'command-result', id: 'command-result', role: 'status' });
  const controls = [];
  if (can('machines.control', keyOf(m))) {
    controls.push(form('lock', [field('reason', t('machine.reason'), { required: true })],
      t('machine.lock'), async (values) => {
        commandResult(result, await post(`${base}/lock`, { reason: values.reason }));
      }));
    const unlock = h('button', { type: 'button', id: 'unlock' }, t('machine.unlock'));
    const end = h('button', { type: 'button', id: 'end-session' }, t('machine.end'));
    const errorBox = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const run = (path) => async () => {
      errorBox.hidden = true;
      try { commandResult(result, await post(`${base}/${path}`, {})); } catch (error) {
        errorBox.hidden = false;
        errorBox.textContent = error.where ? `${error.where}: ${error.what}` : error.what || error.message;
      }
    };
    unlock.addEventListener('click', run('unlock'));
    end.addEventListener('click', run('end-session'));
    controls.push(h('div', { class: 'actions' }, unlock, end), errorBox);
  } else {
    controls.push(h('p', { class: 'note' }, t('machine.readonly')));
  }
  clear(root, h('p', {}, h('a', { href: '#/board' }, t('machine.back'))),
    h('div', { class: 'page-head' }, h('h1', {}, t('machine.title', { name: m.name || id })), liveBadge),
    h('p', { class: 'ident' }, keyOf(m)), factsBox,
    h('section', { class: 'panel' }, h('h2', {}, t('machine.commands')), controls, result));
  listen((update) => {
    if (keyOf(update) !== keyOf(m)) return;
    m = { ...m, ...update };
    clear(factsBox, machineFacts(m));
  }, liveBadge);
}
