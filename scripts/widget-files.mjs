// The widget's files in dist/widget, as the server reads them (server/widget-bundle.ts):
//   widget.js            the script
//   widget.js.br, .gz    the same, compressed once here rather than on every request
//   widget.json          {"script": SHA-256 of widget.js, "styleSrc": "'sha256-…'"}: the CSP
//                        source of the stylesheet this very script puts in its shadow root
// Each file is written beside and renamed into place, widget.js last: a server that sees a new
// widget.js finds the rest of its build already there (and checks they belong to it).
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** Writes one build of the widget into `dir`: its script (bytes) and the text of its stylesheet. */
export async function writeWidgetFiles(dir, script, style) {
  const body = Buffer.from(script);
  const manifest = {
    script: createHash('sha256').update(body).digest('base64'),
    styleSrc: `'sha256-${createHash('sha256').update(style, 'utf8').digest('base64')}'`,
  };
  const br = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
    },
  });
  await mkdir(dir, { recursive: true });
  const put = async (name, data) => {
    const temporary = join(dir, `.${name}.${process.pid}.tmp`);
    await writeFile(temporary, data);
    await rename(temporary, join(dir, name));
  };
  await put('widget.js.br', br);
  await put('widget.js.gz', gzipSync(body, { level: constants.Z_BEST_COMPRESSION }));
  await put('widget.json', `${JSON.stringify(manifest)}\n`);
  await put('widget.js', body);
}
