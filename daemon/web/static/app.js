// The console's entry point: language, session, navigation between pages (#/board, ...).
import { get, post, session, setSession, can, whenLoggedOut, ApiError } from './api.js';
import { h, clear } from './dom.js';
import { t, pickLanguage, setLanguage, lang } from './i18n.js';
import { renderLogin } from './pages/login.js';
import { renderBoard, renderMachine, stopBoard } from './pages/board.js';
import { renderMembers } from './pages/members.js';
import { renderRights } from './pages/rights.js';
import { renderUsage } from './pages/usage.js';
import { renderTariffs } from './pages/tariffs.js';
import { renderBilling } from './pages/billing.js';
import { renderAudit } from './pages/audit.js';

const pages = [
  { path: 'board', render: renderBoard, show: () => true },
  { path: 'members', render: renderMembers, show: () => true },
  { path: 'rights', render: renderRights, show: () => true },
  { path: 'usage', render: renderUsage, show: () => can('usage.read') },
  { path: 'tariffs', render: renderTariffs, show: () => can('tariffs.read') },
  { path: 'billing', render: renderBilling, show: () => can('billing.read') },
  { path: 'audit', render: renderAudit, show: () => can('audit.read') },
];

const view = () => document.getElementById('view');

function renderChrome() {
  document.title = t('app.title');
  document.getElementById('brand').textContent = t('app.title');
  document.getElementById('skip-link').textContent = t('app.skip');
  document.getElementById('lang-label').textContent = t('app.language');
  document.getElementById('lang-switch').value = lang;
  const logout = document.getElementById('logout');
  logout.textContent = t('app.logout');
  logout.hidden = !session.login;
  document.getElementById('who').textContent = session.login
    ? t('app.who', { login: session.login, role: t(`role.${session.role}`) }) : '';
  const nav = document.getElementById('nav');
  nav.setAttribute('aria-label', t('nav.label'));
  nav.hidden = !session.login;
  const current = currentRoute()[0];
  clear(nav, h('ul', {}, pages.filter((p) => p.show()).map((p) => h('li', {},
    h('a', { href: `#/${p.path}`, 'aria-current': p.path === current ? 'page' : null,
      id: `nav-${p.path}` }, t(`nav.${p.path}`))))));
}

function currentRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  return parts.length ? parts : ['board'];
}

async function route(moved = false) {
  stopBoard();
  renderChrome();
  const root = view();
  if (!session.login) {
    renderLogin(root, onLoggedIn);
    return;
  }
  const [name, ...rest] = currentRoute();
  try {
    if (name === 'machine' && rest.length >= 2) {
      await renderMachine(root, rest[0], rest[1]);
    } else {
      const page = pages.find((p) => p.path === name) || pages[0];
      await page.render(root, rest);
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return;
    clear(root, h('p', { class: 'form-error', role: 'alert' },
      error.where ? `${error.where}: ` : '', error.what || error.message));
  }
  // After a move from the menu, focus goes to the new page's title, as a page load would.
  const heading = root.querySelector('h1');
  if (moved && heading && !root.contains(document.activeElement)) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

async function onLoggedIn(data) {
  setSession(data);
  try {
    setSession({ ...(await get('/api/session')), machines: data.machines || session.machines });
  } catch { /* the login answer is enough to go on */ }
  if (!location.hash || location.hash === '#/login') location.hash = '#/board';
  else await route();
}

async function start() {
  await setLanguage(pickLanguage());
  document.getElementById('lang-switch').addEventListener('change', async (event) => {
    await setLanguage(event.target.value, true);
    await route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await post('/api/logout'); } catch { /* logged out either way */ }
    setSession({});
    session.lab = {};
    await route();
  });
  try {
    setSession(await get('/api/session'));
  } catch { /* not logged in: the login page shows */ }
  whenLoggedOut(() => { setSession({}); route(); });
  window.addEventListener('hashchange', () => route(true));
  await route();
}

start();
