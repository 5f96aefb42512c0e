// Builds everything `npm install` must leave ready: TypeScript -> dist/ (type-checked), and the
// website widget (type-checked, then bundled by esbuild into one minified file).
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeWidgetFiles } from './widget-files.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// tsc prints its own errors; a stack trace of this script would only bury them.
const rmDir = (dir) => rm(dir, { recursive: true, force: true });
const tsc = (args) => {
  const { status } = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), ...args], { stdio: 'inherit', cwd: root });
  if (status !== 0) process.exit(status ?? 1);
};

tsc(['-p', join(root, 'tsconfig.json')]);
tsc(['-p', join(root, 'widget/tsconfig.json'), '--noEmit']);

// One classic script (IIFE): a site embeds it with a plain <script> tag, async or not. Written
// with its compressed copies and the CSP hash of its stylesheet (scripts/widget-files.mjs).
const widget = await build({
  entryPoints: [join(root, 'widget/index.ts')],
  outfile: join(root, 'dist/widget/widget.js'),
  bundle: true,
  format: 'iife',
  target: 'es2020',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  write: false,
});
// The stylesheet's text from the very sources just bundled (not from a copy compiled earlier).
const styleModule = await build({
  entryPoints: [join(root, 'widget/style.ts')],
  bundle: true,
  format: 'esm',
  write: false,
  logLevel: 'warning',
});
const { STYLE } = await import(`data:text/javascript;base64,${Buffer.from(styleModule.outputFiles[0].contents).toString('base64')}`);
if (typeof STYLE !== 'string') throw new Error('widget/style.ts no longer exports STYLE, the text of the widget\'s <style>: its CSP hash is taken from it');
await writeWidgetFiles(join(root, 'dist/widget'), widget.outputFiles[0].contents, STYLE);

// The operator TUI as one file: importing ink and its hundreds of small modules one by one took
// about a second before the first frame; bundled, loading takes about 100 ms. Plain data crosses
// from the CLI into it (URL, token, callbacks), so its own copy of the client is harmless.
await build({
  entryPoints: [join(root, 'dist/tui/main.js')],
  outfile: join(root, 'dist/tui/main.bundle.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  alias: { 'react-devtools-core': join(root, 'scripts/stubs/react-devtools-core.js') },
  // Some of ink's dependencies are CommonJS and call require().
  banner: { js: "import { createRequire as __parleyRequire } from 'node:module'; const require = __parleyRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// The CLI as one ESM entry with chunks for what only some commands load (yaml, the schema
// checker): resolving and reading its ~150 modules one by one was most of `parley --version`.
// Its npm packages are inside too: loading yaml and typebox file by file took `parley apply`
// about 300 ms more than the bundled operator package takes for the same run.
// The server and the TUI stay outside, imported from dist/ by path when a command needs them.
// dist/cli-bundle sits at the same depth as dist/cli, so paths relative to the module
// (../../package.json) still hold.
const cliOut = join(root, 'dist/cli-bundle');
// Chunks are named by their content: without this, every build would leave the last one's behind.
await rmDir(cliOut);
await build({
  entryPoints: [join(root, 'dist/cli/main.js')],
  outdir: cliOut,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [
    {
      name: 'server-and-tui-stay-outside',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) => {
          const abs = resolve(args.resolveDir, args.path);
          if (!abs.startsWith(join(root, 'dist/server')) && !abs.startsWith(join(root, 'dist/tui'))) return undefined;
          return { path: `./${relative(cliOut, abs)}`, external: true };
        });
      },
    },
  ],
  banner: { js: "import { createRequire as __parleyRequire } from 'node:module'; const require = __parleyRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// The operator package: the CLI and the TUI with every dependency inside, no native code, served
// by the server at /parley.tgz so that an operator installs the command on their own computer
// with `npm install -g https://chat.example.com/parley.tgz`, the same version as the server.
// Its layout mirrors this one (bin/parley.js -> dist/cli-bundle -> ../tui/main.bundle.js and
// ../../package.json), so the CLI's relative paths hold. What runs the server itself (server,
// restore, admin create) needs the whole installation: there it says so.
const kit = join(root, 'dist/kit/package');
await rmDir(join(root, 'dist/kit'));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const serverOnly = join(root, 'scripts/stubs/server-only.js');
await build({
  entryPoints: [join(root, 'dist/cli/main.js')],
  outdir: join(kit, 'dist/cli-bundle'),
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [
    {
      name: 'operator-package',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) => {
          const abs = resolve(args.resolveDir, args.path);
          if (abs.startsWith(join(root, 'dist/server'))) return { path: serverOnly };
          if (abs.startsWith(join(root, 'dist/tui'))) return { path: './../tui/main.bundle.js', external: true };
          return undefined;
        });
      },
    },
  ],
  banner: { js: "import { createRequire as __parleyRequire } from 'node:module'; const require = __parleyRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});
await mkdir(join(kit, 'dist/tui'), { recursive: true });
await copyFile(join(root, 'dist/tui/main.bundle.js'), join(kit, 'dist/tui/main.bundle.js'));
await mkdir(join(kit, 'bin'));
await copyFile(join(root, 'bin/parley.js'), join(kit, 'bin/parley.js'));
await writeFile(
  join(kit, 'package.json'),
  `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: 'Parley for operators: the parley command (CLI and terminal UI), for a Parley server of the same version.',
      license: pkg.license,
      type: 'module',
      bin: { parley: 'bin/parley.js' },
      engines: pkg.engines,
    },
    null,
    2,
  )}\n`,
);
// Fixed times and owners: the same sources give the same archive (and ETag).
const tar = await import('tar');
await tar.c({ gzip: { level: 9 }, file: join(root, 'dist/parley.tgz'), cwd: join(root, 'dist/kit'), portable: true, mtime: new Date(Date.UTC(2000, 0, 1)) }, ['package']);
