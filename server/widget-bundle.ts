// The built widget as the server serves it: dist/widget/widget.js, its compressed copies and the
// CSP hash of its stylesheet, as scripts/widget-files.mjs writes them. Held in memory, and read
// again when widget.js changes on disk: a rebuild in place (`npm run build` while the server
// runs) is served at once, with the hash that goes with it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { etagOf, followFile, type FollowedFile } from './http-cache.js';
import { packageRoot } from './package-root.js';

/** One encoding of the script, with its own ETag (RFC 9110: a strong tag per representation). */
export interface WidgetEncoding {
  body: Buffer;
  etag: string;
}

export interface WidgetBuild {
  identity: WidgetEncoding;
  /** Present when the build compressed it (an older dist has neither). */
  br?: WidgetEncoding;
  gzip?: WidgetEncoding;
  /** The `style-src` source of this script's stylesheet; null when the build did not say. */
  styleSource: string | null;
}

/** The build in its directory now (current(): null when there is none, not built). */
export type WidgetFiles = FollowedFile<WidgetBuild>;

/**
 * The widget built into `dir`, followed as http-cache's followFile follows a file: a request costs
 * one stat; the files, a few tens of KB, are read only when widget.js is another file or was
 * written since.
 */
export function widgetFiles(dir: string): WidgetFiles {
  return followFile(join(dir, 'widget.js'), (fd): WidgetBuild => {
    const script = readFileSync(fd);
    const optional = (name: string) => {
      try {
        return readFileSync(join(dir, name));
      } catch {
        return undefined;
      }
    };
    // A compressed copy is served only if it is this script (a build stopped halfway, a
    // widget.js copied in by hand), as is the manifest's hash.
    const encoding = (name: string, decompress: (b: Buffer) => Buffer, tag: string): WidgetEncoding | undefined => {
      const body = optional(name);
      if (!body) return undefined;
      try {
        return decompress(body).equals(script) ? { body, etag: etagOf(script, tag) } : undefined;
      } catch {
        return undefined;
      }
    };
    let styleSource: string | null = null;
    try {
      const manifest = JSON.parse(optional('widget.json')?.toString('utf8') ?? 'null') as { script?: unknown; styleSrc?: unknown } | null;
      const ours = manifest?.script === createHash('sha256').update(script).digest('base64');
      if (ours && typeof manifest.styleSrc === 'string') styleSource = manifest.styleSrc;
    } catch {
      // Not JSON: as if there were none.
    }
    return {
      identity: { body: script, etag: etagOf(script) },
      br: encoding('widget.js.br', brotliDecompressSync, '-br'),
      gzip: encoding('widget.js.gz', gunzipSync, '-gzip'),
      styleSource,
    };
  });
}

/** The widget of this installation (dist/widget). */
export const installedWidget = widgetFiles(join(packageRoot(), 'dist', 'widget'));

/**
 * Which encoding of the script to send for this Accept-Encoding: the one the client weighs
 * highest among those built, brotli before gzip before none at equal weight. A coding the header
 * does not name is not taken, unless `*` stands for it; identity always may be.
 */
export function chooseEncoding(build: WidgetBuild, acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  if (!acceptEncoding) return 'identity';
  const weights = new Map<string, number>();
  for (const item of acceptEncoding.toLowerCase().split(',')) {
    const [coding, ...params] = item.split(';').map((s) => s.trim());
    if (!coding) continue;
    const q = params.find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    weights.set(coding === 'x-gzip' ? 'gzip' : coding, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: string) => weights.get(coding) ?? weights.get('*') ?? 0;
  let best: 'br' | 'gzip' | 'identity' = 'identity';
  let bestWeight = weights.get('identity') ?? 0.001;
  for (const coding of ['gzip', 'br'] as const) {
    const weight = weightOf(coding);
    if (build[coding] && weight > 0 && weight >= bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}
