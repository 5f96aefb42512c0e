// The website widget script (built by scripts/build.mjs into dist/widget: widget.js, compressed
// as widget.js.br and .gz) and, once the demo project exists (`parley server --demo`), a small
// demo shop at `/` that embeds it, with its own button opening the chat (`/demo.js`, the
// widget's JavaScript API as a site uses it).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, notFound } from '../errors.js';
import { sendCacheable } from '../http-cache.js';
import { cspHash, widgetStyleSource } from '../plugins/security.js';
import { chooseEncoding, installedWidget, type WidgetFiles } from '../widget-bundle.js';

/** The settings key admin.ensureDemo() writes; no demo project, no demo page. */
const DEMO_PROJECT_SETTING = 'demo.project_id';

export interface WidgetRoutesOptions {
  /** Where the widget is built (tests); this installation's dist/widget by default. */
  widget?: WidgetFiles;
}

export default async function widgetRoutes(app: FastifyInstance, opts: WidgetRoutesOptions) {
  const widget = opts.widget ?? installedWidget;

  app.get('/widget.js', async (request, reply) => {
    const build = widget.current();
    if (!build) throw new AppError(503, 'unavailable', 'the widget is not built; run npm run build');
    const encoding = chooseEncoding(build, request.headers['accept-encoding']);
    reply.headers({
      'content-type': 'application/javascript; charset=utf-8',
      'x-content-type-options': 'nosniff',
      // Short, so a new release reaches sites soon; the etag makes the re-check cheap.
      'cache-control': 'public, max-age=300',
      // Sites on other origins load it with a plain <script> tag, also under COEP.
      'cross-origin-resource-policy': 'cross-origin',
      // Caches keep one copy per encoding, whichever this answer is.
      vary: 'Accept-Encoding',
    });
    if (encoding !== 'identity') reply.header('content-encoding', encoding);
    return sendCacheable(request, reply, build[encoding] ?? build.identity);
  });

  app.get('/', async (request, reply) => {
    const id = await app.repos.settings.get(DEMO_PROJECT_SETTING);
    const project = id ? await app.repos.projects.byId(Number(id)) : undefined;
    if (!project) throw notFound('no demo here: start the server with --demo');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('content-security-policy', demoPagePolicy(request, widgetStyleSource(widget)))
      .send(demoPage(project.widget_key));
  });

  // A script file: the page's CSP allows no inline script.
  app.get('/demo.js', async (_request, reply) =>
    reply
      .type('application/javascript; charset=utf-8')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(DEMO_SCRIPT),
  );

  // Browsers ask every site for its icon; there is none, and a 404 would show as an error in the
  // console of the demo page (and of anyone checking the server with a browser).
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).header('cache-control', 'max-age=86400').send());
}

/** The demo page's one stylesheet; its hash is in the page's CSP, so it must stay a constant. */
const DEMO_STYLE = `
      body { margin: 0; font-family: Georgia, serif; background: #fafaf9; color: #292524; }
      header { padding: 24px 40px; background: #292524; color: #fafaf9; }
      main { display: flex; flex-wrap: wrap; gap: 24px; padding: 40px; }
      article { width: 220px; padding: 16px; background: #fff; border: 1px solid #e7e5e4; }
      .pic { height: 140px; margin-bottom: 12px; }
      .pic.orange { background: #f97316; }
      .pic.blue { background: #0ea5e9; }
      .pic.green { background: #22c55e; }
      p.note { padding: 0 40px; color: #57534e; }
    `;

const DEMO_STYLE_SOURCE = cspHash(DEMO_STYLE);

/** What a site writes to drive the widget (README "JavaScript API"): the stub, then its calls. */
const DEMO_SCRIPT = `window.parley = window.parley || function () { (parley.q = parley.q || []).push(arguments); };
document.addEventListener('click', function (e) {
  if (e.target instanceof Element && e.target.closest('[data-chat]')) parley('open');
});
`;

/**
 * What the demo page and the widget on it need, and nothing more: the widget script from here;
 * its WebSocket and uploads to here; avatars and images from here; the page's stylesheet and the
 * widget's (a <style> in its shadow root), each allowed by its hash rather than by
 * 'unsafe-inline'. The widget's other styling goes through the CSSOM (element.style), which CSP
 * does not restrict. No inline script, no plugins, no framing, no form posts, no <base>.
 */
function demoPagePolicy(request: FastifyRequest, widgetStyle: string): string {
  // 'self' covers ws(s): of the same host in CSP 3; older engines need the socket's origin
  // spelled out. Only a plain host[:port] is echoed into the header.
  const host = request.host;
  const socketOrigin = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i.test(host)
    ? ` ${request.protocol === 'https' ? 'wss' : 'ws'}://${host}`
    : '';
  return [
    "default-src 'none'",
    "script-src 'self'",
    `connect-src 'self'${socketOrigin}`,
    "img-src 'self'",
    `style-src ${DEMO_STYLE_SOURCE} ${widgetStyle}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function demoPage(widgetKey: string): string {
  // Colours by class: a style="" attribute would need 'unsafe-inline' in the page's CSP.
  const products = [
    ['Trail runner', '€89', 'orange'],
    ['City sneaker', '€69', 'blue'],
    ['Rain boot', '€59', 'green'],
  ]
    .map(
      ([name, price, colour]) =>
        `<article><div class="pic ${colour}"></div><h2>${name}</h2><p>${price}</p><button>Add to cart</button></article>`,
    )
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Parley demo shop</title>
    <style>${DEMO_STYLE}</style>
  </head>
  <body>
    <header><h1>Demo shop</h1></header>
    <p class="note">A pretend shop. The chat tab appears at the bottom right while an operator is online
      (<code>parley status online</code>). <button data-chat>Questions about sizes? Ask us</button></p>
    <main>
      ${products}
    </main>
    <script src="/demo.js"></script>
    <script src="/widget.js" data-project="${escapeHtml(widgetKey)}" async></script>
  </body>
</html>
`;
}
