// The string catalogue: i18n/en.json and i18n/fr.json. The language is the one stored by the
// page's switch, else the first of the browser's languages we have, else English.

export const languages = ['en', 'fr'];
let catalogue = {};
let fallback = {};
export let lang = 'en';

export function pickLanguage() {
  const stored = localStorage.getItem('lang');
  if (languages.includes(stored)) return stored;
  for (const wanted of navigator.languages || [navigator.language || 'en']) {
    const base = String(wanted).toLowerCase().split('-')[0];
    if (languages.includes(base)) return base;
  }
  return 'en';
}

async function load(code) {
  const response = await fetch(`i18n/${code}.json`, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`i18n/${code}.json: HTTP ${response.status}`);
  return response.json();
}

export async function setLanguage(code, remember = false) {
  if (!languages.includes(code)) code = 'en';
  if (remember) localStorage.setItem('lang', code);
  if (Object.keys(fallback).length === 0) fallback = await load('en');
  catalogue = code === 'en' ? fallback : await load(code);
  lang = code;
  document.documentElement.lang = code;
}

// t('board.since', {time}) looks up "board.since" and fills {time}.
export function t(key, vars = {}) {
  const text = catalogue[key] ?? fallback[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

// Fills every element marked data-i18n in the static page.
export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
