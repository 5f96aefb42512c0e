// The embeddable widget:
//   <script src="https://HOST/widget.js" data-project="WIDGET_KEY" async></script>
// optionally with data-group="NAME" to route new dialogs to an operator group, and the tab's
// placement and theme (api.ts). The script finds its own tag, and the server is wherever the
// script was loaded from. The site drives it with `parley(...)` (api.ts).
import { siteApi } from './api.js';
import { startChat } from './chat.js';

function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement && current.dataset.project) return current;
  // currentScript is null when a loader injected us some other way: look for our tag.
  return [...document.querySelectorAll<HTMLScriptElement>('script[data-project]')].find((s) => /\/widget\.js(\?|#|$)/.test(s.src)) ?? null;
}

const script = ownScript();
const widgetKey = script?.dataset.project;
/** The key of the widget this page shows. */
const page = window as { parleyWidgetKey?: string };
// A site that includes the snippet twice (or re-runs it on SPA navigation) still gets one widget.
// A second one with another key (two projects' snippets) is left out, with a word to its owner,
// who would otherwise never learn why their chat does not show.
if (script && widgetKey && page.parleyWidgetKey !== undefined) {
  if (widgetKey !== page.parleyWidgetKey) {
    console.warn(
      `Parley widget: this page already shows the widget of data-project="${page.parleyWidgetKey}"; ` +
        `the one of data-project="${widgetKey}" is left out (one widget per page)`,
    );
  }
} else if (script && widgetKey) {
  page.parleyWidgetKey = widgetKey;
  const config = { serverOrigin: new URL(script.src).origin, widgetKey, group: script.dataset.group };
  const api = siteApi(script);
  const start = () => api.attach(startChat(config, api.emit));
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
} else if (!widgetKey) {
  console.warn('Parley widget: add data-project="WIDGET_KEY" to the widget <script> tag');
}
