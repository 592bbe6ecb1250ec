// Rights (training records): who is trained on what, grant and revoke per machine or group
// with a role and an expiry. A trainer may change rights on their own machines only.
import { get, post, withQuery, can, session } from '../api.js';
import { h, clear, field, form, searchForm, table, section, announce } from '../dom.js';
import { t } from '../i18n.js';
import { dateOnly, dateTime } from '../fmt.js';

const filters = { member: '', machine: '' };

function targetBody(kind, target) {
  return kind === 'group' ? { group: target } : { machine: target };
}

// Who is trained on what: one row per member, one cell per machine or group.
function matrix(rights) {
  const targets = [...new Set(rights.map((r) => `${r.kind}:${r.target}`))].sort();
  const members = [...new Map(rights.map((r) => [r.member, r.name])).entries()];
  if (members.length === 0) return null;
  const cell = (memberId, key) => {
    const right = rights.find((r) => r.member === memberId && `${r.kind}:${r.target}` === key);
    return right ? t(`role.${right.role}`) : '';
  };
  return h('div', { class: 'table-wrap' }, h('table', { class: 'matrix' },
    h('caption', {}, t('rights.matrix')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('rights.member')),
      targets.map((k) => h('th', { scope: 'col' }, k.replace(/^group:/, `${t('rights.group')} `)
        .replace(/^machine:/, ''))))),
    h('tbody', {}, members.map(([id, name]) => h('tr', {},
      h('th', { scope: 'row' }, `${name || ''} (${id})`),
      targets.map((k) => h('td', {}, cell(id, k))))))));
}

export async function renderRights(root) {
  const listBox = h('div', { id: 'rights-list' });
  const filterForm = searchForm(filters, [
    field('member', t('rights.member'), { value: filters.member }),
    field('machine', t('rights.machine'), { value: filters.machine }),
  ], t('common.filter'), () => refresh());

  async function revoke(r) {
    try {
      await post('/api/rights/revoke', { member: r.member, ...targetBody(r.kind, r.target) });
      announce(t('rights.revoked', { member: r.member, target: r.target }));
      await refresh();
    } catch (error) { announce(`${error.where ? `${error.where}: ` : ''}${error.what}`); }
  }

  async function refresh() {
    const rights = await get(withQuery('/api/rights', filters));
    const columns = [
      [t('rights.member'), (r) => `${r.name || ''} (${r.member})`],
      [t('rights.target'), (r) => (r.kind === 'group' ? `${t('rights.group')} ${r.target}` : r.target)],
      [t('rights.role'), (r) => t(`role.${r.role}`)],
      [t('rights.until'), (r) => (r.until && r.until !== 'never' ? dateOnly(r.until) : t('common.never'))],
      [t('rights.granted'), (r) => `${r.granted_by || ''} ${r.granted_at ? dateTime(r.granted_at) : ''}`],
    ];
    if (can('rights.write')) {
      columns.push([t('common.actions'), (r) => (r.kind === 'machine' && !can('rights.write', r.target)
        ? '' : h('button', { type: 'button', class: 'small', onclick: () => revoke(r) }, t('rights.revoke')))]);
    }
    clear(listBox, matrix(rights), table(columns, rights, { caption: t('rights.list') }));
  }

  const grant = can('rights.write') ? section(t('rights.grant'), form('grant', [
    field('member', t('rights.member'), { required: true }),
    field('target_kind', t('rights.kind'), {
      value: 'machine',
      // A trainer's right may name one of their machines, never a group (which reaches others).
      options: [['machine', t('rights.machine')],
        ...(session.role === 'trainer' ? [] : [['group', t('rights.group')]])],
    }),
    field('target', t('rights.target'), { required: true, hint: t('rights.target.hint') }),
    field('role', t('rights.role'), {
      value: 'user', options: ['user', 'supervisor', 'maintainer'].map((r) => [r, t(`role.${r}`)]),
    }),
    field('until', t('rights.until'), { type: 'date', hint: t('rights.until.hint') }),
  ], t('rights.grant'), async (values) => {
    const body = { member: values.member, ...targetBody(values.target_kind, values.target), role: values.role };
    if (values.until) body.until = values.until;
    await post('/api/rights', body);
    await refresh();
    return t('rights.granted.ok', { member: values.member, target: values.target });
  })) : h('p', { class: 'note' }, t('rights.readonly'));

  clear(root, h('h1', {}, t('rights.title')), grant,
    section(t('rights.list'), filterForm, listBox));
  await refresh();
}
