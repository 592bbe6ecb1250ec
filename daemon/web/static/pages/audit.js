// The audit log, newest first, filtered by actor and by object.
import { get, withQuery } from '../api.js';
import { h, clear, field, searchForm, table, section } from '../dom.js';
import { t } from '../i18n.js';
import { rowsTable } from './rows.js';

const filters = { actor: '', object: '' };

export async function renderAudit(root) {
  const listBox = h('div', { id: 'audit-list' });
  const filterForm = searchForm(filters, [
    field('actor', t('audit.actor'), { value: filters.actor, hint: t('audit.actor.hint') }),
    field('object', t('audit.object'), { value: filters.object, hint: t('audit.object.hint') }),
  ], t('common.filter'), () => refresh());
  async function refresh() {
    const data = await get(withQuery('/api/audit', filters));
    clear(listBox, rowsTable(t, table, Array.isArray(data) ? data : data.entries || [], t('audit.title')));
  }
  clear(root, h('h1', {}, t('audit.title')), section(t('audit.filter'), filterForm), listBox);
  await refresh();
}
