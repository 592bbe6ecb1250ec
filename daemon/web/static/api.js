// Calls to fabweb's JSON API. Every change carries the CSRF token the server handed out at
// login (header X-CSRF-Token); an error answer becomes an ApiError with the server's texts.

let csrfToken = '';

export function setCsrf(token) { csrfToken = token || ''; }

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.what || `HTTP ${status}`);
    this.status = status;
    this.where = err.where || '';
    this.what = err.what || `HTTP ${status}`;
    this.code = err.code || '';
  }
}

let onLoggedOut = () => {};
export function whenLoggedOut(handler) { onLoggedOut = handler; }

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  const text = await response.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (error.status === 401 && !path.endsWith('/api/login')) onLoggedOut();
    throw error;
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);

// Builds "/api/x?a=1&b=2" leaving out empty values.
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') query.set(key, value);
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

// The session and the lab's settings, shared by every page.
export const session = { login: '', role: '', csrf: '', machines: [], lab: {} };

export function setSession(data) {
  Object.assign(session, {
    login: data.login || '',
    role: data.role || '',
    machines: data.machines || [],
    lab: data.lab || session.lab || {},
  });
  setCsrf(data.csrf);
}

// The lab's settings read again before a page shows amounts: a tariff set since the login (here
// or elsewhere) may have brought a currency, with the decimals the ledger writes it with.
export async function reloadLab() {
  const data = await get('/api/session');
  if (data && data.lab) session.lab = data.lab;
}

// A trainer's machines are `site/id`; a right may name the id alone.
function ownsMachine(machine) {
  return session.machines.some((m) => m === machine || m.split('/').pop() === machine);
}

// What the role may do, for hiding controls only: the server decides every request.
export function can(action, machine) {
  const role = session.role;
  if (role === 'admin') return true;
  switch (action) {
    case 'rights.write':
    case 'machines.control':
      return role === 'trainer' && (machine === undefined || ownsMachine(machine));
    case 'billing.write':
    case 'usage.read':
    case 'billing.read':
    case 'tariffs.read':
    case 'audit.read':
      return role === 'treasurer';
    default:
      return false;
  }
}
