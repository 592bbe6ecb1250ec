// The login page: the server sets the session cookie and hands back the CSRF token.
import { post } from '../api.js';
import { h, clear, field, form } from '../dom.js';
import { t } from '../i18n.js';

export function renderLogin(root, onLoggedIn) {
  const loginForm = form('login', [
    field('login', t('login.login'), { required: true }),
    field('password', t('login.password'), { type: 'password', required: true }),
  ], t('login.submit'), async (values) => {
    const data = await post('/api/login', { login: values.login, password: values.password });
    await onLoggedIn(data);
  });
  loginForm.querySelector('input[name=login]').setAttribute('autocomplete', 'username');
  loginForm.querySelector('input[name=password]').setAttribute('autocomplete', 'current-password');
  clear(root, h('section', { class: 'panel login' }, h('h1', {}, t('login.title')), loginForm));
  loginForm.querySelector('input').focus();
}
