// Members: search, add, edit, suspend or reinstate, assign a badge; and the recent unknown
// badges, each enrolled in two clicks: "Enrol" on the badge, then "Give badge" on a member.
import { get, post, withQuery, can } from '../api.js';
import { h, clear, field, form, table, section, announce } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime, dateOnly } from '../fmt.js';

const state = { query: '', enrolling: null };

const classes = () => ['member', 'student', 'company', 'staff', 'standard'];

function memberFields(m = {}) {
  const classOptions = classes().map((c) => [c, c]);
  if (m.class && !classes().includes(m.class)) classOptions.push([m.class, m.class]);
  return [
    m.id ? null : field('id', t('members.id'), { required: true, hint: t('members.id.hint') }),
    field('name', t('members.name'), { value: m.name || '', required: true }),
    field('contact', t('members.contact'), { value: m.contact || '', type: 'email' }),
    field('class', t('members.class'), { value: m.class || 'member', options: classOptions }),
    field('until', t('members.until'), {
      value: (m.until && m.until !== 'never' ? m.until : '').slice(0, 10), type: 'date', hint: t('members.until.hint'),
    }),
  ];
}

function memberBody(values) {
  const body = { name: values.name, contact: values.contact || '', class: values.class };
  if (values.id !== undefined) body.id = values.id;
  // Editing with the date cleared means "never expires"; adding leaves it out.
  if (values.until) body.until = values.until;
  else if (values.id === undefined) body.until = 'never';
  return body;
}

export async function renderMembers(root) {
  const mayWrite = can('members.write');
  const results = h('div', { id: 'members-results' });
  const editor = h('div', { id: 'member-editor' });
  const enrolBox = h('div', { id: 'enrol-box' });
  const unknownBox = h('div', { id: 'unknown-badges' });

  const search = h('form', { class: 'search', role: 'search' },
    field('q', t('members.search'), { type: 'search', value: state.query }),
    h('button', { type: 'submit' }, t('common.search')));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    state.query = new FormData(search).get('q');
    refresh();
  });

  async function refresh() {
    const members = await get(withQuery('/api/members', { q: state.query }));
    const columns = [
      [t('members.id'), (m) => m.id],
      [t('members.name'), (m) => m.name],
      [t('members.class'), (m) => m.class],
      [t('members.status'), (m) => h('span', { class: `status-${m.status}` },
        t(`status.${m.status}`))],
      [t('members.until'), (m) => (m.until && m.until !== 'never' ? dateOnly(m.until) : t('common.never'))],
      [t('members.badges'), (m) => (Array.isArray(m.badges) ? m.badges.length : m.badges ?? 0)],
    ];
    if (mayWrite) columns.push([t('common.actions'), (m) => memberActions(m)]);
    clear(results, table(columns, members, { caption: t('members.list'), rowKey: (m) => m.id }));
  }

  function memberActions(m) {
    const buttons = [h('button', { type: 'button', class: 'small', onclick: () => openEditor(m) },
      t('common.edit'))];
    const suspended = m.status === 'suspended';
    buttons.push(h('button', {
      type: 'button', class: 'small',
      onclick: async () => {
        try {
          await post(`/api/members/${encodeURIComponent(m.id)}/${suspended ? 'reinstate' : 'suspend'}`,
            suspended ? {} : { reason: t('members.suspend.reason') });
          announce(t(suspended ? 'members.reinstated' : 'members.suspended', { id: m.id }));
          await refresh();
        } catch (error) { announce(`${error.where ? `${error.where}: ` : ''}${error.what}`); }
      },
    }, suspended ? t('members.reinstate') : t('members.suspend')));
    if (state.enrolling) {
      buttons.push(h('button', {
        type: 'button', class: 'small primary', dataset: { giveTo: m.id },
        onclick: () => giveBadge(m.id),
      }, t('members.give', { uid: state.enrolling.uid })));
    }
    return h('div', { class: 'actions' }, buttons);
  }

  async function giveBadge(memberId) {
    const uid = state.enrolling.uid;
    try {
      await post(`/api/members/${encodeURIComponent(memberId)}/badges`, { uid });
      state.enrolling = null;
      announce(t('members.enrolled', { uid, id: memberId }));
      clear(enrolBox, h('p', { class: 'form-result', role: 'status', id: 'enrol-result' },
        t('members.enrolled', { uid, id: memberId })));
      await Promise.all([refresh(), refreshUnknown()]);
    } catch (error) {
      clear(enrolBox, h('p', { class: 'form-error', role: 'alert' },
        error.where ? `${error.where}: ` : '', error.what));
    }
  }

  function openEditor(m) {
    clear(editor, section(t('members.edit', { id: m.id }), form('edit-member', memberFields(m),
      t('common.save'), async (values) => {
        await post(`/api/members/${encodeURIComponent(m.id)}`, memberBody(values));
        await refresh();
        return t('common.saved');
      })));
    editor.querySelector('input').focus();
  }

  async function startEnrol(badge) {
    state.enrolling = badge;
    const create = form('enrol-new', memberFields(), t('members.enrol.create'), async (values) => {
      await post('/api/members', memberBody(values));
      await giveBadge(values.id);
    });
    clear(enrolBox, section(t('members.enrol.title', { uid: badge.uid }),
      h('p', {}, t('members.enrol.pick')), create,
      h('button', { type: 'button', onclick: () => { state.enrolling = null; clear(enrolBox); refresh(); } },
        t('common.cancel'))));
    await refresh();
    const first = results.querySelector('[data-give-to]');
    if (first) first.focus();
  }

  async function refreshUnknown() {
    const badges = await get('/api/unknown-badges');
    const columns = [
      [t('unknown.uid'), (b) => h('code', {}, b.uid)],
      [t('unknown.where'), (b) => b.machine || ''],
      [t('unknown.last'), (b) => dateTime(b.last_seen_at || b.last_seen)],
      [t('unknown.count'), (b) => b.count ?? 1],
    ];
    if (mayWrite) {
      columns.push([t('common.actions'), (b) => h('button', {
        type: 'button', class: 'small primary', dataset: { enrol: b.uid }, onclick: () => startEnrol(b),
      }, t('unknown.enrol'))]);
    }
    clear(unknownBox, table(columns, badges, { caption: t('unknown.title'), rowKey: (b) => b.uid }));
  }

  const adding = mayWrite ? section(t('members.add'), form('add-member', memberFields(),
    t('members.add'), async (values, el) => {
      await post('/api/members', memberBody(values));
      el.reset();
      await refresh();
      return t('common.saved');
    })) : null;

  const assigning = mayWrite ? section(t('members.assign'), form('assign-badge', [
    field('member', t('members.id'), { required: true }),
    field('uid', t('unknown.uid'), { required: true, hint: t('members.uid.hint') }),
  ], t('members.assign'), async (values) => {
    await post(`/api/members/${encodeURIComponent(values.member)}/badges`, { uid: values.uid });
    await refresh();
    return t('common.saved');
  })) : null;

  clear(root, h('h1', {}, t('members.title')),
    section(t('unknown.title'), unknownBox), enrolBox,
    section(t('members.list'), search, results), editor, adding, assigning);
  await Promise.all([refresh(), refreshUnknown()]);
}
