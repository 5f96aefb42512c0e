// File types by their first bytes, never by name or by the client's Content-Type: the server
// types uploads and avatars with it, and the CLI checks an avatar before sending it.

export interface SniffedType {
  mime: string;
  ext: string;
}

const startsWith = (buf: Buffer, bytes: number[], offset = 0) =>
  buf.length >= offset + bytes.length && bytes.every((b, i) => buf[offset + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

export function sniffImage(buf: Buffer): SniffedType | null {
  if (startsWith(buf, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { mime: 'image/png', ext: 'png' };
  if (startsWith(buf, [0xff, 0xd8, 0xff])) return { mime: 'image/jpeg', ext: 'jpg' };
  if (startsWith(buf, ascii('GIF87a')) || startsWith(buf, ascii('GIF89a'))) return { mime: 'image/gif', ext: 'gif' };
  if (startsWith(buf, ascii('RIFF')) && startsWith(buf, ascii('WEBP'), 8)) return { mime: 'image/webp', ext: 'webp' };
  return null;
}

/** Any uploaded file: images and a few common documents by their bytes; the rest is opaque. */
export function sniffFile(buf: Buffer): SniffedType {
  const image = sniffImage(buf);
  if (image) return image;
  if (startsWith(buf, ascii('%PDF-'))) return { mime: 'application/pdf', ext: 'pdf' };
  if (startsWith(buf, [0x50, 0x4b, 0x03, 0x04])) return { mime: 'application/zip', ext: 'zip' };
  return { mime: 'application/octet-stream', ext: 'bin' };
}

/**
 * A file name that is safe to show and to put in a header: no path, no control characters (C0,
 * C1, and the text direction controls that make "invoice\u202Efdp.exe" show as "invoiceexe.pdf"),
 * no quotes, at most 200 characters. Browsers (and our CLI) send a name's quote, CR and LF as %22,
 * %0D and %0A in a form: those go too, rather than showing as codes.
 */
export function safeFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/%(22|0d|0a)/gi, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069"]/g, '')
    .replace(/^\.+/, '')
    .trim();
  // Cut by code points: half of an emoji's surrogate pair cannot be encoded in the file's URL.
  return [...clean].slice(0, 200).join('') || 'file';
}
