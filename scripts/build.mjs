// Builds everything `npm install` must leave ready: TypeScript -> dist/ (type-checked), and the
// website widget (type-checked, then bundled by esbuild into one minified file).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// tsc prints its own errors; a stack trace of this script would only bury them.
const tsc = (args) => {
  const { status } = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), ...args], { stdio: 'inherit', cwd: root });
  if (status !== 0) process.exit(status ?? 1);
};

tsc(['-p', join(root, 'tsconfig.json')]);
tsc(['-p', join(root, 'widget/tsconfig.json'), '--noEmit']);

// One classic script (IIFE): a site embeds it with a plain <script> tag, async or not.
await build({
  entryPoints: [join(root, 'widget/index.ts')],
  outfile: join(root, 'dist/widget/widget.js'),
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
