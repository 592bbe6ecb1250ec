// Tariffs: every tariff with its status (in force, superseded, future), and a form with the
// same fields as `fabctl tariffs set`. Tariffs are never edited: a new one takes over.
import { get, post, can, reloadLab } from '../api.js';
import { h, clear, field, form, section, table } from '../dom.js';
import { t } from '../i18n.js';
import { rowsTable } from './rows.js';

const optional = ['currency', 'basis', 'increment', 'start_fee', 'minimum', 'minimum_time',
  'combine_window', 'free_below', 'round', 'rounding', 'from'];

export async function renderTariffs(root) {
  const listBox = h('div', { id: 'tariffs-list' });
  async function refresh() {
    const [data] = await Promise.all([get('/api/tariffs'), reloadLab()]);
    clear(listBox, rowsTable(t, table, Array.isArray(data) ? data : data.tariffs || [], t('tariffs.list')));
  }
  const setForm = can('tariffs.write') ? section(t('tariffs.set'), form('tariff', [
    field('target_kind', t('rights.kind'), {
      value: 'group', options: [['machine', t('rights.machine')], ['group', t('rights.group')]],
    }),
    field('target', t('rights.target'), { required: true }),
    field('class', t('members.class'), { value: 'any', required: true, hint: t('tariffs.class.hint') }),
    field('per_hour', t('tariffs.per_hour'), { required: true, hint: t('tariffs.money.hint') }),
    field('currency', t('tariffs.currency'), { value: 'EUR' }),
    field('basis', t('tariffs.basis'), {
      value: 'powered', options: [['powered', t('tariffs.powered')], ['active', t('tariffs.active')]],
    }),
    field('increment', t('tariffs.increment'), { value: '1m', hint: t('tariffs.duration.hint') }),
    field('start_fee', t('tariffs.start_fee')),
    field('minimum', t('tariffs.minimum')),
    field('minimum_time', t('tariffs.minimum_time'), { hint: t('tariffs.duration.hint') }),
    field('combine_window', t('tariffs.combine_window'), { hint: t('tariffs.duration.hint') }),
    field('free_below', t('tariffs.free_below'), { hint: t('tariffs.duration.hint') }),
    field('round', t('tariffs.round'), {
      value: '', options: [['', '—'], ...['0.01', '0.05', '0.10', '0.50', '1.00', '1'].map((x) => [x, x])],
    }),
    field('rounding', t('tariffs.rounding'), {
      value: '', options: [['', '—'], ['half-up', 'half-up'], ['up', 'up'], ['down', 'down']],
    }),
    field('from', t('tariffs.from'), { type: 'datetime-local', hint: t('tariffs.from.hint') }),
  ], t('tariffs.set'), async (values) => {
    const body = { class: values.class, per_hour: values.per_hour };
    body[values.target_kind === 'group' ? 'group' : 'machine'] = values.target;
    for (const key of optional) if (values[key]) body[key] = values[key];
    const answer = await post('/api/tariffs', body);
    await refresh();
    return (answer && (answer.message || answer.summary)) || t('common.saved');
  })) : h('p', { class: 'note' }, t('tariffs.readonly'));
  clear(root, h('h1', {}, t('tariffs.title')), section(t('tariffs.list'), listBox), setForm);
  await refresh();
}
