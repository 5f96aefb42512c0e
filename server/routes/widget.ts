// The website widget script (built by esbuild into dist/widget/widget.js) and, once the demo
// project exists (`parley server --demo`), a small demo shop at `/` that embeds it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AppError, notFound } from '../errors.js';

/** The settings key admin.ensureDemo() writes; no demo project, no demo page. */
const DEMO_PROJECT_SETTING = 'demo.project_id';

/** Found by walking up: this file runs from server/routes (tests) and from dist/server/routes. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const WIDGET_FILE = join(packageRoot(), 'dist', 'widget', 'widget.js');

export default async function widgetRoutes(app: FastifyInstance) {
  app.get('/widget.js', async (request, reply) => {
    let script: Buffer;
    try {
      script = await readFile(WIDGET_FILE);
    } catch {
      throw new AppError(503, 'unavailable', 'the widget is not built; run npm run build');
    }
    const etag = `"${createHash('sha256').update(script).digest('base64url').slice(0, 22)}"`;
    reply.headers({
      'content-type': 'application/javascript; charset=utf-8',
      'x-content-type-options': 'nosniff',
      // Short, so a new release reaches sites soon; the etag makes the re-check cheap.
      'cache-control': 'public, max-age=300',
      etag,
    });
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.send(script);
  });

  app.get('/', async (_request, reply) => {
    const id = await app.repos.settings.get(DEMO_PROJECT_SETTING);
    const project = id ? await app.repos.projects.byId(Number(id)) : undefined;
    if (!project) throw notFound('no demo here: start the server with --demo');
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(demoPage(project.widget_key));
  });
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function demoPage(widgetKey: string): string {
  const products = [
    ['Trail runner', '€89', '#f97316'],
    ['City sneaker', '€69', '#0ea5e9'],
    ['Rain boot', '€59', '#22c55e'],
  ]
    .map(
      ([name, price, colour]) =>
        `<article><div class="pic" style="background:${colour}"></div><h2>${name}</h2><p>${price}</p><button>Add to cart</button></article>`,
    )
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Parley demo shop</title>
    <style>
      body { margin: 0; font-family: Georgia, serif; background: #fafaf9; color: #292524; }
      header { padding: 24px 40px; background: #292524; color: #fafaf9; }
      main { display: flex; flex-wrap: wrap; gap: 24px; padding: 40px; }
      article { width: 220px; padding: 16px; background: #fff; border: 1px solid #e7e5e4; }
      .pic { height: 140px; margin-bottom: 12px; }
      p.note { padding: 0 40px; color: #57534e; }
    </style>
  </head>
  <body>
    <header><h1>Demo shop</h1></header>
    <p class="note">A pretend shop. The chat tab appears at the bottom right while an operator is online
      (<code>parley status online</code>).</p>
    <main>
      ${products}
    </main>
    <script src="/widget.js" data-project="${escapeHtml(widgetKey)}" async></script>
  </body>
</html>
`;
}
