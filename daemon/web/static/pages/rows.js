// Shows rows whose exact columns the server chooses (usage reports, audit, parked sessions):
// a column's unit is read from its name, as fabctl's JSON names them (_ms, _s, _minor, _at).
import { h } from '../dom.js';
import { amount, dateTime, number } from '../fmt.js';

export function minutesOf(row) {
  for (const key of ['minutes', 'powered_minutes', 'powered_min', 'billable_minutes']) {
    if (row[key] !== undefined) return Number(row[key]);
  }
  for (const key of ['powered_ms', 'billable_ms', 'duration_ms']) {
    if (row[key] !== undefined) return Number(row[key]) / 60000;
  }
  for (const key of ['powered_s', 'billable_s', 'duration_s', 'seconds']) {
    if (row[key] !== undefined) return Number(row[key]) / 60;
  }
  return 0;
}

export function amountOf(row) {
  for (const key of ['amount_minor', 'amount', 'revenue_minor', 'total_minor']) {
    if (row[key] !== undefined) return Number(row[key]);
  }
  return 0;
}

// The server's JSON objects have their keys sorted; tables read better in fabctl's order.
const order = ['id', 'batch', 'session', 'at', 'received_at', 'started_at', 'ended_at',
  'period_start', 'period_end', 'uid', 'site', 'machine', 'member', 'name', 'target', 'kind',
  'class', 'actor', 'unix_user', 'action', 'subject', 'state', 'topic', 'reason', 'currency',
  'sessions', 'late_sessions', 'powered_ms', 'active_ms', 'billable_s', 'amount_minor', 'unpriced',
  'totals', 'closed_at', 'closed_by', 'before', 'after'];
const rank = (key) => (order.includes(key) ? order.indexOf(key) : order.length);

export function columnsOf(rows) {
  const keys = [];
  for (const row of rows || []) {
    for (const key of Object.keys(row)) {
      if (!keys.includes(key)) keys.push(key);
    }
  }
  return keys.map((key, i) => [rank(key), i, key]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map(([, , key]) => key);
}

export function cellFor(key, row) {
  const value = row[key];
  if (value === null || value === undefined || value === '') return '—';
  if (/(_minor|^amount)$/.test(key)) return amount(value, row.currency);
  if (/_ms$/.test(key)) return `${number(Number(value) / 60000)} min`;
  if (/_s$/.test(key)) return `${number(Number(value) / 60)} min`;
  if (/(_at|since|start|end|^at|valid_from)$/.test(key) && /^\d{4}-\d\d-\d\dT/.test(String(value))) {
    return dateTime(value);
  }
  if (typeof value === 'boolean') return value ? '✓' : '✗';
  if (Array.isArray(value) && value.every((v) => v && v.currency !== undefined)) {
    return value.map((v) => amount(v.amount_minor ?? v.amount, v.currency)).join(', ');
  }
  if (typeof value === 'object') return h('code', { class: 'json' }, JSON.stringify(value));
  return typeof value === 'number' ? String(value) : h('span', {}, String(value));
}

// A column's heading from the catalogue (col.KEY), else its name made readable.
export function heading(t, key) {
  const text = t(`col.${key}`);
  return text === `col.${key}` ? key.replace(/_/g, ' ') : text;
}

// A table of server rows with every scalar column, formatted by its name.
export function rowsTable(t, table, rows, caption) {
  return table(columnsOf(rows).map((key) => [heading(t, key), (r) => cellFor(key, r)]), rows,
    { caption });
}
