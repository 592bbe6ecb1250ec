// Dates and amounts in the page's language, in the lab's time zone and currency (from
// /api/session). The wire has ISO 8601 UTC times and integer minor units, in the decimals the
// ledger writes each currency with (lab.currency_decimals).
import { lang } from './i18n.js';
import { session } from './api.js';

function zone() { return (session.lab && session.lab.time_zone) || undefined; }
function locale() { return lang === 'fr' ? 'fr-FR' : 'en-GB'; }

function toDate(value) {
  if (value === null || value === undefined || value === '') return null;
  const date = typeof value === 'number' ? new Date(value) : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function dateTime(value) {
  const date = toDate(value);
  if (!date) return value ? String(value) : '—';
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: 'medium', timeStyle: 'short', timeZone: zone(),
  }).format(date);
}

export function dateOnly(value) {
  // A bare calendar date is the lab's already: shown as is, never shifted by a zone.
  if (/^\d{4}-\d\d-\d\d$/.test(String(value))) {
    return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' })
      .format(new Date(`${value}T00:00:00Z`));
  }
  const date = toDate(value);
  if (!date) return value ? String(value) : '—';
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: zone() }).format(date);
}

// The ledger's decimals for the currency; the browser's own table only for one the server did
// not name: it knows nothing of decimals a ledger kept (KWD at 2) and gives IQD none, not 3.
function minorDigits(currency) {
  const ledger = (session.lab && session.lab.currency_decimals) || {};
  if (Number.isInteger(ledger[currency])) return ledger[currency];
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
  } catch {
    return 2;
  }
}

export function minorToUnits(minor, currency) {
  return Number(minor) / 10 ** minorDigits(currency || 'EUR');
}

export function amount(minor, currency) {
  const code = currency || (session.lab && session.lab.currency) || 'EUR';
  if (minor === null || minor === undefined || minor === '') return '—';
  const digits = minorDigits(code);
  const value = Number(minor) / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale(), {
      style: 'currency', currency: code,
      minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(value);
  } catch {
    return `${value.toFixed(digits)} ${code}`;
  }
}

export function number(value, digits = 1) {
  if (value === null || value === undefined || value === '') return '—';
  return new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits, maximumFractionDigits: digits,
  }).format(Number(value));
}

// The lab's calendar date (YYYY-MM-DD) of a moment, for date inputs and period choosers.
export function labDate(date = new Date()) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    year: 'numeric', month: '2-digit', day: '2-digit', timeZone: zone(),
  }).formatToParts(date);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function addDays(isoDate, days) {
  const date = new Date(`${isoDate}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
