// Usage over a chosen period: tables per machine and per member, and three plots (minutes per
// machine per week, busiest hours, revenue per month) drawn by Debian's Chart.js, which the
// server serves at /vendor/chart.js.
import { get, withQuery, session, reloadLab } from '../api.js';
import { h, clear, field, searchForm, table, section } from '../dom.js';
import { t } from '../i18n.js';
import { amount, number, labDate, addDays, minorToUnits } from '../fmt.js';
import { minutesOf, amountOf, rowsTable } from './rows.js';

const period = { from: '', to: '' };
let charts = [];
let chartLib = null;

function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!chartLib) {
    chartLib = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = '/vendor/chart.js';
      script.onload = () => resolve(window.Chart);
      script.onerror = () => { chartLib = null; reject(new Error('/vendor/chart.js')); };
      document.head.append(script);
    });
  }
  return chartLib;
}

function presets() {
  const today = labDate();
  const monthStart = `${today.slice(0, 8)}01`;
  const prevMonth = new Date(`${monthStart}T12:00:00Z`);
  prevMonth.setUTCMonth(prevMonth.getUTCMonth() - 1);
  const yearAgo = new Date(`${monthStart}T12:00:00Z`);
  yearAgo.setUTCFullYear(yearAgo.getUTCFullYear() - 1);
  return [
    ['month', t('usage.this_month'), monthStart, addDays(today, 1)],
    ['last_month', t('usage.last_month'), prevMonth.toISOString().slice(0, 10), monthStart],
    ['weeks', t('usage.twelve_weeks'), addDays(today, -83), addDays(today, 1)],
    ['year', t('usage.year'), yearAgo.toISOString().slice(0, 10), addDays(today, 1)],
  ];
}

// Colours told apart also by people with the common colour-vision deficiencies (Okabe-Ito).
const palette = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

function plot(canvas, type, labels, datasets, yTitle) {
  datasets.forEach((set, i) => { set.backgroundColor = palette[i % palette.length]; });
  return loadChartJs().then((Chart) => {
    charts.push(new Chart(canvas, {
      type,
      data: { labels, datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        scales: { y: { beginAtZero: true, title: { display: true, text: yTitle } } },
      },
    }));
  });
}

function chartBox(id, title) {
  const canvas = h('canvas', { id, role: 'img', 'aria-label': title });
  return { canvas, el: h('figure', { class: 'chart' }, h('figcaption', {}, title), h('div', { class: 'chart-area' }, canvas)) };
}

// The session's start in the lab's zone: its week (the Monday), hour of day and month.
function labParts(iso) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: session.lab.time_zone || undefined, year: 'numeric', month: '2-digit',
    day: '2-digit', hour: '2-digit', hourCycle: 'h23', weekday: 'short',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  const back = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday);
  return { week: addDays(day, -back), hour: Number(parts.hour) % 24, month: day.slice(0, 7) };
}

const tenths = (minutes) => Math.round(minutes * 10) / 10;

function sumBy(rows, keyOf, valueOf) {
  const sums = new Map();
  for (const row of rows) sums.set(keyOf(row), (sums.get(keyOf(row)) || 0) + valueOf(row));
  return sums;
}

async function drawPlots(box) {
  const data = await get(withQuery('/api/usage', { from: period.from, to: period.to, by: 'session' }));
  const rows = (data.rows || data).filter((r) => r.started_at)
    .map((r) => ({ ...r, ...labParts(r.started_at) }));
  const weekly = chartBox('chart-weeks', t('usage.plot.weeks'));
  const hourly = chartBox('chart-hours', t('usage.plot.hours'));
  const monthly = chartBox('chart-months', t('usage.plot.months'));
  clear(box, weekly.el, hourly.el, monthly.el);

  const weekLabels = [...new Set(rows.map((r) => r.week))].sort();
  const machines = [...new Set(rows.map((r) => r.machine))].sort();
  const weekSets = machines.map((m) => {
    const sums = sumBy(rows.filter((r) => r.machine === m), (r) => r.week, minutesOf);
    return { label: m, data: weekLabels.map((w) => tenths(sums.get(w) || 0)) };
  });
  const hourSums = sumBy(rows, (r) => r.hour, minutesOf);
  const hourLabels = [...Array(24).keys()];
  const monthLabels = [...new Set(rows.map((r) => r.month))].sort();
  const monthSets = [...new Set(rows.map((r) => r.currency).filter(Boolean))].map((c) => {
    const sums = sumBy(rows.filter((r) => r.currency === c), (r) => r.month, amountOf);
    return { label: c, data: monthLabels.map((mo) => minorToUnits(sums.get(mo) || 0, c)) };
  });
  try {
    await Promise.all([
      plot(weekly.canvas, 'bar', weekLabels, weekSets, t('usage.minutes')),
      plot(hourly.canvas, 'bar', hourLabels.map((x) => `${x}h`),
        [{ label: t('usage.minutes'), data: hourLabels.map((x) => tenths(hourSums.get(x) || 0)) }],
        t('usage.minutes')),
      plot(monthly.canvas, 'bar', monthLabels, monthSets, t('usage.revenue')),
    ]);
  } catch (error) {
    box.append(h('p', { class: 'form-error', role: 'alert' }, t('usage.nochart', { what: error.message })));
  }
}

export async function renderUsage(root) {
  charts.forEach((c) => c.destroy());
  charts = [];
  if (!period.from) [, , period.from, period.to] = presets()[0];
  const tables = h('div', { id: 'usage-tables' });
  const plots = h('div', { class: 'charts', id: 'usage-plots' });
  const chooser = searchForm(period, [
    field('from', t('usage.from'), { type: 'date', value: period.from, required: true }),
    field('to', t('usage.to'), { type: 'date', value: period.to, required: true }),
  ], t('usage.show'), () => renderUsage(root), { id: 'period' });
  const presetButtons = h('div', { class: 'actions', role: 'group', 'aria-label': t('usage.period') },
    presets().map(([key, label, from, to]) => h('button', {
      type: 'button', class: 'small', dataset: { preset: key },
      onclick: () => { period.from = from; period.to = to; renderUsage(root); },
    }, label)));
  clear(root, h('h1', {}, t('usage.title')),
    section(t('usage.period'), chooser, presetButtons), section(t('usage.plots'), plots), tables);

  const [byMachine, byMember] = await Promise.all([...['machine', 'member'].map((by) =>
    get(withQuery('/api/usage', { from: period.from, to: period.to, by }))), reloadLab()]);
  const asTable = (data, caption) => {
    const rows = data.rows || data;
    return rowsTable(t, table, rows, caption);
  };
  const totals = (byMachine.totals || []).map((tot) => h('li', {},
    `${tot.currency}: ${amount(amountOf(tot), tot.currency)}, ${number(minutesOf(tot))} min`));
  clear(tables, section(t('usage.by_machine'), asTable(byMachine, t('usage.by_machine')),
    totals.length ? h('ul', { class: 'totals' }, totals) : null),
  section(t('usage.by_member'), asTable(byMember, t('usage.by_member'))));
  await drawPlots(plots);
}
