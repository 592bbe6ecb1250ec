// Billing: the closed periods (batches) with their CSV and JSON downloads, closing a period,
// and the sessions the ledger parked or refused.
import { get, post, can, reloadLab } from '../api.js';
import { h, clear, field, form, table, section } from '../dom.js';
import { t } from '../i18n.js';
import { labDate } from '../fmt.js';
import { rowsTable, cellFor, columnsOf } from './rows.js';

function downloads(batch) {
  const id = batch.id ?? batch.batch;
  return h('span', { class: 'actions' },
    h('a', { href: `/api/billing/batches/${id}.csv`, download: `batch-${id}.csv`, dataset: { csv: id } }, 'CSV'),
    h('a', { href: `/api/billing/batches/${id}.json`, download: `batch-${id}.json`, dataset: { json: id } }, 'JSON'));
}

export async function renderBilling(root) {
  const periodsBox = h('div', { id: 'billing-periods' });
  const errorsBox = h('div', { id: 'billing-errors' });
  async function refresh() {
    const [data] = await Promise.all([get('/api/billing/periods'), reloadLab()]);
    const batches = Array.isArray(data) ? data : data.batches || data.periods || [];
    const keys = columnsOf(batches);
    clear(periodsBox, table([
      ...keys.map((k) => [t(`col.${k}`) === `col.${k}` ? k.replace(/_/g, ' ') : t(`col.${k}`), (b) => cellFor(k, b)]),
      [t('billing.download'), downloads],
    ], batches, { caption: t('billing.periods') }));
  }
  async function refreshErrors() {
    const data = await get('/api/errors');
    const held = data.refused || [];
    const parked = data.parked || held.filter((r) => r.state === 'parked');
    const refused = held.filter((r) => r.state !== 'parked');
    clear(errorsBox,
      section(t('billing.parked'), rowsTable(t, table, parked, t('billing.parked'))),
      section(t('billing.refused'), rowsTable(t, table, refused, t('billing.refused'))));
  }
  const closeForm = can('billing.write') ? section(t('billing.close'), form('close', [
    field('end', t('billing.end'), { value: `${labDate().slice(0, 8)}01`, required: true,
      hint: t('billing.end.hint') }),
  ], t('billing.close'), async (values) => {
    const answer = await post('/api/billing/close', { end: values.end });
    await refresh();
    return (answer && answer.message) || t('billing.closed', { id: answer && (answer.id ?? answer.batch) });
  })) : h('p', { class: 'note' }, t('billing.readonly'));
  clear(root, h('h1', {}, t('billing.title')), closeForm,
    section(t('billing.periods'), periodsBox), errorsBox);
  await Promise.all([refresh(), refreshErrors()]);
}
