/**
 * The dashboard's browser entry point, served at /dashboard/assets/main.js as
 * an ES module: it wires the page that page.tsx renders to the service's own
 * JSON API. Three views in one page, switched by the URL fragment.
 */
import { apiKey, storeApiKey } from './api.js';
import { byId } from './dom.js';
import { loadExemplars, loadLanguages, startExemplars } from './exemplars.js';
import { formatUsd } from './format.js';
import { startPlayground } from './playground.js';
import { loadTraffic, startTraffic } from './traffic.js';

declare global {
  interface Window {
    /** For tests and the curious: the formatter the page uses for money. */
    routerDashboard?: { formatUsd: typeof formatUsd };
  }
}

const VIEWS = ['playground', 'exemplars', 'traffic'] as const;
type View = (typeof VIEWS)[number];

/** Views whose data has been fetched; a new key empties it so each view fetches again with it. */
let loaded = new Set<View>();

function currentView(): View {
  const name = location.hash.replace('#', '');
  return VIEWS.find((view) => view === name) ?? 'playground';
}

function showView(focus: boolean): void {
  const name = currentView();
  for (const view of VIEWS) byId(view).classList.toggle('active', view === name);
  for (const link of document.querySelectorAll('[data-view-link]')) {
    if (link.getAttribute('data-view-link') === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (focus) byId(`${name}-title`).focus();
  if (loaded.has(name)) return;
  loaded.add(name);
  if (name === 'exemplars') {
    loadLanguages();
    void loadExemplars();
  }
  if (name === 'traffic') void loadTraffic();
}

function showKeyState(): void {
  byId('key-state').textContent = apiKey() ? '(set)' : '(none)';
}

function startKeyForm(): void {
  byId('key-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const field = byId('api-key', HTMLInputElement);
    storeApiKey(field.value.trim());
    field.value = '';
    showKeyState();
    byId('key-panel', HTMLDetailsElement).open = false;
    loaded = new Set();
    showView(false);
  });
  byId('key-forget', HTMLButtonElement).addEventListener('click', () => {
    storeApiKey('');
    showKeyState();
  });
}

document.documentElement.classList.add('js');
startKeyForm();
startPlayground();
startExemplars();
startTraffic();
window.addEventListener('hashchange', () => showView(true));
showKeyState();
showView(false);
window.routerDashboard = { formatUsd };
